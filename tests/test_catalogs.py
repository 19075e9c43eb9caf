"""The catalogs: every fixed text of the package is extracted and translated into every national language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from gcmreview.catalogs import LOCALE, template_catalog
from gcmreview.errors import Code
from gcmreview.i18n import translator

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
LANGUAGES = sorted(p.stem for p in LOCALE.glob("*.po"))


def test_every_national_language_has_a_catalog() -> None:
    assert LANGUAGES == ["km", "lo", "my"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated(lang: str) -> None:
    """Before, GCM113-115 and GCM225-227 (among others) had no translation in any catalog."""
    with Path(LOCALE / f"{lang}.po").open("rb") as file:
        catalog = read_po(file)
    wanted = [m.id for m in template_catalog() if m.id]
    untranslated = [m for m in wanted if (found := catalog.get(m)) is None or not found.string or found.fuzzy]
    assert untranslated == [], f"{len(untranslated)} message(s) without a {lang} translation: run `nox -s catalogs`, then translate"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder(lang: str) -> None:
    with Path(LOCALE / f"{lang}.po").open("rb") as file:
        catalog = read_po(file)
    broken = [m.id for m in catalog if m.id and m.string and set(PLACEHOLDER.findall(m.id)) != set(PLACEHOLDER.findall(m.string))]
    assert broken == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_diagnostic_reads_in_the_language(lang: str) -> None:
    t = translator(lang)
    worded = [code for code in Code if PLACEHOLDER.sub("", code.value[2]).strip()]  # not a bare "{detail}"
    english = [code.value[0] for code in worded if t(code.value[2]) == code.value[2]]
    assert english == []
