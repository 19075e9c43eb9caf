"""Benchmark the gcmreview build on synthetic reviews of 1 to 300 contributors.

Run from the repository root::

    python benchmarks/bench.py                      # sizes 1,10,30,100,300 -> build/bench.json (an hour or more)
    python benchmarks/bench.py --sizes 1,10,30      # quicker
    python benchmarks/bench.py --quick              # sizes 1,10,30, one run of everything
    python benchmarks/bench.py --code snapshot      # measure a copy of the working tree taken at start
    python benchmarks/bench.py --profile 30         # the build of 30 under pyinstrument -> build/profile-30-en-km.{html,txt}

What it does
------------
1. Generates, per size, a review workspace (not timed): ``review.toml`` in en + km and one
   workbook per contributor (:func:`gcmreview.workbook.save_workbook`). Every contributor answers
   every narrative question in both languages (150-300 words: paragraphs of the bilingual answers
   of ``inputs/sources/*.json`` shuffled, each language's text the translation of the other's,
   citations kept), reports 2-4 actions, 2-3 statistics, the
   references it cites and all ten principles. Also its English-only twin (the same
   contributions without the Khmer texts), for the "English build". Workspaces are cached in
   ``$TMPDIR/gcmreview-bench/`` keyed by size, languages, seed and a digest of the sample texts
   and the workbook writer (``--no-cache`` regenerates); every run works on a fresh copy.
2. Per size, in a fresh worker process:
   * ``build``: :func:`gcmreview.pipeline.build` in a fresh child process (as ``gcmreview build``
     runs), timed by the child around the call; on the en + km review (``build``) and on its
     English-only twin (``build_en``). Memory of the same runs: the peak of PSS summed over the
     build process and its PDF worker processes (sampled from /proc every 0.1 s), and the
     largest single process (``ru_maxrss`` from ``wait4``).
   * stages, in the worker process: check (``check_workspace``), consolidate (``consolidate``
     only), layout (en), DOCX (en, ``render_docx``), PDF (en: ``render_pdf_file``, the build's
     renderer, its sections one after another in this process; ``render_html`` + ``render_pdf``,
     the page whole, in code without it), the bilingual draft DOCX and PDF when
     ``render_bilingual_docx`` / ``render_bilingual_html`` exist ("n/a" otherwise).
   Times are wall clock (``time.perf_counter``): best of 3 up to 30 contributors, one run above.
3. For 30 contributors also: LibreOffice headless converting the build's English DOCX to PDF
   (own ``-env:UserInstallation``), WeasyPrint alone on the final English HTML, and a rebuild
   (fresh process) after one workbook was changed and re-saved.
4. Prints the tables and the targets (met / missed) and writes everything to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "inputs" / "sources"
GENERATOR_VERSION = "2"  # 2: an answer's texts are translations of each other (same paragraphs, same citations)
DEFAULT_SIZES = (1, 10, 30, 100, 300)
QUICK_SIZES = (1, 10, 30)
REFERENCE_SIZE = 30  # LibreOffice / WeasyPrint / rebuild comparisons, and the base of the scaling target
LARGE_SIZE = 300
MAX_REPS_SIZE = 30  # best of 3 up to this size, a single run above
MEMORY_TARGET_MB = 500
BILINGUAL_UP_TO = 100
"""Above this many contributors only the English review is measured by default."""
LANGS = ("en", "km")
CONTRIBUTIONS = "bench-contributions"  # folder of the workspace holding each generated contribution as JSON

# Contributor names: (code, English, Khmer) of the sample review; generated contributors
# are their provincial departments.
MINISTRIES = (
    ("MOLVT", "Ministry of Labour and Vocational Training", "ក្រសួងការងារ និងបណ្តុះបណ្តាលវិជ្ជាជីវៈ"),
    ("MOI", "Ministry of Interior, General Department of Immigration", "ក្រសួងមហាផ្ទៃ អគ្គនាយកដ្ឋានអន្តោប្រវេសន៍"),
    ("MFAIC", "Ministry of Foreign Affairs and International Cooperation", "ក្រសួងការបរទេស និងសហប្រតិបត្តិការអន្តរជាតិ"),
    ("MOH", "Ministry of Health", "ក្រសួងសុខាភិបាល"),
    ("MOP", "Ministry of Planning", "ក្រសួងផែនការ"),
)
COORDINATOR = ("NCCT", "National Committee for Counter Trafficking", "គណៈកម្មាធិការជាតិប្រយុទ្ធប្រឆាំងការជួញដូរមនុស្ស")
PEOPLE = ("Sok Dara", "Keo Chanthou", "Chea Sophal", "Lim Sreymom", "Heng Vanna", "Phan Sokha", "Meas Bopha", "Ouk Rithy")
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


# --------------------------------------------------------------------------- generation


def _sources() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SOURCES.glob("*.json"))]


class _Pool:
    """Realistic material from the sample contributions, to shuffle into synthetic ones."""

    def __init__(self) -> None:
        from gcmreview.text import word_count

        self.paragraphs: list[tuple[dict[str, str], int]] = []
        """Paragraphs in every language of LANGS, translations of each other, with their English word counts."""
        self.explanations: dict[str, list[str]] = {lang: [] for lang in LANGS}
        self.actions: list[dict[str, Any]] = []
        self.statistics: list[dict[str, Any]] = []
        self.references: dict[str, dict[str, Any]] = {}
        for data in _sources():
            for answer in data["answers"]:
                split = {lang: [p.strip() for p in answer["text"].get(lang, "").split("\n\n") if p.strip()] for lang in LANGS}
                if len({len(paras) for paras in split.values()}) == 1:  # paragraph by paragraph translations
                    for paras in zip(*split.values(), strict=True):
                        pair = dict(zip(LANGS, paras, strict=True))
                        self.paragraphs.append((pair, word_count(pair["en"], "en")))
            for principle in data["principles"]:
                for lang, text in principle["explanation"].items():
                    if lang in self.explanations:
                        self.explanations[lang].append(text)
            self.actions += data["actions"]
            self.statistics += data["statistics"]
            for ref in data["references"]:
                self.references.setdefault(ref["key"], ref)  # one citation per key: no reference conflicts

    def texts(self, rng: random.Random) -> dict[str, str]:
        """An answer in every language, translations of each other: shuffled paragraphs, 150-300 English words
        (a paragraph may overshoot a little), the same citations in each language (as a translated answer has)."""
        target = rng.randint(150, 300)
        parts: list[dict[str, str]] = []
        words = 0
        for pair, count in rng.sample(self.paragraphs, len(self.paragraphs)):
            if words >= target:
                break
            if words + count > target + 40 and words >= 150:
                continue
            parts.append(pair)
            words += count
        return {lang: "\n\n".join(p[lang] for p in parts) for lang in LANGS}


def _contributors(size: int) -> list[tuple[str, str, str]]:
    """(code, English name, Khmer name) of ``size`` contributors, the coordinator first."""
    out = [COORDINATOR]
    for n in range(1, size):
        code, en, km = MINISTRIES[(n - 1) % len(MINISTRIES)]
        number = (n - 1) // len(MINISTRIES) + 1
        out.append((f"{code}-{number:03d}", f"{en}, Provincial Department {number}", f"{km} មន្ទីរខេត្ត {str(number).translate(KHMER_DIGITS)}"))
    return out


def _review_toml(contributors: list[tuple[str, str, str]], langs: tuple[str, ...] = LANGS) -> str:
    lines = [
        'survey = "escap-2020"',
        f"languages = {json.dumps(list(langs))}",
        "publish = true",
        "",
        "[country]",
        'name = "Cambodia"',
        'iso = "KHM"',
        "",
        "[contact]",
        'office = "National Committee for Counter Trafficking (NCCT), Phnom Penh"',
        'name = "Sok Dara"',
        'position = "Head of Secretariat"',
        'email = "secretariat@ncct.example.org"',
        'telephone = "+855 23 000 000"',
        'address = "Phnom Penh, Cambodia"',
    ]
    for i, (code, en, km) in enumerate(contributors):
        names = ", ".join(f"{lang} = {json.dumps({'en': en, 'km': km}[lang], ensure_ascii=False)}" for lang in langs)
        lines += ["", "[[contributors]]", f'code = "{code}"', f"name = {{ {names} }}"]
        if i == 0:
            lines.append("coordinator = true")
    return "\n".join(lines) + "\n"


def _contribution(rng: random.Random, pool: _Pool, survey: Any, code: str, name: str) -> dict[str, Any]:
    from gcmreview.survey import load_reference
    from gcmreview.text import citations

    clusters = {c.number: list(c.objectives) for c in load_reference().clusters}
    all_objectives = sorted(load_reference().objective_numbers)
    answers = []
    for q in survey.narrative_questions:
        members = clusters.get(q.cluster, all_objectives) if q.cluster is not None else all_objectives
        objectives = sorted(rng.sample(members, min(len(members), rng.randint(1, 3))))
        answers.append({"question": q.id, "objectives": objectives, "text": pool.texts(rng)})
    actions = [dict(copy.deepcopy(a), lead=name) for a in rng.sample(pool.actions, rng.randint(2, 4))]
    statistics = copy.deepcopy(rng.sample(pool.statistics, rng.randint(2, 3)))
    principles = [
        {"principle": p.key, "integrated": rng.random() < 0.9,
         "explanation": {lang: rng.choice(pool.explanations[lang]) for lang in LANGS}}
        for p in load_reference().principles
    ]
    data: dict[str, Any] = {
        "survey": survey.id,
        "contributor": code,
        "identity": {
            "ministry": name,
            "department": "Department of Planning and Statistics",
            "contact_person": rng.choice(PEOPLE),
            "position": "Deputy Director",
            "email": f"focal.point@{code.lower()}.example.org",
            "phone": f"+855 23 {rng.randint(100, 999)} {rng.randint(100, 999)}",
            "date": f"2020-08-{rng.randint(1, 28):02d}",
        },
        "answers": answers,
        "actions": actions,
        "principles": principles,
        "statistics": statistics,
        "references": [],
    }
    texts = [t for a in answers for t in a["text"].values()] + [t for p in principles for t in p["explanation"].values()]
    texts += [a[k] for a in actions for k in ("title", "description", "results")] + [s["source"] for s in statistics]
    cited = dict.fromkeys(key for text in texts for key in citations(text))
    data["references"] = [pool.references[key] for key in cited if key in pool.references]
    return data


def _package_dir() -> Path:
    """The gcmreview package that will be imported (installed, or the --code snapshot)."""
    spec = importlib.util.find_spec("gcmreview")
    assert spec is not None and spec.origin is not None, "gcmreview is not installed"
    return Path(spec.origin).parent


def _inputs_digest() -> str:
    """Changes when the generator (GENERATOR_VERSION), its sample texts or the workbook writer change."""
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    files = sorted(SOURCES.glob("*.json")) + sorted((_package_dir() / "workbook").glob("*.py"))
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def generate(size: int, folder: Path, seed: int, langs: tuple[str, ...] = LANGS) -> dict[str, Any]:
    """Write a review workspace of ``size`` contributors into ``folder`` (which must not exist).

    ``langs=("en",)`` makes the English-only twin of the en + km review: the same contributions
    (same seed) with their Khmer texts left out.
    """
    from gcmreview.config import load_config
    from gcmreview.model import Contribution
    from gcmreview.survey import load_survey
    from gcmreview.workbook import save_workbook, workbook_name

    rng = random.Random(f"{seed}-{size}")
    pool = _Pool()
    contributors = _contributors(size)
    (folder / "inputs").mkdir(parents=True)
    (folder / CONTRIBUTIONS).mkdir()
    (folder / "inputs" / "review.toml").write_text(_review_toml(contributors, langs), encoding="utf-8")
    review = load_config(folder)
    survey = load_survey(review.survey)
    for code, name, _ in contributors:
        data = _contribution(rng, pool, survey, code, name)
        for item in data["answers"]:
            item["text"] = {lang: text for lang, text in item["text"].items() if lang in langs}
        for item in data["principles"]:
            item["explanation"] = {lang: text for lang, text in item["explanation"].items() if lang in langs}
        (folder / CONTRIBUTIONS / f"{code}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        save_workbook(folder / "inputs" / workbook_name(code), review, survey, code, Contribution.model_validate(data))
    return {"contributors": len(contributors), "answers": len(contributors) * len(survey.narrative_questions), "languages": list(langs)}


def cached_workspace(size: int, seed: int, use_cache: bool, langs: tuple[str, ...] = LANGS) -> tuple[Path, float, bool]:
    """A pristine generated workspace: (path, seconds spent generating, taken from the cache)."""
    root = Path(tempfile.gettempdir()) / "gcmreview-bench"
    folder = root / f"size{size}-{'-'.join(langs)}-seed{seed}-{_inputs_digest()}"
    if use_cache and (folder / ".complete").is_file():
        return folder, 0.0, True
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    info = generate(size, folder, seed, langs)
    (folder / ".complete").write_text(json.dumps(info) + "\n", encoding="utf-8")
    return folder, time.perf_counter() - start, False


def fresh_copy(pristine: Path, into: Path) -> Path:
    """A throw-away copy of a generated workspace for one run (builds write build/ into it)."""
    target = into / pristine.name
    shutil.copytree(pristine, target, ignore=shutil.ignore_patterns("build", ".complete"))
    return target


# --------------------------------------------------------------------------- measuring


def best_of(reps: int, run: Callable[[], Any], before: Callable[[], None] | None = None) -> tuple[float, list[float], Any]:
    """(best, all times, last result) of ``reps`` runs of ``run``; ``before`` runs untimed before each."""
    times: list[float] = []
    result: Any = None
    for _ in range(reps):
        if before is not None:
            before()
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), times, result


def _maxrss_mb(value: int) -> float:
    """ru_maxrss in MB (KiB on Linux, bytes on macOS)."""
    return value / (1024 * 1024) if sys.platform == "darwin" else value / 1024


def _feature(names: tuple[str, ...], attr: str) -> Callable[..., Any] | None:
    """The first ``attr`` found in the modules ``names`` (the bilingual renderers are optional)."""
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # missing, or half-written while someone works on it
            if not isinstance(exc, ModuleNotFoundError):
                print(f"    cannot import {name}: {type(exc).__name__}: {exc}", flush=True)
            continue
        found = getattr(module, attr, None)
        if callable(found):
            return found
    return None


def _docx_bytes(result: Any) -> bytes:
    return result if isinstance(result, bytes) else result.data


def _record(out: dict[str, Any], key: str, reps: int, run: Callable[[], Any],
            before: Callable[[], None] | None = None) -> Any:
    """Time ``run`` into ``out[key]`` ({"best", "runs"} or {"error"}); returns its result (None on error)."""
    try:
        best, times, result = best_of(reps, run, before)
    except Exception as exc:  # a stage being rewritten concurrently must not stop the benchmark
        out[key] = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        print(f"    {key}: ERROR {type(exc).__name__}: {exc}", flush=True)
        return None
    out[key] = {"best": best, "runs": times}
    print(f"    {key}: {best:.2f} s" + (f" (runs {', '.join(f'{t:.2f}' for t in times)})" if len(times) > 1 else ""), flush=True)
    return result


class _QuietLog(logging.Handler):
    """Keeps the product's log warnings (e.g. footnote renumbering) for the JSON instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key = f"{record.name}: {record.getMessage()[:160]}"
        self.counts[key] = self.counts.get(key, 0) + 1

    @classmethod
    def install(cls) -> _QuietLog:
        handler = cls()
        logging.getLogger().addHandler(handler)
        return handler

    def summary(self) -> dict[str, Any]:
        first = dict(sorted(self.counts.items(), key=lambda kv: -kv[1])[:5])
        return {"warnings": sum(self.counts.values()), "distinct": len(self.counts), "most_frequent": first}


def build_once(workspace: Path, out: Path) -> None:
    """Child process: one build and nothing else; reports its time, the build's laps and its outputs."""
    from gcmreview.pipeline import build

    log = _QuietLog.install()
    started = time.time()  # the build's clock starts here: its laps follow one another from this moment
    start = time.perf_counter()
    result = build(workspace)
    seconds = time.perf_counter() - start
    own = _maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    outputs = {o.path: o.about for o in result.outputs}
    reused = {"documents": getattr(result, "reused", []), "workbooks": getattr(result, "workbooks_reused", 0)}
    sections = {name: {"anew": new, "total": total} for name, (new, total) in getattr(result, "sections", {}).items()}
    out.write_text(json.dumps({"seconds": seconds, "started": started, "laps": result.timings, "outputs": outputs, "self_maxrss_mb": own,
                               "reused": reused, "sections": sections, "log": log.summary()}), encoding="utf-8")


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            ppid = int(text[text.rindex(")") + 2:].split()[1])
            tree.setdefault(ppid, []).append(int(stat.parent.name))
    return tree


def _tree_memory(root: int) -> tuple[float, float, int]:
    """(RSS sum MB, PSS sum MB, processes) of ``root`` and its descendants (Linux /proc)."""
    pids = _tree_pids(root)
    rss = pss = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
    return rss / 1024, pss / 1024, len(pids)


MEMORY_GUARD_MB = 2048
"""Abort a measurement (killing only our own build processes) when the machine has less memory available."""


def _available_mb() -> float | None:
    with contextlib.suppress(OSError, ValueError, StopIteration):
        line = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemAvailable:"))
        return int(line.split()[1]) / 1024
    return None


def _tree_pids(root: int) -> list[int]:
    tree = _children()
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += tree.get(pid, [])
    return pids


def memory_guard() -> threading.Event:
    """In a worker: exit at once (code 3) if the machine runs short of memory while the returned event is set
    (during the in-process stages; builds in child processes have their own guard)."""
    armed = threading.Event()

    def watch() -> None:
        while True:
            armed.wait()
            available = _available_mb()
            if available is not None and available < MEMORY_GUARD_MB and armed.is_set():
                print(f"    memory guard: only {available:.0f} MB available, stopping this size", flush=True)
                os._exit(3)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    return armed


def child_build(workspace: Path) -> dict[str, Any]:
    """One build in a fresh child process (``python bench.py --_build-once``), timed by the child.

    Memory, three ways: ``peak_rss_mb`` is ``ru_maxrss`` of the child from ``wait4`` (the largest
    single process of the build's tree: the build, or one of its PDF worker processes);
    ``tree_peak_pss_mb`` / ``tree_peak_rss_mb`` are the largest sums over the child and all its
    descendants, sampled every 0.1 s from /proc (PSS counts pages shared after fork once).
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "child.json"
        proc = subprocess.Popen([sys.executable, __file__, "--_build-once", str(workspace), "--_result", str(report)])
        peak = {"rss": 0.0, "pss": 0.0, "processes": 0}
        samples: list[tuple[float, float]] = []  # (time, PSS sum), to tell each lap's peak
        done = threading.Event()
        guard: list[str] = []

        def sample() -> None:
            while not done.is_set():
                with contextlib.suppress(Exception):
                    rss, pss, count = _tree_memory(proc.pid)
                    samples.append((time.time(), pss))
                    peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
                    peak["processes"] = max(peak["processes"], count)
                available = _available_mb()
                if available is not None and available < MEMORY_GUARD_MB and not guard:
                    guard.append(f"stopped by the memory guard: {available:.0f} MB available, build tree at "
                                 f"{peak['pss']:.0f} MB PSS")
                    for pid in reversed(_tree_pids(proc.pid)):  # our build and its PDF workers only
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        if guard:
            return {"error": guard[0], "tree_peak_pss_mb": peak["pss"], "tree_peak_rss_mb": peak["rss"]}
        if proc.returncode != 0 or not report.is_file():
            return {"error": f"build process exited with {proc.returncode}"}
        result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    result.update(peak_rss_mb=_maxrss_mb(usage.ru_maxrss), tree_peak_rss_mb=peak["rss"], tree_peak_pss_mb=peak["pss"],
                  tree_processes=peak["processes"], lap_peak_pss_mb=_lap_peaks(result, samples))
    return result


def _lap_peaks(result: dict[str, Any], samples: list[tuple[float, float]]) -> dict[str, float]:
    """The largest PSS sum sampled during each of the build's laps (``render``: the DOCX and PDF section renders,
    ``join``: the PDFs joined), placed by the build's start time and the laps' durations."""
    peaks: dict[str, float] = {}
    at = result.get("started")
    if not isinstance(at, (int, float)):
        return peaks
    for lap, seconds in (result.get("laps") or {}).items():
        inside = [pss for when, pss in samples if at <= when < at + seconds]
        if inside:
            peaks[lap] = max(inside)
        at += seconds
    return peaks


def forget(workspace: Path) -> None:
    """Remove the build cache, so that the next build starts from nothing."""
    shutil.rmtree(workspace / "build" / ".cache", ignore_errors=True)


def child_builds(workspace: Path, reps: int, before: Callable[[], None] | None = None) -> dict[str, Any]:
    """``reps`` fresh-process builds: best time, every run, the largest memory figures."""
    runs = []
    for _ in range(reps):
        if before is not None:
            before()
        run = child_build(workspace)
        runs.append(run)
        if "error" in run:
            print(f"    ERROR {run['error']}", flush=True)
            return {"error": run["error"], "runs": runs}
    best = min(runs, key=lambda r: r["seconds"])
    out = {"best": best["seconds"], "runs": [r["seconds"] for r in runs], "laps": best["laps"], "outputs": best["outputs"],
           "reused": best.get("reused"), "sections": best.get("sections", {}),
           "log": best["log"], "details": runs}
    for key in ("peak_rss_mb", "tree_peak_rss_mb", "tree_peak_pss_mb", "tree_processes"):
        out[key] = max(r[key] for r in runs)
    out["lap_peak_pss_mb"] = best.get("lap_peak_pss_mb", {})
    times = f" (runs {', '.join(f'{r:.2f}' for r in out['runs'])})" if reps > 1 else ""
    print(f"    {out['best']:.2f} s{times}; memory: PSS sum {out['tree_peak_pss_mb']:.0f} MB over {out['tree_processes']} "
          f"processes, largest process {out['peak_rss_mb']:.0f} MB", flush=True)
    return out


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _pdf_pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(path).pages)


def worker(size: int, workspace: Path, workspace_en: Path, reps: int, reference: bool, out: Path, english_only: bool = False,
           pdf_stages: bool = True) -> None:
    """Measure one size in this (fresh) process and write the results to ``out``.

    ``english_only``: only the English review (its build, and the stages on it, without the bilingual ones).
    ``pdf_stages=False``: the PDFs only in the builds, not again in this process (``--pdf-stages-up-to``).
    """
    from gcmreview.consolidate import consolidate
    from gcmreview.inputs import check_workspace
    from gcmreview.model import Contribution
    from gcmreview.prepared import prepare
    from gcmreview.render.document import layout, layout_languages
    from gcmreview.render.docx import render_docx
    from gcmreview.render.html import render_html
    from gcmreview.render.pdf import SafeFetcher, render_pdf
    from gcmreview.render.plan import output_stem
    from gcmreview.render.templates import find_template, template_dirs
    from gcmreview.translations import Translations
    from gcmreview.workbook import save_workbook, workbook_name

    log = _QuietLog.install()
    guard = memory_guard()
    res: dict[str, Any] = {"size": size, "reps": reps, "stages": {}}
    stages: dict[str, Any] = res["stages"]

    def save() -> None:
        res["log"] = log.summary()
        out.write_text(json.dumps(res, default=str), encoding="utf-8")

    # 1. Whole builds, each in a fresh process (as `gcmreview build` runs): time and memory.
    if english_only:
        res["english_only"] = True
        stages["build"] = {"error": "not measured: --bilingual-up-to"}
        workspace = workspace_en
    else:
        print(f"  [{size}] build of the en + km review, fresh process, best of {reps}", flush=True)
        stages["build"] = child_builds(workspace, reps, before=lambda: forget(workspace))
    print(f"  [{size}] build of its English-only twin, fresh process, best of {reps}", flush=True)
    stages["build_en"] = child_builds(workspace_en, reps, before=lambda: forget(workspace_en))
    save()

    # 2. Stages, in this process (warm after the first run).
    print(f"  [{size}] stages of the en + km review, in process, best of {reps}", flush=True)
    guard.set()
    checked = _record(stages, "check", reps, lambda: check_workspace(workspace))
    if checked is None:
        return save()
    review, survey = checked.review, checked.survey
    res["diagnostics"] = {sev: checked.count(sev) for sev in ("error", "warning")}
    translations = Translations.load(checked).resolved()
    _record(stages, "consolidate", reps, lambda: consolidate(review, survey, checked.results, translations))
    prepared = _record(stages, "prepare", reps, lambda: prepare(workspace))
    if prepared is None:
        return save()
    sub = prepared.submission
    problems = [str(d) for d in prepared.errors]
    template = find_template("base.docx", workspace)
    doc = _record(stages, "layout", reps, lambda: layout(sub, survey, "en"))
    if doc is None:
        return save()
    _record(stages, "docx", reps, lambda: render_docx(doc, template))
    _record(stages, "html", reps, lambda: render_html(doc, workspace))
    pdf_stats: dict[str, int] = {}
    as_built = getattr(importlib.import_module("gcmreview.render.pdf"), "tuned", contextlib.nullcontext)  # as in the render workers
    by_sections = _feature(("gcmreview.render.plan",), "render_pdf_file")  # the build's PDF renderer, its sections in turn

    def pdf_of(html: Callable[[], str], documents: tuple[Any, ...], stats: dict[str, int]) -> Any:
        if by_sections is None:
            return render_pdf(html(), workspace, messages=[], stats=stats)
        rendered = by_sections(documents, workspace, template)
        stats["pages"] = rendered.pages
        return rendered

    if pdf_stages:
        with as_built():
            _record(stages, "pdf", reps, lambda: pdf_of(lambda: render_html(doc, workspace), (doc,), pdf_stats))
    else:
        stages["pdf"] = {"error": "not measured: --pdf-stages-up-to"}
    res["pdf_pages"] = pdf_stats.get("pages")

    bi_html = _feature(("gcmreview.render.html",), "render_bilingual_html")
    bi_docx = _feature(("gcmreview.render.docx",), "render_bilingual_docx")
    res["bilingual_available"] = {"html": bi_html is not None, "docx": bi_docx is not None}
    if (bi_html is not None or bi_docx is not None) and not english_only:
        pair = _record(stages, "layout_bilingual", reps, lambda: layout_languages(sub, survey, LANGS, draft=True, problems=problems))
        if pair is not None:
            left, right = pair
            if bi_docx is not None:
                _record(stages, "bilingual_docx", reps, lambda: _docx_bytes(bi_docx(left, right, template)))
            if bi_html is not None and not pdf_stages:
                stages["bilingual_pdf"] = {"error": "not measured: --pdf-stages-up-to"}
            elif bi_html is not None:
                bi_stats: dict[str, int] = {}
                with as_built():
                    _record(stages, "bilingual_pdf", reps,
                            lambda: pdf_of(lambda: bi_html(left, right, workspace), (left, right), bi_stats))
                res["bilingual_pdf_pages"] = bi_stats.get("pages")
    save()

    # 3. The comparisons, on the reference review.
    if not reference:
        return save()
    print(f"  [{size}] comparisons", flush=True)
    stem = output_stem(sub)
    docx_path = workspace / "build" / f"{stem}.en.docx"
    soffice = _soffice()
    if soffice is None:
        stages["libreoffice"] = {"error": "soffice not found"}
    elif not docx_path.is_file():
        stages["libreoffice"] = {"error": f"the build wrote no {docx_path.name}"}
    else:
        lo_tmp = Path(tempfile.mkdtemp(prefix="gcmreview-bench-lo-"))
        lo_pdf = lo_tmp / "out" / f"{stem}.en.pdf"
        command = [soffice, "--headless", "--norestore", f"-env:UserInstallation={(lo_tmp / 'profile').as_uri()}",
                   "--convert-to", "pdf", "--outdir", str(lo_tmp / "out"), str(docx_path)]

        def convert() -> None:
            subprocess.run(command, check=True, capture_output=True, timeout=3600)
            assert lo_pdf.is_file() and lo_pdf.stat().st_size > 0, f"LibreOffice wrote no PDF: {lo_pdf}"

        _record(stages, "libreoffice", reps, convert, before=lambda: lo_pdf.unlink(missing_ok=True))
        res["libreoffice_pdf_pages"] = _pdf_pages(lo_pdf) if lo_pdf.is_file() else None
        shutil.rmtree(lo_tmp, ignore_errors=True)

    from weasyprint import HTML

    dirs = template_dirs(workspace)
    final_html = render_html(layout(sub, survey, "en"), workspace)
    fetcher = SafeFetcher(dirs)
    def weasyprint(as_built: bool) -> None:
        document = HTML(string=final_html, base_url=dirs[0].as_uri() + "/", url_fetcher=fetcher).render()
        if not as_built:
            document.write_pdf()
            return
        pdf_module = importlib.import_module("gcmreview.render.pdf")
        fix = getattr(pdf_module, "remembered_page_references", None)
        variant = getattr(pdf_module, "PDF_VARIANT", None)
        with fix() if fix is not None else contextlib.nullcontext():
            document.write_pdf(pdf_variant=variant, pdf_identifier=True, custom_metadata=False)

    _record(stages, "weasyprint", reps, lambda: weasyprint(True))
    _record(stages, "weasyprint_plain", reps, lambda: weasyprint(False))

    guard.clear()
    save()
    # Rebuild after one workbook changed: the last contributor's first answer edited, its workbook
    # re-saved (not timed), then `build` in a fresh process, build/ holding the previous build's files.
    print(f"  [{size}] rebuild after one workbook changed, fresh process, best of {reps}", flush=True)
    code = review.ordered_contributors[-1].code
    data = json.loads((workspace / CONTRIBUTIONS / f"{code}.json").read_text(encoding="utf-8"))
    edits = iter(range(1, 1000))

    def edit() -> None:
        changed = copy.deepcopy(data)
        changed["answers"][0]["text"]["en"] += f" (Revised figures, edit {next(edits)}.)"
        save_workbook(workspace / "inputs" / workbook_name(code), review, survey, code, Contribution.model_validate(changed))

    stages["rebuild"] = child_builds(workspace, reps, before=edit)
    save()


def sample_rebuild(reps: int) -> dict[str, Any]:
    """The sample review (the repository's inputs/): a build from nothing, and a rebuild after one answer of one
    workbook changed (Ministry of Planning, its first answer; the workbook re-saved, not timed), fresh processes."""
    from gcmreview.config import load_config
    from gcmreview.model import Contribution
    from gcmreview.survey import load_survey
    from gcmreview.workbook import save_workbook, workbook_name

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="gcmreview-bench-sample-") as tmp:
        workspace = Path(tmp)
        shutil.copytree(root / "inputs", workspace / "inputs")
        review = load_config(workspace)
        survey = load_survey(review.survey)
        data = json.loads((root / "inputs" / "sources" / "mop.json").read_text(encoding="utf-8"))
        code = data["contributor"]
        edits = iter(range(1, 1000))

        def edit() -> None:
            changed = copy.deepcopy(data)
            changed["answers"][0]["text"]["en"] += f" (Revised figures, edit {next(edits)}.)"
            save_workbook(workspace / "inputs" / workbook_name(code), review, survey, code, Contribution.model_validate(changed))

        print(f"  [sample] build from nothing, fresh process, best of {reps}", flush=True)
        full = child_builds(workspace, reps, before=lambda: forget(workspace))
        print(f"  [sample] rebuild after one answer of one workbook changed, fresh process, best of {reps}", flush=True)
        again = child_builds(workspace, reps, before=edit)
    return {"build": full, "rebuild": again}


# --------------------------------------------------------------------------- report


COLUMNS = (
    ("check", "check"), ("consolidate", "consolidate"), ("layout", "layout en"), ("docx", "DOCX en"),
    ("pdf", "PDF en"), ("bilingual_docx", "bi DOCX"), ("bilingual_pdf", "bi PDF"),
    ("build_en", "build (en review)"), ("build", "build (en+km review)"),
)


def _stage(result: dict[str, Any] | None, key: str) -> dict[str, Any]:
    entry = (result or {}).get("stages", {}).get(key)
    return entry if isinstance(entry, dict) else {}


def _best(result: dict[str, Any] | None, key: str) -> float | None:
    return _stage(result, key).get("best")


def _cell(result: dict[str, Any], key: str) -> str:
    entry = result.get("stages", {}).get(key)
    if entry is None:
        if key.startswith("bilingual") and not result.get("bilingual_available", {}).get(key.split("_")[1], False):
            return "n/a"
        return "-"
    if "error" in entry:
        return "skipped" if str(entry["error"]).startswith("not measured") else "error"
    return f"{entry['best']:.2f}"


def ratios(results: dict[int, dict[str, Any]], sample: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The targets (``primary``) and the same ratios for the other build, for context."""
    ref, large = results.get(REFERENCE_SIZE), results.get(LARGE_SIZE)
    sample = sample or {}
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, primary: bool, needs: str, num: float | None = None,
            den: float | None = None) -> None:
        out.append({"target": name, "value": value, "limit": limit, "met": None if value is None else value <= limit,
                    "primary": primary, "numerator": num, "denominator": den, "note": "" if value is not None else needs})

    def ratio(name: str, num: float | None, den: float | None, limit: float, primary: bool, needs: str) -> None:
        add(name, num / den if num is not None and den else None, limit, primary, needs, num, den)

    r, big = REFERENCE_SIZE, LARGE_SIZE
    need_ref, need_both = f"needs size {r}", f"needs sizes {r} and {big}"
    lo, wp = _best(ref, "libreoffice"), _best(ref, "weasyprint")
    ratio(f"English build ({r}) / LibreOffice DOCX->PDF", _best(ref, "build_en"), lo, 1.5, True, need_ref)
    ratio(f"en+km build ({r}) / LibreOffice DOCX->PDF", _best(ref, "build"), lo, 2.5, True, need_ref)
    ratio(f"English build ({r}) / WeasyPrint alone on its HTML", _best(ref, "build_en"), wp, 1.5, False, need_ref)
    ratio("rebuild after one answer of one workbook changed / build, sample review", sample.get("rebuild", {}).get("best"),
          sample.get("build", {}).get("best"), 0.3, True, "needs the sample measure")
    ratio(f"rebuild after one workbook changed / build ({r}, en+km review)", _best(ref, "rebuild"), _best(ref, "build"), 0.5, True, need_ref)
    ratio(f"build ({big}) / build ({r}), English review", _best(large, "build_en"), _best(ref, "build_en"), 10.0, True, need_both)
    add(f"peak memory of the English build ({big}), MB, PSS summed over its processes",
        _stage(large, "build_en").get("tree_peak_pss_mb"), MEMORY_TARGET_MB, True, f"needs size {big}")
    ratio(f"also: en+km build ({r}) / WeasyPrint alone", _best(ref, "build"), wp, 1.5, False, need_ref)
    ratio(f"also: build ({big}) / build ({r}), en+km review", _best(large, "build"), _best(ref, "build"), 10.0, False,
          f"needs sizes {r} and {big} with --bilingual-up-to {big}")
    add(f"also: peak memory of the en+km build ({big}), MB, PSS summed",
        _stage(large, "build").get("tree_peak_pss_mb"), MEMORY_TARGET_MB, False, f"needs size {big} with --bilingual-up-to {big}")
    add(f"also: peak memory, largest single process of the English build ({big}), MB",
        _stage(large, "build_en").get("peak_rss_mb"), MEMORY_TARGET_MB, False, f"needs size {big}")
    return out


def _table_rows(results: dict[int, dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    header = ["contributors", *(label for _, label in COLUMNS), "peak MB en+km (PSS sum)", "peak MB en (PSS sum)",
              "largest process MB", "PDF en pages", "en PDF sections", "en render s", "en render MB", "en join s",
              "en join MB"]
    rows = []
    for size, result in sorted(results.items()):
        if "stages" not in result:
            rows.append([str(size), *(["error"] * (len(header) - 1))])
            continue
        build, build_en = _stage(result, "build"), _stage(result, "build_en")
        largest = max((b["peak_rss_mb"] for b in (build, build_en) if "peak_rss_mb" in b), default=None)
        rows.append([
            str(size), *(_cell(result, key) for key, _ in COLUMNS),
            f"{build['tree_peak_pss_mb']:.0f}" if "tree_peak_pss_mb" in build else "-",
            f"{build_en['tree_peak_pss_mb']:.0f}" if "tree_peak_pss_mb" in build_en else "-",
            f"{largest:.0f}" if largest is not None else "-",
            str(result.get("pdf_pages") or _built_pages(build_en) or "-"),
            *_sections(build_en),
        ])
    return header, rows


def _built_pages(build: dict[str, Any]) -> str | None:
    """The English PDF's page count, as the build reported it ("328 pages")."""
    about = next((v for k, v in (build.get("outputs") or {}).items() if k.endswith(".en.pdf")), None)
    return about.split()[0] if isinstance(about, str) and about.endswith(" pages") else None


def _sections(build: dict[str, Any]) -> list[str]:
    """The English PDF's section count, and the build's time and peak memory (PSS summed over its processes) rendering
    (PDF sections and DOCX files, in the workers) and joining (the PDFs, in the workers)."""
    sections = next((v["total"] for k, v in (build.get("sections") or {}).items() if k.endswith(".en.pdf")), None)
    laps, peaks = build.get("laps") or {}, build.get("lap_peak_pss_mb") or {}
    cells = [str(sections) if sections else "-"]
    for lap in ("render", "join"):
        cells += [f"{laps[lap]:.2f}" if lap in laps else "-", f"{peaks[lap]:.0f}" if lap in peaks else "-"]
    return cells


def _comparisons(results: dict[int, dict[str, Any]]) -> list[tuple[str, float | None]]:
    ref = results.get(REFERENCE_SIZE, {})
    return [(label, _best(ref, key)) for key, label in (
        ("libreoffice", "LibreOffice DOCX->PDF (English DOCX of the build)"),
        ("weasyprint", "WeasyPrint alone (final English HTML, the build's PDF options)"),
        ("weasyprint_plain", "WeasyPrint alone (final English HTML, default options)"),
        ("build_en", "build of the English review (fresh process)"),
        ("build", "build of the en+km review (fresh process)"),
        ("rebuild", "rebuild after one workbook changed (en+km, fresh process)"),
    )]


def report(results: dict[int, dict[str, Any]], targets: list[dict[str, Any]]) -> None:
    header, rows = _table_rows(results)
    title = f"gcmreview, seconds (best of 3 up to {MAX_REPS_SIZE} contributors, one run above); builds in a fresh process"
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
        print(title)
        print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
        for row in rows:
            print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        print(f"\nComparisons on {REFERENCE_SIZE} contributors:")
        for label, value in _comparisons(results):
            print(f"  {label}: {_fmt(value)} s")
        print("\nTargets:")
        for t in targets:
            print(f"  {t['target']}: {_fmt(t['value'])} (limit {t['limit']}) {_verdict(t)}")
        return
    console = Console(width=max(shutil.get_terminal_size((170, 24)).columns, 170))
    table = Table(title=title)
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    comparisons = Table(title=f"Comparisons on {REFERENCE_SIZE} contributors")
    comparisons.add_column("what")
    comparisons.add_column("seconds", justify="right")
    for label, value in _comparisons(results):
        comparisons.add_row(label, _fmt(value))
    console.print(comparisons)
    verdicts = Table(title="Targets")
    for column in ("target", "value", "limit", ""):
        verdicts.add_column(column, justify="left" if column == "target" else "right")
    for t in targets:
        colour = {True: "green", False: "red", None: "yellow"}[t["met"]] if t["primary"] else "dim"
        verdicts.add_row(t["target"], _fmt(t["value"]), f"<= {t['limit']}", f"[{colour}]{_verdict(t)}[/{colour}]")
    console.print(verdicts)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _verdict(target: dict[str, Any]) -> str:
    return {True: "met", False: "missed", None: f"n/a ({target.get('note', '')})"}[target["met"]]


def _environment() -> dict[str, Any]:
    info: dict[str, Any] = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
                            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    for name in ("weasyprint", "docx", "openpyxl", "pydantic"):
        with contextlib.suppress(Exception):
            info[name] = importlib.import_module(name).__version__
    soffice = _soffice()
    if soffice:
        with contextlib.suppress(Exception):
            info["libreoffice"] = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60, check=False).stdout.strip()
    return info


# --------------------------------------------------------------------------- profile


@contextlib.contextmanager
def _profiler(kind: str, stem: Path) -> Iterator[None]:
    if kind == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
        try:
            yield
        finally:
            profiler.stop()
            stem.with_suffix(".html").write_text(profiler.output_html(), encoding="utf-8")
            stem.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
            print(f"Profile written to {stem.with_suffix('.html')} and {stem.with_suffix('.txt')}")
    else:
        import cProfile
        import io
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            profile.dump_stats(stem.with_suffix(".prof"))
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(60)
            stem.with_suffix(".txt").write_text(text.getvalue(), encoding="utf-8")
            print(f"Profile written to {stem.with_suffix('.prof')} and {stem.with_suffix('.txt')}")


def profile(size: int, out_dir: Path, seed: int, use_cache: bool, kind: str, langs: tuple[str, ...]) -> None:
    """The whole build of ``size`` contributors under a profiler, after one warm-up build.

    The build renders its PDFs in worker processes, which a profiler of this process does not
    see; while profiling, ``os.cpu_count()`` says 1 so that they are rendered in this process.
    """
    from unittest import mock

    from gcmreview.pipeline import build

    if kind == "auto":
        kind = "pyinstrument" if importlib.util.find_spec("pyinstrument") else "cprofile"
    pristine, _, _ = cached_workspace(size, seed, use_cache, langs)
    run_dir = Path(tempfile.mkdtemp(prefix="gcmreview-bench-run-"))
    workspace = fresh_copy(pristine, run_dir)
    _QuietLog.install()
    try:
        with mock.patch("os.cpu_count", return_value=1):
            build(workspace, use_cache=False)  # warm-up: imports, fonts, templates
            out_dir.mkdir(parents=True, exist_ok=True)
            with _profiler(kind, out_dir / f"profile-{size}-{'-'.join(langs)}"):
                build(workspace, use_cache=False)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


# --------------------------------------------------------------------------- code under test


def use_code(code: str) -> dict[str, Any]:
    """Make this process and its children import gcmreview from ``code``; what was used, for the JSON.

    ``live``: the installed package as it is (an editable install follows the working tree, even
    while it changes). ``snapshot``: a copy of the working tree's gcmreview/ and templates/ taken
    now, so a long run measures one version. ``git:REF``: those folders as committed in REF.
    """
    info: dict[str, Any] = {"code": code}
    with contextlib.suppress(Exception):
        info["git"] = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True,
                                     check=False).stdout.strip()
        info["worktree_changes"] = subprocess.run(["git", "-C", str(REPO), "status", "--short", "gcmreview", "templates"],
                                                  capture_output=True, text=True, check=False).stdout.splitlines()
    if code == "live":
        info["package"] = str(_package_dir())
        return info
    folder = Path(tempfile.mkdtemp(prefix="gcmreview-bench-code-")) if not code.startswith("dir:") else Path()
    if code == "snapshot":
        for name in ("gcmreview", "templates"):
            shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    elif code.startswith("dir:"):
        folder = Path(code[4:]).resolve()
        info["note"] = "git and worktree_changes describe the repository at run time, not this folder; digest identifies it"
        if not (folder / "gcmreview" / "__init__.py").is_file():
            raise SystemExit(f"--code {code}: no gcmreview package in {folder}")
    elif code.startswith("git:"):
        archive = subprocess.run(["git", "-C", str(REPO), "archive", code[4:], "gcmreview", "templates"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
        info["commit"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", code[4:]], capture_output=True, text=True,
                                        check=True).stdout.strip()
    else:
        raise SystemExit(f"--code: expected live, snapshot or git:REF, not {code!r}")
    sys.path.insert(0, str(folder))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    info.update(package=str(_package_dir()), digest=digest.hexdigest()[:12])
    return info


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", help=f"comma-separated contributor counts (default {','.join(map(str, DEFAULT_SIZES))}; "
                                         f"--quick: {','.join(map(str, QUICK_SIZES))})")
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"), help="JSON results (default build/bench.json)")
    parser.add_argument("--quick", action="store_true", help="one run of everything (no best of 3), sizes 1,10,30 by default")
    parser.add_argument("--profile", type=int, metavar="SIZE", help="only profile the build of SIZE contributors (into the --out folder)")
    parser.add_argument("--profile-review", choices=("en-km", "en"), default="en-km", help="which review --profile builds")
    parser.add_argument("--profiler", choices=("auto", "pyinstrument", "cprofile"), default="auto",
                        help="auto: pyinstrument if installed (HTML + text), else cProfile (.prof + text)")
    parser.add_argument("--seed", type=int, default=2020, help="seed of the synthetic reviews")
    parser.add_argument("--no-cache", action="store_true", help="regenerate the workspaces")
    parser.add_argument("--code", default="live", help="gcmreview to measure: live (as installed, default), snapshot "
                                                        "(copy of the working tree taken at start, kept in $TMPDIR), "
                                                        "git:REF (as committed in REF), dir:PATH (a folder holding gcmreview/ "
                                                        "and templates/, e.g. an earlier snapshot)")
    parser.add_argument("--resume", action="store_true", help="keep the sizes --out already holds without error; measure the others")
    parser.add_argument("--_build-once", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_workspace", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_workspace-en", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_reps", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--_reference", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_english-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bilingual-up-to", type=int, default=BILINGUAL_UP_TO, metavar="SIZE",
                        help=f"above SIZE contributors only the English review is measured (default {BILINGUAL_UP_TO}: "
                             "the en + km build of 300 takes over an hour)")
    parser.add_argument("--pdf-stages-up-to", type=int, default=REFERENCE_SIZE, metavar="SIZE",
                        help=f"above SIZE contributors the PDFs are measured in the builds only, not again as stages in "
                             f"one process (default {REFERENCE_SIZE}: one process renders a PDF of 300 for 15 minutes)")
    parser.add_argument("--_no-pdf-stages", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._build_once is not None:
        build_once(args._build_once, args._result)
        return 0
    if args._worker is not None:
        worker(args._worker, args._workspace, args._workspace_en, args._reps, args._reference, args._result, args._english_only,
               not args._no_pdf_stages)
        return 0
    code = use_code(args.code)
    print(f"gcmreview from {code['package']}" + (f" (snapshot kept: --code dir:{Path(code['package']).parent})"
                                                    if args.code == "snapshot" else ""), flush=True)
    if args.profile is not None:
        langs = LANGS if args.profile_review == "en-km" else ("en",)
        profile(args.profile, args.out.parent, args.seed, not args.no_cache, args.profiler, langs)
        return 0

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    results: dict[int, dict[str, Any]] = {}
    generation: dict[str, Any] = {}
    started = time.perf_counter()
    if args.resume and args.out.is_file():
        earlier = json.loads(args.out.read_text(encoding="utf-8"))
        results = {int(k): v for k, v in earlier.get("results", {}).items() if int(k) in sizes and "error" not in v}
        generation = earlier.get("generation", {})
        if results:
            print(f"Resuming: sizes {', '.join(map(str, sorted(results)))} kept from {args.out}", flush=True)
    print("== the sample review", flush=True)
    sample = sample_rebuild(1 if args.quick else 3)
    for size in sizes:
        if size in results:
            continue
        print(f"== {size} contributors", flush=True)
        pristine: dict[str, Path] = {}
        for langs in (LANGS, ("en",)):
            name = "-".join(langs)
            path, seconds, cached = cached_workspace(size, args.seed, not args.no_cache, langs)
            pristine[name] = path
            generation[f"{size}/{name}"] = {"seconds": seconds, "cached": cached, "path": str(path),
                                            "info": json.loads((path / ".complete").read_text(encoding="utf-8"))}
            print(f"  {name} workspace {'from cache' if cached else f'generated in {seconds:.1f} s'}: {path}", flush=True)
        run_dir = Path(tempfile.mkdtemp(prefix="gcmreview-bench-run-"))
        workspace, workspace_en = (fresh_copy(pristine[name], run_dir) for name in ("en-km", "en"))
        load_before = os.getloadavg()
        reps = 1 if args.quick or size > MAX_REPS_SIZE else 3
        result_file = run_dir / "result.json"
        command = [sys.executable, __file__, "--_worker", str(size), "--_workspace", str(workspace), "--_workspace-en", str(workspace_en),
                   "--_reps", str(reps), "--_result", str(result_file)] + (["--_reference"] if size == REFERENCE_SIZE else [])
        command += ["--_english-only"] if size > args.bilingual_up_to else []
        command += ["--_no-pdf-stages"] if size > args.pdf_stages_up_to else []
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, check=False)
            if result_file.is_file():
                results[size] = json.loads(result_file.read_text(encoding="utf-8"))
            else:
                results[size] = {"size": size}
            if proc.returncode != 0:
                results[size]["error"] = f"worker exited with {proc.returncode}" + (" (memory guard)" if proc.returncode == 3 else "")
            results[size]["load_average"] = {"before": load_before, "after": os.getloadavg()}
            results[size]["seconds"] = time.perf_counter() - start
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        write_results(args, results, generation, code, sizes, started, sample)  # after every size: a killed run keeps what it measured
    targets = write_results(args, results, generation, code, sizes, started, sample)
    print()
    report(results, targets)
    print(f"\nResults written to {args.out}")
    return 0


METHOD = {
    "times": "wall clock (time.perf_counter), seconds; best of 3 for sizes <= 30, one run above (and with --quick)",
    "build": "gcmreview.pipeline.build(workspace) in a fresh child process (as `gcmreview build`), timed by the child "
             "around the call (interpreter start and imports not included); 'build' on the en + km review, "
             "'build_en' on its English-only twin (same contributions without the Khmer texts)",
    "stages": "in one worker process per size, on the en + km review: check = inputs.check_workspace; consolidate = "
              "consolidate.consolidate (translations resolved beforehand, as prepare does); layout = document.layout(en); "
              "docx = docx.render_docx(en); pdf = html.render_html + pdf.render_pdf (en); bilingual_* = "
              "render_bilingual_html + render_pdf / render_bilingual_docx on layout_languages(en, km, draft=True)",
    "memory": "tree_peak_pss_mb: the largest sum of PSS over the build process and its descendants (PDF workers), "
              "sampled every 0.1 s from /proc/PID/smaps_rollup; tree_peak_rss_mb: same with RSS (counts pages shared "
              "after fork once per process); peak_rss_mb: ru_maxrss of the child from wait4 (largest single process "
              "of the tree). Interpreter and libraries included",
    "libreoffice": "soffice --headless --convert-to pdf of the build's English DOCX, own -env:UserInstallation (created "
                   "by the first run), a fresh soffice process per run",
    "weasyprint": "HTML(string=final English HTML, base_url=template folder, url_fetcher=SafeFetcher).render().write_pdf() "
                  "in the worker process (WeasyPrint already warm), with the options the build uses (PDF/UA-1 tagging, "
                  "identifier) and its fix of pydyf's page lookup: the renderer doing exactly the build's PDF work",
    "weasyprint_plain": "the same with write_pdf()'s default options (no tagging, pydyf as installed), for context",
    "sample": "the repository's sample review: a build from nothing (cache removed) and a rebuild after the Ministry of "
              "Planning's first English answer was edited and its workbook re-saved (not timed), fresh processes",
    "rebuild": "the last contributor's first English answer edited and its workbook re-saved (not timed), then a build in "
               "a fresh process with build/ holding the previous build",
}


def write_results(args: argparse.Namespace, results: dict[int, dict[str, Any]], generation: dict[str, Any], code: dict[str, Any],
                  sizes: list[int], started: float, sample: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Write --out (everything measured so far and the targets); returns the targets."""
    targets = ratios(results, sample)
    payload = {
        "environment": _environment(),
        "method": METHOD,
        "args": {"sizes": sizes, "quick": args.quick, "seed": args.seed},
        "code": code,
        "generation": generation,
        "results": {str(k): v for k, v in sorted(results.items())},
        "sample": sample or {},
        "targets": targets,
        "total_seconds": time.perf_counter() - started,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    return targets


if __name__ == "__main__":
    sys.exit(main())
