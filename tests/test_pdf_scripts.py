"""Khmer, Lao and Myanmar in the PDF: fonts per language, line breaking, glyph checks, bilingual copies.

Line widths and the laid-out text are checked on WeasyPrint's layout tree
(``render()`` -> ``pages[i]._page_box``), not on the PDF: pdftotext garbles Khmer
and Myanmar from WeasyPrint PDFs. Fonts are read from the PDF itself (pypdf,
``/BaseFont`` of the page resources).

The sample workspace (the repository root, 6 contributors, en + km answers) is
laid out and rendered once per module.
"""

from __future__ import annotations

import copy
import io
import os
import pickle
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast

import pypdf
import pytest
from conftest import CONTRIBUTION, fontless_letter
from test_pdf import PROBLEMS, TextDump, dump, rich_contribution

from gcmreview.config import load_config
from gcmreview.fonts import Coverage, font_file, script_runs, shaping_problems, unshowable
from gcmreview.model import Contribution
from gcmreview.prepared import prepare
from gcmreview.render.coverage import placeholders
from gcmreview.render.document import Document, Item, Run, layout_languages
from gcmreview.render.glyphs import GlyphError, glyph_problems
from gcmreview.render.html import font_rules, render_bilingual_html, render_html
from gcmreview.render.pdf import SafeFetcher, render_pdf
from gcmreview.render.scripts import ZWSP, add_break_opportunities
from gcmreview.render.templates import template_dirs
from gcmreview.survey import load_survey
from gcmreview.survey.languages import language
from gcmreview.workbook import save_workbook

from weasyprint import HTML  # isort: skip  (after gcmreview.render.pdf, which quiets its import warning)
from weasyprint.formatting_structure import boxes  # isort: skip

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"

# Paragraphs without a single space, several hundred characters of real words each.
KHMER = (
    "ពលករចំណាកស្រុកកម្ពុជាភាគច្រើនធ្វើដំណើរទៅប្រទេសថៃដើម្បីស្វែងរកការងារដែលមានប្រាក់ឈ្នួលខ្ពស់ជាងនៅក្នុងប្រទេសរបស់ខ្លួន។"
    "ក្រសួងការងារនិងបណ្តុះបណ្តាលវិជ្ជាជីវៈបានចុះហត្ថលេខាលើអនុស្សរណៈនៃការយោគយល់គ្នាជាមួយប្រទេសគោលដៅជាច្រើន"
    "ដើម្បីការពារសិទ្ធិរបស់ពលករនិងកាត់បន្ថយការចំណាយលើការធ្វើចំណាកស្រុកតាមបណ្តាញស្របច្បាប់។"
    "ស្ត្រីនិងកុមារត្រូវបានការពារពីការជួញដូរមនុស្សតាមរយៈកិច្ចសហប្រតិបត្តិការរវាងស្ថាប័នជាតិនិងអង្គការអន្តរជាតិ។"
)
LAO = (
    "ແຮງງານລາວຈໍານວນຫຼາຍເດີນທາງໄປເຮັດວຽກຢູ່ປະເທດໄທເພື່ອຊອກຫາລາຍໄດ້ທີ່ສູງກວ່າ"
    "ກະຊວງແຮງງານແລະສະຫວັດດີການສັງຄົມໄດ້ລົງນາມບົດບັນທຶກຄວາມເຂົ້າໃຈກັບປະເທດປາຍທາງຫຼາຍປະເທດ"
    "ເພື່ອປົກປ້ອງສິດທິຂອງແຮງງານແລະຫຼຸດຜ່ອນຄ່າໃຊ້ຈ່າຍໃນການເຄື່ອນຍ້າຍແຮງງານຕາມຊ່ອງທາງທີ່ຖືກຕ້ອງຕາມກົດໝາຍ"
    "ແມ່ຍິງແລະເດັກນ້ອຍໄດ້ຮັບການປົກປ້ອງຈາກການຄ້າມະນຸດໂດຍຜ່ານການຮ່ວມມືລະຫວ່າງອົງການຈັດຕັ້ງພາຍໃນປະເທດແລະອົງການຈັດຕັ້ງສາກົນ"
)
MYANMAR = (
    "မြန်မာနိုင်ငံမှရွှေ့ပြောင်းအလုပ်သမားအများစုသည်ပိုမိုမြင့်မားသောလုပ်ခလစာကိုရှာဖွေရန်ထိုင်းနိုင်ငံသို့သွားရောက်အလုပ်လုပ်ကိုင်ကြသည်။"
    "အလုပ်သမားဝန်ကြီးဌာနသည်အလုပ်သမားများ၏အခွင့်အရေးများကိုကာကွယ်ရန်နှင့်တရားဝင်လမ်းကြောင်းများမှတစ်ဆင့်"
    "ရွှေ့ပြောင်းသွားလာမှုကုန်ကျစရိတ်ကိုလျှော့ချရန်ဦးတည်နိုင်ငံများနှင့်နားလည်မှုစာချွန်လွှာများလက်မှတ်ရေးထိုးခဲ့သည်။"
    "အမျိုးသမီးများနှင့်ကလေးများကိုလူကုန်ကူးမှုမှကာကွယ်ရန်အမျိုးသားအဖွဲ့အစည်းများနှင့်နိုင်ငံတကာအဖွဲ့အစည်းများပူးပေါင်းဆောင်ရွက်လျက်ရှိသည်။"
    "ကမ္ဘာ့ရွှေ့ပြောင်းသွားလာမှုဆိုင်ရာသဘောတူညီချက်ကိုမန္တလေးမြို့တွင်ဆွေးနွေးခဲ့သည်။"
    "အစီရင်ခံစာကိုအင်္ဂလိပ်ဘာသာနှင့်မြန်မာဘာသာဖြင့်ပြင်ဆင်ခဲ့သည်။"
)
PARAGRAPHS = {"km": KHMER, "lo": LAO, "my": MYANMAR}
# Clusters a break must never split: Khmer subscripts, Myanmar stacked consonants and kinzi.
CLUSTERS = {"km": ["ស្ត្រី", "ប្រាក់", "ខ្លួន", "អន្តរជាតិ"], "my": ["ကမ္ဘာ", "မန္တလေး", "အင်္ဂလိပ်"], "lo": ["ເຄື່ອນ", "ຫຼາຍ"]}
FONT = {"en": "Noto-Sans", "km": "Noto-Sans-Khmer", "lo": "Noto-Sans-Lao", "my": "Noto-Sans-Myanmar"}


# --- Helpers ---------------------------------------------------------------------------------------


def laid_out(html: str, workspace: Path | None) -> Any:
    """WeasyPrint's rendered document (layout tree in ``pages[i]._page_box``), as render_pdf makes it."""
    dirs = template_dirs(workspace)
    return HTML(string=html, base_url=dirs[0].as_uri() + "/", url_fetcher=SafeFetcher(dirs)).render()


def walk(box: Any, block: Any = None) -> Iterator[tuple[Any, Any]]:
    """Every box under ``box`` with the block container it is laid out in."""
    yield box, block
    if isinstance(box, boxes.BlockContainerBox):
        block = box
    for child in getattr(box, "children", None) or []:
        yield from walk(child, block)


@dataclass
class Overflow:
    page: int
    by: float
    text: str


def overflows(rendered: Any) -> list[Overflow]:
    """Lines and text boxes that reach past the right edge of their block's content box (or the page's)."""
    found = []
    for number, page in enumerate(rendered.pages, 1):
        page_box = page._page_box
        page_right = page_box.content_box_x() + page_box.width
        for box, block in walk(page_box):
            if not isinstance(box, boxes.LineBox | boxes.TextBox) or block is None:
                continue
            right = box.content_box_x() + box.width
            if isinstance(box, boxes.LineBox):  # a line's own width is its block's; its content is what counts
                right = max((c.position_x + c.margin_width() for c in box.children), default=box.content_box_x())
            limit = block.content_box_x() + block.width
            if not isinstance(block, boxes.MarginBox):
                limit = min(limit, page_right)
            if right > limit + 0.5:  # CSS px
                found.append(Overflow(number, right - limit, getattr(box, "text", "")[:40]))
    return found


def laid_out_texts(rendered: Any) -> dict[int, tuple[Any, str]]:
    """The text WeasyPrint laid out for each element, joined over its lines and pages: id(element) -> (element, text).

    Only text boxes whose nearest block is the element's own (nested lists and
    footnotes belong to their own blocks); generated content (footnote calls) left out.
    """
    texts: dict[int, tuple[Any, str]] = {}
    for page in rendered.pages:
        for box, block in walk(page._page_box):
            if isinstance(box, boxes.TextBox) and block is not None and block.element is not None and "::" not in (box.element_tag or ""):
                element, text = texts.get(id(block.element), (block.element, ""))
                texts[id(block.element)] = (element, text + box.text)
    return texts


def visible_text(element: Any) -> str:
    """An element's own text: without footnotes (they float to the foot) and nested lists."""
    out = [element.text or ""]
    for child in element:
        classes = (child.get("class") or "").split()
        if "footnote" not in classes and child.tag not in ("ul", "ol", "table", "p", "div"):
            out.append(visible_text(child))
        out.append(child.tail or "")
    return "".join(out)


def squeeze(text: str) -> str:
    """Without break opportunities and whitespace (lines break at spaces in the PDF), NFC."""
    return unicodedata.normalize("NFC", re.sub(r"\s+", "", text.replace(ZWSP, "")))


def pdf_fonts(data: bytes) -> set[str]:
    """Names of the fonts embedded in a PDF (``/BaseFont``, subset prefix stripped)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        fonts = cast(Any, page["/Resources"]).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for f in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                descriptor = f.get("/FontDescriptor")
                if descriptor is not None:
                    assert any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")), "embedded"
                names.add(str(f["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def texts_of(value: Any) -> Iterator[str]:
    """Every string in a Document (runs, labels, footnotes, table cells), recursively."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from texts_of(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from texts_of(v)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from texts_of(getattr(value, name))


# --- The sample workspace ------------------------------------------------------------------------


@dataclass
class Sample:
    en: Document
    km: Document
    km_html: str
    km_pdf: bytes
    km_messages: list[str]
    en_pdf: bytes
    bilingual_html: str
    bilingual_pdf: bytes
    bilingual_messages: list[str]


@pytest.fixture(scope="module")
def sample() -> Sample:
    prepared = prepare(ROOT)
    assert prepared.errors == []
    en, km = layout_languages(prepared.submission, prepared.check.survey, ("en", "km"))
    km_html = render_html(km, ROOT)
    bilingual_html = render_bilingual_html(en, km, ROOT)
    km_messages: list[str] = []
    bilingual_messages: list[str] = []
    return Sample(
        en, km, km_html, render_pdf(km_html, ROOT, messages=km_messages), km_messages,
        render_pdf(render_html(en, ROOT), ROOT), bilingual_html, render_pdf(bilingual_html, ROOT, messages=bilingual_messages),
        bilingual_messages,
    )


def test_sample_pdfs_show_every_glyph(sample: Sample) -> None:
    # render_pdf raised GlyphError had WeasyPrint drawn a .notdef or HarfBuzz found a problem
    assert [m for m in sample.km_messages + sample.bilingual_messages if ".notdef" in m] == []
    assert glyph_problems(sample.km_html) == [] and glyph_problems(sample.bilingual_html) == []
    font = font_file(language("km").font)
    assert font is not None and font.name == "NotoSansKhmer-Regular.ttf"
    khmer = [run for text in texts_of(sample.km) for lang, run in script_runs(text) if lang.code == "km"]
    assert sum(map(len, khmer)) > 5000, "the sample has plenty of Khmer"
    assert [p for run in khmer for p in shaping_problems(run, "km", font)] == []


def test_sample_khmer_document(sample: Sample) -> None:
    html = sample.km_html
    assert html.startswith('<!DOCTYPE html>\n<html lang="km-KH">')
    lines = dump(html)
    running = re.search(r'<div class="running-header">(.*?)</div>', html)
    assert running is not None
    assert squeeze(re.sub(r"<[^>]+>", "", running.group(1))) == squeeze(f"{sample.km.country} · {sample.km.survey_name}")
    assert sample.km.country == "កម្ពុជា" and "Cambodia" not in running.group(1), "the country's name of review.toml in Khmer"
    assert any(script_runs(sample.km.survey_name)) and sample.km.survey_name != sample.en.survey_name
    assert ZWSP in html
    # every pending answer (English source in the Khmer document) is tagged and marked
    pending = [line for line in lines if "[lang=en]" in line and line.lstrip().startswith(("p.item", "li.item"))]
    assert pending and all(f"{{km: _[{sample.km.labels['pending']}]_}}" in line for line in pending)


def test_sample_laid_out_text_is_the_html_text(sample: Sample) -> None:
    """What WeasyPrint laid out, element by element, is the HTML's text (U+200B and whitespace aside)."""
    rendered = laid_out(sample.km_html, ROOT)
    compared = 0
    for element, text in laid_out_texts(rendered).values():
        if element.tag in ("p", "li", "h1", "h2", "th", "td") and visible_text(element).strip():
            expected = squeeze(visible_text(element))
            if element.tag == "th" and squeeze(text) != expected:  # a table's header row, repeated on the next page
                expected *= len(squeeze(text)) // len(expected)
            assert squeeze(text) == expected, f"{element.tag}: {visible_text(element)[:60]!r}"
            compared += sum(language("km").owns(c) for c in text)
    assert compared > 5000


def test_pdf_fonts_per_language(sample: Sample) -> None:
    km, en, bilingual = pdf_fonts(sample.km_pdf), pdf_fonts(sample.en_pdf), pdf_fonts(sample.bilingual_pdf)
    assert {"Noto-Sans-Khmer", "Noto-Sans-Khmer-Bold", "Noto-Sans"} <= km
    assert {"Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-Italic"} <= en
    assert {"Noto-Sans", "Noto-Sans-Khmer"} <= bilingual
    for fonts in (km, en, bilingual):  # nothing left to fontconfig's choice (Noto Serif Khmer, Khmer OS, ...)
        assert all(re.fullmatch(r"(Noto-Sans(-Khmer)?|DejaVu-Sans)(-Bold|-Italic|-BoldItalic|-Oblique|-BoldOblique)?", f) for f in fonts), fonts


def test_font_rules_name_every_language() -> None:
    rules = {r.lang: r for r in font_rules()}
    assert rules["km"].families[0] == "Noto Sans Khmer" and rules["lo"].families[0] == "Noto Sans Lao"
    assert rules["my"].families[0] == "Noto Sans Myanmar" and rules["th"].families[0] == "Noto Sans Thai"
    assert rules["en"].families[0] == "Noto Sans"
    assert all("sans-serif" not in r.families and "Noto Sans Khmer" in r.families for r in rules.values())
    assert rules["my"].leading is not None and rules["my"].leading >= 1.9
    assert rules["en"].leading is None


# --- Line breaking --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["km", "lo", "my"])
def test_break_opportunities_never_split_a_cluster(lang: str) -> None:
    text = PARAGRAPHS[lang]
    broken = add_break_opportunities(text, lang)
    assert " " not in text and broken.replace(ZWSP, "") == text
    assert broken.count(ZWSP) > 40
    assert add_break_opportunities(broken, lang) == broken, "idempotent"
    for cluster in CLUSTERS[lang]:
        assert cluster in broken, f"{cluster} was split"
    for i, char in enumerate(broken):
        if char == ZWSP:
            assert not unicodedata.category(broken[i + 1]).startswith("M"), "no break before a mark"
            assert broken[i - 1] not in "\u17d2\u1039", "no break after a coeng / stacker"
            assert broken[i + 2 : i + 3] not in ("\u1039", "\u103a"), "no break before a Myanmar syllable's final consonant"
    # every piece between break opportunities is a whole run of clusters: it shapes without dotted circles
    font = font_file(language(lang).font)
    assert font is not None
    assert [p for piece in broken.split(ZWSP) for p in shaping_problems(piece, lang, font)] == []


def test_breaks_after_a_myanmar_stacker_are_dropped() -> None:
    assert "\u1039" + ZWSP not in add_break_opportunities("ကမ္ဘာ့ရွှေ့ပြောင်းသွားလာမှု", "my")  # ICU breaks after the virama


@dataclass
class Workspace:
    path: Path
    doc: Document


def national_workspace(root: Path, lang: str, answer: str) -> Workspace:
    """A workspace for English + ``lang`` with one contribution answering 1a in ``lang``, and its ``lang`` document."""
    names = {"km": "ក្រសួងការងារ", "lo": "ກະຊວງແຮງງານ", "my": "အလုပ်သမားဝန်ကြီးဌာန"}
    (root / "inputs").mkdir(parents=True)
    (root / "inputs" / "review.toml").write_text(
        f'survey = "escap-2020"\nlanguages = ["en", "{lang}"]\npublish = true\n\n[country]\nname = "Test country"\niso = "TST"\n\n'
        '[contact]\noffice = "Coordinating secretariat"\nname = "Test Person"\nemail = "focal@coord.example.org"\n\n'
        f'[[contributors]]\ncode = "LAB"\nname = {{ en = "Ministry of Labour", {lang} = "{names[lang]}" }}\ncoordinator = true\n',
        encoding="utf-8")
    data = copy.deepcopy(CONTRIBUTION)
    data["answers"] = [{"question": "1a", "objectives": [2], "text": {"en": "Most workers leave for Thailand.", lang: answer}}]
    data["statistics"] = []
    review = load_config(root)
    save_workbook(root / "inputs" / "lab.xlsx", review, load_survey("escap-2020"), "LAB", Contribution.model_validate(data))
    prepared = prepare(root)
    assert prepared.errors == []
    docs = layout_languages(prepared.submission, prepared.check.survey, ("en", lang))
    return Workspace(root, docs[1])


@pytest.mark.parametrize("lang", ["km", "lo", "my"])
def test_long_paragraph_without_spaces_wraps_inside_the_margins(lang: str, tmp_path: Path) -> None:
    ws = national_workspace(tmp_path, lang, PARAGRAPHS[lang])
    html = render_html(ws.doc, ws.path)
    rendered = laid_out(html, ws.path)
    assert overflows(rendered) == []
    texts = [text for element, text in laid_out_texts(rendered).values() if element.tag == "p" and ZWSP in text]
    answer = next(text for text in texts if squeeze(PARAGRAPHS[lang])[:20] in squeeze(text))
    assert squeeze(answer) == unicodedata.normalize("NFC", PARAGRAPHS[lang]), "laid out as written, nothing lost"
    lines = [
        box for page in rendered.pages for box, _ in walk(page._page_box)
        if isinstance(box, boxes.LineBox) and any(isinstance(c, boxes.TextBox) and c.text[:5].replace(ZWSP, "") in PARAGRAPHS[lang] for c in box.children)
    ]
    assert len(lines) >= 3, "the paragraph wraps onto several lines"
    # the same page without the break opportunities: the paragraph runs off the page
    unbroken = laid_out(render_html(ws.doc, ws.path, breaks=False), ws.path)
    assert any(o.by > 50 and o.text[:10] in PARAGRAPHS[lang] for o in overflows(unbroken))


@pytest.mark.parametrize("lang", ["lo", "my"])
def test_lao_and_myanmar_pdfs_embed_their_fonts(lang: str, tmp_path: Path) -> None:
    ws = national_workspace(tmp_path, lang, PARAGRAPHS[lang])
    messages: list[str] = []
    fonts = pdf_fonts(render_pdf(render_html(ws.doc, ws.path), ws.path, messages=messages))
    assert FONT[lang] in fonts and "Noto-Sans" in fonts
    assert not [m for m in messages if ".notdef" in m]


# --- Glyph checks ---------------------------------------------------------------------------------


def test_font_coverage_is_the_union_of_the_installed_fonts_charsets() -> None:
    coverage = Coverage.parse("20-7e a0\n41-5a 100-1ff 200\n1f600\n")
    assert (coverage.starts, coverage.ends) == ((0x20, 0xA0, 0x100, 0x1F600), (0x7E, 0xA0, 0x200, 0x1F600))
    assert all(c in coverage for c in "A~\u00a0\u0100\u0200\U0001f600")
    assert not any(c in coverage for c in "\x1f\u007f\u00a1\u0201\U0001f601")


def test_emoji_need_no_placeholder_and_a_letter_no_font_has_does() -> None:
    emoji = ["👍🏽", "👩\u200d👩\u200d👧", "🇰🇭", "1\ufe0f\u20e3", "#\ufe0f\u20e3", "❤\ufe0f", "😀",
             "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"]  # skin tone, ZWJ, flags, keycaps
    text = "ក្រសួងការងារ " + " ".join(emoji)
    assert unshowable(text) == [] and placeholders(text) == text
    char = fontless_letter()
    assert unshowable(f"a{char}b{char}") == [char]
    assert placeholders(f"a{char}b{char} 😀") == "a\ufffdb\ufffd 😀"


def test_shaping_problems() -> None:
    km = font_file("Noto Sans Khmer")
    assert km is not None
    assert shaping_problems("ស្ត្រីនិងកុមារ ប្រាក់ឈ្នួល", "km", km) == []
    lone = shaping_problems("ាការងារ", "km", km)
    assert [(p.kind, p.text) for p in lone] == [("dotted circle", "ា")]
    double = shaping_problems("ការពារក្្សត្រ", "km", km)
    assert [(p.kind, p.text, p.start) for p in double] == [("dotted circle", "ក្្ស", 6)]
    assert [(p.kind, p.text) for p in shaping_problems("ក\u17de", "km", km)] == [("missing glyph", "\u17de")]
    my = font_file("Noto Sans Myanmar")
    assert my is not None and shaping_problems("ကမ္ဘာ့မန္တလေးအင်္ဂလိပ်", "my", my) == []
    lao = font_file("Noto Sans Lao")
    assert lao is not None
    assert [(p.kind, p.text) for p in shaping_problems("ຆາ", "lo", lao)] == [("missing glyph", "ຆ")]  # Pali letter Noto Sans Lao lacks
    assert shaping_problems("ກ\u25ccາ", "lo", lao) == [], "a dotted circle written in the text is no problem"


@pytest.fixture
def build(workspace: Path, write_workbook: Callable[..., Path], contribution_data: dict[str, Any]) -> Callable[..., tuple[Document, Document]]:
    """The rich contribution of test_pdf (changed by ``edit``), laid out in English and Khmer in step."""

    def _build(edit: Callable[[dict[str, Any]], None] | None = None, errors: tuple[str, ...] = (), **options: Any) -> tuple[Document, Document]:
        data = copy.deepcopy(rich_contribution(copy.deepcopy(contribution_data)))  # test_pdf.ANSWERS stays as it is
        if edit is not None:
            edit(data)
        write_workbook(data)
        prepared = prepare(workspace)
        assert [d.code for d in prepared.errors] == list(errors)
        en, km = layout_languages(prepared.submission, prepared.check.survey, ("en", "km"), **options)
        return en, km

    return _build


def test_a_build_with_unshowable_khmer_fails_and_names_it(build: Callable[..., tuple[Document, Document]], workspace: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["answers"][1]["text"]["km"] = "ាការងារនៅតែជាបញ្ហាចម្បង។ ការចំណាយ\u17deខ្ពស់។"  # 1c: a lone vowel sign, an unassigned code point

    _, km = build(edit, errors=("GCM505",))  # check finds the lone vowel sign first (the safety net is tested here)
    html = render_html(km, workspace)
    with pytest.raises(GlyphError) as caught:
        render_pdf(html, workspace)
    error = caught.value
    assert error.pdf is not None and error.pdf.startswith(b"%PDF")
    kinds = {(p.kind, p.text, p.question, p.contributor) for p in error.problems}
    assert kinds == {("dotted circle", "ា", "1c", "LAB"), ("notdef", "\u17de", "1c", "LAB")}
    messages = {d.code: str(d) for d in error.diagnostics}
    assert set(messages) == {"GCM500", "GCM502"} and all(d.severity == "error" for d in error.diagnostics)
    assert "Noto Sans Khmer" in messages["GCM502"] and "U+17B6" in messages["GCM502"] and "question 1c" in messages["GCM502"]
    assert "U+17DE" in messages["GCM500"] and "LAB" in messages["GCM500"]
    assert render_pdf(html, workspace, check_glyphs=False).startswith(b"%PDF")
    copied = pickle.loads(pickle.dumps(error))  # raised in a worker process, it reaches the build intact
    assert isinstance(copied, GlyphError) and copied.problems == error.problems and copied.diagnostics == error.diagnostics


def test_a_khmer_character_its_font_lacks_is_reported(build: Callable[..., tuple[Document, Document]], workspace: Path) -> None:
    """A font without a character WeasyPrint finds in another font: no .notdef, but the HarfBuzz check names it."""
    _, km = build()
    answer = km.clusters[0].questions[0]
    lao = Item([Run("ພາສາລາວ ຆ")], lang="lo", contributor="LAB")  # a Pali letter Noto Sans Lao lacks (Noto Looped Lao has it)
    doc = replace(km, clusters=[replace(km.clusters[0], questions=[replace(answer, body=[*answer.body, lao])])])
    problems = glyph_problems(render_html(doc, workspace))
    assert [(p.kind, p.text, p.lang, p.font, p.question) for p in problems] == [("missing glyph", "ຆ", "lo", "Noto Sans Lao", "1a")]
    assert "The Lao font Noto Sans Lao cannot show 'ຆ' (U+0E86) in question 1a" in problems[0].diagnostic().message


# --- Bilingual ----------------------------------------------------------------------------------


class Rows(HTMLParser):
    """The bilingual page's rows: for each row of a pair (``div.pair-row``), its columns' (lang, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, list[tuple[str, str]]]] = []  # (row class, [(column lang, text)])
        self.cell: list[str] | None = None
        self.depth = 0  # elements open inside a column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if self.cell is not None:
            self.depth += tag in ("div", "table")
        elif tag == "div" and "pair-row" in classes:
            self.rows.append((" ".join(c for c in classes if c != "pair-row"), []))
        elif tag == "div" and "side" in classes:
            self.cell = [a.get("lang", "")]

    def handle_endtag(self, tag: str) -> None:
        if self.cell is None or tag not in ("div", "table"):
            return
        if self.depth:
            self.depth -= 1
        elif tag == "div":
            self.rows[-1][1].append((self.cell[0], re.sub(r"\s+", " ", "".join(self.cell[1:]).replace(ZWSP, "")).strip()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


class ColumnDump(TextDump):
    """test_pdf's text dump, with the bilingual page's columns (``div.side``) shown as containers."""

    def __init__(self) -> None:
        super().__init__()
        self.divs: list[bool] = []  # open <div>s: a column or not

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "div":
            self.divs.append("side" in a.get("class", "").split())
            if self.divs[-1]:
                self.flush()
                self.lines.append(f"{'  ' * self.depth}<div.{a['class'].replace(' ', '.')}[lang={a['lang']}]>")
                self.depth += 1
                return
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.divs.pop():
            self.flush()
            self.depth -= 1
            return
        super().handle_endtag(tag)


def column_dump(html: str) -> list[str]:
    parser = ColumnDump()
    parser.feed(html)
    parser.close()
    return parser.lines


def rows(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    parser = Rows()
    parser.feed(html)
    return parser.rows


def plain(runs: list[Run]) -> str:
    return re.sub(r"\s+", " ", "".join(r.text for r in runs)).strip()


def test_bilingual_html_matches_golden(build: Callable[..., tuple[Document, Document]], workspace: Path) -> None:
    en, km = build(review=True, draft=True, problems=PROBLEMS)
    html = render_bilingual_html(en, km, workspace)
    golden = GOLDEN / "html-bilingual.txt"
    text = "\n".join(column_dump(html)) + "\n"
    if os.environ.get("GCMREVIEW_REGOLD"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "regenerate with GCMREVIEW_REGOLD=1 after checking the change"


def test_bilingual_rows_pending_marks_and_footnotes(build: Callable[..., tuple[Document, Document]], workspace: Path) -> None:
    en, km = build()
    html = render_bilingual_html(en, km, workspace)
    assert html.startswith('<!DOCTYPE html>\n<html lang="en-GB">') and '<body class="bilingual final">' in html
    questions = [r for r in rows(html) if r[0] == "question-row"]
    en_questions = [q for c in en.clusters for q in c.questions] + [en.principles_question, *en.closing]
    km_questions = [q for c in km.clusters for q in c.questions] + [km.principles_question, *km.closing]
    assert len(questions) == len(en_questions) == 22
    for (_, cells), q_en, q_km in zip(questions, en_questions, km_questions, strict=True):
        assert [lang for lang, _ in cells] == ["en", "km"]
        assert cells[0][1] == f"{q_en.label} {plain(q_en.text)}" and cells[1][1] == f"{q_km.label} {plain(q_km.text)}"
    # pending translations, marked in the language of their column
    lines = [line.strip() for line in dump(html)]
    assert "p.item.item-answer[lang=km]: {en: _[translation pending]_} ចំណាយខ្ពស់នៅតែជាបញ្ហាចម្បង។" in lines
    assert any(line.startswith(f"p.item.item-answer[lang=en]: {{km: _[{km.labels['pending']}]_}} Returnees") for line in lines)
    # footnotes: each once, at its first citation in reading order (row by row, left then right), numbered as the document does
    notes = [int(n) for n in re.findall(r'<span class="footnote" id="fn-\d+" data-number="(\d+)"', html)]
    assert notes == [n.number for n in en.footnotes] == sorted(notes)
    refs = re.findall(r'<sup class="footnote-ref" data-number="(\d+)">(\d+)</sup>', html)
    assert refs and all(number == shown for number, shown in refs)
    calls = re.findall(r'<span class="footnote" id="fn-\d+" data-number="(\d+)"|<sup class="footnote-ref" data-number="(\d+)"', html)
    first_seen = list(dict.fromkeys(int(a or b) for a, b in calls))
    assert first_seen == sorted(first_seen), "numbers rise in reading order"


def test_bilingual_pdf_layout(build: Callable[..., tuple[Document, Document]], workspace: Path) -> None:
    en, km = build()
    html = render_bilingual_html(en, km, workspace)
    rendered = laid_out(html, workspace)
    assert overflows(rendered) == []
    page = rendered.pages[0]._page_box
    assert page.margin_width() > page.margin_height(), "A4 landscape"
    # English and Khmer question texts start on the same line
    for page in rendered.pages:
        for box, _ in walk(page._page_box):
            if isinstance(box, boxes.GridContainerBox) and "question-row" in (box.element.get("class") or "").split():
                cells = [c for c in box.children if "side" in (c.element.get("class") or "").split()]
                assert [c.element.get("lang") for c in cells] == ["en", "km"]
                firsts = [next(b for b, _ in walk(c) if isinstance(b, boxes.LineBox)) for c in cells]
                assert abs(firsts[0].position_y - firsts[1].position_y) < 0.5
    # WeasyPrint's footnote counter shows the document's numbers, in reading order
    calls = [
        (box.text, box.element.get("data-number"))
        for page in rendered.pages for box, _ in walk(page._page_box)
        if isinstance(box, boxes.TextBox) and (box.element_tag or "").endswith("::footnote-call")
    ]
    assert [int(shown) for shown, _ in calls] == [n.number for n in en.footnotes]
    assert all(shown == number for shown, number in calls)
    messages: list[str] = []
    data = render_pdf(html, workspace, messages=messages)
    assert {"Noto-Sans", "Noto-Sans-Khmer"} <= pdf_fonts(data)
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == len(rendered.pages)


def test_bilingual_answers_are_split_into_rows_by_contributor() -> None:
    """Long answers become one row per contributor (a row of the two columns is laid out as a whole on every
    page it spans), unless the two languages differ in contributors or the rows would change the footnotes' order."""
    from gcmreview.render.document import Item, Run
    from gcmreview.render.html import paired_parts

    def item(who: str, text: str, *notes: int) -> Item:
        return Item([Run(text), *(Run(footnote=n) for n in notes)], contributor=who)

    heading = Item([Run("Objective 5", bold=True)], style="action")
    en = [item("LAB", "Wages abroad are higher.", 1), item("LAB", "Most go to Thailand."), heading, item("MOI", "Passports are free.", 2)]
    km = [item("LAB", "ប្រាក់ឈ្នួល", 1), heading, item("MOI", "លិខិតឆ្លងដែន", 2)]
    rows = paired_parts(en, km)
    assert rows == [(en[:2], km[:1]), (en[2:], km[1:])], "LAB's part, then the heading with MOI's part"
    assert [p for row in rows for p in row[0]] == en and [p for row in rows for p in row[1]] == km, "every part once, in order"

    own_source = [item("LAB", "ប្រាក់ឈ្នួល", 3), item("MOI", "លិខិតឆ្លងដែន", 2)]
    assert paired_parts(en, own_source) == [(en, own_source)], "rows would cite footnote 3 before footnote 2"
    other = [item("MOI", "លិខិតឆ្លងដែន", 2), item("LAB", "ប្រាក់ឈ្នួល", 1)]
    assert paired_parts(en, other) == [(en, other)], "contributors in another order: one row"
    assert paired_parts([], []) == [([], [])], "an empty answer is still a row (for the answer prefix)"
