"""Which themes an article belongs to, so members get the articles for the themes they follow.

Two signals: the categories the website gave the item (matched against theme slugs and titles,
ignoring case and punctuation, so "Early-Help" finds the theme titled "Early help") and the
officer's keyword lists from ``[feed.keywords]`` (whole words or phrases in the title and
summary). An article may carry several themes; none leaves it uncategorised for an officer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

_PUNCTUATION = re.compile(r"[\W_]+")


class ThemeLike(Protocol):
    """Config themes and stored themes both qualify; only these two fields matter here."""

    @property
    def slug(self) -> str: ...

    @property
    def title(self) -> str: ...


def _label(text: str) -> str:
    return _PUNCTUATION.sub(" ", text.casefold()).strip()


def _keyword_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation per theme; a phrase matches across any run of whitespace."""
    phrases = [r"\s+".join(map(re.escape, word.split())) for word in words if word.strip()]
    if not phrases:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(phrases)})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class ThemeMatcher:
    by_label: Mapping[str, str]  # normalised slug or title -> slug
    keywords: Mapping[str, re.Pattern[str]]  # slug -> its keyword pattern

    @classmethod
    def build(
        cls, themes: Sequence[ThemeLike], keywords: Mapping[str, Sequence[str]]
    ) -> ThemeMatcher:
        """Keywords for a slug that is not a configured theme are ignored, not invented."""
        by_label = {_label(label): theme.slug for theme in themes
                    for label in (theme.slug, theme.title)}
        slugs = {theme.slug for theme in themes}
        patterns = {slug: _keyword_pattern(words) for slug, words in keywords.items()
                    if slug in slugs}
        return cls(by_label, {slug: p for slug, p in patterns.items() if p is not None})

    def assign(self, categories: Iterable[str], text: str) -> frozenset[str]:
        """Themes for an item with these feed categories and this plain title + summary."""
        from_categories = {self.by_label[label] for label in map(_label, categories)
                           if label in self.by_label}
        from_keywords = {slug for slug, pattern in self.keywords.items() if pattern.search(text)}
        return frozenset(from_categories | from_keywords)
