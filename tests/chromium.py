"""Debian's Chromium driven by Playwright, for the tests that need a real browser.

Needs Debian's ``chromium`` (``apt-get install chromium``) and the ``playwright``
Python package (``pip install playwright``; its own browser download is not
used). Missing either is a failure, not a skip. ``GCMREVIEW_CHROMIUM`` names
another Chromium binary. The ``browser`` fixture (conftest) yields one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ARGS", "CHROMIUM", "launch"]

CHROMIUM = Path(os.environ.get("GCMREVIEW_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions",
]
"""Without the background-networking flags Chromium tries to reach Google's hosts at every start."""


@contextmanager
def launch() -> Iterator[Any]:
    """A headless Chromium; the test fails (not skips) when Playwright or Chromium is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The browser test needs Playwright: `pip install playwright` (the browser is Debian's chromium, "
                    "not a Playwright download).", pytrace=False)
    if not CHROMIUM.is_file():
        pytest.fail(f"The browser test needs Chromium at {CHROMIUM}: `apt-get install chromium` "
                    "(or set GCMREVIEW_CHROMIUM to a Chromium binary).", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
