"""The light markup of answer cells -> text blocks and spans that renderers lay out.

Stage: shared by consolidation and the renderers. Only paragraphs (blank line),
bullet and numbered lists, **bold**, *italic*, line breaks and ``[@key]``
citations have meaning. markdown-it-py runs with its ``zero`` preset plus those
rules: raw HTML, links, images, autolinks and headings stay plain text, so text
from a spreadsheet can never become markup or a URL to fetch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .text import citation_matches

__all__ = ["Span", "TextBlock", "parse"]

BlockKind = Literal["paragraph", "bullet", "numbered"]


@dataclass(frozen=True)
class Span:
    """A run of text with its formatting; ``cite`` is a reference key, ``text`` then empty."""

    text: str = ""
    bold: bool = False
    italic: bool = False
    cite: str | None = None
    linebreak: bool = False


@dataclass
class TextBlock:
    """A paragraph or list item; ``number`` is the item's number in a numbered list."""

    kind: BlockKind = "paragraph"
    level: int = 0
    number: str = ""
    spans: list[Span] = field(default_factory=list)


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    return md.enable(["list", "emphasis", "newline"])


def parse(text: str) -> list[TextBlock]:
    """Blocks of an answer cell's text, in order."""
    blocks: list[TextBlock] = []
    lists: list[str] = []  # open list kinds, innermost last
    number = ""
    for token in _parser().parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists.append("bullet" if token.type.startswith("bullet") else "numbered")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            number = f"{token.info}{token.markup}" if lists[-1] == "numbered" else ""
        elif token.type == "inline":
            kind: BlockKind = "paragraph" if not lists else ("bullet" if lists[-1] == "bullet" else "numbered")
            blocks.append(TextBlock(kind, max(len(lists) - 1, 0), number if kind == "numbered" else "", _spans(token)))
            number = ""
    return blocks


def _spans(inline: Token) -> list[Span]:
    spans: list[Span] = []
    bold = italic = False
    for child in inline.children or []:
        if child.type in ("strong_open", "strong_close"):
            bold = child.type == "strong_open"
        elif child.type in ("em_open", "em_close"):
            italic = child.type == "em_open"
        elif child.type in ("softbreak", "hardbreak"):
            spans.append(Span(linebreak=True))
        else:
            spans.extend(_cited(child.content, bold, italic))
    return spans


def _cited(text: str, bold: bool, italic: bool) -> list[Span]:
    """Split text around ``[@key]`` citations."""
    out: list[Span] = []
    pos = 0
    for match in citation_matches(text):
        if match.start() > pos:
            out.append(Span(text[pos : match.start()], bold, italic))
        out.append(Span(cite=match.group(1)))
        pos = match.end()
    if pos < len(text):
        out.append(Span(text[pos:], bold, italic))
    return out
