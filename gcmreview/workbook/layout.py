"""The contributor workbook's layout, as data: sheets, tables, columns and their kinds.

Stage: workbook. The writer and the reader both follow these declarations, so a
column is added in one place. Table names and column headers are stable English
identifiers that other tools can rely on (documented in ``docs/workbook.md``); what
a person reads (titles, labels, help) goes through the catalogs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ..i18n import N_
from ..model import ACTION_STATUSES, ACTION_TYPES, SEXES

__all__ = [
    "HEADER_ROW",
    "IDENTITY_FIELDS",
    "IDENTITY_SHEET",
    "IDENTITY_TITLE",
    "INSTRUCTIONS",
    "INSTRUCTIONS_SHEET",
    "LISTS_SHEET",
    "MAX_TABLE_ROWS",
    "TABLES",
    "TEMPLATE_VERSION",
    "Column",
    "ColumnKind",
    "IdentityField",
    "TableSpec",
]

TEMPLATE_VERSION = "gcmreview-workbook-1"
"""Written into every workbook; the reader refuses workbooks without it."""
HEADER_ROW = 4
"""The row of every table's headers in a contributor workbook; the sheet's title, help and column labels are above it."""
MAX_TABLE_ROWS = 5_000
"""Most rows below its headers a table may have: the reader refuses a larger one (GCM223), the JSON import a
contribution that needs more (GCM410), and the writer adds blank rows only up to it (a ministry reports tens of
actions, not thousands)."""

ColumnKind = Literal[
    "key", "fixed", "text", "objectives", "year", "number", "choice", "yesno", "email", "url", "date", "words", "guidance"
]
YES_NO = ("Yes", "No")


@dataclass(frozen=True)
class Column:
    """One column of a table: its stable header, the model field it fills, its kind."""

    header: str
    field: str
    kind: ColumnKind
    width: float
    label: str
    help: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    lang: str | None = None
    institutions: bool = False
    """Names institutions: the workbook offers the review's contributors and listed institutions in a dropdown."""

    @property
    def locked(self) -> bool:
        return self.kind in ("key", "fixed", "words", "guidance")

    def for_language(self, lang: str) -> Column:
        return replace(self, header=self.header.format(lang=lang), field=self.field.format(lang=lang), lang=lang)


@dataclass(frozen=True)
class TableSpec:
    """A named Excel table on its own sheet, one model list per table."""

    name: str
    title: str
    help: str
    columns: tuple[Column, ...]
    section: str
    blank_rows: int = 0
    fixed_rows: bool = False

    @property
    def sheet(self) -> str:
        return self.name

    def expand(self, languages: tuple[str, ...]) -> tuple[Column, ...]:
        """The columns with each per-language column repeated for every language."""
        out: list[Column] = []
        for col in self.columns:
            if "{lang}" in col.header:
                out.extend(col.for_language(lang) for lang in languages)
            else:
                out.append(col)
        return tuple(out)


@dataclass(frozen=True)
class IdentityField:
    """A row of the Contributor sheet."""

    key: str
    label: str
    kind: ColumnKind
    required: bool = False
    help: str = ""


INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
"""A hidden sheet with the names the dropdowns of institution columns offer."""
IDENTITY_SHEET = "Contributor"
IDENTITY_TITLE = N_("About your contribution")

INSTRUCTIONS: tuple[str, ...] = (
    N_("How to fill this workbook"),
    N_("This workbook collects your ministry's contribution to the country's Voluntary GCM Review, the survey on how the Global Compact for Safe, Orderly and Regular Migration is implemented. The coordinating office merges all ministries' workbooks into the national submission."),
    N_("Fill the white cells only. Grey cells hold the survey's questions and are locked. Where a cell offers a dropdown list, pick a value from it."),
    N_("Contributor sheet: your ministry, department, contact person, position, e-mail, phone and the date you completed the workbook."),
    N_("Answers sheet: one row per question. Write your answer in the column of the language you write in; the other language column is for its translation. List the GCM objectives the answer touches as numbers separated by commas (e.g. 2, 5, 12). The survey asks for about 500 words per question; the Words column counts as you type."),
    N_("Actions sheet: one row per policy, law, regulation, plan, programme or agreement your ministry leads or takes part in, with the objectives it serves, its year and status."),
    N_("Principles sheet: for each of the ten guiding principles, say whether your ministry's work integrates it (Yes or No) and explain how."),
    N_("Statistics sheet: one row per figure, with its unit, year, breakdown (sex, age group, nationality) and source."),
    N_("References sheet: the documents and web pages you rely on. Give each a short key, such as iom2019, and cite it in any answer by writing [@iom2019]; the submission turns citations into footnotes."),
    N_("Formatting in answers: leave an empty line between paragraphs; start a line with '- ' for a bullet point; wrap words in **double asterisks** for bold."),
    N_("Do not rename, move or delete sheets, tables or column headers: the coordinating office's tool reads them by name. Save the file as Excel Workbook (.xlsx) and send it back to the coordinating office."),
)

IDENTITY_FIELDS: tuple[IdentityField, ...] = (
    IdentityField("survey", N_("Survey"), "key"),
    IdentityField("template", N_("Template"), "key"),
    IdentityField("contributor", N_("Contributor code"), "key"),
    IdentityField("ministry", N_("Ministry or institution"), "text", True, N_("Full name of your ministry or institution.")),
    IdentityField("department", N_("Department"), "text", False, N_("Department or unit that prepared the answers.")),
    IdentityField("contact_person", N_("Contact person"), "text", True, N_("Name of the person the coordinator can contact.")),
    IdentityField("position", N_("Position"), "text", False, N_("Title or position of the contact person.")),
    IdentityField("email", N_("E-mail"), "email", True, N_("E-mail address, e.g. name@example.org.")),
    IdentityField("phone", N_("Phone"), "text", False, N_("Phone number with country code, e.g. +855 ...")),
    IdentityField("date", N_("Date"), "date", False, N_("Date the workbook was completed (YYYY-MM-DD).")),
)

_OBJECTIVES_HELP = N_("GCM objective numbers (1-23), separated by commas, e.g. 2, 5, 12.")
_YEAR_HELP = N_("Four-digit year, e.g. 2019.")
_LEAD_HELP = N_("Pick the lead agency from the list, or type its name.")
_PARTNERS_HELP = N_("Pick a partner from the list, or type names; separate several with a semicolon (;).")

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "Answers",
        N_("Answers to the survey's questions"),
        N_("One row per question. Write in the column of your language; the other column holds the translation."),
        (
            Column("Question", "question", "key", 9, N_("No.")),
            Column("Question text ({lang})", "", "fixed", 48, N_("Question")),
            Column("Objectives", "objectives", "objectives", 14, N_("GCM objectives"), _OBJECTIVES_HELP),
            Column("Answer ({lang})", "text.{lang}", "text", 70, N_("Answer"), N_("Your answer. Cite sources as [@key].")),
            Column("Words ({lang})", "", "words", 9, N_("Words")),
            Column("Guidance", "", "guidance", 10, N_("Words asked")),
        ),
        "answers",
        fixed_rows=True,
    ),
    TableSpec(
        "Actions",
        N_("Policies, laws, programmes and agreements"),
        N_("One row per action since the adoption of the GCM (10 December 2018) or still in force."),
        (
            Column("Type", "type", "choice", 14, N_("Type"), N_("Pick the kind of action."), ACTION_TYPES, True),
            Column("Title", "title", "text", 36, N_("Title"), N_("Official title of the action."), required=True),
            Column("Year", "year", "year", 8, N_("Year"), _YEAR_HELP),
            Column("Status", "status", "choice", 13, N_("Status"), N_("Pick the status."), ACTION_STATUSES),
            Column("Objectives", "objectives", "objectives", 14, N_("GCM objectives"), _OBJECTIVES_HELP, required=True),
            Column("Lead agency", "lead", "text", 22, N_("Lead agency"), _LEAD_HELP, institutions=True),
            Column("Partners", "partners", "text", 22, N_("Partner agencies"), _PARTNERS_HELP, institutions=True),
            Column("Description", "description", "text", 48, N_("Description"), N_("What the action does.")),
            Column("Results", "results", "text", 40, N_("Results"), N_("Results so far, with figures.")),
        ),
        "actions",
        blank_rows=60,
    ),
    TableSpec(
        "Principles",
        N_("Guiding principles (question 5)"),
        N_("For each principle, say whether it is integrated in your ministry's work and explain how."),
        (
            Column("Key", "principle", "key", 20, N_("Key")),
            Column("Principle ({lang})", "", "fixed", 28, N_("Guiding principle")),
            Column("Integrated", "integrated", "yesno", 12, N_("Integrated"), N_("Yes or No."), YES_NO),
            Column("Explanation ({lang})", "explanation.{lang}", "text", 60, N_("Explanation"), N_("How the principle is integrated.")),
        ),
        "principles",
        fixed_rows=True,
    ),
    TableSpec(
        "Statistics",
        N_("Statistics"),
        N_("One row per figure. The submission shows them under question a of the cluster of their objectives."),
        (
            Column("Indicator", "indicator", "text", 40, N_("Indicator"), N_("What is counted or measured."), required=True),
            Column("Objectives", "objectives", "objectives", 14, N_("GCM objectives"), _OBJECTIVES_HELP, required=True),
            Column("Value", "value", "number", 12, N_("Value"), N_("Digits only, e.g. 1500 or 12.5."), required=True),
            Column("Unit", "unit", "text", 14, N_("Unit"), N_("e.g. persons, %, USD.")),
            Column("Year", "year", "year", 8, N_("Year"), _YEAR_HELP),
            Column("Sex", "sex", "choice", 10, N_("Sex"), N_("Total, Female or Male."), SEXES),
            Column("Age group", "age_group", "text", 12, N_("Age group"), N_("e.g. 15-24; leave empty for all ages.")),
            Column("Nationality", "nationality", "text", 14, N_("Nationality")),
            Column("Source", "source", "text", 30, N_("Source"), N_("Source of the figure; cite a reference as [@key].")),
        ),
        "statistics",
        blank_rows=40,
    ),
    TableSpec(
        "References",
        N_("References"),
        N_("Documents and web pages cited in your answers as [@key]."),
        (
            Column("Key", "key", "text", 16, N_("Key"), N_("Short key, letters and digits, e.g. iom2019."), required=True),
            Column("Citation", "citation", "text", 60, N_("Citation"), N_("Author, title, publisher, year."), required=True),
            Column("URL", "url", "url", 40, N_("Web address"), N_("Full address starting with https://.")),
            Column("Year", "year", "year", 8, N_("Year"), _YEAR_HELP),
        ),
        "references",
        blank_rows=40,
    ),
)
