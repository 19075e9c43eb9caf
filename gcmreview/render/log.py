"""The build log: what the coordinator reads after a build (plain text, UTF-8).

Stage: render. Lists the contributors received and missing, every diagnostic with
its location, the conflicts and how they were decided, everything left out of the
submission with the reason, the outputs written, and the time each step took.
Every line shows control, line and direction characters from the inputs (a file
or sheet name, a value left out) as ``U+XXXX``, so no input can forge a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..chars import visible
from ..config import in_language
from ..errors import Diagnostic
from ..submission import Submission
from ..translations import Translations

__all__ = ["Output", "render_log", "translation_lines"]


@dataclass(frozen=True)
class Output:
    """A file the build wrote, with a short description (e.g. page count)."""

    path: str
    about: str = ""


def render_log(
    submission: Submission,
    diagnostics: Sequence[Diagnostic],
    outputs: Sequence[Output],
    timings: dict[str, float],
    notes: Sequence[str] = (),
    translations: Translations | None = None,
) -> str:
    """The build log as text; with ``translations``, what is still to translate, per language and contributor."""
    notes = [*notes, *(translation_lines(translations) if translations is not None else [])]
    lines = [f"gcmreview build: {in_language(submission.country.name, 'en')} ({submission.country.iso}), survey {submission.survey}", ""]
    received = [c for c in submission.contributors if c.file]
    lines.append(f"Contributors: {len(received)} of {len(submission.contributors)} workbooks received")
    for c in submission.contributors:
        lines.append(f"  {c.code:<10} {c.file or 'MISSING'}{'  (coordinator)' if c.coordinator else ''}")
    errors = sum(d.severity == "error" for d in diagnostics)
    lines += ["", f"Problems: {errors} error(s), {len(diagnostics) - errors} warning(s)"]
    lines += [f"  {d}" for d in sorted(diagnostics, key=lambda d: (d.location, d.code))]
    lines += ["", f"Conflicts: {len(submission.conflicts)}"]
    lines += [f"  [{c.kind}] {c.message}" for c in submission.conflicts]
    lines += ["", f"Left out of the submission: {len(submission.left_out)}"]
    for entry in submission.left_out:
        where = ", ".join(x for x in (entry.file, f"sheet {entry.sheet}" if entry.sheet else "", f"cell {entry.cell}" if entry.cell else "") if x)
        value = f" {entry.value[:80]!r}" if entry.value else ""
        lines.append(f"  {where}: {entry.reason}.{value}")
    if notes:
        lines += ["", "Notes:"] + [f"  {n}" for n in notes]
    lines += ["", "Outputs:"] + [f"  {o.path}{f'  ({o.about})' if o.about else ''}" for o in outputs]
    lines += ["", "Time:"] + [f"  {step:<14} {seconds:6.2f} s" for step, seconds in timings.items()]
    return "\n".join(visible(line) for line in lines) + "\n"  # text from the inputs can neither break a line nor disguise one


def translation_lines(translations: Translations) -> list[str]:
    """Per language, per contributor: how many texts still lack a translation (and which)."""
    lines = []
    for lang in translations.languages:
        missing = translations.missing(lang)
        lines.append(f"Translation into {lang}: {sum(len(v) for v in missing.values())} text(s) missing or stale")
        lines += [f"  {code}: {len(found)} ({'; '.join(s.label for s in found)})" for code, found in missing.items()]
    return lines
