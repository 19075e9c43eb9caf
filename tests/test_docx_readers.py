"""The sample's DOCX files as another reader sees them: pandoc (``pandoc -f docx -t json``).

Each DOCX the build writes (English, Khmer, the bilingual draft, the review draft) is
rendered as the build renders it and read back by pandoc: every footnote call must be
there, first calls as notes and repeated ones as the number they show (Word's NOTEREF
fields, which pandoc drops when they are simple fields), in the document's order; the
title must be the document's title; and a table has a header row only where the
document repeats one on each page (not the contact table).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from test_docx import W, field_result

from gcmreview.prepared import prepare
from gcmreview.render.document import Document
from gcmreview.render.plan import plan_renders, render_docx_file
from gcmreview.render.templates import find_template

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["KHM-escap-2020.en.docx", "KHM-escap-2020.km.docx", "KHM-escap-2020.en-km.docx", "KHM-escap-2020.en.review.docx"]
FIRST_ROW = 0x0020  # w:tblLook/@w:val's bit for first-row formatting

Sample = dict[str, tuple[bytes, tuple[Document, ...]]]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """The sample review's DOCX files as the build makes them (its plan, its renderer, its template), with their documents."""
    workspace = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "inputs", workspace / "inputs")
    prepared = prepare(workspace)
    assert prepared.errors == []
    plan = plan_renders(prepared.submission, prepared.check.survey, draft=False, problems=[])
    template = find_template("base.docx", workspace)
    jobs = [job for job in plan.jobs if job.kind == "docx"]
    assert sorted(job.name for job in jobs) == sorted(NAMES)
    return {job.name: (render_docx_file(job.documents, workspace, template).data, job.documents) for job in jobs}


def _pandoc(data: bytes) -> dict[str, Any]:
    exe = shutil.which("pandoc")
    if exe is None:
        pytest.fail("pandoc is not installed; `nox -s tests` installs it")
    result = subprocess.run([exe, "-f", "docx", "-t", "json"], input=data, capture_output=True, timeout=120, check=True)
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def _xml(data: bytes, part: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(BytesIO(data)) as z:
        return etree.fromstring(z.read(part))


def _plain(x: Any) -> str:
    """The text of pandoc JSON inlines or blocks, spaces and line breaks as one space."""
    if isinstance(x, list):
        return "".join(_plain(v) for v in x)
    if not isinstance(x, dict):
        return ""
    if x.get("t") == "Str":
        return str(x["c"])
    if x.get("t") in ("Space", "SoftBreak", "LineBreak"):
        return " "
    return _plain(x.get("c", []))


def _elements(x: Any) -> Iterator[dict[str, Any]]:
    """Every element of pandoc JSON (blocks, inlines), in document order, each before what it holds."""
    if isinstance(x, dict):
        if "t" in x:
            yield x
        yield from _elements(x.get("c", []))
    elif isinstance(x, list):
        for v in x:
            yield from _elements(v)


def _pandoc_calls(blocks: Any) -> list[str]:
    """The footnote calls pandoc found, in order: "note" for a footnote, the number shown for a repeated call."""
    calls = []
    for e in _elements(blocks):
        if e["t"] == "Note":
            calls.append("note")
        elif e["t"] == "Superscript" and _plain(e["c"]).strip().isdigit():
            calls.append(_plain(e["c"]).strip())
    return calls


def _our_calls(document: etree._Element) -> list[str]:
    """The footnote calls of the document, in order: "note" for a footnote reference, the number a NOTEREF field shows."""
    calls = []
    for e in document.iter(f"{W}footnoteReference", f"{W}instrText", f"{W}fldSimple"):
        if e.tag == f"{W}footnoteReference":
            calls.append("note")
        elif e.tag == f"{W}instrText" and "NOTEREF" in (e.text or ""):
            calls.append(field_result(e))
        elif e.tag == f"{W}fldSimple" and "NOTEREF" in (e.get(f"{W}instr") or ""):
            calls.append("".join(e.itertext()))
    return calls


def _row_text(row: list[Any]) -> str:
    """A pandoc table row's text, cell after cell, block after block."""
    return " ".join(" ".join(_plain(block) for block in cell[4]).strip() for cell in row[1])


def _pandoc_tables(blocks: Any) -> list[str]:
    """Each table pandoc found (nested ones too), in document order: the text of its header rows ("" if none)."""
    return [" ".join(_row_text(row) for row in e["c"][3][1]) for e in _elements(blocks) if e["t"] == "Table"]


def _our_tables(document: etree._Element) -> list[str]:
    """Each table of the document, in order: the text of its first row if it is a header row repeated on each page, else ""."""
    heads = []
    for tbl in document.iter(f"{W}tbl"):
        tr = tbl.find(f"{W}tr")
        header = tr is not None and tr.find(f"{W}trPr/{W}tblHeader") is not None
        cells = [" ".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p")) for tc in tr.findall(f"{W}tc")]
        heads.append(" ".join(cell.strip() for cell in cells) if header else "")
    return heads


@pytest.mark.parametrize("name", NAMES)
def test_pandoc_finds_every_footnote_call(sample: Sample, name: str) -> None:
    data, _ = sample[name]
    ours = _our_calls(_xml(data))
    found = _pandoc_calls(_pandoc(data)["blocks"])
    assert ours.count("note") >= 20 and len(ours) - ours.count("note") >= 50, "the sample cites sources often, and again"
    assert (found.count("note"), len(found)) == (ours.count("note"), len(ours)), "first calls as notes, repeated ones as numbers"
    assert found == ours, "in the document's order, each repeated call with its footnote's number"


@pytest.mark.parametrize("name", [n for n in NAMES if "-" not in n.split(".")[1]])
def test_pandoc_takes_the_title_and_subtitle(sample: Sample, name: str) -> None:
    data, (doc,) = sample[name]
    meta = _pandoc(data)["meta"]
    assert _plain(meta["title"]) == doc.title[0]
    assert _plain(meta["subtitle"]) == " ".join(doc.title[1:])


def test_bilingual_title_opens_each_column(sample: Sample) -> None:
    """The bilingual draft's title is in its first table (one column per language), in each column's language."""
    data, docs = sample["KHM-escap-2020.en-km.docx"]
    table = next(b for b in _pandoc(data)["blocks"] if b["t"] == "Table")
    first_row = table["c"][4][0][3][0]  # the first body's rows, the first row
    assert _row_text(first_row) == " ".join(" ".join(d.title) for d in docs)


@pytest.mark.parametrize("name", NAMES)
def test_pandoc_sees_a_header_row_only_where_there_is_one(sample: Sample, name: str) -> None:
    data, _ = sample[name]
    ours = _our_tables(_xml(data))
    assert sum(bool(h) for h in ours) >= 3 and ours.count("") >= 3, "tables with and without a header row"
    assert _pandoc_tables(_pandoc(data)["blocks"]) == ours


def test_fields_and_table_looks_in_the_xml(sample: Sample) -> None:
    """Fields as Word writes them (no w:fldSimple), and w:tblLook's first row set only on tables whose first row is a header."""
    data, _ = sample["KHM-escap-2020.en.docx"]
    document = _xml(data)
    assert document.find(f".//{W}fldSimple") is None
    footer = _xml(data, "word/footer1.xml")
    assert footer.find(f".//{W}fldSimple") is None
    assert [(i.text, field_result(i)) for i in footer.iter(f"{W}instrText")] == [(" PAGE ", "1")]
    for tbl in document.iter(f"{W}tbl"):
        header = tbl.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None
        look = tbl.find(f"{W}tblPr/{W}tblLook")
        assert look is not None
        assert (look.get(f"{W}firstRow"), bool(int(look.get(f"{W}val") or "0", 16) & FIRST_ROW)) == ("1" if header else "0", header)
    contact = next(t for t in document.iter(f"{W}tbl") if "".join(t.find(f"{W}tr").itertext()).startswith("Country:"))
    assert contact.find(f"{W}tblPr/{W}tblLook").get(f"{W}firstRow") == "0"
