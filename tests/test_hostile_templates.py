"""Hostile files in a workspace's ``templates/`` folder: the build gives a clear message naming the template
(and its line) or says what it left out, and stays within the issue's bounds.

The builds run ``gcmreview build`` in a fresh process (:func:`run_measured`): the lines printed, the exit
status, no traceback, inputs and templates byte-identical afterwards, nothing connecting to a port the
test listens on, and the time and peak memory (``getrusage(RUSAGE_CHILDREN)`` in a wrapper, so the render
workers and the template processes count) well within 30 s per template read and 1 GB. The ways out of
the sandbox are tried in this process, on the report template, which takes milliseconds each.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hostile_templates as T
import pytest
from conftest import WriteWorkbook
from measured import file_hashes, measure

from gcmreview.errors import GcmReviewError
from gcmreview.prepared import Prepared, prepare
from gcmreview.render.report import render_report

ROOT = Path(__file__).resolve().parents[1]
MAX_PEAK_KB = 1024 * 1024
"""1 GB: the issue's bound on the memory of reading one file, here for any one process of the build."""
SLOWEST: dict[str, tuple[float, int]] = {}
"""Each build case's seconds and peak kB, for the report on the issue."""


@dataclass(frozen=True)
class Measured:
    status: int
    lines: list[str]
    seconds: float
    peak_kb: int


def run_measured(workspace: Path, case: str, *argv: str, seconds: float) -> Measured:
    """``gcmreview build WORKSPACE *argv`` in a fresh process, with what every case must satisfy."""
    before = {name: file_hashes(workspace / name) for name in ("inputs", "templates")}
    done = measure(workspace.parent / f"{workspace.name}-measured.json", "build", str(workspace), *argv, timeout=seconds)
    text = done.out + done.err
    run = Measured(done.status, text.splitlines(), done.seconds, int(done.peak_mb * 1024))
    SLOWEST[case] = (run.seconds, run.peak_kb)
    assert "Traceback" not in text, text[-3000:]
    assert run.status in (0, 1), f"exit status {run.status}:\n{text[-3000:]}"
    assert {name: file_hashes(workspace / name) for name in before} == before, "inputs and templates must be byte-identical"
    assert run.seconds < seconds, f"the build took {run.seconds:.1f} s"
    assert run.peak_kb < MAX_PEAK_KB, f"a process of the build peaked at {run.peak_kb:,} kB"
    return run


@pytest.fixture
def filled(write_workbook: WriteWorkbook, workspace: Path) -> Path:
    """The workspace with LAB's workbook."""
    write_workbook()
    return workspace


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A port on 127.0.0.1 that records every connection made to it (and answers nothing)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    seen: list[str] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            seen.append(conn.recv(200).decode("latin-1"))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


def _lines(run: Measured, prefix: str) -> list[str]:
    return [line for line in run.lines if line.startswith(prefix)]


REFUSED = "Build refused: fix the errors above, or run `gcmreview build --draft` for a draft marked DRAFT."
"""Said only where a draft would build; a template a draft uses too is not such a case."""
FIX = "Correct the template, or delete it from the workspace's templates/ folder to use the packaged one."
STOPPED = "far more than any submission needs. Look for a loop that does not end or repeats too often."


# ---------------------------------------------------------------- templates that cannot be filled


def test_template_running_a_program_is_stopped(filled: Path, tmp_path: Path) -> None:
    """The finding as sent (a shell command from the template), and a filter taking 4 GB, in one build."""
    proof = tmp_path / "ran"
    T.code_running_template(filled, proof)
    T.memory_bomb(filled)
    run = run_measured(filled, "code-and-memory", seconds=120)
    assert run.status == 1
    assert sorted(_lines(run, "templates/")) == [
        f"templates/bilingual.html.j2, line 2: error GCM132: The template was stopped: it needs more than 1,024 MB of memory, {STOPPED}",
        "templates/submission.html.j2, line 3: error GCM131: The template was stopped, to keep this computer safe: access to "
        "attribute '__init__' of 'type' object is unsafe. A template may only place the data it is given; remove what calls anything else.",
    ]
    assert REFUSED not in run.lines  # a draft would fail alike
    assert not proof.exists(), "the template ran a program"


def test_template_syntax_and_output_limits(filled: Path) -> None:
    """A syntax error and a template writing a terabyte: both named, with their lines, in one build."""
    T.syntax_error(filled)
    T.gigabytes(filled)
    run = run_measured(filled, "syntax-and-output", seconds=120)
    assert run.status == 1
    assert sorted(_lines(run, "templates/")) == [
        f"templates/bilingual.html.j2, line 3: error GCM132: The template was stopped: it writes more than {_limit(filled):,} characters, {STOPPED}",
        f"templates/submission.html.j2, line 4: error GCM130: The template cannot be filled: unexpected '}}'. {FIX}",
    ]
    assert REFUSED not in run.lines  # a draft would fail alike
    assert not list((filled / "build").glob("*.pdf")), "no document is written"


def _limit(workspace: Path) -> int:
    """The output limit of the bilingual document of ``workspace``."""
    from gcmreview.render.document import layout_languages
    from gcmreview.render.templates import limits_for

    prepared = prepare(workspace)
    left, right = layout_languages(prepared.submission, prepared.check.survey, ("en", "km"), review=True)
    return limits_for(len(repr(left)) + len(repr(right))).characters


def test_undefined_name_in_the_macros(filled: Path) -> None:
    """The macros both submission templates import: one message for the two documents that use them."""
    _, line = T.undefined_name(filled)
    run = run_measured(filled, "undefined", seconds=120)
    assert run.status == 1
    assert _lines(run, "templates/") == [
        f"templates/_macros.j2, line {line}: error GCM130: The template cannot be filled: 'bool object' has no attribute "
        f"'nothing_here'. {FIX}"
    ]


def test_template_looping_forever_is_stopped(filled: Path) -> None:
    """A report template whose loop would run 10^10 times: stopped at its time limit, with its line."""
    T.endless_loop(filled)
    run = run_measured(filled, "endless-loop", seconds=60)
    assert run.status == 1
    assert _lines(run, "templates/") == [f"templates/report.html.j2, line 2: error GCM132: The template was stopped: it took longer than 10 s, {STOPPED}"]


# ---------------------------------------------------------------- files left out, with a warning


def test_stylesheet_and_word_template_fetch_nothing(filled: Path, tmp_path: Path, listener: tuple[int, list[str]]) -> None:
    """A submission.css fetching from the network and local files, a base.docx linking to an attached template,
    a local picture and a web page: the build says what it left out, fetches nothing and writes no link."""
    port, seen = listener
    canary = tmp_path / "outside" / "secret.png"
    canary.parent.mkdir()
    canary.write_bytes(b"SECRET-PICTURE")
    T.fetching_stylesheet(filled, port, canary)
    T.linked_base_docx(filled, port, canary)
    run = run_measured(filled, "stylesheet-and-docx", seconds=120)
    assert run.status == 0
    fetch = ("templates/submission.css: warning GCM255: The PDF does not use {}: only files in the templates folder are read, never a web "
             "address or a file elsewhere. Copy the file (a font, a picture, a stylesheet) into templates/ and refer to it by its name.")
    assert sorted(_lines(run, "templates/submission.css")) == sorted(fetch.format(url) for url in (
        f"http://127.0.0.1:{port}/theme.css", f"http://127.0.0.1:{port}/remote.woff2", canary.as_uri(),
    ))
    targets = sorted([f"http://127.0.0.1:{port}/normal.dotm", canary.as_uri(), f"http://127.0.0.1:{port}/page"])
    assert _lines(run, "templates/base.docx") == [
        f"templates/base.docx: warning GCM133: The Word template links to 3 file(s) outside it ({', '.join(targets)}), which Word would fetch "
        "when it opens a document; they are left out of every DOCX. Remove the links from the template (an attached template: Developer > "
        "Document Template > Attach; linked pictures: insert them instead)."
    ]
    assert seen == [], "the build connected to the network"
    for path in (filled / "build").glob("*.docx"):
        with zipfile.ZipFile(path) as archive:
            rels = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".rels"))
            settings = archive.read("word/settings.xml").decode()
        assert "External" not in rels and str(port) not in rels and canary.name not in rels, path.name
        assert "attachedTemplate" not in settings, path.name
    for path in (filled / "build").glob("*.pdf"):
        assert b"SECRET-PICTURE" not in path.read_bytes()


# ---------------------------------------------------------------- ways out of the sandbox (in this process)


@pytest.fixture
def prepared_lab(filled: Path) -> Prepared:
    """The workspace with LAB's workbook, read (its templates are read only when a report is rendered)."""
    return prepare(filled)


GENERATED = dt.datetime(2020, 11, 18, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("line", list(T.ESCAPES.values()), ids=list(T.ESCAPES))
def test_sandbox_refuses(line: str, prepared_lab: Prepared, tmp_path: Path) -> None:
    T.template(tmp_path, "report.html.j2", "<!DOCTYPE html>\n" + line + "\n")
    with pytest.raises(GcmReviewError) as caught:
        render_report(prepared_lab, tmp_path, generated=GENERATED)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, str(diagnostic.location)) == ("GCM131", "templates/report.html.j2, line 2"), str(diagnostic)


def test_sandbox_stops_endless_macros(prepared_lab: Prepared, tmp_path: Path) -> None:
    T.deep_recursion(tmp_path)
    with pytest.raises(GcmReviewError) as caught:
        render_report(prepared_lab, tmp_path, generated=GENERATED)
    assert [str(d) for d in caught.value.diagnostics] == [
        f"templates/report.html.j2, line 1: error GCM132: The template was stopped: it calls macros within each other too deeply, {STOPPED}"
    ]


def test_workspace_templates_keep_working_in_the_sandbox(prepared_lab: Prepared, tmp_path: Path) -> None:
    """What templates do is still allowed: the data's values, loops, Jinja's helpers, string methods."""
    T.template(tmp_path, "report.html.j2", (
        "{% set ns = namespace(n=0) %}{% for c in facts.contributors %}{% set ns.n = ns.n + 1 %}{{ c.code|lower }} {% endfor %}"
        "{{ ns.n }} {{ '{} of {}'.format(1, 2) }} {{ facts.generated.isoformat() }} {{ range(3)|list }} {{ views[0].t('Code') }}"
    ))
    assert render_report(prepared_lab, tmp_path, generated=GENERATED) == "coord lab health 3 1 of 2 2020-11-18T09:00:00+00:00 [0, 1, 2] Code"


def test_template_linked_from_elsewhere_is_not_read(prepared_lab: Prepared, tmp_path: Path) -> None:
    """A template that is a link to a file outside the template folders is not used (the packaged one is)."""
    outside = tmp_path / "outside.j2"
    outside.write_text("OUTSIDE {{ facts.contributors|length }}", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "report.html.j2").symlink_to(outside)
    assert "OUTSIDE" not in render_report(prepared_lab, tmp_path, generated=GENERATED)


def test_renders_side_by_side_each_give_their_result_or_fault(tmp_path: Path) -> None:
    """Template renders begun together (the report's pages, the PDFs' pages) each give their own result or fault, in
    order; a bug in one is raised, and the renders after it are stopped rather than left running."""
    from gcmreview.errors import Code, Diagnostic, Location
    from gcmreview.render.sandbox import Limits, Pending, collect

    limits = Limits(30, 1000)

    def fault() -> str:
        raise GcmReviewError([Diagnostic.make(Code.TEMPLATE_TOO_LARGE, Location(file="templates/x.j2"), detail="too long")])

    def late() -> str:
        import time

        time.sleep(3)
        (tmp_path / "late").write_text("ran", encoding="utf-8")
        return "late"

    def killed() -> Exception:
        return RuntimeError("killed")

    first, second, third = collect([Pending(lambda: "one", limits, killed), Pending(fault, limits, killed),
                                    Pending(lambda: "three", limits, killed)])
    assert (first, third) == ("one", "three")
    assert isinstance(second, GcmReviewError) and "templates/x.j2" in str(second)

    def bug() -> str:
        raise ZeroDivisionError("a bug")

    with pytest.raises(ZeroDivisionError):
        collect([Pending(bug, limits, killed), Pending(late, limits, killed)])
    import time

    time.sleep(4)
    assert not (tmp_path / "late").exists(), "the render after the bug was left running"
