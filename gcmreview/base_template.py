"""``python -m gcmreview.base_template templates/base.docx``: write the packaged Word template.

Stage: maintenance. The base template is python-docx's default document with the
form's styles (:func:`~gcmreview.render.docx.styles.make_base_template`), the same
bytes on every run; a test checks the committed ``templates/base.docx`` is what it makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .fsutil import atomic_write
from .render.docx.styles import make_base_template

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Write the base template to the path given on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m gcmreview.base_template templates/base.docx", file=sys.stderr)
        return 2
    path = atomic_write(Path(args[0]), make_base_template())
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
