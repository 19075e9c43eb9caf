"""The review workspace: its folders and input files, the build lock, and ``gcmreview new``.

Stage: workspace. A workspace holds ``inputs/`` (``review.toml``, the contributors'
workbooks, ``translations/``), ``templates/`` (the workspace's own document templates)
and ``build/`` (the outputs). :func:`new_workspace` creates one with a
``review.toml`` that is valid as written, with example values to replace.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .chars import file_name
from .config import load_config
from .errors import Code, Diagnostic, GcmReviewError, Location
from .fsutil import atomic_write
from .survey.languages import language

__all__ = ["INPUT_SUFFIXES", "build_lock", "display_path", "input_files", "new_workspace"]

INPUT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
"""Files in inputs/ that are taken as contributions (others are ignored)."""

_TEMPLATE = """\
# Review workspace for {country}. Edit the values below, then run
#   gcmreview workbook {folder}     (blank workbooks for the contributors)
#   gcmreview check {folder}        (after the filled workbooks are back in inputs/)

survey = "escap-2020"
languages = ["en", {lang}]        # English first, then the national language
publish = false                   # true if willing to share the report on the UN Network on Migration site

[country]
name = {country_json}
iso = {iso}                       # ISO 3166-1 alpha-3, used in output file names

[contact]                         # the survey's contact block: the coordinating office
office = "Coordinating office"
name = "Name of the focal point"
position = "Title or position"
email = "focal.point@example.org"
telephone = ""
address = ""

# One [[contributors]] table per ministry, in the order of the submission.
[[contributors]]
code = "COORD"
name = {{ en = "Coordinating office", {lang_key} = "Coordinating office" }}
coordinator = true

[[contributors]]
code = "LABOUR"
name = {{ en = "Ministry of Labour", {lang_key} = "Ministry of Labour" }}
"""


def new_workspace(folder: Path, country: str, iso: str, lang: str) -> Path:
    """Create a workspace in ``folder``; refuses to overwrite an existing review.toml."""
    config = folder / "inputs" / "review.toml"
    if config.exists():
        where = Location(file=str(config))
        raise GcmReviewError([Diagnostic.make(Code.CONFIG_VALUE, where, detail="A review.toml exists already; it was left as it is.")])
    language(lang)  # GcmReviewError for a language gcmreview does not know
    text = _TEMPLATE.format(
        country=country, country_json=json.dumps(country, ensure_ascii=False), iso=json.dumps(iso.upper()),
        lang=json.dumps(lang), lang_key=lang, folder=folder,
    )
    for sub in ("inputs", "templates", "build"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    atomic_write(config, text)
    load_config(folder)  # the scaffold must itself be valid
    return config


def display_path(path: Path, workspace: Path) -> str:
    """``path`` as messages show it: relative to the workspace when inside it (``inputs/lab.xlsx``).

    Whatever its name holds, the result is printable text (:func:`~gcmreview.chars.file_name`):
    control characters as ``U+XXXX``, bytes that are not UTF-8 as ``\\xFF``.
    """
    try:
        shown = path.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    return file_name(shown)


def input_files(workspace: Path) -> list[Path]:
    """Contributor files in ``inputs/``, sorted; editor lock files and hidden files skipped."""
    folder = workspace / "inputs"
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith((".", "~$"))
    )


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold ``build/.lock`` for the build; a second build at once gets a clear error.

    The lock is the kernel's (flock), so a killed build leaves no stale lock. Temporary
    files a killed build left behind are removed once the lock is held.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            where = Location(file="build/.lock")
            raise GcmReviewError([Diagnostic.make(Code.BUILD_LOCKED, where)]) from None
        for leftover in folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
