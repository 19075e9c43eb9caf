"""Linear scans of an archive part's XML bytes, for what the reader does before openpyxl parses it.

Stage: workbook. Every function here looks at each byte a bounded number of times, whatever
the part holds: no regular expression that can backtrack over the rest of the part (a
``mergeCells`` start tag repeated in a comment once took minutes). Markup is found the way an
XML parser finds it: a ``<`` outside comments, CDATA sections and processing instructions
starts a tag (text and attribute values never hold one), and a tag ends at the first ``>``
outside quotes.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterator

__all__ = ["count_elements", "strip_elements"]

_MARKUP = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
"""Markup whose content is not tags, and where it ends."""
_NAME_RE = re.compile(rb"</?(?:[A-Za-z_][\w.-]*+:)?([A-Za-z_][\w.-]*+)")
"""A tag's local name (possessive: a name is looked at once)."""
_TAG_END_RE = re.compile(rb"""(?:[^<>"']++|"[^<"]*+"|'[^<']*+')*+>""")
"""The rest of a tag up to its ``>``: never past the next ``<``, so each byte is looked at once."""
_ELEMENT_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*+:)?([A-Za-z_][\w.-]*+)")
"""An element's start (or empty) tag and its local name."""


def count_elements(chunk: bytes) -> Counter[bytes]:
    """How many start (or empty) tags of each local name ``chunk`` holds (an estimate near chunk ends)."""
    return Counter(_ELEMENT_RE.findall(chunk))


@functools.lru_cache(maxsize=8)
def _candidates(names: frozenset[bytes]) -> re.Pattern[bytes]:
    """The start of markup that is not tags (comment, CDATA, processing instruction, declaration), or of a
    tag of one of ``names``."""
    alternatives = b"|".join(re.escape(n) for n in sorted(names))
    return re.compile(rb"<(?:!|\?|/?(?:[A-Za-z_][\w.-]*+:)?(?:" + alternatives + rb")(?=[\s/>]))")


def _tags(xml: bytes, names: frozenset[bytes]) -> Iterator[tuple[int, int, bytes, bool, bool]]:
    """Each tag of one of ``names`` as (start, end, local name, is an end tag, is an empty tag), in order;
    stops at malformed markup."""
    pattern = _candidates(names)
    found = pattern.search(xml)
    while found is not None:
        at = found.start()
        skip = next((end for start, end in _MARKUP.items() if xml.startswith(start, at)), None)
        if skip is not None or xml.startswith(b"<!", at):
            close = xml.find(skip or b">", at + 2)
            if close < 0:
                return
            found = pattern.search(xml, close)
            continue
        name = _NAME_RE.match(xml, at)
        rest = _TAG_END_RE.match(xml, name.end()) if name else None
        if name is None or rest is None:
            return  # not well-formed: openpyxl reports the part as damaged
        end = rest.end()
        yield at, end, name.group(1), xml[at + 1] == ord("/"), xml[end - 2] == ord("/")
        found = pattern.search(xml, end)


def strip_elements(xml: bytes, names: frozenset[bytes]) -> tuple[bytes, Counter[bytes]]:
    """``xml`` without the elements of these local names (with everything inside them), and how many of each.

    An element whose end tag is missing is kept (the part is damaged, and openpyxl says so).
    """
    pieces: list[bytes] = []
    removed: Counter[bytes] = Counter()
    kept = 0
    opened: tuple[int, bytes] | None = None  # (start, name) of the element being removed
    for start, end, name, closing, empty in _tags(xml, names):
        if opened is None and name in names and not closing:
            if empty:
                pieces.append(xml[kept:start])
                kept = end
                removed[name] += 1
            else:
                opened = (start, name)
        elif opened is not None and closing and name == opened[1]:
            pieces.append(xml[kept:opened[0]])
            kept = end
            removed[name] += 1
            opened = None
    if not removed:
        return xml, removed
    pieces.append(xml[kept:])
    return b"".join(pieces), removed
