"""Replacing a function of another library for the length of a block: how the WeasyPrint workarounds are put in.

Stage: render (PDF), support for :mod:`.weasyprint_fixes` and :mod:`.glyph_codes`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["replaced"]


@contextmanager
def replaced(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    """``owner.name`` (a module's function, a class's method) is ``replacement`` until the block ends."""
    original = getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)
