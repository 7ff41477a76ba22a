"""One story is one article: the website's RSS and the partners' Atom feed carry the same stories
under other GUIDs and with their links dressed by mailing tools, and a member reads each once.

A month of 30 articles on the main feed, 10 on the partners' feed (8 of them the same stories),
served over loopback HTTP and read through the fake Bot API as the member and officer see them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from db import articles as articles_repo
from db.database import Database
from db.migrate import available_migrations
from db.themes import Theme
from feeds.ingest import ingest_feeds
from settings.config import Config, FeedConfig
from tests.fakes.feed_site import FeedServer, atom, atom_entry, rss, rss_item
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import SimUser
from tests.flows import fetch, join, open_fetched_draft
from tests.harness import ADMIN_ID, FakeClock, make_config, running_bot
from tests.test_bulletin import send_to_one_member

CATEGORIES = ["Youth provision", "Funding", "Training and events", "Mental health and wellbeing"]
SHARED = (3, 5, 7, 9, 12, 15, 18, 21)
"""The stories the partners' feed carries too."""
BOOKING = "https://anytown.example/book/"


def title(n: int) -> str:
    return f"Story {n:02d} of October"


def main_link(n: int) -> str:
    return "https://anytown.example/?p=7&lang=en" if n == 7 else f"https://anytown.example/{n}/"


PARTNER_LINKS = {
    3: "http://www.anytown.example/3/?utm_source=partners&utm_medium=feed&utm_campaign=oct#more",
    5: "https://anytown.example/5?mc_cid=4f1d2a&mc_eid=9c8b7a",
    7: "http://www.anytown.example/?lang=en&utm_source=partners&p=7",
    12: "https://www.anytown.example/12/?fbclid=IwAR0xyz",
    15: "https://anytown.example/15/?gclid=EAIaIQobChMI&ref=partners",
    18: "HTTPS://AnyTown.example:443/18/#comments",
    21: "https://anytown.example/21/?utm_content=button",
}
"""Story 9 reaches the partners' feed without a link: its title and date must do."""


def day(n: int) -> int:
    return n % 28 + 3


def main_feed() -> str:
    """30 articles of October 2026; two distinct events share one booking page."""
    items = []
    for n in range(1, 31):
        link, headline = main_link(n), title(n)
        if n in (27, 28):
            link = BOOKING
            headline = {27: "Parenting course, 4 November", 28: "First aid course, 11 November"}[n]
        items.append(rss_item(
            f"https://anytown.example/?p={100 + n}", headline, link=link.replace("&", "&amp;"),
            description=f"<p>News number {n} for the network, in a few words.</p>",
            categories=(CATEGORIES[n % 4],), date=f"Thu, {day(n):02d} Oct 2026 10:00:00 +0000"))
    return rss(*items)


def partner_feed(edited: dict[int, str] | None = None) -> str:
    """The same stories a day later, GUIDs of the partners' own, tagged Funding; two of its own."""
    edited = edited or {}
    entries = [
        atom_entry(f"tag:partners.linkedup.example,2026:{n}",
                   edited.get(n, title(n).upper() if n == 9 else title(n)),
                   link=PARTNER_LINKS.get(n),
                   summary=f"<p>Shared by partners: news number {n}"
                           f"{' (updated)' if n in edited else ''}.</p>",
                   categories=("Funding",), published=f"2026-10-{day(n) + 1:02d}T09:00:00Z")
        for n in SHARED
    ]
    entries += [
        atom_entry(f"tag:partners.linkedup.example,2026:own-{n}", f"Partners' own news {n}",
                   link=f"https://partners.linkedup.example/news/{n}", categories=("Funding",),
                   summary="<p>From a partner.</p>", published=f"2026-10-{10 + n}T09:00:00Z")
        for n in (1, 2)
    ]
    return atom(*entries)


@pytest.fixture
def two_feeds(tmp_path: Path, tg: FakeTelegram, feed_server: FeedServer) -> Config:
    feed_server.serve("/feed/", main_feed())
    feed_server.serve("/partners.atom", partner_feed(), content_type="application/atom+xml")
    return make_config(tmp_path, tg, feed={"urls": [feed_server.url("/feed/"),
                                                    feed_server.url("/partners.atom")]})


async def send_draft(admin: SimUser, member: SimUser) -> str:
    return "\n".join(m.content or "" for m in await send_to_one_member(admin, member))


async def test_a_story_on_two_feeds_reaches_a_member_once(
    tg: FakeTelegram, two_feeds: Config, clock: FakeClock
) -> None:
    async with running_bot(two_feeds, clock):
        member = tg.user()
        await join(member)
        await member.press("⬜ Funding")
        await member.wait_for_message()
        admin = tg.user(user_id=ADMIN_ID)
        draft = await open_fetched_draft(admin, 32)  # 30 + the partners' own 2
        for n in SHARED:
            assert (draft.content or "").count(title(n)) == 1, n
        text = await send_draft(admin, member)

    for n in SHARED:
        assert text.lower().count(title(n).lower()) == 1, n
    assert "Parenting course, 4 November" in text and "First aid course, 11 November" in text
    assert "Partners' own news 2" in text
    # A shared story carries the partners' theme too: under the member's Funding, named once.
    block = text[text.index(title(18)):].split("\n")
    assert block[2] == "Also under Training and events"
    assert text.index("▸ Funding") < text.index(title(18)) < text.index("Also this month")
    assert "utm_" not in text and "fbclid" not in text


async def test_an_edit_on_the_second_feed_updates_the_one_article(
    tg: FakeTelegram, two_feeds: Config, clock: FakeClock, feed_server: FeedServer
) -> None:
    async with running_bot(two_feeds, clock):
        member = tg.user()
        await join(member)
        admin = tg.user(user_id=ADMIN_ID)
        await fetch(admin)
        feed_server.serve("/partners.atom", partner_feed({15: "Story 15 of October: new date"}),
                          content_type="application/atom+xml")
        report = await fetch(admin)
        assert "Linked-up partners: 0 new, 1 updated, 9 unchanged" in report
        await admin.send("/bulletin")
        draft = (await admin.wait_for_text("32 articles")).content or ""
        assert draft.count("Story 15 of October") == 1 and "October: new date" in draft
        text = await send_draft(admin, member)

    assert text.count("Story 15 of October") == 1
    edited = text[text.index("Story 15 of October: new date"):].split("\n")
    assert edited[1] == "Shared by partners: news number 15 (updated)."


async def test_an_article_on_several_themes_is_listed_once_in_the_draft(
    tg: FakeTelegram, two_feeds: Config, clock: FakeClock
) -> None:
    async with running_bot(two_feeds, clock):
        admin = tg.user(user_id=ADMIN_ID)
        draft = (await open_fetched_draft(admin, 32)).content or ""

    line = next(line for line in draft.split("\n") if title(18) in line)
    assert line.endswith(f"{title(18)} (also under Training and events)")
    numbers = [line.split(". ")[0] for line in draft.split("\n") if ". " in line]
    assert numbers == [str(n) for n in range(1, 33)]  # each article one number


# --- An existing database, stored before stories were merged ----------------------------------

OLD = datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
THEMES = [Theme("funding", "Funding", ""), Theme("youth", "Youth provision", ""),
          Theme("training", "Training and events", "")]


async def old_database(path: Path) -> aiosqlite.Connection:
    """A database file as the bot left it before migration 0014."""
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    await conn.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    for migration in available_migrations():
        if migration.version < 14:
            await conn.executescript(migration.sql)
            await conn.execute("INSERT INTO schema_migrations VALUES (?, ?)",
                               (migration.version, migration.name))
    await conn.execute("PRAGMA user_version = 13")
    return conn


async def old_article(conn: aiosqlite.Connection, guid: str, headline: str, link: str | None,
                      published: int, theme: str) -> int:
    cursor = await conn.execute(
        "INSERT INTO articles (guid, link, title, summary_html, published_at, updated_at,"
        " feed_url, content_hash) VALUES (?, ?, ?, '<p>News.</p>', ?, ?, 'x', ?)",
        (guid, link, headline, f"2026-10-{published:02d}T10:00:00+00:00",
         OLD.isoformat(), f"hash-{guid}"))
    article_id = int(cursor.lastrowid or 0)
    await conn.execute("INSERT INTO article_themes VALUES (?, ?)", (article_id, theme))
    return article_id


async def fill_old_month(conn: aiosqlite.Connection) -> dict[str, int]:
    """The main feed's 30 stories, the partners' copies of 8 (stored twice, as before), a
    bulletin that went out with both copies, reads of both, and a draft holding both."""
    ids: dict[str, int] = {}
    for n in range(1, 31):
        link = BOOKING if n in (27, 28) else main_link(n)
        headline = {27: "Parenting course", 28: "First aid course"}.get(n, title(n))
        ids[f"main-{n}"] = await old_article(conn, f"main-{n}", headline, link, day(n), "youth")
    for n in SHARED:
        ids[f"partner-{n}"] = await old_article(
            conn, f"partner-{n}", title(n).upper() if n == 9 else title(n),
            PARTNER_LINKS.get(n), day(n) + 1, "funding")
    for number in range(1, 4):
        await conn.execute(
            "INSERT INTO members (telegram_id, chat_id, organisation, contact_name, joined_at,"
            " updated_at) VALUES (?, ?, 'Org', 'Sam', ?, ?)",
            (number, number, OLD.isoformat(), OLD.isoformat()))
    await conn.execute(
        "INSERT INTO bulletins (id, title, period_start, status, created_at, sent_at)"
        " VALUES (1, 'October', '2026-10-01T00:00:00+00:00', 'sent', ?, ?)",
        (OLD.isoformat(), OLD.isoformat()))
    await conn.execute(
        "INSERT INTO bulletins (id, title, period_start, status, created_at)"
        " VALUES (2, 'November', '2026-10-30T00:00:00+00:00', 'draft', ?)", (OLD.isoformat(),))
    for position, article_id in enumerate(ids.values()):
        await conn.execute("INSERT INTO bulletin_items VALUES (1, ?, ?, 0)",
                           (article_id, position))
    await conn.execute("INSERT INTO bulletin_items VALUES (2, ?, 0, 1)", (ids["main-21"],))
    await conn.execute("INSERT INTO bulletin_items VALUES (2, ?, 1, 0)", (ids["partner-21"],))
    for member, key in ((1, "main-3"), (2, "partner-3"), (3, "partner-5"), (1, "partner-12")):
        await conn.execute(
            "INSERT INTO article_reads (bulletin_id, article_id, member_id, read_at)"
            " VALUES (1, ?, ?, ?)", (ids[key], member, OLD.isoformat()))
    return ids


async def test_migration_merges_stored_copies_keeping_reads_and_bulletin_items(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    path = tmp_path / "linkedup.sqlite3"
    conn = await old_database(path)
    try:
        ids = await fill_old_month(conn)
    finally:
        await conn.close()

    db = await Database.open(path)
    try:
        stored = await articles_repo.list_published_since(db, datetime(2026, 1, 1, tzinfo=UTC))
        assert len(stored) == 30
        assert {a.title for a in stored} >= {"Parenting course", "First aid course"}
        kept = {a.id: a for a in stored}
        for n in SHARED:
            assert ids[f"main-{n}"] in kept
            assert kept[ids[f"main-{n}"]].themes == ("funding", "youth")
            assert await articles_repo.current_id(db, ids[f"partner-{n}"]) == ids[f"main-{n}"]
        assert "utm_" not in (kept[ids["main-3"]].link or "")

        reads = await db.fetch_all(
            "SELECT member_id, article_id FROM article_reads ORDER BY member_id, article_id")
        assert [tuple(r) for r in reads] == [
            (1, ids["main-3"]), (1, ids["main-12"]), (2, ids["main-3"]), (3, ids["main-5"])]
        sent = await db.fetch_all(
            "SELECT article_id FROM bulletin_items WHERE bulletin_id = 1 AND dropped = 0")
        assert sorted(r[0] for r in sent) == sorted(kept)
        draft = await db.fetch_all("SELECT article_id, dropped FROM bulletin_items"
                                   " WHERE bulletin_id = 2")
        assert [tuple(r) for r in draft] == [(ids["main-21"], 0)]  # one copy was kept

        feed_server.serve("/feed/", main_feed())
        feed_server.serve("/partners.atom", partner_feed(), content_type="application/atom+xml")
        config = FeedConfig.model_validate(
            {"urls": [feed_server.url("/feed/"), feed_server.url("/partners.atom")]})
        report = await ingest_feeds(db, config, THEMES, clock=lambda: OLD)
        assert [feed.new for feed in report.feeds] == [2, 2]  # the two renamed courses; own two
        assert len(await articles_repo.list_published_since(
            db, datetime(2026, 1, 1, tzinfo=UTC))) == 34
    finally:
        await db.close()
