"""A PDF rendered by sections and joined (gcmreview.render.sections) reads as the whole document rendered at once.

The same page, laid out whole by WeasyPrint and by sections joined with pikepdf: the
same pages with the same text, page numbers "n / N" on every page, the same outline
(titles, levels, pages), the same structure tree (its elements, none outside it), the
same named destinations; at most 1.3 times the size.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from test_pdf_readers import pdftotext, squeeze, tree

from gcmreview.prepared import prepare
from gcmreview.render.document import Document, layout_languages
from gcmreview.render.html import render_bilingual_html, render_html
from gcmreview.render.pdf import render_pdf
from gcmreview.render.plan import finish_pdf, render_pdf_file
from gcmreview.render.sections import BREAK, END, MIN_SECTION_TEXT, PART, group_parts, render_section, section_html, split_parts

ROOT = Path(__file__).resolve().parent.parent
LAO = ROOT / "examples" / "lao-pdr"


def _documents(workspace: Path, lang: str) -> dict[str, tuple[Document, ...]]:
    prepared = prepare(workspace)
    en, national = layout_languages(prepared.submission, prepared.check.survey, ("en", lang))
    left, right = layout_languages(prepared.submission, prepared.check.survey, ("en", lang), review=True)
    return {"en": (en,), lang: (national,), f"en-{lang}": (left, right)}


def _html(documents: tuple[Document, ...], workspace: Path) -> str:
    return render_html(documents[0], workspace) if len(documents) == 1 else render_bilingual_html(*documents, workspace)


@pytest.fixture(scope="module")
def sample() -> dict[str, tuple[Document, ...]]:
    return _documents(ROOT, "km")


def test_the_form_is_cut_into_its_parts(sample: dict[str, tuple[Document, ...]]) -> None:
    for name, documents in sample.items():
        html = _html(documents, ROOT)
        parts = split_parts(html)
        assert len(parts) == 7, name  # front matter, four clusters, question 5, questions 6-10
        assert "title-block" in parts.parts[0] and 'class="contact' in parts.parts[0] and "instructions" in parts.parts[0]
        assert [p.lstrip().split(">")[0] for p in parts.parts[1:]] == ['<section class="cluster"'] * 4 + [
            '<section class="principles"', '<section class="closing"']
        assert parts.prologue + "".join(PART + p for p in parts.parts) + END + parts.epilogue == html, "nothing lost"
        groups = group_parts(parts)
        assert [i for g in groups for i in g] == list(range(7))
        assert len(groups) >= 4
        texts = [len(re.sub(r"<[^>]*>", "", "".join(parts.parts[i] for i in g))) for g in groups]
        assert all(t >= MIN_SECTION_TEXT for t in texts[:-1]), texts
        first = section_html(parts, groups[0])
        assert first.count("running-header") == html.count("running-header") and "@bottom-center { content: none }" in first


def test_a_page_without_part_marks_is_one_section() -> None:
    html = '<!DOCTYPE html><html><head><title>t</title></head><body class="final"><p>one</p><p>two</p></body></html>'
    parts = split_parts(html)
    assert parts.parts == ("<p>one</p><p>two</p>",) and group_parts(parts) == [range(0, 1)]
    assert section_html(parts, range(0, 1)).endswith("<p>one</p><p>two</p></body></html>")


def _outline(data: bytes) -> list[tuple[int, str, int, int]]:
    """(depth, title, page index, top in pt) of each outline entry, in order."""
    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_outline() as outline:
        pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}

        def walk(items: Any, depth: int) -> Iterator[tuple[int, str, int, int]]:
            for item in items:
                dest = item.destination
                yield depth, str(item.title), pages[dest[0].objgen], round(float(dest[3]))
                yield from walk(item.children, depth + 1)
        return list(walk(outline.root, 0))


def _dests(data: bytes) -> dict[str, int]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        return {name: pages[dest[0].objgen] for name, dest in pikepdf.NameTree(pdf.Root.Names.Dests).items()}


def _font_programs(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len({obj.FontFile2.objgen for obj in pdf.objects
                    if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor" and "/FontFile2" in obj})


@pytest.mark.parametrize(("label", "name"), [("sample", "en"), ("sample", "km"), ("sample", "en-km"), ("lao-pdr", "lo")])
def test_a_joined_pdf_is_the_whole_document(sample: dict[str, tuple[Document, ...]], label: str, name: str) -> None:
    workspace = ROOT if label == "sample" else LAO
    documents = sample[name] if label == "sample" else _documents(LAO, "lo")[name]
    whole = render_pdf(_html(documents, workspace), workspace)
    rendered = render_pdf_file(documents, workspace, workspace)
    joined = rendered.data
    assert rendered.section_count >= 3
    with pikepdf.open(io.BytesIO(whole)) as pdf:
        pages = len(pdf.pages)
    assert rendered.pages == pages
    for n in range(1, pages + 1):
        text = squeeze(pdftotext(joined, n))
        assert text == squeeze(pdftotext(whole, n)), f"page {n}"
        assert f"{n}/{pages}" in text, f"page {n} is numbered"
    assert _outline(joined) == _outline(whole)
    assert _dests(joined) == _dests(whole)
    found, expected = tree(joined), tree(whole)
    assert found.roles == expected.roles and found.langs == expected.langs
    assert found.headings == expected.headings and found.ids == expected.ids and found.links == expected.links
    assert found.orphans == 0 and Counter(found.roles)["/Document"] == 1
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        assert str(pdf.Root.Lang) and bool(pdf.Root.MarkInfo.Marked) and bool(pdf.Root.ViewerPreferences.DisplayDocTitle)
        struct_parents = [int(page.obj.StructParents) for page in pdf.pages]
        assert len(set(struct_parents)) == pages, "each page its own ParentTree entry"
    assert _font_programs(joined) == _font_programs(whole), "one program for each font"
    assert len(joined) <= 1.3 * len(whole), (len(joined), len(whole))


def test_a_part_too_long_for_one_render_is_cut_between_its_questions(tmp_path: Path) -> None:
    """Three questions of 25,000 characters in one cluster (60,000 at most per render): two sections, the cluster's
    element closed and opened again at the cut, every question shown once, in order, on numbered pages."""
    words = ["Regular", "channels", "are", "cheaper", "and", "safer", "than", "irregular", "ones."]
    questions = [f'<div class="question"><h3>Question {q}</h3><p>{" ".join(words[i % 9] for i in range(3400))} '
                 f"End of answer {q}.</p></div>" for q in "abc"]
    html = ('<!DOCTYPE html><html lang="en"><head><title>Long</title><link rel="stylesheet" href="submission.css"></head>'
            f'<body class="final">{PART}<h1>Title</h1>{PART}<section class="cluster"><h2>Cluster</h2>'
            f"{questions[0]}{BREAK}{questions[1]}{BREAK}{questions[2]}</section>{END}</body></html>")
    parts = split_parts(html)
    assert len(parts) == 3
    assert parts.parts[1].endswith("</section>") and parts.parts[2].startswith('<section class="cluster">')
    assert "Question b" in parts.parts[1] and "Question c" in parts.parts[2]
    assert len(group_parts(parts)) == 2  # the title joins the first piece
    sections = [render_section(section_html(parts, g), ROOT) for g in group_parts(parts)]
    rendered = finish_pdf(parts, sections, ROOT)
    text = "".join(squeeze(pdftotext(rendered.data, n)) for n in range(1, rendered.pages + 1))
    assert [text.count(f"Endofanswer{q}.") for q in "abc"] == [1, 1, 1]
    assert text.index("Endofanswera") < text.index("Endofanswerb") < text.index("Endofanswerc")
    assert all(f"{n}/{rendered.pages}" in squeeze(pdftotext(rendered.data, n)) for n in range(1, rendered.pages + 1))
    assert [title for _, title, _, _ in _outline(rendered.data)] == ["Title", "Cluster", "Question a", "Question b", "Question c"]


@pytest.mark.parametrize("name", ["en", "en-km"])
def test_a_question_too_long_for_one_render_is_cut_between_its_paragraphs(sample: dict[str, tuple[Document, ...]],
                                                                          name: str) -> None:
    """With a budget smaller than one question, questions are cut between their answers' blocks (rows side by side in
    the bilingual draft): every piece's elements balanced, the open ones opened again without their ids, each id once,
    and the joined PDF shows every word of the whole document (its notes at the foot of other pages, a table's head
    repeated on other pages: as often but there), with the same outline."""
    html = _html(sample[name], ROOT)
    whole, cut = split_parts(html), split_parts(html, max_text=2500)
    assert len(cut) > len(whole) + 5
    ids = Counter(m for piece in cut.parts for m in re.findall(r'\sid="([^"]+)"', piece))
    assert ids and max(ids.values()) == 1
    opened = [piece for piece in cut.parts if piece.startswith('<section class="cluster"><section class="question">')
              or piece.startswith('<section class="cluster"><div class="pair question">')]
    assert opened, "no piece starts inside a question"
    for piece in cut.parts:
        names = [n.lower() for n in re.findall(r"<(?:section|div)\b", piece)]
        assert len(names) == len(re.findall(r"</(?:section|div)>", piece)), piece[:200]
    sections = [render_section(section_html(cut, g), ROOT) for g in group_parts(cut, min_text=0)]
    joined = finish_pdf(cut, sections, ROOT)
    expected = render_pdf_file(sample[name], ROOT, ROOT / "templates" / "base.docx")
    heads = {squeeze(w) for head in re.findall(r"<thead>(.*?)</thead>", html, re.DOTALL) for w in re.sub(r"<[^>]*>", " ", head).split()}
    words, whole_words = _body_text(joined.data, joined.pages), _body_text(expected.data, expected.pages)
    assert set(words) == set(whole_words)
    if name == "en":  # as often too (side by side, WeasyPrint may show a note on two pages when it moves it)
        assert {w: n for w, n in words.items() if w not in heads} == {w: n for w, n in whole_words.items() if w not in heads}
    assert [(level, title) for level, title, _, _ in _outline(joined.data)] == \
        [(level, title) for level, title, _, _ in _outline(expected.data)]
    assert joined.pages > expected.pages, "each piece starts a page"


def _body_text(data: bytes, pages: int) -> Counter[str]:
    """The words of the PDF's text without its running heads and page numbers (the lines on most of its pages)."""
    lines = [pdftotext(data, n).splitlines() for n in range(1, pages + 1)]
    running = {line for line, count in Counter(x for page in lines for x in set(page)).items() if count > pages / 2}
    return Counter(squeeze(word) for page in lines for x in page if x not in running and not re.fullmatch(r"\s*\d+ / \d+\s*", x)
                   for word in x.split())
