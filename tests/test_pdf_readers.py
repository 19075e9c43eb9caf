"""What readers get from the PDFs: search, copy and extraction the text that was laid out, in every script,
and screen readers a structure tree that matches the document.

The PDFs are made as the build makes them: by sections, joined
(:mod:`gcmreview.render.sections`); the text they are compared with is the whole
page's, laid out at once.

**The text layer.**
Each page's laid-out text (WeasyPrint's text boxes, in the order of the page's box
tree: running head, content, footnotes, page number) is compared with what poppler's
``pdftotext`` and pypdf extract from that page, after white space and the U+200B
break opportunities are removed. Before :mod:`gcmreview.render.glyph_codes`, a glyph
drawn in several Khmer clusters read as the first everywhere ("ដែលធ្វើឡើង" came out
as "ដែធ្វើធ្វើង"): the ratio was 0.921 for the sample's Khmer PDF and 0.955 for
the bilingual one; it is now 1.0 for every PDF of the sample and of the Lao example.

A cluster's text is carried by its base glyph, not by a mark moved onto it, so that
poppler (what most Linux viewers copy with) finds every word whole: "និងបណ្តុះបណ្តាល"
came out as "និងបណ\n្តុ ះប ណ្តា ល". pypdf still puts a space inside some such words;
the comparisons remove white space.

**The structure tree**, walked with pikepdf (:mod:`gcmreview.render.tagging`): no
ParentTree entry outside the tree (running heads and page numbers are artifacts;
before, 46 in the English PDF), a ``/Note`` for each footnote and a ``/Reference``
for each call, ``/Lang`` where the language changes, header cells with ``/Scope``,
``MarkInfo /Marked true``, the title shown, tables only where the HTML has a real
one (the bilingual draft's two columns are a grid: as a table, the checker found 84
data cells without header cells); and the ``pdfua`` checker (PyPI) reports nothing.
"""

from __future__ import annotations

import difflib
import io
import re
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfua
import pikepdf
import pypdf
import pytest

from gcmreview.prepared import prepare
from gcmreview.render.document import Document, layout_languages
from gcmreview.render.html import render_bilingual_html, render_html
from gcmreview.render.pdf import lay_out, render_pdf
from gcmreview.render.plan import render_pdf_file
from gcmreview.render.scripts import ZWSP

from weasyprint.formatting_structure import boxes  # isort: skip  (after gcmreview.render.pdf, which quiets its import warning)

ROOT = Path(__file__).resolve().parent.parent
LAO = ROOT / "examples" / "lao-pdr"
RATIO = 0.99

WORDS = {
    "km": ("Noto Sans Khmer", "ទេ ដែលធ្វើឡើងដើម្បីផ្តល់ ស្ត្រី ក្រសួង ការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ"),
    "lo": ("Noto Sans Lao", "ເຂົ້າ ເຮົາ ແຂວງ ກະຊວງ ແຮງງານ ແລະ ສະຫວັດດີການສັງຄົມ ສົ່ງ ເພື່ອ"),
    "my": ("Noto Sans Myanmar", "မြန်မာ ပြည်ထောင်စု အလုပ်သမား ဝန်ကြီးဌာန ရွှေ့ပြောင်း"),
    "th": ("Noto Sans Thai", "กระทรวงแรงงาน ที่ปรึกษา น้ำ ผู้ย้ายถิ่น"),
    "vi": ("Noto Sans", "Việt Nam, Hà Nội, Đà Nẵng, São Tomé, naïve, Bộ Lao động"),
}


def squeeze(text: str) -> str:
    """Without white space, U+200B and soft hyphens, NFC: what a reader compares."""
    return unicodedata.normalize("NFC", re.sub(r"\s+", "", text.replace(ZWSP, "").replace("\u00ad", "")))


def pdftotext(data: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    result = subprocess.run(["pdftotext", "-raw", *pages, "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def pypdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_each_use_of_a_glyph_reads_as_the_text_it_shows() -> None:
    """Words of every supported script: extracted exactly as written, by poppler and by pypdf."""
    spans = "".join(f'<p lang="{lang}" style="font-family: {font}">{text}</p>' for lang, (font, text) in WORDS.items())
    data = render_pdf(f"<!DOCTYPE html><html><body>{spans}</body></html>", None)
    expected = squeeze("".join(text for _, text in WORDS.values()))
    assert squeeze(pdftotext(data)) == expected
    assert squeeze("".join(pypdf_pages(data))) == expected
    for lang, (_, text) in WORDS.items():
        assert squeeze(text) in squeeze(pdftotext(data)), lang  # each script's text, in order, with nothing else in it
    # what poppler copies is cut only between letters, never between a letter and its marks (a vowel sign, a subscript)
    cut = [word for word in pdftotext(data).split() if unicodedata.category(word[0]).startswith("M")]
    assert cut == []


def _walk(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


def laid_out_pages(html: str, workspace: Path) -> list[str]:
    """Each page's text as WeasyPrint laid it out: its text boxes in the order of the page's box tree."""
    document = lay_out(html, workspace)
    return ["".join(box.text for box in _walk(page._page_box) if isinstance(box, boxes.TextBox)) for page in document.pages]


def matched(a: str, b: str) -> int:
    return sum(block.size for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())


@dataclass
class Layer:
    name: str
    data: bytes
    footnotes: int
    """Footnotes in the HTML (``span.footnote``)."""
    tables: int
    """Tables in the HTML: only real ones (contact block, statistics, principles), never for the two columns."""
    docs: tuple[Document, ...]
    """The documents it shows (two, side by side, in a bilingual draft)."""
    pages: list[str]
    poppler: list[str]
    pypdf: list[str]

    def ratio(self, extracted: list[str]) -> float:
        """difflib's ratio over the document, page by page: 2 x matched characters / all characters."""
        pairs = [(squeeze(a), squeeze(b)) for a, b in zip(self.pages, extracted, strict=True)]
        total = sum(len(a) + len(b) for a, b in pairs)
        return 2 * sum(matched(a, b) for a, b in pairs) / total


def _layers(label: str, workspace: Path, langs: tuple[str, str]) -> list[Layer]:
    prepared = prepare(workspace)
    assert prepared.errors == []
    en, national = layout_languages(prepared.submission, prepared.check.survey, langs)
    en_review, national_review = layout_languages(prepared.submission, prepared.check.survey, langs, review=True)
    htmls = {"en": render_html(en, workspace), langs[1]: render_html(national, workspace),  # as the build makes them
             f"en-{langs[1]}": render_bilingual_html(en_review, national_review, workspace)}
    shown = {"en": (en,), langs[1]: (national,), f"en-{langs[1]}": (en_review, national_review)}
    layers = []
    for name, html in htmls.items():
        data = render_pdf_file(shown[name], workspace, workspace).data  # by sections, joined, as the build makes it
        pages = laid_out_pages(html, workspace)  # the whole page laid out at once
        poppler = [pdftotext(data, n) for n in range(1, len(pages) + 1)]
        footnotes = len(re.findall(r'<span class="footnote"', html))
        tables = html.count("<table")
        assert '<table class="pair' not in html and "<td class=\"side" not in html, "the two columns are not a table"
        layers.append(Layer(f"{label}:{name}", data, footnotes, tables, shown[name], pages, poppler, pypdf_pages(data)))
    return layers


NAMES_TEXT = ["sample:en", "sample:km", "sample:en-km", "lao-pdr:en", "lao-pdr:lo", "lao-pdr:en-lo"]


@pytest.fixture(scope="module")
def layers() -> dict[str, Layer]:
    found = _layers("sample", ROOT, ("en", "km")) + _layers("lao-pdr", LAO, ("en", "lo"))
    return {layer.name: layer for layer in found}


@pytest.mark.parametrize("name", NAMES_TEXT)
def test_the_text_layer_is_the_laid_out_text(layers: dict[str, Layer], name: str) -> None:
    layer = layers[name]
    assert len(layer.poppler) == len(layer.pypdf) == len(layer.pages)
    poppler, extracted = layer.ratio(layer.poppler), layer.ratio(layer.pypdf)
    print(f"{name}: pdftotext {poppler:.4f}, pypdf {extracted:.4f}, {len(layer.pages)} pages")
    assert poppler >= RATIO and extracted >= RATIO, (poppler, extracted)


# ---------------------------------------------------------------- the structure tree

NAMES = ["sample:en", "sample:km", "sample:en-km", "lao-pdr:en", "lao-pdr:lo", "lao-pdr:en-lo"]


@dataclass
class Tree:
    """What a walk of a PDF's structure tree finds."""

    roles: Counter[str]
    langs: Counter[str]
    reached: set[tuple[int, int]]
    orphans: int
    ids: list[str]
    """The IDs of the Note elements."""
    headings: list[str]
    """H1, H2, H3 in the tree's order."""
    links: list[str]
    """For each Reference (a footnote call): where its link annotation goes."""


def tree(data: bytes) -> Tree:
    pdf = pikepdf.open(io.BytesIO(data))
    root = pdf.Root.StructTreeRoot
    roles: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    reached: set[tuple[int, int]] = set()
    ids: list[str] = []
    headings: list[str] = []
    links: list[str] = []

    def walk(element: Any) -> None:
        if not (isinstance(element, pikepdf.Dictionary) and "/S" in element):
            return
        roles[str(element.S)] += 1
        if str(element.S) in ("/H1", "/H2", "/H3"):
            headings.append(str(element.S)[1:])
        if "/Lang" in element:
            langs[str(element.Lang)] += 1
        if element.S == "/Note" and "/ID" in element:
            ids.append(str(element.ID))
        reached.add(element.objgen)
        kids = element.get("/K")
        if element.S == "/Reference":
            links.extend(str(k.Obj.get("/Dest", "")) for k in (kids if isinstance(kids, pikepdf.Array) else [kids])
                         if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            walk(kid)

    for kid in (root.K if isinstance(root.K, pikepdf.Array) else [root.K]):
        walk(kid)
    nums = root.ParentTree.Nums
    entries = [ref for i in range(1, len(nums), 2) for ref in (nums[i] if isinstance(nums[i], pikepdf.Array) else [nums[i]])]
    orphans = sum(1 for ref in entries if isinstance(ref, pikepdf.Dictionary) and ref.objgen not in reached)
    return Tree(roles, langs, reached, orphans, ids, headings, links)


@pytest.mark.parametrize("name", NAMES)
def test_the_structure_tree_holds_every_tagged_content_and_tags_notes_and_languages(layers: dict[str, Layer], name: str) -> None:
    layer = layers[name]
    found = tree(layer.data)
    assert found.orphans == 0, "tagged content that no structure element reaches (running heads, page numbers)"
    assert found.roles["/Note"] == found.roles["/Reference"] == layer.footnotes > 0
    assert found.roles["/Table"] >= layer.tables > 0, "a Table element for each real table (one per page it spans)"
    assert len(set(found.ids)) == len(found.ids) == found.roles["/Note"], "each Note has an ID of its own"
    assert sorted(found.links) == sorted(found.ids), "each call links to its note"
    pdf = pikepdf.open(io.BytesIO(layer.data))
    assert bool(pdf.Root.MarkInfo.Marked) and bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
    assert str(pdf.docinfo.get("/Title", "")).strip()
    lang = str(pdf.Root.Lang)
    other = "en" if not lang.startswith("en") else name.rsplit("-", 1)[-1]
    if name.endswith(("en-km", "en-lo", ":km", ":lo")):  # the other language is there: its elements say so
        assert found.langs[other] > 0, (lang, found.langs)
    assert all(not key.startswith(lang.split("-")[0]) for key in found.langs), "Lang only where the language changes"


@pytest.mark.parametrize("name", NAMES)
def test_the_pdfua_checker_finds_nothing(layers: dict[str, Layer], name: str, tmp_path: Path) -> None:
    path = tmp_path / "document.pdf"
    path.write_bytes(layers[name].data)
    findings = [f"{f.rule_id} ({f.severity.name}) page {f.location.page}: {f.message}" for f in pdfua.validate(str(path)).findings]
    assert findings == []


def expected_headings(doc: Document) -> list[str]:
    """The title H1, the instructions H2, each cluster H2 with its questions a-d H3, questions 5-10 H2."""
    clusters = [level for cluster in doc.clusters for level in ["H2", *["H3"] * len(cluster.questions)]]
    return ["H1", "H2", *clusters, "H2", *["H2"] * len(doc.closing)]


def outline_titles(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_outline() as outline:
        def titles(items: Any) -> Iterator[str]:
            for item in items:
                yield str(item.title)
                yield from titles(item.children)
        return list(titles(outline.root))


@pytest.mark.parametrize("name", NAMES)
def test_headings_and_outline_follow_the_form(layers: dict[str, Layer], name: str) -> None:
    layer = layers[name]
    found = tree(layer.data)
    if len(layer.docs) == 1:
        assert found.headings == expected_headings(layer.docs[0])
    else:  # side by side: each heading once in each language
        assert sorted(found.headings) == sorted(expected_headings(layer.docs[0]) * 2)
    titles = outline_titles(layer.data)
    assert len(titles) == len(found.headings)
    assert not any(ZWSP in title for title in titles)
    squeezed = [squeeze(title) for title in titles]
    for doc in layer.docs:
        for cluster in doc.clusters:
            assert squeeze(cluster.title) in squeezed, cluster.title  # in the document's own words
