"""A document as the shapes its words take: headings, paragraphs, tables and pictures.

The board report is laid out once in these blocks and drawn as Word and as HTML; features that
add a section to it (the waiting-list census) write their part in the same blocks, so they need
know nothing of the report's renderers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Paragraph:
    text: str
    label: str | None = None


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Picture:
    """A PNG image with the sentence that says what it shows (alt text and caption)."""

    png: bytes
    caption: str


Block = Heading | Paragraph | Table | Picture
