"""Fetch every configured feed and store its items as themed, sanitised articles.

The scheduler job, the admin ``/fetch`` command and ``linkedup feed fetch`` all call
:func:`ingest_feeds`. Feeds are independent: one feed failing, even through a bug here, is
reported for that feed while the others are still fetched. Nothing is ever deleted, so an
outage on the website costs nothing already stored.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import httpx

from db import articles
from db.articles import ArticleDraft, FeedState, Upsert
from db.database import Database
from db.records import FeedReport
from db.story import clean_link
from db.timeutil import Clock, utcnow
from feeds.fetch import FeedItem, FetchResult, FetchStatus, ParsedFeed, fetch_feed
from feeds.sanitise import html_to_plain, plain_summary, plain_to_html, sanitise_html
from feeds.themes import ThemeLike, ThemeMatcher
from settings.config import FeedConfig

log = logging.getLogger(__name__)

TITLE_LIMIT = 200
UNTITLED_TITLE_LIMIT = 80  # an untitled item borrows the start of its summary as a title
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")


class UnusableItem(Exception):
    """A feed item with nothing to show; its message says why, for the feed's warnings."""


@dataclass
class StoredItems:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # why each unusable item was passed over

    def count(self, outcome: Upsert) -> None:
        if outcome is Upsert.NEW:
            self.new += 1
        elif outcome is Upsert.UPDATED:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass(frozen=True)
class IngestReport:
    feeds: list[FeedReport]

    @property
    def new(self) -> int:
        return sum(feed.new for feed in self.feeds)

    @property
    def updated(self) -> int:
        return sum(feed.updated for feed in self.feeds)

    @property
    def failed(self) -> list[FeedReport]:
        return [feed for feed in self.feeds if feed.error]


def _absolute_url(url: str | None, base: str | None) -> str | None:
    """An http(s) URL a reader can open, resolving a relative one; None when there is none."""
    if not url:
        return None
    try:
        absolute = urljoin(base or "", url.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    return absolute if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _guid(item: FeedItem, link: str | None, feed_url: str, title: str, summary: str) -> str:
    """A key that survives edits; a bare id like "42" is only unique within its own feed."""
    if item.guid:
        return item.guid if _URI.match(item.guid) else f"{feed_url}#{item.guid}"
    if link:
        return link
    digest = hashlib.sha256(f"{title}\x1f{summary}".encode()).hexdigest()
    return f"{feed_url}#sha256:{digest}"


def draft_article(
    item: FeedItem, feed_url: str, feed_link: str | None, matcher: ThemeMatcher
) -> tuple[ArticleDraft, frozenset[str]]:
    """The article to store for an item and its themes; raises UnusableItem for an empty one."""
    base = _absolute_url(feed_link, feed_url) or feed_url
    link = clean_link(_absolute_url(item.link, base))
    summary_source = item.summary if item.summary_is_html else plain_to_html(item.summary)
    summary_html = sanitise_html(summary_source, base_url=link or item.base_url or base)
    title_source = item.title if item.title_is_html else plain_to_html(item.title)
    title = (plain_summary(title_source, TITLE_LIMIT)
             or plain_summary(summary_html, UNTITLED_TITLE_LIMIT) or link)
    if not title:
        raise UnusableItem("an item with no title, link or text was skipped")
    draft = ArticleDraft(
        guid=_guid(item, link, feed_url, title, summary_html),
        link=link,
        title=title,
        summary_html=summary_html,
        published_at=item.published,
        feed_url=feed_url,
    )
    themes = matcher.assign(item.categories, f"{title}\n{html_to_plain(summary_html)}")
    return draft, themes


async def store_items(
    db: Database, feed_url: str, feed: ParsedFeed, matcher: ThemeMatcher, now: datetime
) -> StoredItems:
    """Store a parsed feed's items; one repeated or edited on the website is stored once."""
    stored = StoredItems()
    for item in feed.items:
        try:
            draft, themes = draft_article(item, feed_url, feed.link, matcher)
        except UnusableItem as reason:
            stored.skipped.append(str(reason))
            continue
        stored.count(await articles.upsert_article(db, draft, themes, now))
    return stored


def _next_state(state: FeedState, result: FetchResult, now: datetime) -> FeedState:
    """Validators change only with a feed we stored, or a failed store would be skipped forever."""
    ok = result.status is FetchStatus.OK
    return FeedState(
        url=state.url,
        etag=result.etag if ok else state.etag,
        last_modified=result.last_modified if ok else state.last_modified,
        last_fetched_at=now,
        last_status=result.status.value,
        last_error=result.error,
        body_sha256=result.body_sha256 if ok else state.body_sha256,
    )


async def _ingest_one(
    db: Database, client: httpx.AsyncClient, url: str, matcher: ThemeMatcher,
    time_limit: float, clock: Clock,
) -> FeedReport:
    state = await articles.get_feed_state(db, url)
    result = await fetch_feed(client, url, state, time_limit=time_limit)
    now = clock()
    async with db.transaction():
        stored = StoredItems()
        if result.feed is not None:
            stored = await store_items(db, url, result.feed, matcher, now)
        await articles.save_feed_state(db, _next_state(state, result, now))
        warnings = [*result.warnings, *stored.skipped]
        await articles.record_feed_problems(db, url, "warning", warnings, now)
        if result.error:
            await articles.record_feed_problems(db, url, "error", [result.error], now)
    return FeedReport(
        url, result.status, stored.new, stored.updated, stored.unchanged, len(stored.skipped),
        warnings, result.error, result.feed.title if result.feed else None,
    )


async def _guarded(
    db: Database, client: httpx.AsyncClient, url: str, matcher: ThemeMatcher,
    time_limit: float, clock: Clock,
) -> FeedReport:
    """A bug met on one feed's content must not stop the other feeds from being read."""
    try:
        return await _ingest_one(db, client, url, matcher, time_limit, clock)
    except Exception as error:
        log.exception("ingesting feed %s failed", url)
        return FeedReport(url, FetchStatus.ERROR, error=f"internal error: {error!r}")


@asynccontextmanager
async def _http_client(
    client: httpx.AsyncClient | None, config: FeedConfig
) -> AsyncIterator[httpx.AsyncClient]:
    if client is not None:
        yield client
        return
    async with httpx.AsyncClient(timeout=config.timeout_seconds, follow_redirects=True) as own:
        yield own


async def ingest_feeds(
    db: Database, config: FeedConfig, themes: Sequence[ThemeLike], *,
    client: httpx.AsyncClient | None = None, clock: Clock = utcnow,
) -> IngestReport:
    """Fetch every configured feed once, in order, storing new and edited articles."""
    matcher = ThemeMatcher.build(themes, config.keywords)
    async with _http_client(client, config) as http:
        reports = [
            await _guarded(db, http, str(url), matcher, config.timeout_seconds, clock)
            for url in config.urls
        ]
    return IngestReport(reports)
