"""Repository functions for feeds, the articles read from them and the articles' themes."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property

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

    @cached_property
    def content_hash(self) -> str:
        """Fingerprint of what a reader sees; an edit on the website changes it."""
        published = to_db(self.published_at) if self.published_at else ""
        parts = (self.title, self.link or "", self.summary_html, published)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    @cached_property
    def link_key(self) -> str | None:
        return story.link_key(self.link)

    @cached_property
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


async def _sources(db: Database, guids: Collection[str]) -> dict[str, _Source]:
    """What each of a feed's items was stored as, in one query for the whole feed."""
    if not guids:
        return {}
    rows = await db.fetch_all(
        "SELECT guid, article_id, content_hash FROM article_sources WHERE guid IN"
        " (SELECT value FROM json_each(?))", (json.dumps(list(guids)),))
    return {row[0]: _Source(row[1], row[2]) for row in rows}


_SAME_STORY = (
    "title_key = :title_key AND (link_key = :link_key OR ((link_key IS NULL OR :link_key IS NULL)"
    " AND published_at BETWEEN :since AND :until))"
)
"""The articles holding a draft's story.

By canonical link and title: the title must match too, because distinct items may share a link
(several events pointing at one booking page). An item whose link names no page of its own, or a
story first stored that way, is matched by title within a few days.
"""


def _story_params(draft: ArticleDraft, now: datetime) -> dict[str, str | None]:
    moment = draft.published_at or now
    return {"title_key": draft.title_key, "link_key": draft.link_key,
            "since": to_db(moment - SAME_TITLE_WINDOW), "until": to_db(moment + SAME_TITLE_WINDOW)}


async def _same_story(db: Database, draft: ArticleDraft, now: datetime) -> int | None:
    """The article already holding this story from another feed (or an old GUID scheme),
    one stored under the same link first."""
    found = await db.fetch_value(
        f"SELECT id FROM articles WHERE {_SAME_STORY} ORDER BY link_key IS NOT :link_key, id"
        " LIMIT 1", _story_params(draft, now))
    return None if found is None else int(found)


async def _add_themes(db: Database, article_id: int, themes: Collection[str]) -> None:
    await db.execute_many(
        "INSERT OR IGNORE INTO article_themes (article_id, theme_slug) VALUES (?, ?)",
        [(article_id, slug) for slug in themes],
    )


_INSERT_NEW_STORY = (
    "INSERT INTO articles (guid, link, title, summary_html, published_at, updated_at, feed_url,"
    " content_hash, link_key, title_key) SELECT :guid, :link, :title, :summary_html,"
    " :published_at, :updated_at, :feed_url, :content_hash, :link_key, :title_key"
    f" WHERE NOT EXISTS (SELECT 1 FROM articles WHERE {_SAME_STORY})"
)


async def _place_new_items(
    db: Database, drafts: Collection[ArticleDraft], now: datetime
) -> dict[str, tuple[int, Upsert]]:
    """The article each never-seen item goes to: a new one, or the one holding its story.

    One statement inserts every item whose story no article holds yet, each seeing the ones
    inserted before it, so a feed's own two copies of a story make one article too. Only the
    items that found their story are looked up one by one: few, but for a second feed
    carrying the same stories.
    """
    if not drafts:
        return {}
    stamp = to_db(now)
    await db.execute_many(_INSERT_NEW_STORY, [
        {**_story_params(draft, now), "guid": draft.guid, "link": draft.link,
         "title": draft.title, "summary_html": draft.summary_html,
         "published_at": to_db(draft.published_at or now), "updated_at": stamp,
         "feed_url": draft.feed_url, "content_hash": draft.content_hash}
        for draft in drafts])
    rows = await db.fetch_all(
        "SELECT guid, id FROM articles WHERE guid IN (SELECT value FROM json_each(?))",
        (json.dumps([draft.guid for draft in drafts]),))
    placed = {row[0]: (int(row[1]), Upsert.NEW) for row in rows}
    for draft in drafts:
        if draft.guid not in placed:
            found = await _same_story(db, draft, now)
            assert found is not None, "the insert was skipped because this story is stored"
            placed[draft.guid] = (found, Upsert.UNCHANGED)
    return placed


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


@dataclass
class _Writes:
    """The rows a feed's items add, written in two statements once every item is read."""

    sources: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    themes: set[tuple[int, str]] = field(default_factory=set)

    def add(self, article_id: int, themes: Collection[str]) -> None:
        self.themes.update((article_id, slug) for slug in themes)

    def remember(self, draft: ArticleDraft, article_id: int) -> None:
        self.sources[draft.guid] = (draft.guid, article_id, draft.content_hash)

    async def flush(self, db: Database) -> None:
        await db.execute_many(
            "INSERT INTO article_sources (guid, article_id, content_hash) VALUES (?, ?, ?)"
            " ON CONFLICT(guid) DO UPDATE SET content_hash = excluded.content_hash",
            self.sources.values())
        await db.execute_many(
            "INSERT OR IGNORE INTO article_themes (article_id, theme_slug) VALUES (?, ?)",
            sorted(self.themes))
        self.sources.clear()
        self.themes.clear()


async def _store(draft: ArticleDraft, themes: Collection[str], now: datetime, db: Database,
                 placed: dict[str, tuple[int, Upsert]], known: dict[str, _Source],
                 writes: _Writes) -> Upsert:
    first_sight = placed.pop(draft.guid, None)
    if first_sight is not None:
        article_id, outcome = first_sight
        known[draft.guid] = _Source(article_id, draft.content_hash)
        writes.remember(draft, article_id)
        writes.add(article_id, themes)
        return outcome
    source = known[draft.guid]
    if source.content_hash != draft.content_hash:
        await writes.flush(db)  # an edit counts the sources and replaces the themes
        await _update(db, source.article_id, draft, now)
        known[draft.guid] = _Source(source.article_id, draft.content_hash)
        writes.remember(draft, source.article_id)
        writes.add(source.article_id, themes)
        return Upsert.UPDATED
    writes.add(source.article_id, themes)
    return Upsert.UNCHANGED


async def upsert_articles(
    db: Database, items: Sequence[tuple[ArticleDraft, Collection[str]]], now: datetime
) -> list[Upsert]:
    """Store each story once however many feeds carry it; an edit on any of them updates it.

    Each feed item is compared with its own last copy, so two feeds wording a story a little
    differently do not overwrite each other on every fetch. An unchanged item only adds themes:
    the same post can arrive through several category feeds, each naming only its own category.
    A whole feed is one transaction of a few statements (items looked up together, new ones
    inserted together, sources and themes written together): each statement is a trip to
    SQLite's thread, and a statement per item made storing a feed cost more than parsing it.
    """
    async with db.transaction():
        known = await _sources(db, {draft.guid for draft, _ in items})
        fresh: dict[str, ArticleDraft] = {}
        for draft, _ in items:
            if draft.guid not in known:
                fresh.setdefault(draft.guid, draft)
        placed = await _place_new_items(db, fresh.values(), now)
        writes = _Writes()
        outcomes = [await _store(draft, themes, now, db, placed, known, writes)
                    for draft, themes in items]
        await writes.flush(db)
    return outcomes


async def upsert_article(
    db: Database, draft: ArticleDraft, themes: Collection[str], now: datetime
) -> Upsert:
    """One item, as :func:`upsert_articles` stores a feed's."""
    [outcome] = await upsert_articles(db, [(draft, themes)], now)
    return outcome


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
