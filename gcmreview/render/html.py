"""The laid-out submission as HTML, the source WeasyPrint turns into the PDF.

Stage: render (HTML). :func:`render_html` fills ``submission.html.j2`` (the
workspace's own ``templates/`` first, then the packaged one) with a
:class:`~gcmreview.render.document.Document`; :func:`render_bilingual_html` fills
``bilingual.html.j2`` with two language versions side by side. Both templates
take their macros from ``_macros.j2``. Jinja escapes every value, so text from a
spreadsheet can never become markup; the templates only place what the Documents
hold. Typesetting helpers live here rather than in the templates: list items are
nested into ``<ul>``/``<ol>`` blocks; citations become CSS footnotes (the first
citation of a reference carries the footnote text, later ones a superscript
number), numbered as WeasyPrint's ``footnote`` counter will number them; every
text carries its language (``lang`` where it differs from the element around it,
so the ``:lang()`` font rules of :func:`font_css` pick its font); and text in
Khmer, Lao, Myanmar or Thai gets U+200B at its word boundaries, since WeasyPrint
finds no line breaks in scripts written without spaces (:class:`Typesetter`).
The DOCX renderer does none of this: Word breaks these scripts by itself.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from ..survey.languages import language_of, languages
from .document import Body, Document, Footnote, Item, Run, Table
from .sandbox import Pending
from .scripts import break_all
from .templates import find_template, jinja_environment, limits_for, start_fill

__all__ = ["FontRule", "ListBlock", "ListEntry", "Piece", "Typesetter", "font_css", "font_rules", "render_bilingual_html",
           "render_html", "start_bilingual_html", "start_html"]

TEMPLATE = "submission.html.j2"
BILINGUAL = "bilingual.html.j2"
LOG = logging.getLogger(__name__)


@dataclass
class ListEntry:
    """One list item, with the lists nested under it."""

    item: Item
    value: int | None = None
    children: list[ListBlock] = field(default_factory=list)


@dataclass
class ListBlock:
    """Consecutive bullet or numbered items of one level: a ``<ul>`` or ``<ol>``."""

    kind: Literal["bullet", "numbered"]
    entries: list[ListEntry] = field(default_factory=list)


HtmlBlock = Item | Table | ListBlock


def _value(item: Item) -> int | None:
    """The number a numbered item shows ("3." -> 3)."""
    match = re.match(r"\d+", item.number)
    return int(match.group()) if match else None


def _nest(items: list[Item]) -> list[ListBlock]:
    """Consecutive list items as lists, deeper levels nested under the item before them."""
    roots: list[ListBlock] = []
    stack: list[tuple[int, ListBlock]] = []  # open lists, innermost last
    for item in items:
        while stack and (stack[-1][0] > item.level or (stack[-1][0] == item.level and stack[-1][1].kind != item.kind)):
            stack.pop()
        if stack and stack[-1][0] == item.level:
            block = stack[-1][1]
        else:
            block = ListBlock("bullet" if item.kind == "bullet" else "numbered")
            if stack and stack[-1][1].entries:
                stack[-1][1].entries[-1].children.append(block)
            else:
                roots.append(block)
            stack.append((item.level, block))
        block.entries.append(ListEntry(item, _value(item)))
    return roots


def blocks(body: list[Body]) -> list[HtmlBlock]:
    """An answer body with its runs of list items grouped into (nested) lists."""
    out: list[HtmlBlock] = []
    pending: list[Item] = []
    for part in body:
        if isinstance(part, Item) and part.kind != "paragraph":
            pending.append(part)
            continue
        out += _nest(pending)
        pending = []
        out.append(part)
    return out + _nest(pending)


def paired_parts(left: list[Body], right: list[Body]) -> list[tuple[list[Body], list[Body]]]:
    """An answer in two languages as rows of the bilingual table: one row per contributor's part.

    Parts are grouped by contributor (consecutive paragraphs, actions or a table of the
    same contributor); when both languages have the same groups in the same order, each
    pair of groups is a row, so that a long answer is many short rows rather than one
    row many pages long. Otherwise, or when the rows would change the order in which
    footnotes are first cited (WeasyPrint numbers them in reading order, row by row,
    left then right), the whole answer is one row. Always at least one row.
    """
    whole = [(list(left), list(right))]
    groups = [_groups(left), _groups(right)]
    if [key for key, _ in groups[0]] != [key for key, _ in groups[1]] or len(groups[0]) < 2:
        return whole
    rows = [(a, b) for (_, a), (_, b) in zip(groups[0], groups[1], strict=True)]
    return rows if _first_cited(rows) == _first_cited(whole) else whole


def _groups(body: list[Body]) -> list[tuple[tuple[str, ...], list[Body]]]:
    """Consecutive parts of one contributor; a part of nobody's (a heading) goes with the parts after it."""
    out: list[tuple[tuple[str, ...], list[Body]]] = []
    heading: list[Body] = []
    for part in body:
        key = tuple(part.contributors) if isinstance(part, Table) else (part.contributor,)
        if key in ((), ("",)):
            heading.append(part)
        elif out and out[-1][0] == key and not heading:
            out[-1][1].append(part)
        else:
            out.append((key, [*heading, part]))
            heading = []
    if heading:
        out.append((("",), heading))
    return out


def _first_cited(rows: list[tuple[list[Body], list[Body]]]) -> list[int]:
    """Footnote numbers in reading order (row by row, left then right), each at its first citation."""
    seen: dict[int, None] = {}
    for left, right in rows:
        for part in [*left, *right]:
            cells = [part.runs] if isinstance(part, Item) else [cell for row in part.rows for cell in row]
            seen.update((run.footnote, None) for runs in cells for run in runs if run.footnote is not None)
    return list(seen)


@dataclass(frozen=True)
class Piece:
    """A run ready to typeset: its text with break opportunities, and the language to tag it with.

    ``lang`` is empty when the run is in the language of the element around it.
    """

    text: str = ""
    bold: bool = False
    italic: bool = False
    footnote: int | None = None
    linebreak: bool = False
    lang: str = ""


@dataclass(frozen=True)
class FontRule:
    """The fonts and leading of one language, as the page's ``:lang()`` rules name them."""

    lang: str
    families: tuple[str, ...]
    leading: float | None


# Line height for scripts whose marks reach far above and below the letters (the
# Latin body text uses 1.35): stacked consonants and vowel signs of neighbouring
# lines would touch otherwise. Noto Sans Myanmar's ascent + descent is 2.18 em.
LEADING: dict[str, float] = {"Khmer": 1.7, "Lao": 1.65, "Thai": 1.55, "Myanmar": 2.0}
FALLBACK_FONTS = ("DejaVu Sans",)
"""After every language's font: the check boxes and symbols."""


def font_rules() -> list[FontRule]:
    """For every known language: its own font first, then every other language's, then the fallbacks.

    Naming every font matters: fontconfig's fallback for ``sans-serif`` picks a
    different font per script (and per machine).
    """
    everyone = list(dict.fromkeys(lang.font for lang in languages().values()))
    return [
        FontRule(code, tuple(dict.fromkeys([lang.font, *everyone, *FALLBACK_FONTS])), LEADING.get(lang.script))
        for code, lang in languages().items()
    ]


def _css_string(family: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]*", family):
        raise ValueError(f"Unexpected font family name {family!r}")
    return f'"{family}"'


def font_css() -> Markup:
    """The page's font rules: every language's font stack (``:lang(xx)``) and leading.

    Markup (not escaped): it goes into a ``<style>`` element, where ``&#34;`` would
    not be a quote. The family names come from the packaged languages.toml and are
    checked to be plain names.
    """
    rules = font_rules()
    base = next((r for r in rules if r.lang == "en"), rules[0])
    lines = [f"html {{ font-family: {', '.join(map(_css_string, base.families))}; }}"]
    for rule in rules:
        lines.append(f":lang({rule.lang}) {{ font-family: {', '.join(map(_css_string, rule.families))}; }}")
        if rule.leading is not None:
            lines.append(f":lang({rule.lang}), .footnote:lang({rule.lang}), .contributor:lang({rule.lang}) "
                         f"{{ line-height: {rule.leading}; }}")
    return Markup("\n".join(lines) + "\n")


class Typesetter:
    """Languages and line-break opportunities of the texts a template places.

    Every text is in a language: the one its Run or Item declares, or the element's
    around it. Text whose letters are mostly in another script than that language's
    (a Khmer citation in the English document, an English name in the Khmer one)
    is taken to be in the language of that script, preferring the page's languages.
    Text in a script without spaces gets U+200B at its word boundaries
    (:func:`~gcmreview.render.scripts.break_all`) unless ``breaks`` is off.
    """

    def __init__(self, langs: tuple[str, ...], *, breaks: bool = True) -> None:
        self.langs = langs
        self.breaks = breaks

    def lang_of(self, text: str, declared: str) -> str:
        """The language ``text`` is in, given the language it is declared (or placed) in."""
        return language_of(text, (declared, *self.langs, *languages()), declared)

    def prepare(self, text: str, lang: str) -> str:
        """``text`` with break opportunities for the scripts without spaces."""
        return break_all(text, lang if lang in languages() else "") if self.breaks else text

    def text(self, text: object, context: str) -> Markup:
        """A plain value (a label, a name, a citation) in an element of language ``context``: escaped,
        with break opportunities, and in a ``<span lang>`` if it is in another language."""
        value = "" if text is None else str(text)
        lang = self.lang_of(value, context)
        out = escape(self.prepare(value, lang))
        return Markup(f'<span lang="{escape(lang)}">{out}</span>') if lang != context else out

    def runs(self, items: list[Run], context: str = "") -> list[Piece]:
        """The runs to typeset in an element of language ``context``: no space before a footnote call
        ("home [@x]." -> "home¹."), each with break opportunities and its language if not ``context``."""
        out: list[Piece] = []
        for i, run in enumerate(items):
            following = items[i + 1] if i + 1 < len(items) else None
            text = run.text
            if following is not None and following.footnote is not None and text and not run.linebreak:
                text = text.rstrip()
                if not text:
                    continue
            declared = getattr(run, "lang", "") or context
            lang = self.lang_of(text, declared) if text else declared
            out.append(Piece(self.prepare(text, lang), run.bold, run.italic, run.footnote, run.linebreak,
                             "" if lang == context else lang))
        return out


def runs(items: list[Run], context: str = "") -> list[Piece]:
    """:meth:`Typesetter.runs` with break opportunities, for templates that do not pass a typesetter."""
    return Typesetter(()).runs(items, context)


def lang_attr(lang: str, context: str) -> Markup:
    """`` lang="xx"`` when an element's language differs from the one around it, else nothing."""
    return Markup(f' lang="{escape(lang)}"') if lang and lang != context else Markup("")


class Citations:
    """Decides, citation by citation in document order, footnote or repeat reference.

    WeasyPrint numbers ``float: footnote`` elements in document order, so the
    n-th footnote emitted is shown as n; :meth:`shown_as` gives that number for
    repeat references. It equals the Document's (numbered by first citation)
    unless a workspace template places answers in another order, which
    :meth:`check` reports.
    """

    def __init__(self, doc: Document) -> None:
        self.notes: dict[int, Footnote] = {n.number: n for n in doc.footnotes}
        self.shown: dict[int, int] = {}  # document number -> number WeasyPrint shows

    def first(self, number: int) -> bool:
        """Whether this citation is the first of its reference (the footnote itself goes here)."""
        if number in self.shown:
            return False
        self.shown[number] = len(self.shown) + 1
        return True

    def shown_as(self, number: int) -> int:
        return self.shown[number]

    def note(self, number: int) -> Footnote:
        return self.notes[number]

    def checked(self, html: str) -> str:
        """``html``, once :meth:`check` has looked at the footnotes placed in it."""
        self.check()
        return html

    def check(self) -> bool:
        """True if every footnote was placed and shows the Document's number."""
        ok = all(doc_number == shown for doc_number, shown in self.shown.items()) and set(self.shown) == set(self.notes)
        if not ok:
            LOG.warning("Footnote numbers in the HTML differ from the document's: %s", self.shown)
        return ok


def environment(workspace: Path | None) -> Environment:
    """The Jinja environment over the template folders (workspace's first)."""
    env = jinja_environment(workspace)
    env.globals.update(blocks=blocks, runs=runs, lang_attr=lang_attr, paired_parts=paired_parts)
    env.filters.update(tx=_tx)
    env.tests.update(item=lambda x: isinstance(x, Item), table=lambda x: isinstance(x, Table),
                     listblock=lambda x: isinstance(x, ListBlock))
    return env


@pass_context
def _tx(context: Context, value: object, lang: str) -> Markup:
    """``{{ value|tx(lang) }}``: a plain value placed in an element of language ``lang`` (:meth:`Typesetter.text`)."""
    ts = context.get("ts")
    return (ts if isinstance(ts, Typesetter) else Typesetter(())).text(value, lang)


def render_html(doc: Document, workspace: Path | None, *, breaks: bool = True) -> str:
    """The submission as an HTML page for WeasyPrint (``submission.html.j2``).

    ``breaks=False`` leaves out the U+200B break opportunities in Khmer, Lao,
    Myanmar and Thai text (only to show what they are for: such text then runs
    off the page).
    """
    return start_html(doc, workspace, breaks=breaks).result()


def start_html(doc: Document, workspace: Path | None, *, breaks: bool = True) -> Pending[str]:
    """:func:`render_html` begun (in its own process): the page from :meth:`~.sandbox.Pending.result`."""
    find_template(TEMPLATE, workspace)  # a clear GcmReviewError if it is missing
    citations = Citations(doc)
    ts = Typesetter((doc.lang,), breaks=breaks)
    context = {"doc": doc, "cite": citations, "ts": ts, "fonts": font_css()}
    return start_fill(environment(workspace), TEMPLATE, limits_for(len(repr(doc))), context, citations.checked)


def render_bilingual_html(left: Document, right: Document, workspace: Path | None, *, breaks: bool = True) -> str:
    """The two language versions side by side (``bilingual.html.j2``): each block of the form a row,
    ``left`` in the left column, ``right`` in the right.

    The documents must come from one :func:`~gcmreview.render.document.layout_languages`
    call with ``left``'s language first, so that the footnote numbers rise in reading
    order (row by row, left then right), the order in which WeasyPrint numbers them.
    """
    return start_bilingual_html(left, right, workspace, breaks=breaks).result()


def start_bilingual_html(left: Document, right: Document, workspace: Path | None, *, breaks: bool = True) -> Pending[str]:
    """:func:`render_bilingual_html` begun (in its own process): the page from :meth:`~.sandbox.Pending.result`."""
    if [(n.number, n.text) for n in left.footnotes] != [(n.number, n.text) for n in right.footnotes]:
        raise ValueError("The two documents do not share their footnotes: lay them out with layout_languages()")
    find_template(BILINGUAL, workspace)
    citations = Citations(left)
    ts = Typesetter((left.lang, right.lang), breaks=breaks)
    context = {"left": left, "right": right, "docs": (left, right), "cite": citations, "ts": ts, "fonts": font_css()}
    return start_fill(environment(workspace), BILINGUAL, limits_for(len(repr(left)) + len(repr(right))), context, citations.checked)
