"""Maintain the gettext catalogs: extract every fixed text, update each language's .po.

Stage: reference data (maintenance). Messages come from three places: strings marked
with ``N_()``/``_()`` in the package (extracted with Babel), the web app's page
templates (``_()`` in ``gcmreview/web/templates``, Jinja's extractor), and the survey's data
files (form wording, objective titles, principle names). Run ``nox -s catalogs``
after changing either; translators then fill the new entries in ``locale/<lang>.po``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from .survey import available_surveys, load_reference, load_survey

__all__ = ["survey_messages", "template_catalog", "update_catalogs"]

PACKAGE = Path(__file__).parent
LOCALE = PACKAGE / "locale"
WEB_TEMPLATES = "templates/**.j2"


def survey_messages() -> Iterator[tuple[str, str]]:
    """(msgid, where) for every fixed text of the reference data and survey versions."""
    ref = load_reference()
    for objective in ref.objectives:
        yield objective.title, f"gcm.toml:objective {objective.number}"
    for cluster in ref.clusters:
        yield cluster.title, f"gcm.toml:cluster {cluster.number}"
    for principle in ref.principles:
        yield principle.name, f"gcm.toml:principle {principle.key}"
    for survey_id in available_surveys():
        survey = load_survey(survey_id)
        texts = [*survey.title, *survey.mandate, survey.contact_intro, survey.return_line, survey.sharing_line]
        texts += [f.label for f in survey.contact_fields] + [survey.instructions_heading, *survey.instructions]
        texts += [s.intro for s in survey.sections] + [survey.closing_intro, survey.objectives_label]
        texts += [q.text for q in survey.questions] + [q.answer_prefix for q in survey.questions]
        p = survey.principles
        texts += [p.header_principle, p.header_integrated, p.header_explanation, p.yes, p.no, survey.sharing_yes, survey.sharing_no]
        for text in texts:
            yield text, f"{survey_id}.toml"


def choice_messages() -> Iterator[tuple[str, str]]:
    """(msgid, where) for the dropdown choices shown in documents and reports."""
    from .model import ACTION_STATUSES, ACTION_TYPES, SEXES

    for choice in (*ACTION_TYPES, *ACTION_STATUSES, *SEXES):
        yield choice, "model.py:choices"


def diagnostic_messages() -> Iterator[tuple[str, str]]:
    """(msgid, where) for every diagnostic message template."""
    from .errors import Code

    for code in Code:
        if code.template.strip("{}") != "detail":
            yield code.template, f"errors.py:{code.code}"


def template_catalog() -> Catalog:
    """The catalog template (.pot): every message of the package and the survey data."""
    catalog = Catalog(project="gcmreview", msgid_bugs_address="", copyright_holder="gcmreview contributors")
    keywords = {"N_": None, "_": None}
    for filename, lineno, message, comments, _context in extract_from_dir(str(PACKAGE), keywords=keywords):
        catalog.add(message, locations=[(f"gcmreview/{filename}", lineno)], auto_comments=comments)
    pages = str(PACKAGE / "web")  # the web app's page templates: labels passed to _()
    options = {WEB_TEMPLATES: {"trim_blocks": "true", "lstrip_blocks": "true"}}
    for filename, lineno, message, comments, _context in extract_from_dir(
        pages, method_map=[(WEB_TEMPLATES, "jinja2")], options_map=options, keywords=keywords
    ):
        catalog.add(message, locations=[(f"gcmreview/web/{filename}", lineno)], auto_comments=comments)
    for message, where in [*survey_messages(), *choice_messages(), *diagnostic_messages()]:
        if message:
            catalog.add(message, locations=[(where, 0)], flags=("python-brace-format",) if "{" in message else ())
    return catalog


def update_catalogs() -> list[Path]:
    """Write locale/gcmreview.pot and bring every locale/<lang>.po up to date with it."""
    template = template_catalog()
    LOCALE.mkdir(exist_ok=True)
    written = [_write(LOCALE / "gcmreview.pot", template)]
    for po in sorted(LOCALE.glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.stem)
        catalog.update(template, no_fuzzy_matching=True)
        written.append(_write(po, catalog))
    return written


def _write(path: Path, catalog: Catalog) -> Path:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)
    path.write_bytes(buffer.getvalue())
    return path


if __name__ == "__main__":
    for written in update_catalogs():
        print(written.relative_to(PACKAGE.parent))
    sys.exit(0)
