"""Feed fetching and ingestion against real HTTP on loopback (aiohttp), never a mocked httpx.

Each test serves feeds from an aiohttp app on 127.0.0.1 (a free port) in the test's own event
loop; what a route answers can change between fetches, which is how edits, outages and 304s
are staged.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from db import articles
from db.database import Database
from db.themes import Theme
from feeds import fetch as feeds_module
from feeds.fetch import FetchStatus, fetch_feed, parse_feed
from feeds.ingest import IngestReport, ingest_feeds
from feeds.themes import ThemeMatcher
from settings.config import FeedConfig
from tests.fakes.feed_site import FeedServer, rss, rss_item
from tests.fakes.telegram_html import parse_html

THEMES = [
    Theme("safeguarding", "Safeguarding", ""),
    Theme("early-help", "Early help", ""),
    Theme("send", "SEND and the Local Offer", ""),
    Theme("vacancies", "Vacancies and volunteering", ""),
    Theme("funding", "Funding", ""),
]
KEYWORDS = {"vacancies": ["vacancy", "we are recruiting"], "funding": ["grant"]}
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
REBUILT = "<lastBuildDate>Mon, 02 Jun 2025 12:00:00 +0000</lastBuildDate>"
"""A channel element that changes the feed's bytes, not its items, so it is read again."""


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.sqlite3")
    yield database
    await database.close()


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://family.example/blog/">
  <title>Family hub blog</title>
  <link href="https://family.example/blog/"/>
  <id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>
  <updated>2025-06-03T12:00:00Z</updated>
  <entry>
    <title type="html">Early help &lt;em&gt;drop-in&lt;/em&gt; sessions</title>
    <link href="posts/drop-in"/>
    <id>tag:family.example,2025:drop-in</id>
    <published>2025-06-03T08:30:00+01:00</published>
    <updated>2025-06-03T12:00:00Z</updated>
    <category term="early-help" label="Early Help"/>
    <content type="html">
      &lt;p&gt;Come to the &lt;a href="/hub"&gt;hub&lt;/a&gt;.&lt;/p&gt;
    </content>
  </entry>
  <entry>
    <title>Plain &amp; simple</title>
    <link href="https://family.example/blog/posts/plain"/>
    <id>tag:family.example,2025:plain</id>
    <updated>2025-06-04T09:00:00Z</updated>
    <summary type="text">Text with &lt;b&gt; that is not a tag</summary>
  </entry>
</feed>"""


async def ingest(db: Database, *urls: str, clock: Callable[[], datetime] = lambda: T0,
                 time_limit: float = 5.0) -> IngestReport:
    config = FeedConfig.model_validate(
        {"urls": list(urls), "timeout_seconds": time_limit, "keywords": KEYWORDS})
    return await ingest_feeds(db, config, THEMES, clock=clock)


async def stored(db: Database) -> list[articles.Article]:
    return await articles.list_published_since(db, datetime(2000, 1, 1, tzinfo=UTC))


async def test_rss_feed_is_stored_sanitised_and_themed(
    feed_server: FeedServer, db: Database
) -> None:
    feed_server.serve("/rss.xml", rss(
        rss_item("post-1", "Safeguarding training dates", link="https://www.linkedup.example/a",
                 description='<p onclick="x()">Book via <a href="/training">our page</a>'
                             "<script>evil()</script></p>",
                 categories=("Safeguarding", "News")),
        rss_item("post-2", "Youth worker vacancy", link="https://www.linkedup.example/b",
                 description="We are recruiting &amp; a <b>small grant</b> is available"),
        rss_item("post-3", "Summer picnic", link="https://www.linkedup.example/c",
                 date="Tue, 03 Jun 2025 09:00:00 GMT"),
    ))
    report = await ingest(db, feed_server.url("/rss.xml"))

    [feed] = report.feeds
    assert (feed.status, feed.new, feed.updated, feed.unchanged, feed.error) == (
        FetchStatus.OK, 3, 0, 0, None)
    first, second, third = await stored(db)
    assert first.title == "Safeguarding training dates"
    assert first.published_at == datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    assert first.summary_html == (
        'Book via <a href="https://www.linkedup.example/training">our page</a>')
    assert first.themes == ("safeguarding",)
    assert second.themes == ("funding", "vacancies")
    assert second.summary_html == "We are recruiting &amp; a <b>small grant</b> is available"
    assert third.themes == ()
    assert [a.title for a in await articles.list_uncategorised(db)] == ["Summer picnic"]
    for article in (first, second, third):
        parse_html(article.summary_html)


async def test_atom_feed_with_relative_links_and_typed_text(
    feed_server: FeedServer, db: Database
) -> None:
    feed_server.serve("/atom.xml", ATOM, content_type="application/atom+xml")
    report = await ingest(db, feed_server.url("/atom.xml"))

    assert report.feeds[0].new == 2
    drop_in, plain = await stored(db)
    assert drop_in.title == "Early help drop-in sessions"
    assert drop_in.link == "https://family.example/blog/posts/drop-in"
    assert drop_in.guid == "tag:family.example,2025:drop-in"
    assert drop_in.summary_html == 'Come to the <a href="https://family.example/hub">hub</a>.'
    assert drop_in.published_at == datetime(2025, 6, 3, 7, 30, tzinfo=UTC)
    assert drop_in.themes == ("early-help",)
    assert plain.title == "Plain & simple"
    assert plain.summary_html == "Text with &lt;b&gt; that is not a tag"


@pytest.mark.parametrize("validator", ["etag", "last-modified"])
async def test_conditional_get_gets_a_304_and_changes_nothing(
    feed_server: FeedServer, db: Database, validator: str
) -> None:
    etag, modified = '"v1-abc"', "Sun, 01 Jun 2025 08:00:00 GMT"
    body = rss(rss_item("p1", "One", link="https://x.example/1")).encode()

    async def handler(request: web.Request) -> web.Response:
        if validator == "etag" and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        if validator == "last-modified" and request.headers.get("If-Modified-Since") == modified:
            return web.Response(status=304)
        header = {"ETag": etag} if validator == "etag" else {"Last-Modified": modified}
        return web.Response(body=body, content_type="application/rss+xml", headers=header)

    feed_server.routes["/feed"] = handler
    first = await ingest(db, feed_server.url("/feed"))
    second = await ingest(db, feed_server.url("/feed"), clock=lambda: T0 + timedelta(hours=1))

    assert first.feeds[0].new == 1
    assert second.feeds[0].status is FetchStatus.NOT_MODIFIED
    assert (second.feeds[0].new, second.feeds[0].unchanged) == (0, 0)
    sent = feed_server.headers_of("/feed")[1]
    if validator == "etag":
        assert sent["If-None-Match"] == etag and "If-Modified-Since" not in sent
    else:
        assert sent["If-Modified-Since"] == modified and "If-None-Match" not in sent
    state = await articles.get_feed_state(db, feed_server.url("/feed"))
    assert (state.etag or state.last_modified) in (etag, modified)
    assert state.last_status == "not-modified"
    assert state.last_fetched_at == T0 + timedelta(hours=1)
    assert len(await stored(db)) == 1


async def test_a_server_without_validators_sending_the_same_feed_is_not_re_read(
    feed_server: FeedServer, db: Database
) -> None:
    feed_server.serve("/feed", rss(rss_item("p1", "One", link="https://x.example/1")))
    first = await ingest(db, feed_server.url("/feed"))
    again = await ingest(db, feed_server.url("/feed"), clock=lambda: T0 + timedelta(hours=1))
    feed_server.serve("/feed", rss(rss_item("p1", "One, edited", link="https://x.example/1")))
    edited = await ingest(db, feed_server.url("/feed"), clock=lambda: T0 + timedelta(hours=2))

    assert (first.feeds[0].status, first.feeds[0].new) == (FetchStatus.OK, 1)
    assert again.feeds[0].status is FetchStatus.NOT_MODIFIED
    assert (again.feeds[0].new, again.feeds[0].unchanged) == (0, 0)
    assert (edited.feeds[0].status, edited.feeds[0].updated) == (FetchStatus.OK, 1)
    [article] = await stored(db)
    assert article.title == "One, edited"


async def test_repeated_items_are_stored_once_by_guid(
    feed_server: FeedServer, db: Database
) -> None:
    item = rss_item("urn:linkedup:42", "Funding round opens", link="https://x.example/42")
    feed_server.serve("/a.xml", rss(item))
    feed_server.serve("/b.xml", rss(item.replace("Funding round", "Funding round")))
    first = await ingest(db, feed_server.url("/a.xml"), feed_server.url("/b.xml"))
    feed_server.serve("/a.xml", rss(item, extra=REBUILT))
    again = await ingest(db, feed_server.url("/a.xml"))

    assert [(f.new, f.unchanged) for f in first.feeds] == [(1, 0), (0, 1)]
    assert (again.feeds[0].new, again.feeds[0].unchanged) == (0, 1)
    assert len(await stored(db)) == 1


async def test_bare_numeric_guids_are_scoped_to_their_feed(
    feed_server: FeedServer, db: Database
) -> None:
    feed_server.serve("/a.xml", rss(rss_item("7", "From A", link="https://a.example/7")))
    feed_server.serve("/b.xml", rss(rss_item("7", "From B", link="https://b.example/7")))
    report = await ingest(db, feed_server.url("/a.xml"), feed_server.url("/b.xml"))

    assert [f.new for f in report.feeds] == [1, 1]
    assert sorted(a.title for a in await stored(db)) == ["From A", "From B"]


async def test_items_without_guid_or_with_a_changed_guid_dedupe_by_link(
    feed_server: FeedServer, db: Database
) -> None:
    feed_server.serve("/feed", rss(rss_item(None, "No guid", link="https://x.example/no-guid"),
                              rss_item("old-scheme-1", "Moved", link="https://x.example/moved")))
    await ingest(db, feed_server.url("/feed"))
    feed_server.serve("/feed", rss(rss_item(None, "No guid", link="https://x.example/no-guid"),
                              rss_item("https://x.example/?p=1", "Moved",
                                       link="https://x.example/moved")))
    report = await ingest(db, feed_server.url("/feed"))

    assert (report.feeds[0].new, report.feeds[0].unchanged) == (0, 2)
    no_guid, moved = await stored(db)
    assert no_guid.guid == "https://x.example/no-guid"
    assert moved.guid == f"{feed_server.url('/feed')}#old-scheme-1"


async def test_distinct_items_sharing_a_link_stay_distinct(
    feed_server: FeedServer, db: Database
) -> None:
    booking = "https://x.example/book"
    feed_server.serve("/feed", rss(rss_item("e1", "Parenting course", link=booking),
                              rss_item("e2", "First aid course", link=booking)))
    first = await ingest(db, feed_server.url("/feed"))
    feed_server.serve("/feed", rss(rss_item("e1", "Parenting course", link=booking),
                              rss_item("e2", "First aid course", link=booking), extra=REBUILT))
    again = await ingest(db, feed_server.url("/feed"))

    assert (first.feeds[0].new, again.feeds[0].unchanged, again.feeds[0].updated) == (2, 2, 0)
    assert len(await stored(db)) == 2


async def test_an_edited_item_updates_its_article(
    feed_server: FeedServer, db: Database
) -> None:
    feed_server.serve("/feed", rss(rss_item("p1", "Draft title", link="https://x.example/1",
                                       description="Old text", categories=("Funding",))))
    await ingest(db, feed_server.url("/feed"))
    [before] = await stored(db)
    feed_server.serve("/feed", rss(rss_item("p1", "Final title", link="https://x.example/1",
                                       description="New text about a vacancy")))
    later = T0 + timedelta(days=1)
    report = await ingest(db, feed_server.url("/feed"), clock=lambda: later)

    assert (report.feeds[0].new, report.feeds[0].updated) == (0, 1)
    [after] = await stored(db)
    assert after.id == before.id
    assert (after.title, after.summary_html) == ("Final title", "New text about a vacancy")
    assert after.themes == ("vacancies",)
    assert after.updated_at == later and after.content_hash != before.content_hash
    assert after.published_at == before.published_at


async def test_undated_items_keep_their_first_seen_date(
    feed_server: FeedServer, db: Database
) -> None:
    item = "<item><title>Undated</title><link>https://x.example/u</link></item>"
    feed_server.serve("/feed", rss(item))
    await ingest(db, feed_server.url("/feed"))
    feed_server.serve("/feed", rss(item, extra=REBUILT))
    report = await ingest(db, feed_server.url("/feed"), clock=lambda: T0 + timedelta(days=3))

    assert report.feeds[0].unchanged == 1
    [article] = await stored(db)
    assert article.published_at == T0


async def test_a_bozo_feed_keeps_what_parsed_and_warns(
    feed_server: FeedServer, db: Database
) -> None:
    broken = rss(rss_item("g1", "Kept item", link="https://x.example/kept"),
                 rss_item("g2", "Also kept", link="https://x.example/2")).replace(
        "</channel></rss>", "<item><title>Broken & unterminated")
    feed_server.serve("/feed", broken)
    report = await ingest(db, feed_server.url("/feed"))

    [feed] = report.feeds
    assert feed.status is FetchStatus.OK
    assert feed.new >= 2
    assert any("the feed has errors" in warning for warning in feed.warnings)
    assert {"Kept item", "Also kept"} <= {a.title for a in await stored(db)}
    problems = await articles.recent_feed_problems(db)
    assert problems and problems[0].kind == "warning"


@pytest.mark.parametrize(("route", "status", "expected"), [
    ("html", FetchStatus.NOT_A_FEED, "web page, not an RSS or Atom feed"),
    ("empty", FetchStatus.NOT_A_FEED, "empty response"),
    ("500", FetchStatus.NOT_A_FEED, "HTTP 500 Internal Server Error"),
    ("404", FetchStatus.NOT_A_FEED, "HTTP 404 Not Found"),
    ("slow", FetchStatus.ERROR, "did not answer within 0.5 seconds (timed out)"),
    ("trickle", FetchStatus.ERROR, "did not answer within 0.5 seconds (timed out)"),
    ("xml", FetchStatus.NOT_A_FEED, "not an RSS or Atom feed"),
])
async def test_failures_are_clear_and_lose_no_articles(
    feed_server: FeedServer, db: Database, route: str, status: FetchStatus, expected: str
) -> None:
    feed_server.serve("/feed", rss(rss_item("g1", "Precious", link="https://x.example/p")),
                 headers={"ETag": '"good"'})
    await ingest(db, feed_server.url("/feed"))

    async def slow(request: web.Request) -> web.Response:
        await asyncio.wait_for(feed_server.release.wait(), timeout=10)
        return web.Response(text="too late")

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        while not feed_server.release.is_set():
            await response.write(b" ")
            await asyncio.sleep(0.05)
        return response

    if route == "html":
        feed_server.serve("/feed", "<!DOCTYPE html><html><body><h1>Oops</h1></body></html>",
                     content_type="text/html")
    elif route == "empty":
        feed_server.serve("/feed", b"")
    elif route in ("500", "404"):
        feed_server.serve("/feed", "<html>error</html>", status=int(route),
                          content_type="text/html")
    elif route == "xml":
        feed_server.serve("/feed", "<?xml version='1.0'?><config><setting>x</setting></config>",
                     content_type="application/xml")
    else:
        feed_server.routes["/feed"] = slow if route == "slow" else trickle

    started = asyncio.get_running_loop().time()
    report = await ingest(db, feed_server.url("/feed"), time_limit=0.5,
                          clock=lambda: T0 + timedelta(hours=1))
    assert asyncio.get_running_loop().time() - started < 5

    [feed] = report.feeds
    assert feed.status is status
    assert feed.error is not None and expected in feed.error
    assert report.failed == [feed]
    assert [a.title for a in await stored(db)] == ["Precious"]
    state = await articles.get_feed_state(db, feed_server.url("/feed"))
    assert (state.last_status, state.last_error, state.etag) == (status.value, feed.error,
                                                                 '"good"')
    problems = await articles.recent_feed_problems(db)
    assert (problems[0].kind, problems[0].detail) == ("error", feed.error)


async def test_an_unreachable_server_is_a_clear_error(db: Database) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = await ingest(db, f"http://127.0.0.1:{port}/feed")

    [feed] = report.feeds
    assert feed.status is FetchStatus.ERROR
    assert feed.error is not None and feed.error.startswith("could not reach the server")


async def test_an_oversized_feed_is_refused(
    feed_server: FeedServer, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds_module, "MAX_FEED_BYTES", 2**20)
    feed_server.serve("/feed", rss(rss_item("g", "Huge", description="word " * 300_000)))
    report = await ingest(db, feed_server.url("/feed"))

    assert report.feeds[0].status is FetchStatus.ERROR
    assert report.feeds[0].error == "the feed is larger than 1 MB"
    assert await stored(db) == []


@pytest.mark.parametrize(("code", "warns"), [(301, True), (308, True), (302, False)])
async def test_redirects_are_followed(
    feed_server: FeedServer, db: Database, code: int, warns: bool
) -> None:
    feed_server.serve("/new.xml", rss(rss_item("g1", "Moved item", link="https://x.example/m")))

    async def old(request: web.Request) -> web.Response:
        return web.Response(status=code, headers={"Location": "/new.xml"})

    feed_server.routes["/old.xml"] = old
    report = await ingest(db, feed_server.url("/old.xml"))

    [feed] = report.feeds
    assert (feed.status, feed.new) == (FetchStatus.OK, 1)
    moved = [w for w in feed.warnings if "moved permanently" in w]
    assert bool(moved) is warns
    if warns:
        assert feed_server.url("/new.xml") in moved[0]


async def test_one_failing_feed_does_not_stop_the_others(
    feed_server: FeedServer, db: Database
) -> None:
    feed_server.serve("/good.xml", rss(rss_item("g1", "Good", link="https://x.example/g")))
    feed_server.serve("/bad.xml", "nope", status=500, content_type="text/plain")
    report = await ingest(db, feed_server.url("/bad.xml"), feed_server.url("/good.xml"))

    assert [f.status for f in report.feeds] == [FetchStatus.NOT_A_FEED, FetchStatus.OK]
    assert report.new == 1 and len(report.failed) == 1


async def test_fetch_feed_sends_stored_validators_and_a_user_agent(feed_server: FeedServer) -> None:
    feed_server.serve("/feed", rss(), headers={"ETag": '"e2"', "Last-Modified": "Mon, 02 Jun 2025"})
    state = articles.FeedState(feed_server.url("/feed"), etag='"e1"',
                               last_modified="Sun, 01 Jun 2025")
    async with httpx.AsyncClient() as client:
        result = await fetch_feed(client, feed_server.url("/feed"), state, time_limit=5)

    assert (result.status, result.etag, result.last_modified) == (
        FetchStatus.OK, '"e2"', "Mon, 02 Jun 2025")
    assert result.feed is not None and result.feed.items == []
    [sent] = feed_server.headers_of("/feed")
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('"e1"', "Sun, 01 Jun 2025")
    assert sent["User-Agent"].startswith("linkedup-bot")


async def test_published_window_and_uncategorised_listing(
    feed_server: FeedServer, db: Database
) -> None:
    feed_server.serve("/feed", rss(
        rss_item("may", "May news", date="Sat, 31 May 2025 23:30:00 GMT"),
        rss_item("june", "June news", date="Sun, 01 Jun 2025 00:30:00 GMT", categories=("SEND",)),
        rss_item("july", "July news", date="Tue, 01 Jul 2025 00:00:00 GMT"),
    ))
    await ingest(db, feed_server.url("/feed"))
    june = datetime(2025, 6, 1, tzinfo=UTC)
    july = datetime(2025, 7, 1, tzinfo=UTC)

    in_june = await articles.list_published_since(db, june, july)
    assert [a.title for a in in_june] == ["June news"]
    assert in_june[0].themes == ("send",)
    assert [a.title for a in await articles.list_published_since(db, june)] == [
        "June news", "July news"]
    assert [a.title for a in await articles.list_uncategorised(db, since=june)] == ["July news"]


def test_themes_from_categories_match_slugs_and_titles() -> None:
    matcher = ThemeMatcher.build(THEMES, KEYWORDS)
    assert matcher.assign(["EARLY HELP", "early-help", "Send and the local offer"], "") == {
        "early-help", "send"}
    assert matcher.assign(["Safeguarding children", "News"], "") == frozenset()


def test_themes_from_keywords_need_whole_words() -> None:
    matcher = ThemeMatcher.build(THEMES, {**KEYWORDS, "unknown-theme": ["news"]})
    assert matcher.assign([], "New VACANCY: we are\nrecruiting") == {"vacancies"}
    assert matcher.assign([], "vacancyless grants") == frozenset()
    assert matcher.assign([], "Grant (small).") == {"funding"}
    assert matcher.assign(["Funding"], "news about a grant") == {"funding"}


async def test_relative_item_links_resolve_against_the_feed(
    feed_server: FeedServer, db: Database
) -> None:
    body = rss(rss_item("g", "Title", link="/relative/item", description="<a href='x'>x</a>"))
    assert parse_feed(body.encode()).items[0].link == "/relative/item"
    feed_server.serve("/feeds/main.xml", body.replace("https://www.linkedup.example/news/", ""))
    await ingest(db, feed_server.url("/feeds/main.xml"))

    [article] = await stored(db)
    assert article.link == feed_server.url("/relative/item")
    assert article.summary_html == f'<a href="{feed_server.url("/relative/x")}">x</a>'


def test_parse_feed_reports_not_a_feed_without_raising() -> None:
    assert parse_feed(b"  \n").error == "the server sent an empty response instead of a feed"
    assert parse_feed(b"\x00\xff\xfe garbage").error is not None
    assert parse_feed(b"<html><body>hi</body></html>").error == (
        "the server sent a web page, not an RSS or Atom feed")
    # expat rejects the surrogate reference, and feedparser's fallback parser then raises
    surrogate = b'<rss version="2.0"><channel><item><title>&#55296;</title></item></channel></rss>'
    assert (parse_feed(surrogate).error or "").startswith("the feed could not be read")
