"""From the website's feed to every member: fetch, draft, preview, send, read, schedule,
and urgent updates, end to end over HTTP (feeds on loopback, the fake Bot API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from db.database import Database
from settings.config import Config
from tests.fakes.feed_site import FeedServer, rss, rss_item
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import BotMessage, SimUser
from tests.flows import broadcast_to_everyone, fetch, join
from tests.harness import ADMIN_ID, FakeClock, make_config, running_bot, ticks

LONG = "<p>" + " ".join(["Waiting lists for family support keep growing."] * 130) + "</p>"
ITEMS = [
    rss_item("a1", "Youth worker vacancy", link="https://linkedup.example/jobs/1",
             description="<p>We are recruiting a youth worker.</p>", categories=("Vacancies",),
             date="Mon, 26 Oct 2026 10:00:00 +0000"),
    rss_item("a2", "New safeguarding procedures", link="https://linkedup.example/s/2",
             description='<p>Read the <a href="/docs/procedures">procedures</a>.'
                         '<script>alert(1)</script><img src="x" onerror="alert(2)"></p>',
             categories=("Safeguarding",), date="Tue, 27 Oct 2026 10:00:00 +0000"),
    rss_item("a3", "Grants round opens", link="https://linkedup.example/f/3",
             description=LONG, categories=("Funding",),
             date="Wed, 28 Oct 2026 10:00:00 +0000"),
]


@pytest.fixture
async def feed_config(tmp_path: Path, tg: FakeTelegram, feed_server: FeedServer) -> Config:
    feed_server.serve("/feed.xml", rss(*ITEMS))
    return make_config(tmp_path, tg,
                       feed={"urls": [feed_server.url("/feed.xml")], "fetch_every_minutes": 60})


@pytest.fixture
async def running(feed_config: Config, clock: FakeClock) -> AsyncIterator[Config]:
    async with running_bot(feed_config, clock):
        yield feed_config


async def follow(user: SimUser, *labels: str) -> None:
    for label in labels:
        await user.press(f"⬜ {label}")
        await user.wait_for_message()


def texts_after(user: SimUser, start: int) -> list[str]:
    return [m.content for m in user.messages[start:] if m.kind == "text"]


async def send_to_one_member(admin: SimUser, member: SimUser) -> list[BotMessage]:
    """The officer sends the open draft to its one member; the messages the member then gets."""
    start = len(member.messages)
    await admin.press("Send now")
    await admin.wait_for_text("Telegram: 1 members")
    await admin.press("Yes, send it")
    await admin.wait_for_text("Finished: 1 of 1 sent", timeout=15)
    await member.wait_for_message(lambda m: "Change my themes" in m.button_labels, timeout=10)
    return [m for m in member.messages[start:] if m.kind == "text"]


async def send_bulletin(admin: SimUser) -> None:
    await admin.send("/bulletin")
    await admin.wait_for_text("Draft: Linked-up bulletin")
    await admin.press("Send now")
    await admin.wait_for_text("Telegram: ")
    await admin.press("Yes, send it")
    await admin.wait_for_text("Sending.")


async def test_feed_to_a_personalised_bulletin(tg: FakeTelegram, running: Config) -> None:
    jobs, nothing, careful = tg.user(), tg.user(), tg.user()
    await join(jobs, organisation="Jobs Org")
    await follow(jobs, "Vacancies and volunteering")
    await join(nothing, organisation="Quiet Org")
    await join(careful, organisation="Careful Org")
    await follow(careful, "Safeguarding")
    await careful.press("Bulletin: everything, mine first")
    await careful.wait_for_message()

    admin = tg.user(user_id=ADMIN_ID)
    await fetch(admin)
    await admin.send("/bulletin")
    draft = await admin.wait_for_text("3 articles")
    assert "Youth worker vacancy" in draft.content
    await admin.press("Preview")
    await admin.wait_for_text("Preview: exactly what")
    marks = {u.id: len(u.messages) for u in (jobs, nothing, careful)}
    await admin.press("Send now")
    confirm = await admin.wait_for_text("Telegram: 3 members")
    assert "Email" not in confirm.content
    await admin.press("Yes, send it")
    await admin.wait_for_text("Finished: 3 of 3 sent", timeout=15)

    first = await jobs.wait_for_text("Linked-up bulletin")
    body = "\n".join(texts_after(jobs, marks[jobs.id]))
    assert body.index("Your themes") < body.index("Youth worker vacancy")
    assert body.index("Youth worker vacancy") < body.index("Also this month")
    assert body.index("Also this month") < body.index("New safeguarding procedures")
    assert "alert" not in body and "<script" not in (first.html or "")
    assert all(len(text) <= 4096 for text in texts_after(jobs, marks[jobs.id]))
    labels = [label for u in [jobs] for row in u.keyboard() for label, _ in row]
    assert {"Change my themes", "Stop these"} <= set(labels)

    await careful.wait_for_text("New safeguarding procedures")
    careful_body = "\n".join(texts_after(careful, marks[careful.id]))
    assert "Youth worker vacancy" not in careful_body and "Also this month" not in careful_body
    quiet = "\n".join(texts_after(nothing, marks[nothing.id]))
    assert "Your themes" not in quiet and "Grants round opens" in quiet
    assert "…" in quiet  # the 6,000-character article is cut to a summary

    await jobs.press("📖 1")
    link = await jobs.wait_for_text("https://linkedup.example/jobs/1")
    assert link.keyboard[0][0].url == "https://linkedup.example/jobs/1"
    db = await Database.open(running.database.path)
    try:
        assert await db.fetch_value("SELECT COUNT(*) FROM article_reads") == 1
    finally:
        await db.close()

    await jobs.send("/mydata")
    mydata = (await jobs.wait_for_document()).text()
    assert '"bulletin_reads"' in mydata and '"article"' in mydata

    await admin.send("/stats")
    stats = await admin.wait_for_text("read at least one article")
    assert "reached 3; 1 read at least one article (33.3%)" in stats.content
    assert "Vacancies and volunteering: Youth worker vacancy (1)" in stats.content
    chart = await admin.wait_for_message(lambda m: m.kind == "photo")
    assert chart.file is not None and chart.file.data.startswith(b"\x89PNG")


async def test_a_scheduled_bulletin_goes_at_its_time(
    tg: FakeTelegram, running: Config, clock: FakeClock
) -> None:
    member = tg.user()
    await join(member)
    admin = tg.user(user_id=ADMIN_ID)
    await fetch(admin)
    await admin.send("/bulletin")
    await admin.wait_for_text("Draft:")
    await admin.press("Schedule")
    await admin.wait_for_text("When should it go?")
    await admin.send("31 February 10:00")
    await admin.wait_for_text("could not read that")
    await admin.send("1 November 2026 10:00")
    await admin.wait_for_text("already passed")
    await admin.send("2 November 2026 11:30")
    await admin.wait_for_text("Scheduled for Monday 02 November 2026, 11:30")
    before = len(member.messages)
    clock.advance(hours=2)  # 09:00 -> 11:00 UTC, still before 11:30 London (GMT)
    await ticks(10)
    assert len(member.messages) == before
    clock.advance(minutes=31)
    await member.wait_for_text("Linked-up bulletin, November 2026", timeout=10)


async def schedule(admin: SimUser, typed: str) -> str:
    await admin.send("/bulletin")
    await admin.wait_for_text("Draft:")
    await admin.press("Schedule")
    await admin.wait_for_text("When should it go?")
    await admin.send(typed)
    return (await admin.wait_for_message()).content


async def test_a_schedule_date_means_what_it_says_and_doubts_are_asked_back(
    tg: FakeTelegram, running: Config
) -> None:
    admin = tg.user(user_id=ADMIN_ID)
    await fetch(admin)
    said = await schedule(admin, "2027-01-02 10:07")  # ISO: year, month, day
    assert "Scheduled for Saturday 02 January 2027, 10:07" in said
    said = await schedule(admin, "2/1/2027 09:30")  # the UK way: day first
    assert "Scheduled for Saturday 02 January 2027, 09:30" in said
    said = await schedule(admin, "3 December 10:00")  # no year: the next one to come
    assert "Scheduled for Thursday 03 December 2026, 10:00" in said

    asked = await schedule(admin, "Friday 2 January 2027 10:00")  # 2 January is a Saturday
    assert "Which did you mean?" in asked
    assert [label for row in admin.keyboard() for label, _ in row] == [
        "Friday 01 January 2027, 10:00", "Saturday 02 January 2027, 10:00"]
    await admin.press("Friday 01 January 2027, 10:00")
    await admin.wait_for_text("Scheduled for Friday 01 January 2027, 10:00")

    asked = await schedule(admin, "4/1/2027 3:30")  # at night, or in the afternoon?
    assert "Which did you mean?" in asked
    await admin.press("Monday 04 January 2027, 15:30")
    await admin.wait_for_text("Scheduled for Monday 04 January 2027, 15:30")
    summary = await admin.wait_for_text("Scheduled for Monday 04 January 2027, 15:30.")
    assert summary.content.startswith("Draft:")


async def test_a_restart_during_sending_resumes_without_duplicates(
    tg: FakeTelegram, feed_config: Config, clock: FakeClock
) -> None:
    members = [tg.user() for _ in range(6)]
    async with running_bot(feed_config, clock):
        for member in members:
            await join(member)
        admin = tg.user(user_id=ADMIN_ID)
        await fetch(admin)
        tg.set_rate_limits(global_rate=2.0, global_burst=2)
        await send_bulletin(admin)
        await tg.wait_for(lambda: sum(
            1 for m in tg.sent_messages if "Linked-up bulletin" in m.content) >= 2)
    tg.disable_rate_limits()
    async with running_bot(feed_config, clock):
        for member in members:
            await member.wait_for_text("Linked-up bulletin", timeout=10)
    for member in members:
        editions = [m for m in member.messages if m.content.startswith("Linked-up bulletin")]
        assert len(editions) == 1, member


async def test_an_update_reaches_only_followers_and_stop_these_works(
    tg: FakeTelegram, running: Config
) -> None:
    follower, other = tg.user(), tg.user()
    await join(follower)
    await follow(follower, "Domestic abuse")
    await join(other)
    admin = tg.user(user_id=ADMIN_ID)
    await admin.send("/broadcast")
    await admin.wait_for_text("Who should get it?")
    await admin.press("Next: write the message")
    await admin.press("⬜ Domestic abuse")
    await admin.wait_for_message()
    await admin.press("Next: write the message")
    await admin.wait_for_text("Now send the message")
    await admin.send("Refuge waiting list is <closed> this week & next")
    await admin.wait_for_text("Send this update to 1 member(s)?")
    await admin.press("Send to 1")
    await admin.wait_for_text("Finished: 1 of 1 sent")
    update = await follower.wait_for_text("Update from the Linked-up network on Domestic abuse")
    assert "Refuge waiting list is <closed> this week & next" in update.content
    assert not any("Refuge" in m.content for m in other.messages)

    await follower.press("Stop these", message=update)
    await follower.wait_for_text("You will get no more bulletins or updates")
    await broadcast_to_everyone(admin, "Second update", members=1)
    await other.wait_for_text("Second update")
    assert not any("Second update" in m.content for m in follower.messages)


async def test_members_read_the_latest_bulletin_and_the_archive(
    tg: FakeTelegram, running: Config
) -> None:
    member = tg.user()
    await join(member)
    await member.send("/bulletin")
    await member.wait_for_text("No bulletin has been sent yet")
    admin = tg.user(user_id=ADMIN_ID)
    await fetch(admin)
    await send_bulletin(admin)
    await member.wait_for_text("Linked-up bulletin")
    await member.send("/bulletin")
    await member.wait_for_text("Linked-up bulletin")
    await member.wait_for_text("Past bulletins")
    await member.press("Older bulletins")
    await member.wait_for_text("no older bulletins yet")


async def test_non_admins_cannot_broadcast_or_fetch(tg: FakeTelegram, running: Config) -> None:
    member = tg.user()
    await join(member)
    for command in ("/broadcast", "/fetch"):
        await member.send(command)
        await member.wait_for_text(f"Sorry, {command} is for the network officer")


async def test_fetch_reports_new_and_edited_articles_and_feed_problems(
    tg: FakeTelegram, running: Config, feed_server: FeedServer
) -> None:
    admin = tg.user(user_id=ADMIN_ID)
    await fetch(admin)
    edited = ITEMS[0].replace("We are recruiting a youth worker.", "Closing date extended.")
    extra = rss_item("a4", "Holiday activities", link="https://linkedup.example/h/4",
                     description="<p>Summer schemes</p>", date="Thu, 29 Oct 2026 10:00:00 +0000")
    feed_server.serve("/feed.xml", rss(edited, *ITEMS[1:], extra))
    report = await fetch(admin)
    assert "Linked-up news: 1 new, 1 updated, 2 unchanged" in report and "http" not in report
    assert "(the draft) now holds 4 article(s). 1 of them have no theme" in report
    await admin.press("File the 1 without a theme")
    asked = await admin.wait_for_text("Which theme should this article go under?")
    assert "Holiday activities" in asked.content and "Summer schemes" in asked.content
    await admin.press("Youth provision")
    await admin.wait_for_text("Every article in the draft has a theme now.")
    await admin.send("/bulletin")
    draft = await admin.wait_for_text("Draft:")
    assert "Youth provision" in draft.content and "Other news" not in draft.content
    await admin.send("/cancel")
    await admin.wait_for_message()
    feed_server.serve("/feed.xml", "<html><body>Server error</body></html>", status=500,
                 content_type="text/html")
    report = await fetch(admin)
    assert "nothing stored was lost" in report
    db = await Database.open(running.database.path)
    try:
        assert await db.fetch_value("SELECT COUNT(*) FROM articles") == 4
    finally:
        await db.close()


async def test_the_officer_edits_the_draft_intro_and_items(
    tg: FakeTelegram, running: Config
) -> None:
    admin = tg.user(user_id=ADMIN_ID)
    await fetch(admin)
    await admin.send("/bulletin")
    opened = await admin.wait_for_text("3 articles")
    await admin.press("Intro")
    await admin.wait_for_text("Send the introduction")
    await admin.send("x" * 1600)
    await admin.wait_for_text("can be up to 1500")
    await admin.send("Hello <everyone> & welcome\nto the December edition")
    summary = await admin.wait_for_text("Intro: Hello <everyone> & welcome")
    assert "3 articles" in summary.content
    assert summary.event == "edited" and summary.message_id == opened.message_id
    await admin.press("Drop or move items")
    await admin.wait_for_message()
    await admin.press("✕ 1")
    dropped = await admin.wait_for_text("2 articles")
    assert "New safeguarding procedures" not in dropped.content
    await admin.press("Back")
    await admin.wait_for_message()
    await admin.press("Preview")
    preview = await admin.wait_for_text("Linked-up bulletin")
    assert "Hello <everyone> & welcome\nto the December edition" in preview.content
    assert "New safeguarding procedures" not in preview.content
    await admin.press("Cancel this draft", message=summary.message_id)
    await admin.wait_for_text("The draft is cancelled")


async def test_another_command_ends_a_half_finished_conversation(
    tg: FakeTelegram, running: Config
) -> None:
    admin = tg.user(user_id=ADMIN_ID)
    await admin.send("/bulletin")
    await admin.wait_for_text("Draft:")
    await admin.press("Intro")
    await admin.wait_for_text("Send the introduction")
    await admin.send("/broadcast")
    await admin.wait_for_text("Who should get it?")
    await admin.press("Everyone")
    await admin.wait_for_text("Now send the message")
    await admin.send("Hall closed on Friday")
    await admin.wait_for_text("No member would receive this yet")
    await admin.send("/bulletin")
    intro = await admin.wait_for_text("Intro:")
    assert "Hall closed" not in intro.content  # the update's text never became the intro
