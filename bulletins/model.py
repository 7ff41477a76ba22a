"""The bulletin as one draft that both channels render: Telegram messages and the email."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    theme_titles: dict[str, str] = field(default_factory=dict, compare=False)
    """Every theme's title, for the themes an article carries beyond the one it is listed
    under."""

    def theme_title(self, slug: str | None) -> str:
        if slug is None:
            return ""
        named = {s.theme_slug: s.theme_title for s in self.sections}
        return self.theme_titles.get(slug) or named.get(slug) or ""

    def also_under(self, item: BulletinItem, slug: str | None) -> list[str]:
        """The titles of an item's themes other than the one it is listed under."""
        return [self.theme_title(theme) for theme in item.themes
                if theme != slug and self.theme_title(theme)]

    def outline(self) -> list[tuple[str, list[tuple[str, list[str]]]]]:
        """(theme, [(headline, its other themes)]) per section, for the officer's summary."""
        return [(section.theme_title,
                 [(item.title, self.also_under(item, section.theme_slug))
                  for item in section.items])
                for section in self.sections]

    def items(self) -> list[BulletinItem]:
        """Every article once, in reading order."""
        seen: set[int] = set()
        unique = []
        for section in self.sections:
            for item in section.items:
                if item.article_id not in seen:
                    seen.add(item.article_id)
                    unique.append(item)
        return unique
