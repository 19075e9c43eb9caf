"""``gcmreview new``: scaffold a review workspace with a review.toml to edit.

Stage: workspace. Creates ``inputs/review.toml`` (valid as written, with example
values to replace), ``templates/`` for document overrides and ``build/``.
"""

from __future__ import annotations

import json
from pathlib import Path

from .config import load_config
from .errors import Code, Diagnostic, GcmReviewError, Location
from .fsutil import atomic_write
from .survey.languages import language

__all__ = ["new_workspace"]

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
    language(lang)  # KeyError for an unknown language is reported by the caller
    text = _TEMPLATE.format(
        country=country, country_json=json.dumps(country, ensure_ascii=False), iso=json.dumps(iso.upper()),
        lang=json.dumps(lang), lang_key=lang, folder=folder,
    )
    for sub in ("inputs", "templates", "build"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    atomic_write(config, text)
    load_config(folder)  # the scaffold must itself be valid
    return config
