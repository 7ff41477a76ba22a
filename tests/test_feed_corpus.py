"""Robustness: feedparser's own 1,850 test feeds through parse → sanitise → theme → store.

The corpus (``../shared/feed-corpus`` beside the checkout) is full of deliberately odd
documents: broken XML, every encoding, relative links, hostile HTML. Each file must end either
in stored articles whose HTML Telegram accepts, or in a reason an officer could read; no file
may raise. Files are parsed straight from bytes; HTTP is covered by test_feeds.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db import articles
from db.database import Database
from feeds.fetch import parse_feed
from feeds.ingest import store_items
from feeds.themes import ThemeMatcher
from settings.config import ThemeConfig, default_themes
from tests.fakes.telegram_html import parse_html

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "feed-corpus"
NOW = datetime(2025, 6, 1, tzinfo=UTC)

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"feed corpus not found at {CORPUS} (feedparser's test feeds, kept beside the "
           "checkout in ../shared/feed-corpus)",
)


def _corpus() -> dict[str, bytes]:
    files = {path.relative_to(CORPUS).as_posix(): path.read_bytes()
             for path in sorted(CORPUS.rglob("*.xml"))}
    assert len(files) >= 1800, f"expected feedparser's 1,850 test feeds in {CORPUS}"
    return files


async def _outcome(db: Database, matcher: ThemeMatcher, name: str, body: bytes
                   ) -> tuple[str, str]:
    """(kind, reason) for one file; kind is "articles" when anything was stored."""
    parsed = parse_feed(body)
    if parsed.error:
        return "not a feed", parsed.error
    feed_url = f"http://corpus.invalid/{name}"
    stored = await store_items(db, feed_url, parsed, matcher, NOW)
    if stored.new + stored.updated + stored.unchanged:
        return "articles", ""
    if stored.skipped:
        return "items unusable", stored.skipped[0]
    return "no items", "the feed has no items"


async def test_every_corpus_file_ends_in_articles_or_a_clear_reason(tmp_path: Path) -> None:
    files = _corpus()
    themes = [ThemeConfig.model_validate(theme) for theme in default_themes()]
    matcher = ThemeMatcher.build(themes, {"funding": ["grant"], "training": ["example"]})
    db = await Database.open(tmp_path / "corpus.sqlite3")
    try:
        outcomes = {name: await _outcome(db, matcher, name, body) for name, body in files.items()}
        stored = await articles.list_published_since(db, datetime(1, 1, 1, tzinfo=UTC))
    finally:
        await db.close()

    unexplained = [name for name, (kind, reason) in outcomes.items()
                   if kind != "articles" and not reason.strip()]
    assert unexplained == []
    for article in stored:
        parse_html(article.summary_html)
        assert article.title.strip()
    kinds = Counter(kind for kind, _ in outcomes.values())
    reasons = Counter(reason for kind, reason in outcomes.values() if kind != "articles")
    print(f"\n{len(files)} corpus files: {dict(kinds)}; {len(stored)} articles stored")
    for reason, count in reasons.most_common():
        print(f"  {count:4} × {reason}")
    assert kinds["articles"] > 500  # the rest test feed-level elements or item metadata only
    assert any(article.themes for article in stored)
