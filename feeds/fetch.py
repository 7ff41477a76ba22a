"""Fetching one RSS/Atom feed politely and reading its items.

Polite means a conditional GET (the stored ETag and Last-Modified), so an unchanged feed costs
the website one 304. A server that ignores those sends the same bytes again: their hash matches
the one stored with the last read, and the feed counts as not modified without being parsed.
Every way a fetch can fail ends in a :class:`FetchResult` whose ``error`` says what happened in
words an officer can act on; nothing here raises for a bad feed, and nothing here touches
stored articles, so a failed fetch can never lose any.

feedparser reads the bytes we downloaded, never a URL: the HTTP side (timeouts, redirects,
size limit) stays under our control. Relative links are left for ingestion to resolve.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
import xml.sax
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from db.articles import FeedState
from db.records import FetchStatus

MAX_FEED_BYTES = 5 * 1024 * 1024
USER_AGENT = "linkedup-bot (feed reader for the Linked-up network bulletin)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
)


@dataclass(frozen=True)
class FeedItem:
    """One entry as the feed gave it; title and summary are HTML only when flagged so."""

    guid: str | None
    link: str | None
    title: str
    title_is_html: bool
    summary: str
    summary_is_html: bool
    published: datetime | None
    categories: tuple[str, ...]
    base_url: str | None  # the xml:base in force for the summary, if the feed gave one


@dataclass(frozen=True)
class ParsedFeed:
    link: str | None = None
    title: str | None = None
    items: list[FeedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # why the document is not a feed at all


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: FetchStatus
    feed: ParsedFeed | None = None
    etag: str | None = None  # validators of a successful fetch, for the next conditional GET
    last_modified: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    body_sha256: str | None = None


class _TooLarge(Exception):
    pass


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _moment(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    return None


def _summary(entry: Any) -> tuple[str, Any]:
    """The short description when there is one, else the full content: bulletins want short."""
    if _text(entry.get("summary")):
        return entry["summary"], entry.get("summary_detail") or {}
    for content in entry.get("content") or []:
        if _text(content.get("value")):
            return content["value"], content
    return "", {}


def _is_html(detail: Any) -> bool:
    """feedparser marks plain text; anything else (RSS descriptions included) is HTML."""
    return not detail or detail.get("type") != "text/plain"


def _item(entry: Any) -> FeedItem:
    summary, summary_detail = _summary(entry)
    tags = entry.get("tags") or []
    categories = [_text(tag.get(key)) for tag in tags for key in ("term", "label")]
    return FeedItem(
        guid=_text(entry.get("id")) or None,
        link=_text(entry.get("link")) or None,
        title=_text(entry.get("title")),
        title_is_html=_is_html(entry.get("title_detail")),
        summary=summary,
        summary_is_html=_is_html(summary_detail),
        published=_moment(entry),
        categories=tuple(dict.fromkeys(c for c in categories if c)),
        base_url=_text(summary_detail.get("base")) or None,
    )


def _describe(problem: Exception) -> str:
    if isinstance(problem, xml.sax.SAXParseException):
        line, column = problem.getLineNumber(), problem.getColumnNumber()
        return f"line {line}, column {column}: {problem.getMessage()}"
    return str(problem) or type(problem).__name__


def _looks_like_html(body: bytes, content_type: str | None) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:100].lower()
    media_type = (content_type or "").lower()
    html_type = "html" in media_type and "xhtml" not in media_type
    return html_type or start.startswith((b"<!doctype html", b"<html"))


def parse_feed(body: bytes, *, content_type: str | None = None) -> ParsedFeed:
    """Read a downloaded document.

    feedparser is not told the document's URL, so it resolves relative links only against an
    explicit xml:base; the rest are resolved later against the item's own link, which is what
    a website's relative links are written against.
    """
    if not body.strip():
        return ParsedFeed(error="the server sent an empty response instead of a feed")
    try:
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers={"content-type": content_type or "application/xml"}
        )
    except Exception as error:  # feedparser's fallback parser can still raise on hostile input
        return ParsedFeed(error=f"the feed could not be read ({type(error).__name__}: {error})")
    items = [_item(entry) for entry in parsed.entries]
    problem = _describe(parsed["bozo_exception"]) if parsed.get("bozo") else None
    if not items and not parsed.get("version"):
        if _looks_like_html(body, content_type):
            return ParsedFeed(error="the server sent a web page, not an RSS or Atom feed")
        reason = problem or "no items and no RSS, Atom or RDF structure found"
        return ParsedFeed(error=f"not an RSS or Atom feed ({reason})")
    warnings = []
    if problem:
        kept = f"kept the {len(items)} items that could be read" if items else "no items read"
        warnings.append(f"the feed has errors ({problem}); {kept}")
    return ParsedFeed(link=_text(parsed.feed.get("link")) or None,
                      title=" ".join(_text(parsed.feed.get("title")).split()) or None,
                      items=items, warnings=warnings)


def _conditional_headers(state: FeedState | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if state and state.etag:
        headers["If-None-Match"] = state.etag
    if state and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


async def _download(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> tuple[httpx.Response, bytes]:
    """The response and, for a 2xx, its body; the size cap protects a small server's memory."""
    async with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
        if not response.is_success:
            return response, b""
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > MAX_FEED_BYTES:
                raise _TooLarge
        return response, bytes(body)


def _moved_warning(response: httpx.Response) -> list[str]:
    if any(step.status_code in (301, 308) for step in response.history):
        return [f"the feed has moved permanently to {response.url}; update [feed] urls"]
    return []


async def _classify(
    url: str, response: httpx.Response, body: bytes, state: FeedState | None
) -> FetchResult:
    if response.status_code == 304:
        return FetchResult(url, FetchStatus.NOT_MODIFIED)
    warnings = _moved_warning(response)
    if not response.is_success:
        error = f"the server answered HTTP {response.status_code} {response.reason_phrase}"
        return FetchResult(url, FetchStatus.NOT_A_FEED, error=error.strip(), warnings=warnings)
    digest = hashlib.sha256(body).hexdigest()
    if state is not None and state.body_sha256 == digest:
        return FetchResult(url, FetchStatus.NOT_MODIFIED, warnings=warnings)
    feed = await asyncio.to_thread(
        parse_feed, body, content_type=response.headers.get("content-type")
    )
    warnings += feed.warnings
    if feed.error:
        return FetchResult(url, FetchStatus.NOT_A_FEED, error=feed.error, warnings=warnings)
    return FetchResult(
        url, FetchStatus.OK, feed=feed, etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"), warnings=warnings,
        body_sha256=digest,
    )


def _failure(url: str, error: str) -> FetchResult:
    return FetchResult(url, FetchStatus.ERROR, error=error)


async def fetch_feed(
    client: httpx.AsyncClient, url: str, state: FeedState | None = None,
    *, time_limit: float | None = None,
) -> FetchResult:
    """Fetch and read one feed; time_limit (seconds) bounds the whole download.

    The client's own timeouts bound each connect and read, but a server trickling bytes
    would pass those forever; time_limit is what keeps a scheduled fetch finite.
    """
    try:
        async with asyncio.timeout(time_limit):
            response, body = await _download(client, url, _conditional_headers(state))
    except (TimeoutError, httpx.TimeoutException):
        limit = f" within {time_limit:g} seconds" if time_limit is not None else ""
        return _failure(url, f"the server did not answer{limit} (timed out)")
    except _TooLarge:
        return _failure(url, f"the feed is larger than {MAX_FEED_BYTES // 2**20} MB")
    except httpx.TooManyRedirects:
        return _failure(url, "the feed URL redirects too many times")
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        return _failure(url, f"the feed URL is not valid ({error})")
    except httpx.HTTPError as error:
        detail = str(error) or type(error).__name__
        return _failure(url, f"could not reach the server ({detail})")
    return await _classify(url, response, body, state)
