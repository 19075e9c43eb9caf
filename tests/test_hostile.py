"""Hostile inputs through the real command line: every broken, look-alike, huge or malicious file
a coordinator may receive gives a clear one-line message with its code, or renders safely.

Every run of ``check`` and ``build --draft`` here is watched (:func:`run_cli`): exit status 0 or 1
and no traceback; every line one diagnostic or a summary line, with no control character; no
network connection or name lookup (``socket``, ``urllib``: recorded and refused, also in the
forked PDF workers); no program started but fontconfig's; the canary file outside the workspace
never opened, its text in no output (PDF streams inflated, DOCX parts unpacked); no output that
runs, embeds or auto-fetches anything; every input byte-identical afterwards. The files come
from :mod:`hostile`, generated here in temporary folders.

Each case has its own ``check``; files refused as a whole share one draft build, and other
cases share a build with others whose edits touch different cells (see ``BUILDS``), since a
build takes about 4 s. Cases marked xfail name a defect outside the reader (``check_defect``,
``build_defect``), strict: they fail once the defect is fixed, to be unmarked.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import sys
import time
import tracemalloc
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import hostile as H
import pytest
from conftest import CONTRIBUTION, REVIEW_TOML, WriteWorkbook, edit_cells

from gcmreview.cli import main
from gcmreview.config import load_config
from gcmreview.model import Contribution
from gcmreview.survey import load_survey
from gcmreview.validate import read_contribution
from gcmreview.workbook import read as workbook_reader
from gcmreview.workbook import save_workbook

# ---------------------------------------------------------------- the watch

NETWORK_EVENTS = frozenset({
    "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.sendto",
    "socket.sendmsg", "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect", "webbrowser.open",
})
PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile"})
FONT_TOOLS = frozenset({"fc-match", "fc-list"})
"""The only programs a command may start (the renderer asks fontconfig for the fonts of each script)."""
_WATCH: dict[str, Any] = {}
"""While a command runs: ``log`` (events file, shared with forked PDF workers) and ``canary`` (file name)."""


def _record(line: str) -> None:
    with open(_WATCH["log"], "a", encoding="utf-8") as log:
        log.write(line.replace("\n", " ") + "\n")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCH:
        return
    if event == "open":
        path = args[0]
        if isinstance(path, str | bytes | os.PathLike) and _WATCH["canary"] in os.fsdecode(path):
            _record(f"open {os.fsdecode(path)}")
    elif event in NETWORK_EVENTS:
        _record(f"{event} {args!r:.200}")
        raise OSError(f"network access refused by the test ({event})")
    elif event in PROCESS_EVENTS and _program(args) not in FONT_TOOLS:
        _record(f"{event} {args!r:.200}")


def _program(args: tuple[Any, ...]) -> str:
    """The name of the program an audited process event starts (executable, else argv[0])."""
    for candidate in (args[0] if args else None, args[1][0] if len(args) > 1 and isinstance(args[1], list | tuple) and args[1] else None):
        if isinstance(candidate, str | bytes | os.PathLike):
            return os.path.basename(os.fsdecode(candidate))
    return ""


sys.addaudithook(_audit)  # hooks cannot be removed; this one does nothing unless _WATCH is set

DIAGNOSTIC_RE = re.compile(r"^(?:\S[^\n]*?: )?(?:error|warning) GCM\d{3}: \S.*$")
SUMMARY_RE = re.compile(r"^(?:Workbooks: |Conflicts: |\d+ file\(s\) checked, |build/\S+|Built in |Build refused: |Unchanged since the last build: )")
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass
class Sandbox:
    """The canary outside the workspace and the record of what commands tried."""

    canary: Path
    secret: str
    log: Path

    def events(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []


@pytest.fixture(scope="session")
def canary(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    secret = f"CANARY-{secrets.token_hex(16)}"
    path = tmp_path_factory.mktemp("outside") / f"canary-{secret[-8:]}.txt"
    path.write_text(secret, encoding="utf-8")
    return path, secret


@pytest.fixture
def sandbox(canary: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = Sandbox(canary[0], canary[1], tmp_path_factory.mktemp("watch") / "events.log")

    def refuse(what: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            with open(box.log, "a", encoding="utf-8") as log:
                log.write(f"{what} {args!r:.200}\n")
            raise OSError(f"network access refused by the test ({what})")

        return call

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.socket.connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urllib.request.urlopen"))
    return box


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Run:
    status: int
    out: str
    err: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return (self.out + self.err).splitlines()

    def diagnostics(self, prefix: str = "") -> list[str]:
        """The diagnostic lines printed, those starting with ``prefix``."""
        return [line for line in self.lines if DIAGNOSTIC_RE.match(line) and line.startswith(prefix)]


def run_cli(capsys: pytest.CaptureFixture[str], box: Sandbox, workspace: Path, *argv: str) -> Run:
    """Run the command line and check what every hostile case must satisfy."""
    inputs = _hashes(workspace / "inputs")
    capsys.readouterr()
    _WATCH.update(log=str(box.log), canary=box.canary.name)
    start = time.perf_counter()
    try:
        status = main([argv[0], str(workspace), *argv[1:]])
    finally:
        seconds = time.perf_counter() - start
        _WATCH.clear()
    out, err = capsys.readouterr()
    run = Run(status, out, err, seconds)
    text = out + err
    assert "Traceback" not in text, text[-3000:]
    assert status in (0, 1), f"exit status {status}:\n{text[-3000:]}"
    assert box.secret not in text, "the canary's text was printed"
    assert box.events() == [], "network, process or canary access attempted"
    assert not CONTROL_RE.findall(text), f"control characters printed: {sorted(set(CONTROL_RE.findall(text)))}"
    stray = [line for line in text.splitlines() if not (DIAGNOSTIC_RE.match(line) or SUMMARY_RE.match(line))]
    assert stray == [], "every line is one diagnostic or a summary line"
    assert _hashes(workspace / "inputs") == inputs, "inputs must be byte-identical after the run"
    if argv[0] == "build":
        _assert_safe_outputs(workspace / "build", box)
    return run


# ---------------------------------------------------------------- outputs


def _pdf_streams(data: bytes, only: bytes = b"", *, inflated: bool = False) -> Iterator[bytes]:
    """Every stream of a PDF (or those whose dictionary holds ``only``), and inflated where it is Flate-compressed
    (``inflated``: only so, the compressed bytes left out)."""
    for match in re.finditer(rb"(?<!end)stream\r?\n", data):
        start = match.end()
        end = data.find(b"endstream", start)
        if only and only not in data[data.rfind(b" obj", 0, match.start()) : match.start()]:
            continue
        raw = data[start:end]
        if not inflated:
            yield raw
        with contextlib.suppress(zlib.error):
            yield zlib.decompressobj().decompress(raw)


def _pdf_objects(data: bytes) -> Iterator[bytes]:
    """The PDF's objects, where an action would be: the file outside its streams, and its object streams inflated.

    Not the content and font streams, nor the object streams' compressed bytes: those hold "/JS" and the like by chance.
    """
    yield re.sub(rb"(?<!end)stream\r?\n.*?endstream", b"stream endstream", data, flags=re.S)
    yield from _pdf_streams(data, b"/ObjStm", inflated=True)


PDF_ACTIVE_RE = re.compile(rb"/(?:Launch|GoToR|GoToE|JavaScript|JS|SubmitForm|ImportData|EmbeddedFile|RichMedia)\b|/URI\s*\(file:")
"""PDF content that runs, opens or fetches something by itself, or links a local file."""
RELATIONSHIP_RE = re.compile(r"<Relationship\b[^>]*>")


def _assert_safe_outputs(build: Path, box: Sandbox) -> None:
    """No output holds the canary's text, embeds or auto-fetches anything, or turns input text into markup."""
    needle = box.secret.encode()
    for path in build.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        assert needle not in data, f"canary in {path.name}"
        if path.suffix == ".pdf":
            for chunk in (data, *_pdf_streams(data)):
                assert needle not in chunk, f"canary inside {path.name}"
            for chunk in _pdf_objects(data):
                assert not PDF_ACTIVE_RE.search(chunk), f"{path.name}: {PDF_ACTIVE_RE.search(chunk)}"
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    part = archive.read(name)
                    assert needle not in part, f"canary inside {path.name}/{name}"
                    for rel in RELATIONSHIP_RE.findall(part.decode("utf-8", "replace")) if name.endswith(".rels") else []:
                        if 'TargetMode="External"' in rel:  # only hyperlinks (followed on a click) may leave the file
                            assert "/hyperlink" in rel and 'Target="file:' not in rel, f"{path.name}/{name}: {rel}"
        elif path.suffix == ".html":
            html = data.decode("utf-8")
            tags = re.findall(r"<[^>]*>", html)
            assert not [t for t in tags if box.canary.name in t or "127.0.0.1" in t], f"{path.name} links input text"
            assert "<script>alert(1)" not in html


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    return unescape("".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", xml)))


def _shows(build: Path, texts: tuple[str, ...]) -> None:
    """The English PDF and DOCX show each text literally."""
    pdf = _squeeze(_pdf_text(next(build.glob("*.en.pdf"))))
    docx = _squeeze(_docx_text(next(p for p in build.glob("*.en.docx") if ".review." not in p.name)))
    for text in texts:
        assert _squeeze(text) in pdf, f"PDF does not show {text!r}"
        assert _squeeze(text) in docx, f"DOCX does not show {text!r}"


# ---------------------------------------------------------------- files refused as a whole

MARK_E5, MARK_E21, MARK_F21 = "MARK-E5", "MARK-E21", "MARK-F21"
"""Texts of Answers!E5 (question 1a, English), E21 (question 6, English) and F21 (6, Khmer), replaced in the XML."""


def _marked(data: dict[str, Any], khmer_marker: bool = False) -> dict[str, Any]:
    """The contribution with marker texts in E5 and E21 (and F21, which is otherwise empty)."""
    data["answers"][0]["text"]["en"] = MARK_E5
    data["answers"][1]["text"]["en"] = MARK_E21
    if khmer_marker:
        data["answers"][1]["text"]["km"] = MARK_F21
    return data


@pytest.fixture(scope="session")
def base_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid workbook of LAB with marker texts (see MARK_*), written once."""
    folder = tmp_path_factory.mktemp("base")
    (folder / "inputs").mkdir()
    (folder / "inputs" / "review.toml").write_text(REVIEW_TOML, encoding="utf-8")
    review = load_config(folder)
    contribution = Contribution.model_validate(_marked(copy.deepcopy(CONTRIBUTION)))
    return save_workbook(folder / "lab.xlsx", review, load_survey(review.survey), "LAB", contribution)


DAMAGED = "The workbook cannot be read: the file is damaged ({}). Ask the contributor to send it again."
TOO_LARGE = ("The file is too large to read safely: {}. Check that it is the filled workbook; if it is, delete pictures and "
             "pasted objects, save it and send it again.")
UNSAFE = ("The workbook was not opened, to keep this computer safe: {}. Open it in Excel or LibreOffice, save it as Excel "
          "Workbook (.xlsx) and send that copy.")
ENTITIES = UNSAFE.format("its part {} declares XML entities, which no spreadsheet program writes")
NOT_XLSX = "This is not an Excel workbook ({}). Send the .xlsx workbook made by `gcmreview workbook`."
ANSWERS_PART = "xl/worksheets/sheet3.xml"
BOMB = TOO_LARGE.format("it unpacks to @ bytes (ratio #:1), far more than any workbook")
RATIO = r"(?:[2-9]\d\d|\d{4,})"
"""A ratio above 200:1."""


def _pattern(text: str, holes: dict[str, str]) -> re.Pattern[str]:
    """``text`` matched literally, except for each hole (a character) matched by its regex."""
    escaped = re.escape(text)
    for hole, regex in holes.items():
        escaped = escaped.replace(re.escape(hole), regex)
    return re.compile(escaped)


@dataclass(frozen=True)
class Refused:
    """A file refused as a whole: its name in inputs/, how it is made, the one line expected."""

    id: str
    name: str
    make: Callable[[Path, Path, Path], Any]  # (valid workbook, destination, canary)
    line: str | re.Pattern[str]
    seconds: float = 3.0


REFUSED = [
    Refused("truncated", "truncated.xlsx", lambda b, d, c: H.truncated(b, d),
            "error GCM103: " + DAMAGED.format("not a valid zip archive: File is not a zip file")),
    Refused("bad-crc", "bitrot.xlsx", lambda b, d, c: H.crc_error(b, d, MARK_E21.encode()),
            "error GCM103: " + DAMAGED.format(f"its part {ANSWERS_PART} cannot be unpacked: Bad CRC-32 for file '{ANSWERS_PART}'")),
    Refused("bad-deflate", "garbled.xlsx", lambda b, d, c: H.corrupt_deflate(b, d),
            _pattern("error GCM103: " + DAMAGED.format(f"its part {ANSWERS_PART} cannot be unpacked: Error -3 while decompressing data: @"),
                     {"@": "[a-z ]+"})),
    Refused("huge-file", "video.xlsx", lambda b, d, c: H.huge_file(d), "error GCM113: " + TOO_LARGE.format("it is 269,484,032 bytes, far more than any workbook")),
    Refused("zip-bomb", "zipbomb.xlsx", lambda b, d, c: H.zip_bomb(b, d),
            _pattern("error GCM113: " + BOMB, {"@": r"3\d\d,\d{3},\d{3}", "#": RATIO})),  # 300 MiB of spaces and the rest
    Refused("cell-bomb", "cellbomb.xlsx", lambda b, d, c: H.cell_bomb(b, d),
            _pattern("error GCM113: " + BOMB, {"@": r"13,\d{3},\d{3}", "#": RATIO})),  # 3.3 million <c/>: 13 MB
    Refused("cell-flood", "cellflood.xlsx", lambda b, d, c: H.cell_flood(b, d),
            "error GCM113: " + TOO_LARGE.format("it holds more than 300,000 cells, far more than any filled workbook")),
    Refused("laughs-sheet", "laughs.xlsx", lambda b, d, c: H.billion_laughs(b, d, "sheet", MARK_E21),
            "error GCM114: " + ENTITIES.format(ANSWERS_PART)),
    Refused("laughs-workbook", "laughs-wb.xlsx", lambda b, d, c: H.billion_laughs(b, d, "workbook", MARK_E21),
            "error GCM114: " + ENTITIES.format("xl/workbook.xml")),
    Refused("external-entity", "xxe.xlsx", lambda b, d, c: H.external_entity(b, d, c, MARK_E21),
            "error GCM114: " + ENTITIES.format(ANSWERS_PART)),
    Refused("doctype-after-comment", "late-dtd.xlsx", lambda b, d, c: H.late_doctype(b, d, c),
            "error GCM114: " + ENTITIES.format("xl/workbook.xml")),
    Refused("utf16-entities", "utf16.xlsx", lambda b, d, c: H.utf16_entities(b, d, c, MARK_E21),
            "error GCM114: " + ENTITIES.format(ANSWERS_PART)),
    Refused("part-not-named-xml", "odd-part.xlsx", lambda b, d, c: H.odd_part_name(b, d, MARK_E21),
            "error GCM114: " + ENTITIES.format("xl/worksheets/sheet3.dat")),
    Refused("xls", "old.xls", lambda b, d, c: H.old_xls(d),
            "error GCM101: This is an old Excel 97-2003 (.xls) file. Open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx)."),
    Refused("ods", "answers.ods", lambda b, d, c: H.ods(d),
            "error GCM102: " + NOT_XLSX.format("an OpenDocument spreadsheet (.ods); save it as .xlsx")),
    Refused("csv-utf8", "answers.csv", lambda b, d, c: H.csv_khmer(d), "error GCM102: " + NOT_XLSX.format("text or CSV")),
    Refused("csv-ansi", "reponses.csv", lambda b, d, c: H.csv_ansi(d), "error GCM102: " + NOT_XLSX.format("text or CSV")),
    Refused("docx-renamed", "letter.xlsx", lambda b, d, c: H.docx_as_xlsx(d), "error GCM102: " + NOT_XLSX.format("a Word document")),
    Refused("encrypted", "locked.xlsx", lambda b, d, c: H.encrypted(b, d),
            "error GCM104: The workbook is protected with a password to open. Save a copy without the password "
            "(File > Properties or Save As > Tools > General options) and send that."),
]


@pytest.fixture(scope="session")
def refused_files(base_workbook: Path, canary: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every refused file, generated once."""
    folder = tmp_path_factory.mktemp("refused")
    files = {}
    for case in REFUSED:
        case.make(base_workbook, folder / case.name, canary[0])
        files[case.id] = folder / case.name
    return files


def _matches(line: str, expected: str | re.Pattern[str]) -> bool:
    return bool(expected.fullmatch(line)) if isinstance(expected, re.Pattern) else line == expected


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_refused_file_check(case: Refused, refused_files: dict[str, Path], workspace: Path, sandbox: Sandbox,
                            capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """One line with the code, exit 1, quickly, and openpyxl never asked to parse the file."""
    parsed: list[object] = []
    load = workbook_reader._load
    monkeypatch.setattr(workbook_reader, "_load", lambda *args, **kwargs: parsed.append(args) or load(*args, **kwargs))
    os.link(refused_files[case.id], workspace / "inputs" / case.name)
    run = run_cli(capsys, sandbox, workspace, "check")
    assert parsed == [], "refused only after openpyxl parsed it"
    lines = run.diagnostics(f"inputs/{case.name}")
    assert len(lines) == 1 and lines[0].startswith(f"inputs/{case.name}: ")
    assert _matches(lines[0].removeprefix(f"inputs/{case.name}: "), case.line), lines[0]
    assert run.status == 1
    assert run.seconds < case.seconds, f"check took {run.seconds:.1f} s"
    assert "1 file(s) checked, 0 read: 1 error(s)" in run.out


def test_refused_files_in_one_draft_build(refused_files: dict[str, Path], workspace: Path, sandbox: Sandbox,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """All refused files at once: the draft builds, lists each file's one line, and contains none of them."""
    for case in REFUSED:
        os.link(refused_files[case.id], workspace / "inputs" / case.name)
    run = run_cli(capsys, sandbox, workspace, "build", "--draft")
    assert run.status == 0
    for case in REFUSED:
        lines = run.diagnostics(f"inputs/{case.name}: ")
        assert len(lines) == 1 and _matches(lines[0].removeprefix(f"inputs/{case.name}: "), case.line), (case.id, lines)
    problems = _squeeze(_pdf_text(next((workspace / "build").glob("*.en.pdf"))))
    for case in REFUSED:
        assert _squeeze(f"inputs/{case.name}") in problems, f"the draft does not list {case.name}"


def test_symbolic_link_in_inputs_is_not_followed(base_workbook: Path, workspace: Path, sandbox: Sandbox,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A link in inputs/ could point anywhere on the coordinator's computer: refused unopened, the rest read."""
    shutil.copy(base_workbook, workspace / "inputs" / "lab.xlsx")
    link = workspace / "inputs" / f"{sandbox.canary.name}.xlsx"  # named like the canary: opening it is recorded
    link.symlink_to(sandbox.canary)
    run = run_cli(capsys, sandbox, workspace, "check")
    assert run.diagnostics(f"inputs/{link.name}") == [
        f"inputs/{link.name}: error GCM115: This is a link to a file elsewhere (a symbolic link), not a workbook; it is "
        "not read. Copy the workbook itself into inputs/."
    ]
    assert run.status == 1
    assert "2 file(s) checked, 1 read: 1 error(s)" in run.out
    assert link.is_symlink() and link.resolve() == sandbox.canary.resolve()


# ---------------------------------------------------------------- workbooks that open


@dataclass(frozen=True)
class Case:
    """A readable workbook of LAB, edited: the lines ``check`` prints for it and what the draft build does."""

    id: str
    edit: Callable[[Path, Path], None]  # (inputs/lab.xlsx, canary)
    check: tuple[str | re.Pattern[str], ...]  # diagnostics of inputs/lab.xlsx, in order, location prefix omitted
    build_extra: tuple[str, ...] = ()  # diagnostics the build adds (e.g. from the PDF renderer), whole lines
    shown: tuple[str, ...] = ()  # texts the English PDF and DOCX show literally
    verify: Callable[[Path], None] | None = None  # more checks on build/
    seconds: float = 3.0  # most time check may take
    check_defect: str = ""  # a known defect outside the reader: the check case is xfail
    build_defect: str = ""  # the same, for the draft build of this case
    khmer_marker: bool = False  # F21 holds MARK_F21 (a Latin marker in the Khmer column is reported, GCM211)

    @property
    def check_status(self) -> int:
        return 1 if any(" error GCM" in f" {line if isinstance(line, str) else line.pattern}" for line in self.check) else 0


def _xml(sheet: str, marker: str, raw: str) -> Callable[[Path, Path], None]:
    return lambda path, canary: H.put_xml_text(path, sheet, marker, raw)


def _cells(sheet: str, values: dict[str, Any]) -> Callable[[Path, Path], None]:
    return lambda path, canary: edit_cells(path, sheet, values)


def _workbook(change: Callable[[Any], None]) -> Callable[[Path, Path], None]:
    return lambda path, canary: H.edit_workbook(path, change)


def _both(*edits: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def edit(path: Path, canary: Path) -> None:
        for one in edits:
            one(path, canary)

    return edit


def _markup(path: Path, canary: Path) -> None:
    uri = canary.as_uri()
    edit_cells(path, "Answers", {
        "E5": f'<script>alert(1)</script> <img src="{uri}"> <link rel="attachment" href="{uri}">',
        "E21": f'![chart]({uri}) [report](http://127.0.0.1:9/) <iframe src="http://127.0.0.1:9/"></iframe> {uri}',
    })
    edit_cells(path, "Actions", {"H5": f'<style>@import url("{uri}");</style> <object data="http://127.0.0.1:9/x"></object>'})
    edit_cells(path, "References", {"C5": "http://127.0.0.1:9/report.pdf"})


def _in_submission(*texts: str) -> Callable[[Path], None]:
    def verify(build: Path) -> None:
        data = (build / "submission.json").read_text(encoding="utf-8")
        strings = json.dumps(json.loads(data), ensure_ascii=False)
        for text in texts:
            assert text in strings, f"{text[:40]!r}... is not in submission.json"

    return verify


def _in_log(*texts: str) -> Callable[[Path], None]:
    def verify(build: Path) -> None:
        log = (build / "build.log").read_text(encoding="utf-8")
        for text in texts:
            assert text in log, f"{text!r} is not in build.log"

    return verify


def _hide(wb: Any) -> None:
    wb["Answers"].sheet_state = "hidden"
    wb["Principles"].sheet_state = "veryHidden"  # not even listed by Excel's Unhide


def _copy_answers(wb: Any) -> None:
    copy = wb.copy_worksheet(wb["Answers"])
    copy["E5"] = "An answer written on the copied sheet"


def _merge_answer(wb: Any) -> None:
    ws = wb["Answers"]
    ws["E5"] = "Written across the merged cells E5:F5."
    ws["F5"] = None
    ws.merge_cells("E5:F5")


def _link_answer(wb: Any) -> None:
    wb["Answers"]["E5"].hyperlink = "http://127.0.0.1:9/secret"  # Insert > Link on a cell with text


def _note_answer(wb: Any) -> None:
    from openpyxl.comments import Comment

    wb["Answers"]["E21"].comment = Comment("Check the 2019 figures with the provincial office.", "")


LIMIT_OK = ("word " * 6553 + "wo")  # 32,767 characters: the most a cell holds
LIMIT_OVER = "word " * 6553 + "wor"  # 32,768
LONG_WORD = "Migration" * 222 + "xx"  # 2,000 characters, no space
BAD_CHAR = ("The text contains a character that cannot be stored in a document ({}). "
            "Delete it (it is often pasted in invisibly from other programs).")
FORMULA = "The cell holds a formula ({}). Type the text itself; formulas are not allowed in answers."

CASES = [
    Case("cell-limit", _both(_xml("Answers", MARK_E5, LIMIT_OK), _xml("Answers", MARK_E21, LIMIT_OVER)),
         ("sheet Answers, cell E21: warning GCM210: The answer has 6554 words; the survey asks for about 500. Shorten it or move details to an attachment.",
          "sheet Answers, cell E21: error GCM212: The text has 32,768 characters; a spreadsheet cell holds at most 32,767. Split it across rows or shorten it.",
          "sheet Answers, cell E5: warning GCM210: The answer has 6554 words; the survey asks for about 500. Shorten it or move details to an attachment."),
         verify=_in_submission(LIMIT_OK, LIMIT_OVER)),
    Case("formulas", _cells("Answers", {"E5": '=HYPERLINK("http://127.0.0.1:9/","click")', "E21": '=WEBSERVICE("http://127.0.0.1:9/x")',
                                        "F5": "=cmd|' /C calc'!A0"}),
         ("sheet Answers, cell E21: error GCM214: " + FORMULA.format('=WEBSERVICE("http://127.0.0.1:9/x")'),
          "sheet Answers, cell E5: error GCM214: " + FORMULA.format('=HYPERLINK("http://127.0.0.1:9/","click")'),
          "sheet Answers, cell F5: error GCM214: " + FORMULA.format("=cmd|' /C calc'!A0")),
         verify=_in_log("=cmd|' /C calc'!A0")),
    Case("markup-and-links", _markup, (),
         shown=('<script>alert(1)</script>', '<link rel="attachment" href="file://', "[report](http://127.0.0.1:9/)",
                '<iframe src="http://127.0.0.1:9/"></iframe>', '<style>@import url("file://')),
    Case("control-characters", _xml("Answers", MARK_E21, "Line one_x0001_two_x000B_three"),
         ("sheet Answers, cell E21: error GCM213: " + BAD_CHAR.format("U+0001, U+000B"),),
         shown=("Line onetwothree",)),  # the draft shows the text without the characters
    Case("noncharacter", _xml("Answers", MARK_E5, "Before_xFFFE_after"),
         ("sheet Answers, cell E5: error GCM213: " + BAD_CHAR.format("U+FFFE"),), shown=("Beforeafter",)),
    Case("bidi-override", _cells("Actions", {"I5": "Budget 2019: \u202e000,01 USD"}),
         ("sheet Actions, cell I5: error GCM213: " + BAD_CHAR.format("U+202E"),)),
    Case("lone-surrogate", _xml("Actions", "Makes regular channels cheaper.", "Lone _xD800_ surrogate"),
         ("sheet Actions, cell H5: error GCM213: " + BAD_CHAR.format("U+D800"),), shown=("Lone surrogate",)),
    Case("surrogate-in-message", _xml("Answers", "23", "23, x_xD800_"),
         (re.compile(r"sheet Answers, cell D21: error GCM201: 'x.{1,12}' is not a GCM objective number\. .*"),)),
    Case("terminal-escape", _xml("Answers", "23", "23, _x001B_[2J_x001B_[31mred"),
         (re.compile(r"sheet Answers, cell D21: error GCM201: '.+' is not a GCM objective number\. .*"),)),
    Case("emoji", _both(_cells("Answers", {"E21": "🙂 migrants"}), _xml("Answers", MARK_F21, "_xD83D__xDE42_ ពលករ")),
         (),  # drawn in colour (fonts-noto-color-emoji, a package the build needs)
         verify=_in_submission("🙂 migrants", "🙂 ពលករ"), shown=("🙂 migrants",), khmer_marker=True),
    Case("long-word", _cells("Answers", {"E21": LONG_WORD}), (), shown=(LONG_WORD,)),
    Case("hidden-sheet", _workbook(_hide), (), verify=_in_submission("ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ", "Complaint desks at the border.")),
    Case("copied-sheet", _workbook(_copy_answers),
         ("sheet Answers Copy: warning GCM224: Sheet 'Answers Copy' is not part of the template, so its content is not read. "
          "Move what it holds into the template's sheets.",),
         verify=_in_log("An answer written on the copied sheet")),
    Case("missing-table", _workbook(lambda wb: wb["Actions"].tables.pop("Actions")),
         ("sheet Actions: error GCM108: Table 'Actions' is missing from this sheet. Do not delete the template's tables; "
          "generate a blank workbook to copy it from.",),
         verify=_in_log("sheet Actions, cell H5: table 'Actions' could not be read (see the error on this sheet). "
                        "'Makes regular channels cheaper.'")),
    Case("renamed-header", _cells("Answers", {"E4": "Answers (en)"}),
         ("sheet Answers, cell A4: error GCM109: Column 'Answer (en)' is missing from table 'Answers' (did you mean "
          "'Answers (en)'?). Do not rename the template's column headers.",),
         verify=_in_log(f"sheet Answers, cell E5: table 'Answers' could not be read (see the error on this sheet). '{MARK_E5}'",
                        f"sheet Answers, cell E21: table 'Answers' could not be read (see the error on this sheet). '{MARK_E21}'")),
    Case("cell-link", _workbook(_link_answer),
         ("sheet Answers, cell E5: warning GCM225: The cell links to 'http://127.0.0.1:9/secret', but links are not kept in "
          "the submission. If readers need the address, write it in the text or add the source to the References sheet.",),
         verify=_in_log("sheet Answers, cell E5: a link on the cell; links are not kept. 'http://127.0.0.1:9/secret'"),
         shown=(MARK_E5,)),
    Case("cell-note", _workbook(_note_answer),
         ("sheet Answers, cell E21: warning GCM226: The note (comment) on this cell is not read: 'Check the 2019 figures with "
          "the provincial office.'. Put what it says in the cell or in the answer text.",),
         verify=_in_log("sheet Answers, cell E21: a note (comment) on the cell. 'Check the 2019 figures with the provincial office.'")),
    Case("linked-picture", lambda path, canary: H.linked_picture(path, "Answers", canary),
         ("inputs/lab.xlsx: warning GCM227: The workbook holds 1 picture(s), chart(s) or drawing(s); they are not read. "
          "Describe in an answer what they show, or put the figures in the Statistics sheet.",),
         shown=(MARK_E5, MARK_E21)),
    Case("merged-cells", _workbook(_merge_answer), (), verify=_in_submission("Written across the merged cells E5:F5.")),
    Case("merge-keeping-hidden-text", lambda path, canary: H.merge_keeping_hidden(path, "Answers", "E5:F5"), (),
         verify=_in_submission("ពលករភាគច្រើនចាកចេញទៅប្រទេសថៃ")),
    Case("table-of-100000-rows", lambda path, canary: H.stretch_table(path, "Actions", 100_000, every=10),
         ("sheet Actions, cell A4: error GCM223: Table 'Actions' has 100,000 rows; at most 5,000 are read. "
          "Remove the empty or repeated rows, or split the contribution.",), seconds=5.0),
    Case("tables-of-5000-by-65-empty-cells", lambda path, canary: H.stretch_tables(path, 5000, "BM"), (), seconds=3.0),
    Case("identity-key-edited", _cells("Contributor", {"A12": "e-mail"}),
         (re.compile(r"sheet Contributor: error GCM200: E-mail is empty\. .*"),
          re.compile(r"sheet Contributor, cell A12: error GCM221: 'e-mail' is not a field of this sheet\. .*"))),
]
CASE = {case.id: case for case in CASES}
CHECK_ONLY = frozenset({"surrogate-in-message", "terminal-escape", "identity-key-edited"})
"""Cases about check's own messages: not built."""

BUILDS: list[tuple[str, ...]] = [
    ("cell-limit", "bidi-override"),
    ("formulas", "copied-sheet", "missing-table"),
    ("hidden-sheet", "markup-and-links", "tables-of-5000-by-65-empty-cells"),
    ("merged-cells", "emoji"),
    ("long-word", "merge-keeping-hidden-text"),
    ("renamed-header", "table-of-100000-rows"),
    ("control-characters", "noncharacter", "lone-surrogate"),
    ("cell-link", "cell-note", "linked-picture"),
]
"""Draft builds (about 4 s each): cases whose edits touch different cells share one, in this order.
Cases whose check already fails (xfail) are not built."""


def _write(cases: list[Case], write_workbook: WriteWorkbook, contribution_data: dict[str, Any], canary: Path) -> None:
    path = write_workbook(_marked(contribution_data, any(c.khmer_marker for c in cases)))
    for case in cases:
        case.edit(path, canary)


def _lab_lines(run: Run) -> list[str]:
    return [line.removeprefix("inputs/lab.xlsx, ") for line in run.diagnostics("inputs/lab.xlsx")]


def _check_params() -> list[Any]:
    marks = {c.id: [pytest.mark.xfail(strict=True, reason=c.check_defect)] if c.check_defect else [] for c in CASES}
    return [pytest.param(case, id=case.id, marks=marks[case.id]) for case in CASES]


def _build_params() -> list[Any]:
    built = [case for group in BUILDS for case in group]
    unbuilt = {c.id for c in CASES if not c.check_defect and c.id not in CHECK_ONLY} ^ set(built)
    assert not unbuilt and len(built) == len(set(built)), f"every case is built once: {unbuilt}"
    out = []
    for group in BUILDS:
        defects = [CASE[c].build_defect for c in group if CASE[c].build_defect]
        assert not defects or len(group) == 1, "a known defect would hide the other cases of its build"
        marks = [pytest.mark.xfail(strict=True, reason=defects[0])] if defects else []
        out.append(pytest.param([CASE[c] for c in group], id="+".join(group), marks=marks))
    return out


@pytest.mark.parametrize("case", _check_params())
def test_check(case: Case, write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path,
               sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    _write([case], write_workbook, contribution_data, sandbox.canary)
    run = run_cli(capsys, sandbox, workspace, "check")
    got = _lab_lines(run)
    assert len(got) == len(case.check) and all(_matches(g, e) for g, e in zip(got, case.check, strict=True)), "\n".join(got)
    assert run.status == case.check_status
    assert run.seconds < case.seconds, f"check took {run.seconds:.1f} s"


@pytest.mark.parametrize("cases", _build_params())
def test_draft_build(cases: list[Case], write_workbook: WriteWorkbook, contribution_data: dict[str, Any], workspace: Path,
                     sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """The draft builds (exit 0), prints the same lines as check for the workbook (and the renderer's), shows the text."""
    _write(cases, write_workbook, contribution_data, sandbox.canary)
    run = run_cli(capsys, sandbox, workspace, "build", "--draft")
    assert run.status == 0, run.out + run.err
    assert sorted(_lab_lines(run)) == sorted(line for case in cases for line in case.check if isinstance(line, str))
    assert run.out.rstrip().splitlines()[-1].startswith("Built in") and "(DRAFT)" in run.out
    for case in cases:
        assert all(line in run.lines for line in case.build_extra), case.id
        _shows(workspace / "build", case.shown)
        if case.verify:
            case.verify(workspace / "build")


# ---------------------------------------------------------------- scale


def test_many_cells_outside_the_table_are_reported_quickly(write_workbook: WriteWorkbook, workspace: Path, sandbox: Sandbox,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A block of 20,000 cells pasted below a table (a 100 kB file): each reported (GCM222), in about a second
    (the left-out bookkeeping was quadratic: this took ~50 s)."""
    path = write_workbook()
    H.outside_cells(path, "Actions", 20_000)
    run = run_cli(capsys, sandbox, workspace, "check")
    lines = run.diagnostics("inputs/lab.xlsx")
    assert len(lines) == 20_000 and run.status == 0
    assert ("inputs/lab.xlsx, sheet Actions, cell A200: warning GCM222: This cell is outside the sheet's table, "
            "so it is not read: 'n0-A'. Move the text into the table.") in lines
    assert run.seconds < 5, f"check took {run.seconds:.1f} s"


def test_megabytes_of_answers_are_read_within_bounded_memory(write_workbook: WriteWorkbook, contribution_data: dict[str, Any],
                                                             workspace: Path, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """2.8 MB of text (20,000 characters in every answer, description and result of 60 actions): check passes, and
    reading the workbook peaks below 64 MB of Python memory (openpyxl holds the text once)."""
    text = ("Regular channels are cheaper and faster than irregular ones. " * 400)[:20_000]
    for answer in contribution_data["answers"]:
        answer["text"]["en"] = text
    action = contribution_data["actions"][0]
    contribution_data["actions"] = [dict(action, title=f"Action {i}", description=text, results=text) for i in range(60)]
    path = write_workbook(contribution_data)
    run = run_cli(capsys, sandbox, workspace, "check")
    assert run.status == 0, run.out
    assert _lab_lines(run) == [f"sheet Answers, cell {cell}: warning GCM210: The answer has 2951 words; the survey asks for "
                               "about 500. Shorten it or move details to an attachment." for cell in ("E21", "E5")]
    review = load_config(workspace)
    tracemalloc.start()
    try:
        result = read_contribution(path, review, load_survey(review.survey), "inputs/lab.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.contribution is not None and sum(len(a.description) + len(a.results) for a in result.contribution.actions) == 2_400_000
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MB"
