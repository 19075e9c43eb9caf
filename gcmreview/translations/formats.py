"""What the two translation file formats (XLIFF and the translators' workbook) share.

Stage: translation hand-off. A unit read back from either format
(:class:`_Incoming`), the note for translators on the markup, the fingerprint
pattern, language codes as translation tools write them, and the error for a file
that cannot be read. The names start with an underscore: they are shared by this
package's modules (``xliff``, ``xlsx``, ``handoff``) and are not its API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Code, Diagnostic, GcmReviewError, Location

_FINGERPRINT_RE = re.compile(r"sha256:[0-9a-f]{16}")
_MARKUP_HINT = "Keep [@key] citations, **bold** markers, '- ' bullets and empty lines between paragraphs as they are."


@dataclass(frozen=True)
class _Incoming:
    """One unit of a translation file, whichever its format."""

    id: str
    source_lang: str
    target_lang: str
    source: str
    target: str
    fingerprint: str | None
    needs_review: bool
    where: Location


def _lang_code(value: str | None) -> str:
    """'km-KH', 'en_US' or 'EN' -> 'km', 'en', 'en'."""
    return re.split(r"[-_]", (value or "").strip(), maxsplit=1)[0].lower()


def _file_error(display: str, detail: str) -> GcmReviewError:
    """The error for a translation file that cannot be read (GCM242), ``detail`` saying why."""
    return GcmReviewError([Diagnostic.make(Code.TRANSLATION_FILE, Location(file=display), detail=detail)])
