"""HTML and PDF rendering: the form's order, answers, footnotes, metadata, and nothing fetched.

The workspace is built from the conftest fixtures with a contribution that uses
every kind of markup: paragraphs, nested bullets, a numbered list, bold, italic,
line breaks, citations cited more than once, a statistics table, a pending
translation and the principles table.
"""

from __future__ import annotations

import copy
import io
import os
import re
import socket
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast

import pypdf
import pytest
from conftest import WriteWorkbook

from gcmreview.prepared import prepare
from gcmreview.render.document import Document, layout
from gcmreview.render.html import render_html
from gcmreview.render.pdf import PDF_VARIANT, FetchRefused, SafeFetcher, render_pdf
from gcmreview.render.templates import packaged_templates, template_dirs

GOLDEN = Path(__file__).resolve().parent / "golden"
FORM_LINES = [line.replace("**", "") for line in (GOLDEN / "escap-2020-form.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
HEADER = "Cambodia · Voluntary GCM Review"
ZWSP = "\u200b"

REFERENCES = [
    {"key": "plan2019", "citation": "Labour migration policy 2019-2023.", "url": "https://example.org/plan-2019"},
    {"key": "sdg2015", "citation": "Transforming our world: the 2030 Agenda (A/RES/70/1)."},
]
ANSWERS: dict[str, dict[str, str]] = {
    "1a": {
        "en": "Most workers leave for Thailand, where wages are far higher [@survey2016].\n\n"
        "The **new policy** makes regular channels *much cheaper* [@plan2019].\nIt took effect in 2019.\n\n"
        "- free passports for workers\n  - issued at provincial offices\n- a complaint desk at the border\n\n"
        "1. register with a licensed agency\n2. sign the contract",
        "km": "ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ ដែលប្រាក់ឈ្នួលខ្ពស់ជាង [@survey2016]។",
    },
    "1c": {"km": "ចំណាយខ្ពស់នៅតែជាបញ្ហាចម្បង។"},
    "2a": {"en": "Returnees are counted again at the border posts [@survey2016]."},
    "6": {"en": "The plan links the compact to target 10.7 [@sdg2015]."},
}
PROBLEMS = ["Question 2b has no answer <yet>"]
# The sentence that first cites each footnote, in citation order.
FIRST_CITED = ["wages are far higher", "much cheaper", "target 10.7"]


def rich_contribution(data: dict[str, Any]) -> dict[str, Any]:
    data["answers"] = [{"question": q, "objectives": [], "text": text} for q, text in ANSWERS.items()]
    data["references"] += REFERENCES
    data["principles"] = [
        {"principle": "human-rights", "integrated": True, "explanation": {"en": "Complaint desks at the border [@plan2019]."}},
        {"principle": "gender-responsive", "integrated": False, "explanation": {"en": "Not yet."}},
    ]
    return data


@dataclass
class Rendered:
    workspace: Path
    doc: Document
    html: str


@pytest.fixture
def build(workspace: Path, write_workbook: WriteWorkbook, contribution_data: dict[str, Any]) -> Callable[..., Rendered]:
    """Write the rich contribution (changed by ``edit``) and lay it out and render its HTML."""

    def _build(edit: Callable[[dict[str, Any]], None] | None = None, **options: Any) -> Rendered:
        data = copy.deepcopy(rich_contribution(copy.deepcopy(contribution_data)))  # edits leave ANSWERS as they are
        if edit is not None:
            edit(data)
        write_workbook(data)
        prepared = prepare(workspace)
        assert prepared.errors == []
        doc = layout(prepared.submission, prepared.check.survey, "en", **options)
        return Rendered(workspace, doc, render_html(doc, workspace))

    return _build


@pytest.fixture
def rendered(build: Callable[..., Rendered]) -> Rendered:
    return build()


# --- HTML -------------------------------------------------------------------------------------

BLOCK_TAGS = {"title", "h1", "h2", "h3", "p", "li", "th", "td"}
CONTAINER_TAGS = {"section", "div", "table", "ul", "ol"}


class TextDump(HTMLParser):
    """A normalised text dump: one line per block element (``tag.class: text``), indented by container, inline marks kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.depth = 0  # open containers
        self.blocks: list[list[str]] = []  # open blocks: [label, text...]
        self.inline: list[str] = []  # closing marks of open inline elements
        self.in_style = False  # inside <style>: the font rules, not text

    def flush(self) -> None:
        if self.blocks and "".join(self.blocks[-1][1:]).strip():
            text = re.sub(r"\s+", " ", "".join(self.blocks[-1][1:])).strip()
            self.lines.append(f"{'  ' * self.depth}{self.blocks[-1][0]}: {text}")
        if self.blocks:
            del self.blocks[-1][1:]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        label = tag + "".join(f".{c}" for c in a.get("class", "").split()) + (f"[lang={a['lang']}]" if "lang" in a else "")
        if tag == "style":
            self.in_style = True
        elif tag == "html":
            self.lines.append(f"html[lang={a.get('lang')}]")
        elif tag in ("meta", "link") and ("name" in a or "rel" in a):
            self.lines.append(f"{tag} {a.get('name') or a.get('rel')}: {a.get('content') or a.get('href')}")
        elif tag in CONTAINER_TAGS:
            self.flush()
            self.lines.append(f"{'  ' * self.depth}<{label}>")
            self.depth += 1
        elif tag in BLOCK_TAGS:
            self.flush()
            self.blocks.append([label])
        else:
            opening, closing = self.marks(tag, a)
            self.data(opening)
            self.inline.append(closing)

    @staticmethod
    def marks(tag: str, a: dict[str, str]) -> tuple[str, str]:
        """Opening and closing marks of an inline element; ``{km: ...}`` around one in another language."""
        opening, closing = TextDump.base_marks(tag, a)
        if "lang" in a:
            return f"{{{a['lang']}: {opening}", f"{closing}}}"
        return opening, closing

    @staticmethod
    def base_marks(tag: str, a: dict[str, str]) -> tuple[str, str]:
        classes = a.get("class", "").split()
        if "footnote" in classes:
            return f"[^{a['data-number']}: ", "]"
        if "footnote-ref" in classes:
            return "[^ref ", "]"
        if "contributor" in classes:
            return "{by ", "} "
        return {"strong": ("**", "**"), "em": ("_", "_"), "br": (" / ", "")}.get(tag, ("", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False
        elif tag in BLOCK_TAGS:
            self.flush()
            self.blocks.pop()
        elif tag in CONTAINER_TAGS:
            self.flush()
            self.depth -= 1
        elif tag not in {"html", "head", "body", "meta", "link", "br", "style"} and self.inline:
            self.data(self.inline.pop())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("meta", "link", "br"):
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.data(data.replace(ZWSP, ""))  # break opportunities: tested on their own

    def data(self, text: str) -> None:
        if self.blocks:
            self.blocks[-1].append(text)
        elif text.strip():
            self.lines.append(f"{'  ' * self.depth}text: {text.strip()}")


def dump(html: str) -> list[str]:
    parser = TextDump()
    parser.feed(html)
    parser.close()
    return parser.lines


def blocks(html: str) -> list[str]:
    """The dump's lines without their indentation."""
    return [line.strip() for line in dump(html)]


def squeeze(text: str) -> str:
    """Text without any whitespace: line breaks and spacing differ between HTML and PDF."""
    return re.sub(r"\s+", "", text)


def assert_in_order(haystack: str, needles: list[str]) -> None:
    position = 0
    for needle in needles:
        found = squeeze(haystack).find(squeeze(needle), position)
        assert found >= 0, f"not found (in order): {needle!r}"
        position = found + len(squeeze(needle))


def html_text(html: str) -> str:
    """The text of the page's body, tags dropped."""
    return unescape(re.sub(r"<[^>]*>", " ", html.split("<body", 1)[1]))


def test_html_matches_golden(rendered: Rendered) -> None:
    golden = GOLDEN / "html-en.txt"
    text = "\n".join(dump(rendered.html)) + "\n"
    if os.environ.get("GCMREVIEW_REGOLD"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "regenerate with GCMREVIEW_REGOLD=1 after checking the change"


def test_html_has_the_form_in_order_and_one_answer_per_question(rendered: Rendered) -> None:
    html = rendered.html
    assert_in_order(html_text(html), FORM_LINES)
    ids = re.findall(r'<section class="question" id="q(\w+)">', html)
    assert ids == [f"{c}{x}" for c in "1234" for x in "abcd"] + ["5", "6", "7", "8", "9", "10"]
    assert html.count('<div class="answer-body">') == len(ids)
    assert html.count('<p class="answer-prefix">Answer:</p>') == 5
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en-GB\">")
    assert '<link rel="stylesheet" href="submission.css">' in html


def test_html_answer_markup(rendered: Rendered) -> None:
    lines = blocks(rendered.html)
    assert "p.item.item-answer: The **new policy** makes regular channels _much cheaper_[^2: Labour migration policy 2019-2023. (https://example.org/plan-2019)]. / It took effect in 2019." in lines
    assert '<ul.bullet>' in lines and '<ol.numbered>' in lines
    assert lines.index("li.item.item-answer: free passports for workers") < lines.index("li.item.item-answer: issued at provincial offices")
    assert '<li class="item item-answer" value="2" data-contributor="LAB">sign the contract' in rendered.html
    assert "p.item.item-answer[lang=km]: {en: _[translation pending]_} ចំណាយខ្ពស់នៅតែជាបញ្ហាចម្បង។" in lines


def test_html_footnotes_in_citation_order(rendered: Rendered) -> None:
    doc, html = rendered.doc, rendered.html
    notes = re.findall(r'<span class="footnote" id="fn-\d+" data-number="(\d+)">(.*?)</span>(?:</span>)?', html)
    assert [int(n) for n, _ in notes] == [n.number for n in doc.footnotes] == [1, 2, 3]
    for (_, text), note in zip(notes, doc.footnotes, strict=True):
        assert text.startswith(note.text.replace("'", "&#39;"))
    refs = re.findall(r'<sup class="footnote-ref" data-number="(\d+)">(\d+)</sup>', html)
    assert refs and all(number == shown for number, shown in refs)
    assert {int(n) for n, _ in refs} <= {1, 2}
    first = [html.find(f'<span class="footnote" id="fn-{n}" data-number="{n}">') for n in (1, 2, 3)]
    assert first == sorted(first)
    assert all(html.find(f'data-number="{n}"') == first[n - 1] + len(f'<span class="footnote" id="fn-{n}" ') for n in (1, 2, 3)), \
        "a footnote comes at its first citation"
    assert_in_order(html_text(html), [f"{FIRST_CITED[n - 1]}{doc.footnotes[n - 1].text}" for n in (1, 2, 3)])


def test_a_workspace_template_comes_first_and_is_escaped_too(build: Callable[..., Rendered], workspace: Path) -> None:
    (workspace / "templates").mkdir()
    (workspace / "templates" / "submission.html.j2").write_text("<p>{{ doc.country }} {{ '<b>' }}</p>\n", encoding="utf-8")
    assert build().html == "<p>Cambodia &lt;b&gt;</p>\n"


def test_html_principle_and_sharing_boxes(rendered: Rendered) -> None:
    lines = blocks(rendered.html)
    rows = {line.split(": ", 1)[1] for line in lines if line.startswith("td.boxes")}
    assert rows == {"☒ yes ☐ no", "☐ yes ☒ no", "☐ yes ☐ no"}
    assert lines[lines.index("th: Human rights") + 1] == "td.boxes: ☒ yes ☐ no"
    assert lines[lines.index("th: Gender-responsive") + 1] == "td.boxes: ☐ yes ☒ no"
    assert lines[lines.index("th: People-centred") + 1] == "td.boxes: ☐ yes ☐ no"
    assert "p.sharing-boxes: ☒ Yes ☐ No" in lines
    table = lines[lines.index("<table.principles>"):]
    principles = [line.removeprefix("th: ") for line in table if line.startswith("th: ")][3:]  # after the header row
    assert principles == FORM_LINES[FORM_LINES.index("People-centred"):FORM_LINES.index("Whole-of-society approach") + 1]


def test_html_review_and_draft_marks(build: Callable[..., Rendered]) -> None:
    final = build().html
    r = build(review=True, draft=True, problems=PROBLEMS)
    lines = blocks(r.html)
    assert '<body class="review draft">' in r.html and '<body class="final">' in final
    assert "p.item.item-answer: {by Ministry of Labour} Most workers leave for Thailand, where wages are far higher[^1: Profile of returned migrant workers (2016). (https://example.org/report.pdf)]." in lines
    assert "td.col-1: {by Ministry of Labour} Workers sent abroad through licensed agencies" in lines
    assert 'class="contributor"' not in final
    assert '<div class="running-draft">DRAFT</div>' in r.html
    assert '<div class="watermark" aria-hidden="true">DRAFT</div>' in r.html and "DRAFT" not in final
    assert lines[-4:] == ["<section.problems>", "h2: Problems to resolve before sending", "<ul>", "li: Question 2b has no answer <yet>"]
    assert "Question 2b has no answer &lt;yet&gt;" in r.html
    assert "p.item.item-note: _No contribution answers this question yet._" in lines


# --- PDF --------------------------------------------------------------------------------------


@dataclass
class Pdf:
    data: bytes
    reader: pypdf.PdfReader
    pages: list[str]


def make_pdf(r: Rendered, fetcher: SafeFetcher | None = None) -> Pdf:
    messages: list[str] = []
    data = render_pdf(r.html, r.workspace, fetcher=fetcher, messages=messages)
    assert [m for m in messages if "HarfBuzz-Subset" not in m] == [], "WeasyPrint complained"
    reader = pypdf.PdfReader(io.BytesIO(data))
    return Pdf(data, reader, [page.extract_text() for page in reader.pages])


def text_heights(page: pypdf.PageObject) -> list[tuple[float, str]]:
    """(height on the page, text) of each text run drawn on a page."""
    found: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: Any) -> None:
        if text.strip():
            found.append((pypdf.mult(tm, cm)[5], text))

    page.extract_text(visitor_text=visit)
    return found


def test_pdf_text_pages_and_metadata(rendered: Rendered) -> None:
    pdf = make_pdf(rendered)
    assert len(pdf.pages) > 1
    assert_in_order("\n".join(pdf.pages), FORM_LINES)
    text = squeeze("".join(pdf.pages))
    for sentence in ("where wages are far higher", "The new policy makes regular channels much cheaper", "free passports for workers",
                     "sign the contract", "Returnees are counted again at the border posts", "Complaint desks at the border",
                     "The plan links the compact to target 10.7", "Workers sent abroad through licensed agencies"):
        assert squeeze(sentence) in text
    for page in pdf.reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 in points
    assert all(HEADER in page for page in pdf.pages)
    assert all(f"{i} / {len(pdf.pages)}" in page for i, page in enumerate(pdf.pages, 1))
    meta = pdf.reader.metadata
    assert meta is not None
    assert meta.title == "Voluntary GCM Review – Cambodia"
    assert meta.author == "Coordinating secretariat"
    assert meta.subject == rendered.doc.subject
    assert str(pdf.reader.root_object["/Lang"]) == "en-GB"


def test_pdf_footnotes_at_the_foot_of_the_citing_page(rendered: Rendered) -> None:
    pdf = make_pdf(rendered)
    for note, phrase in zip(rendered.doc.footnotes, FIRST_CITED, strict=True):
        page_index = next(i for i, page in enumerate(pdf.pages) if squeeze(phrase) in squeeze(page))
        page = pdf.reader.pages[page_index]
        heights = text_heights(page)
        phrase_y = min(y for y, t in heights if phrase.split()[-1] in t)
        note_y = next(y for y, t in heights if t.startswith(note.text[:20]))
        assert note_y < phrase_y and note_y < float(page.mediabox.height) * 0.4, f"footnote {note.number} is not at the foot"
        assert squeeze(f"{note.number}. {note.text}") in squeeze(pdf.pages[page_index])
        assert all(squeeze(note.text) not in squeeze(p) for i, p in enumerate(pdf.pages) if i != page_index), "each footnote once"


def test_pdf_variant_and_reproducibility(rendered: Rendered, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # fontTools stamps subset fonts with the time otherwise
    pdf = make_pdf(rendered)
    root = pdf.reader.root_object
    if PDF_VARIANT == "pdf/ua-1":
        xmp = cast(pypdf.generic.StreamObject, root["/Metadata"].get_object()).get_data()
        assert b'pdfuaid:part="1"' in xmp and b"<dc:title>" in xmp
        assert "/StructTreeRoot" in root
        assert cast(pypdf.generic.DictionaryObject, root["/MarkInfo"])["/Marked"]
        assert cast(pypdf.generic.DictionaryObject, root["/ViewerPreferences"])["/DisplayDocTitle"]
    assert make_pdf(rendered).data == pdf.data, "the same HTML gives the same PDF"


def test_remembered_page_references_change_nothing_in_the_pdf(rendered: Rendered, monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed-up of pydyf's page lookup (quadratic in the document's length) writes the very same bytes."""
    import pydyf

    from gcmreview.render.pdf import lay_out, remembered_page_references
    from gcmreview.render.tagging import tagged_structure
    from gcmreview.render.weasyprint_fixes import fixed_rendering

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    document = lay_out(rendered.html, rendered.workspace)
    assert len(document.pages) > 1
    original = pydyf.PDF.__dict__["page_references"]
    with fixed_rendering(), tagged_structure(document):  # as render_pdf draws
        plain = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=True, custom_metadata=False)
        with remembered_page_references():
            assert pydyf.PDF.__dict__["page_references"] is not original
            fast = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=True, custom_metadata=False)
    assert pydyf.PDF.__dict__["page_references"] is original, "pydyf is left as it was"
    assert fast == plain
    assert render_pdf(rendered.html, rendered.workspace) == plain


def test_pdf_of_a_review_draft(build: Callable[..., Rendered]) -> None:
    pdf = make_pdf(build(review=True, draft=True, problems=PROBLEMS))
    assert all("DRAFT" in page and HEADER in page for page in pdf.pages)
    assert squeeze("Problems to resolve before sending • " + PROBLEMS[0]) in squeeze(pdf.pages[-1])
    assert all("Problems to resolve" not in page for page in pdf.pages[:-1])
    assert "Ministry of Labour" in pdf.pages[1] + pdf.pages[2]


def test_pdf_in_a_workspace_with_its_own_templates_folder(build: Callable[..., Rendered], workspace: Path) -> None:
    (workspace / "templates").mkdir()
    (workspace / "templates" / "notes.md").write_text("no stylesheet here", encoding="utf-8")
    pdf = make_pdf(build())
    assert len(pdf.pages) > 1 and all(HEADER in page for page in pdf.pages), "the packaged stylesheet was used"


# --- Nothing is fetched ------------------------------------------------------------------------


class RecordingFetcher(SafeFetcher):
    def __init__(self, roots: list[Path]) -> None:
        super().__init__(roots)
        self.asked: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.asked.append(url)
        return super().fetch(url, headers)


def stream_contents(reader: pypdf.PdfReader) -> list[bytes]:
    """Every stream of the PDF, decompressed."""
    contents = []
    for number in range(1, cast(int, reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            contents.append(obj.get_data())
    return contents


def test_hostile_answer_is_inert_text(build: Callable[..., Rendered], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    canary = tmp_path / "canary-secret.txt"
    canary.write_text("CANARY-4f1c9e-NOT-TO-BE-EMBEDDED", encoding="utf-8")
    hostile = (f'<script>alert(1)</script> <img src="file:///etc/passwd"> <link rel="attachment" href="{canary.as_uri()}"> '
               "http://127.0.0.1:9/x")

    def edit(data: dict[str, Any]) -> None:
        data["answers"][0]["text"]["en"] = hostile

    network: list[Any] = []
    monkeypatch.setattr(socket.socket, "connect", lambda *args: network.append(args))
    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kw: network.append(args))
    r = build(edit)
    assert "<script>" not in r.html and "<img" not in r.html and 'rel="attachment"' not in r.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in r.html
    fetcher = RecordingFetcher(template_dirs(r.workspace))
    pdf = make_pdf(r, fetcher)
    assert squeeze(hostile) in squeeze("".join(pdf.pages))
    assert b"/EmbeddedFiles" not in pdf.data and pdf.reader.attachments == {}
    assert all(b"CANARY" not in data for data in stream_contents(pdf.reader)) and b"CANARY" not in pdf.data
    assert network == []
    assert fetcher.refused == []
    roots = template_dirs(r.workspace)
    assert fetcher.asked and all(any(fetcher.locate(url).is_relative_to(root) for root in roots) for url in fetcher.asked)


def test_safe_fetcher_refuses_all_but_template_files(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.css"
    outside.write_text("body { color: red }", encoding="utf-8")
    own = workspace / "templates"
    own.mkdir()
    (own / "link.css").symlink_to(outside)
    fetcher = SafeFetcher(template_dirs(workspace))
    packaged = packaged_templates().resolve()
    for url in ("http://127.0.0.1:9/x", "https://example.org/submission.css", "ftp://example.org/x", "data:text/css,body{}",
                "file:///etc/passwd", outside.as_uri(), f"{own.as_uri()}/link.css", f"{packaged.as_uri()}/../../../etc/passwd",
                f"{own.as_uri()}/%2e%2e/inputs/review.toml", f"file://example.org{packaged}/submission.css", "submission.css"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 11
    served = fetcher.fetch(f"{packaged.as_uri()}/submission.css")
    assert served.content_type == "text/css" and b"@page" in served.read()
    fallback = fetcher.fetch(f"{own.as_uri()}/submission.css")  # the workspace has none: the packaged one
    assert fallback.url == (packaged / "submission.css").as_uri()
    (own / "submission.css").write_text("/* mine */", encoding="utf-8")
    assert fetcher.fetch(f"{own.as_uri()}/submission.css").read() == b"/* mine */"
