"""A real month's bulletin as a member opens it and as the officer prepares it: 33 WordPress
articles over loopback HTTP, boilerplate and all, read through the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from db.database import Database
from settings.config import Config
from tests.fakes.feed_site import FeedServer, rss, rss_item
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import BotMessage, SimUser
from tests.flows import join, open_fetched_draft
from tests.harness import ADMIN_ID, FakeClock, make_config, running_bot
from tests.test_bulletin import send_bulletin, send_to_one_member
from tests.web_support import site, web_config

THEMES = ["Youth provision", "Funding", "Training and events", "Mental health and wellbeing"]
WORDPRESS_TAIL = (
    '<p>The post <a rel="nofollow" href="https://anytown.example/{n}/">{title}</a> appeared '
    'first on <a rel="nofollow" href="https://anytown.example">Anytown Community Network</a>.'
    "</p>"
)


def month_feed() -> str:
    """33 articles of October 2026, one of them on two themes, plus one from Easter 2025."""
    items = []
    for n in range(1, 34):
        title = f"October story {n}"
        categories: tuple[str, ...] = (THEMES[n % 4],)
        if n == 5:
            title, categories = "Holiday fund for youth clubs", ("Funding", "Youth provision")
        items.append(rss_item(
            f"oct-{n}", title, link=f"https://anytown.example/{n}/",
            description=f"<p>News number {n} for the network, in a few words [&#8230;]</p>"
                        + WORDPRESS_TAIL.format(n=n, title=title),
            categories=categories, date=f"Thu, {n % 28 + 3:02d} Oct 2026 10:00:00 +0000"))
    items.append(rss_item(
        "easter", "Easter holiday club 2025", link="https://anytown.example/easter/",
        description="<p>Egg hunt on 21 April 2025.</p>", categories=("Youth provision",),
        date="Mon, 31 Mar 2025 10:00:00 +0000"))
    return rss(*items)


@pytest.fixture
def month_config(tmp_path: Path, tg: FakeTelegram, feed_server: FeedServer) -> Config:
    feed_server.serve("/feed.xml", month_feed())
    return make_config(tmp_path, tg,
                       feed={"urls": [feed_server.url("/feed.xml")]})


def edition(member: SimUser, start: int) -> list[BotMessage]:
    return [m for m in member.messages[start:] if m.kind == "text"]


async def test_a_month_reads_as_one_scannable_bulletin(
    tg: FakeTelegram, month_config: Config, clock: FakeClock
) -> None:
    async with running_bot(month_config, clock):
        member = tg.user()
        await join(member)
        await member.press("⬜ Funding")
        await member.wait_for_message()
        admin = tg.user(user_id=ADMIN_ID)
        draft = await open_fetched_draft(admin, 33)
        assert "Easter holiday club 2025" not in draft.content  # long before the period
        messages = await send_to_one_member(admin, member)

        text = "\n".join(m.content for m in messages)
        assert len(messages) <= 2  # 33 headlines, two messages
        assert "appeared first on" not in text and "[…]" not in text
        assert text.count("Holiday fund for youth clubs") == 1
        assert "Also under Youth provision" in text
        assert text.index("Your themes") < text.index("▸ Funding") < text.index(
            "Holiday fund for youth clubs") < text.index("Also this month")
        for message in messages:
            lines = [line for line in message.content.split("\n") if line.strip()]
            assert not lines[-1].startswith("▸")  # a theme's heading stays with its items
        read_rows = [row for m in messages for row in m.keyboard
                     if row[0].callback_data and row[0].callback_data.startswith("read:")]
        assert sum(len(row) for row in read_rows) == 33 and len(read_rows) <= 6
        await member.press("📖 1", message=messages[0])
        opened = await member.wait_for_text("https://anytown.example/5/")
        assert opened.keyboard[0][0].url == "https://anytown.example/5/"


async def test_the_officer_pages_items_and_brings_an_older_article_back(
    tg: FakeTelegram, month_config: Config, clock: FakeClock
) -> None:
    async with running_bot(month_config, clock):
        admin = tg.user(user_id=ADMIN_ID)
        summary = await open_fetched_draft(admin, 33)
        await admin.press("Drop or move items")
        first = await admin.wait_for_message()
        assert first.message_id == summary.message_id  # the same message, edited in place
        labels = first.button_labels
        assert "✕ 10" in labels and "✕ 11" not in labels and len(labels) < 40
        for page in ("Items 11–20 ▶", "Items 21–30 ▶", "Items 31–33 ▶"):
            await admin.press(page)
            await admin.wait_for_message()
        last = admin.keyboard()
        assert ("✕ 33", last[2][2][1]) in [b for row in last for b in row]
        await admin.press("✕ 33")
        dropped = await admin.wait_for_text("32 articles")
        assert "✕ 31" in dropped.button_labels  # still on the page it was dropped from

        await admin.press("Older articles left out (1)")
        older = await admin.wait_for_text("Older articles")
        assert "Easter holiday club 2025 (31 March 2025)" in older.content
        await admin.press("+ 1")
        back = await admin.wait_for_text("33 articles")
        assert "Easter holiday club 2025" in back.content
        assert "Older articles left out" not in " ".join(back.button_labels)


async def test_with_the_web_server_a_headline_is_one_counted_tap(
    tg: FakeTelegram, feed_server: FeedServer, tmp_path: Path, clock: FakeClock
) -> None:
    feed_server.serve("/feed.xml", month_feed())
    config = web_config(tmp_path, tg, feed={"urls": [feed_server.url("/feed.xml")]})
    async with running_bot(config, clock):
        member = tg.user()
        await join(member)
        admin = tg.user(user_id=ADMIN_ID)
        await admin.send("/fetch")
        await admin.wait_for_text("Feeds read")
        start = len(member.messages)
        await send_bulletin(admin)
        await member.wait_for_message(
            lambda m: "Change my themes" in m.button_labels, timeout=10)
        [message, *rest] = edition(member, start)
        links = [e["url"] for m in (message, *rest) for e in m.entities
                 if e["type"] == "text_link"]
        assert len(links) == 33 and all(link.startswith(f"{site(config)}/r/") for link in links)
        assert not any(b.callback_data and b.callback_data.startswith("read:")
                       for m in (message, *rest) for row in m.keyboard for b in row)
        async with httpx.AsyncClient() as browser:
            opened = await browser.get(links[0])
            assert opened.status_code == 302
            assert opened.headers["location"].startswith("https://anytown.example/")
            forged = await browser.get(links[0][:-3] + "AAA")
            assert forged.status_code == 404 and "not one of ours" in forged.text
        db = await Database.open(config.database.path)
        try:
            assert await db.fetch_value("SELECT COUNT(*) FROM article_reads") == 1
        finally:
            await db.close()
