"""Repository functions for feeds, the articles read from them and the articles' themes."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from db import story
from db.database import Database
from db.story import SAME_TITLE_WINDOW
from db.timeutil import from_db, to_db


class Upsert(StrEnum):
    """What storing a feed item did, so a fetch can report what changed on the website."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ArticleDraft:
    """An article as read from a feed, before it is stored; summary_html is already sanitised."""

    guid: str
    link: str | None
    title: str  # plain text: escape it when writing HTML
    summary_html: str
    published_at: datetime | None  # None when the feed gave no date: first sight stands in
    feed_url: str

    @property
    def content_hash(self) -> str:
        """Fingerprint of what a reader sees; an edit on the website changes it."""
        published = to_db(self.published_at) if self.published_at else ""
        parts = (self.title, self.link or "", self.summary_html, published)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    @property
    def link_key(self) -> str | None:
        return story.link_key(self.link)

    @property
    def title_key(self) -> str:
        return story.title_key(self.title)


@dataclass(frozen=True)
class Article:
    id: int
    guid: str
    link: str | None
    title: str
    summary_html: str
    published_at: datetime
    updated_at: datetime
    feed_url: str
    content_hash: str
    themes: tuple[str, ...]


@dataclass(frozen=True)
class FeedState:
    """What the last fetch of a feed left behind; a feed never fetched has only its URL."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_fetched_at: datetime | None = None
    last_status: str | None = None
    last_error: str | None = None
    body_sha256: str | None = None  # of the body last stored: an identical one is not re-read


@dataclass(frozen=True)
class FeedProblem:
    feed_url: str
    occurred_at: datetime
    kind: str
    detail: str


_SELECT_ARTICLES = (
    "SELECT a.*, (SELECT group_concat(t.theme_slug, ' ') FROM article_themes t"
    " WHERE t.article_id = a.id) AS themes FROM articles a"
)


def _article(row: sqlite3.Row) -> Article:
    published, updated = from_db(row["published_at"]), from_db(row["updated_at"])
    assert published is not None and updated is not None
    return Article(
        id=row["id"],
        guid=row["guid"],
        link=row["link"],
        title=row["title"],
        summary_html=row["summary_html"],
        published_at=published,
        updated_at=updated,
        feed_url=row["feed_url"],
        content_hash=row["content_hash"],
        themes=tuple(sorted((row["themes"] or "").split())),
    )


@dataclass(frozen=True)
class _Source:
    """The article a feed item was stored as, and that item's content when last read."""

    article_id: int
    content_hash: str


async def _source(db: Database, guid: str) -> _Source | None:
    row = await db.fetch_one(
        "SELECT article_id, content_hash FROM article_sources WHERE guid = ?", (guid,))
    return _Source(row[0], row[1]) if row else None


async def _same_story(db: Database, draft: ArticleDraft, now: datetime) -> int | None:
    """The article already holding this story from another feed (or an old GUID scheme).

    By canonical link and title: the title must match too, because distinct items may share a
    link (several events pointing at one booking page). An item whose link names no page of its
    own, or a story first stored that way, is matched by title within a few days.
    """
    if draft.link_key is not None:
        found = await db.fetch_value(
            "SELECT id FROM articles WHERE link_key = ? AND title_key = ?",
            (draft.link_key, draft.title_key))
        if found is not None:
            return int(found)
    moment = draft.published_at or now
    unlinked = "" if draft.link_key is None else " AND link_key IS NULL"
    found = await db.fetch_value(
        "SELECT id FROM articles WHERE title_key = ? AND published_at BETWEEN ? AND ?"
        f"{unlinked} ORDER BY id LIMIT 1",
        (draft.title_key, to_db(moment - SAME_TITLE_WINDOW), to_db(moment + SAME_TITLE_WINDOW)))
    return None if found is None else int(found)


async def _remember_source(db: Database, draft: ArticleDraft, article_id: int) -> None:
    await db.execute(
        "INSERT INTO article_sources (guid, article_id, content_hash) VALUES (?, ?, ?)"
        " ON CONFLICT(guid) DO UPDATE SET content_hash = excluded.content_hash",
        (draft.guid, article_id, draft.content_hash))


async def _add_themes(db: Database, article_id: int, themes: Collection[str]) -> None:
    await db.execute_many(
        "INSERT OR IGNORE INTO article_themes (article_id, theme_slug) VALUES (?, ?)",
        [(article_id, slug) for slug in themes],
    )


async def _insert(db: Database, draft: ArticleDraft, now: datetime) -> int:
    return await db.execute(
        "INSERT INTO articles (guid, link, title, summary_html, published_at, updated_at,"
        " feed_url, content_hash, link_key, title_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (draft.guid, draft.link, draft.title, draft.summary_html,
         to_db(draft.published_at or now), to_db(now), draft.feed_url, draft.content_hash,
         draft.link_key, draft.title_key),
    )


async def _update(db: Database, article_id: int, draft: ArticleDraft, now: datetime) -> None:
    """The edit replaces what readers see; an undated edit keeps the first-seen date.

    The story's keys follow the edit, unless another article already holds them: that is a
    distinct item sharing the link (an event renamed like another one on the same booking
    page), and the two stay apart as they were stored.
    """
    published = to_db(draft.published_at) if draft.published_at else None
    await db.execute(
        "UPDATE articles SET link = ?, title = ?, summary_html = ?,"
        " published_at = COALESCE(?, published_at), updated_at = ?, feed_url = ?,"
        " content_hash = ? WHERE id = ?",
        (draft.link, draft.title, draft.summary_html, published, to_db(now), draft.feed_url,
         draft.content_hash, article_id),
    )
    await db.execute(
        "UPDATE articles SET link_key = ?, title_key = ? WHERE id = ? AND NOT EXISTS"
        " (SELECT 1 FROM articles o WHERE o.link_key = ? AND o.title_key = ? AND o.id != ?)",
        (draft.link_key, draft.title_key, article_id, draft.link_key, draft.title_key,
         article_id),
    )
    await _forget_themes_if_only_source(db, article_id)


async def _forget_themes_if_only_source(db: Database, article_id: int) -> None:
    """An edit re-themes an article read from one feed item; with several, each names only
    its own categories, so an edit on one must not take away the themes the others gave."""
    await db.execute(
        "DELETE FROM article_themes WHERE article_id = ?"
        " AND (SELECT COUNT(*) FROM article_sources WHERE article_id = ?) <= 1",
        (article_id, article_id))


async def upsert_article(
    db: Database, draft: ArticleDraft, themes: Collection[str], now: datetime
) -> Upsert:
    """Store a story once however many feeds carry it; an edit on any of them updates it.

    Each feed item is compared with its own last copy, so two feeds wording a story a little
    differently do not overwrite each other on every fetch. An unchanged item only adds themes:
    the same post can arrive through several category feeds, each naming only its own category.
    """
    async with db.transaction():
        source = await _source(db, draft.guid)
        if source is None:
            found = await _same_story(db, draft, now)
            article_id = found if found is not None else await _insert(db, draft, now)
            await _remember_source(db, draft, article_id)
            await _add_themes(db, article_id, themes)
            return Upsert.NEW if found is None else Upsert.UNCHANGED
        if source.content_hash != draft.content_hash:
            await _update(db, source.article_id, draft, now)
            await _remember_source(db, draft, source.article_id)
            await _add_themes(db, source.article_id, themes)
            return Upsert.UPDATED
        await _add_themes(db, source.article_id, themes)
        return Upsert.UNCHANGED


async def list_published_since(
    db: Database, since: datetime, until: datetime | None = None
) -> list[Article]:
    """Articles published in [since, until), oldest first: the bulletin's reading order."""
    sql, params = f"{_SELECT_ARTICLES} WHERE a.published_at >= ?", [to_db(since)]
    if until is not None:
        sql += " AND a.published_at < ?"
        params.append(to_db(until))
    rows = await db.fetch_all(f"{sql} ORDER BY a.published_at, a.id", params)
    return [_article(row) for row in rows]


async def list_uncategorised(db: Database, since: datetime | None = None) -> list[Article]:
    """Articles no theme claimed, for an officer to file by hand or to add keywords for."""
    sql = (
        f"{_SELECT_ARTICLES} WHERE NOT EXISTS"
        " (SELECT 1 FROM article_themes t WHERE t.article_id = a.id)"
    )
    params: list[str] = []
    if since is not None:
        sql += " AND a.published_at >= ?"
        params.append(to_db(since))
    rows = await db.fetch_all(f"{sql} ORDER BY a.published_at, a.id", params)
    return [_article(row) for row in rows]


async def get_feed_state(db: Database, url: str) -> FeedState:
    row = await db.fetch_one("SELECT * FROM feeds WHERE url = ?", (url,))
    if row is None:
        return FeedState(url)
    return FeedState(
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_fetched_at=from_db(row["last_fetched_at"]),
        last_status=row["last_status"],
        last_error=row["last_error"],
        body_sha256=row["body_sha256"],
    )


async def save_feed_state(db: Database, state: FeedState) -> None:
    fetched = to_db(state.last_fetched_at) if state.last_fetched_at else None
    await db.execute(
        "INSERT INTO feeds (url, etag, last_modified, last_fetched_at, last_status, last_error,"
        " body_sha256) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET"
        " etag = excluded.etag, last_modified = excluded.last_modified,"
        " last_fetched_at = excluded.last_fetched_at, last_status = excluded.last_status,"
        " last_error = excluded.last_error, body_sha256 = excluded.body_sha256",
        (state.url, state.etag, state.last_modified, fetched, state.last_status,
         state.last_error, state.body_sha256),
    )


async def record_feed_problems(
    db: Database, feed_url: str, kind: str, details: Collection[str], now: datetime
) -> None:
    await db.execute_many(
        "INSERT INTO feed_problems (feed_url, occurred_at, kind, detail) VALUES (?, ?, ?, ?)",
        [(feed_url, to_db(now), kind, detail) for detail in details],
    )


def _problem(row: sqlite3.Row) -> FeedProblem:
    occurred = from_db(row["occurred_at"])
    assert occurred is not None
    return FeedProblem(row["feed_url"], occurred, row["kind"], row["detail"])


async def recent_feed_problems(db: Database, limit: int = 50) -> list[FeedProblem]:
    """Newest first, for the admin's feed report."""
    rows = await db.fetch_all(
        "SELECT feed_url, occurred_at, kind, detail FROM feed_problems"
        " ORDER BY occurred_at DESC, id DESC LIMIT ?",
        (limit,),
    )
    return [_problem(row) for row in rows]


async def file_under(db: Database, article_id: int, theme_slug: str) -> None:
    """The officer files an article no keyword claimed."""
    await _add_themes(db, article_id, [theme_slug])


async def get_many(db: Database, article_ids: Collection[int]) -> list[Article]:
    if not article_ids:
        return []
    marks = ",".join("?" for _ in article_ids)
    rows = await db.fetch_all(f"{_SELECT_ARTICLES} WHERE a.id IN ({marks})", list(article_ids))
    return [_article(row) for row in rows]


async def current_id(db: Database, article_id: int) -> int:
    """The article a merged copy became, so a button sent before the merge still works."""
    merged = await db.fetch_value(
        "SELECT article_id FROM article_merges WHERE merged_id = ?", (article_id,))
    return article_id if merged is None else int(merged)
