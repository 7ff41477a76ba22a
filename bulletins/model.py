"""The bulletin as one draft that both channels render: Telegram messages and the email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BulletinItem:
    article_id: int
    title: str
    link: str
    summary_html: str
    """Already sanitised to Telegram's HTML subset (also valid inside an email)."""
    themes: tuple[str, ...]


@dataclass(frozen=True)
class BulletinSection:
    theme_slug: str | None
    """None for the articles no theme claimed."""
    theme_title: str
    items: tuple[BulletinItem, ...]


@dataclass(frozen=True)
class Bulletin:
    id: int
    title: str
    intro_html: str
    sections: tuple[BulletinSection, ...]
    created_at: datetime
