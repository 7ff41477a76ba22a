"""Timed messages about meetings, end to end with a clock moved by hand: reminders at each
offset, exactly once across a restart, late after downtime, rescheduling and cancelling, clock
changes, board cut-offs, and the notes after a meeting."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar

from db.meetings import BOARD
from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import SimUser
from tests.flows import join
from tests.harness import ADMIN_ID, FakeClock, make_config, running_bot, ticks
from tests.meetings_flows import FORUM, answer, open_card, reminders, rows, seed, utc

PLACE = "📍 St James Centre, 1 Church Road, Birkenhead (map)"


@pytest.fixture
def config(tmp_path: Path, tg: FakeTelegram) -> Config:
    tg.disable_rate_limits()  # Telegram's limits are tested elsewhere
    return make_config(tmp_path, tg)


async def follow_early_help(user: SimUser) -> None:
    await user.press("⬜ Early help")
    await user.wait_for_message()


async def test_reminders_at_each_offset_to_the_right_members(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    await seed(config, clock, {**FORUM, "audience": "followers", "note": "Bring your ID"})
    keen, busy, outsider, ignored = tg.user(), tg.user(), tg.user(), tg.user()
    async with running_bot(config, clock):
        for user in (keen, busy, outsider, ignored):
            await join(user)
        await follow_early_help(keen)
        await follow_early_help(busy)
        await open_card(outsider, "Early help forum")
        await answer(tg, outsider, "Maybe")

        clock.now = utc(2026, 11, 12, 9, 59)
        await ticks()
        assert reminders(keen) == []
        clock.now = utc(2026, 11, 12, 10, 0)
        week = await keen.wait_for_text("⏰")
        for expected in ("Early help forum starts in 7 days, on Thursday 19 November 2026 at "
                         "10:00", "🗓 Thursday 19 November 2026, 10:00–12:00", PLACE,
                         "Online: https://meet.example/forum", "Bring your ID"):
            assert expected in week.content
        assert week.button_labels == ["Going", "Maybe", "Can't make it", "Add to calendar"]
        await busy.wait_for_text("⏰")
        await answer(tg, busy, "Can't make it")
        assert (await outsider.wait_for_text("⏰")).button_labels[1] == "✓ Maybe"

        clock.now = utc(2026, 11, 18, 10, 0)
        assert "starts tomorrow at 10:00" in (await keen.wait_for_text("⏰")).content
        await outsider.wait_for_text("starts tomorrow")
        clock.now = utc(2026, 11, 19, 8, 0)
        assert "starts in 2 hours, at 10:00" in (await keen.wait_for_text("⏰")).content
        await outsider.wait_for_text("starts in 2 hours")
        await ticks()
    assert [len(reminders(u)) for u in (keen, busy, outsider, ignored)] == [3, 1, 3, 0]


async def test_each_reminder_goes_once_across_a_restart(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    meeting = await seed(config, clock, FORUM)
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
        clock.now = utc(2026, 11, 12, 10, 0)
        await member.wait_for_text("⏰")
    async with running_bot(config, clock):
        await ticks(10)
        assert len(reminders(member)) == 1
        clock.now = utc(2026, 11, 18, 10, 0)
        await member.wait_for_text("starts tomorrow")
    key = f"reminder:{meeting.id}:7d:2026-11-19T10:00:00+00:00"
    assert await rows(config, "SELECT COUNT(*) FROM deliveries d JOIN dispatches c"
                              " ON c.id = d.dispatch_id WHERE c.key = ?", (key,)) == [(1,)]
    assert len(reminders(member)) == 2
    assert await rows(config, "SELECT what, outcome FROM meeting_sends ORDER BY what") == [
        ("1d", "sent"), ("7d", "sent")]


async def test_a_meeting_made_at_short_notice_gets_only_the_reminders_still_ahead(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
        await seed(config, clock, {**FORUM, "date": "2026-11-04"})  # in two days
        await ticks()
        assert reminders(member) == []
        clock.now = utc(2026, 11, 3, 10, 0)
        await member.wait_for_text("Early help forum starts tomorrow at 10:00")


async def test_a_reminder_missed_while_the_bot_was_down_goes_late_if_still_useful(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    meeting = await seed(config, clock, FORUM)
    await seed(config, clock, {**FORUM, "title": "Breakfast briefing", "start": "06:30",
                               "end": "07:30"})
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
    clock.now = utc(2026, 11, 19, 7, 0)  # down for 17 days: the briefing has started
    async with running_bot(config, clock):
        late = await member.wait_for_text("⏰")
        assert "Early help forum starts in 3 hours, at 10:00" in late.content
        await ticks(10)
        assert len(reminders(member)) == 1
        clock.now = utc(2026, 11, 19, 8, 0)
        await member.wait_for_text("Early help forum starts in 2 hours")
    assert await rows(config, "SELECT what, outcome FROM meeting_sends WHERE meeting_id = ?"
                              " ORDER BY at, what", (meeting.id,)) == [
        ("1d", "sent"), ("7d", "skipped"), ("morning", "sent")]


async def officer_opens(officer: SimUser, button: str) -> None:
    await officer.send("/meeting")
    await officer.wait_for_text("Create a meeting")
    await officer.press(button)
    await officer.wait_for_text("Check the meeting")


async def test_rescheduling_and_cancelling_tell_those_coming_and_move_the_reminders(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    await seed(config, clock, FORUM)
    await seed(config, clock, {**FORUM, "title": "Funding clinic", "date": "2026-11-26"})
    going, maybe, cannot, silent = tg.user(), tg.user(), tg.user(), tg.user()
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        for user, label in ((going, "Going"), (maybe, "Maybe"), (cannot, "Can't make it"),
                            (silent, None)):
            await join(user)
            if label is not None:
                await open_card(user, "Early help forum")
                await answer(tg, user, label)

        await officer_opens(officer, "19 Nov · Early help forum")
        await officer.press("Reschedule")
        for question, reply in (("What date?", "24/11/2026"), ("start?", "14:00"),
                                ("end?", "16:00")):
            await officer.wait_for_text(question)
            await officer.send(reply)
        await officer.wait_for_text("Check the meeting")
        await officer.press("Save")
        await officer.wait_for_text("Moved Early help forum to Tuesday 24 November 2026, "
                                    "14:00–16:00. Reminders follow the new time; 2 members")
        moved = await going.wait_for_text("Moved:")
        assert "no longer on Thursday 19 November 2026, 10:00–12:00" in moved.content
        assert "🗓 Tuesday 24 November 2026, 14:00–16:00" in moved.content
        assert moved.button_labels[0] == "✓ Going"
        await maybe.wait_for_text("Moved:")
        await going.press("Add to calendar", moved)
        event = Calendar.from_ical((await going.wait_for_document(".ics")).data).walk("VEVENT")[0]
        assert (event["SEQUENCE"], event.decoded("DTSTART").hour) == (1, 14)

        clock.now = utc(2026, 11, 12, 10, 0)  # the old time's week-before reminder
        await ticks()
        assert reminders(silent) == []
        clock.now = utc(2026, 11, 17, 14, 0)
        await silent.wait_for_text("Early help forum starts in 7 days, on Tuesday 24 November")

        await officer_opens(officer, "24 Nov · Early help forum")
        await officer.press("Cancel the meeting")
        await officer.wait_for_text("The 2 members who said Going or Maybe")
        await officer.press("Yes, cancel it")
        await officer.wait_for_text("Cancelled Early help forum. 2 members are being told.")
        cancelled = await maybe.wait_for_text("Cancelled:")
        assert "Tuesday 24 November 2026, 14:00–16:00 will not take place" in cancelled.content
        clock.now = utc(2026, 11, 23, 14, 0)
        await silent.wait_for_text("Funding clinic starts in 3 days")
        await ticks()
        await silent.send("/meetings")
        await silent.wait_for_text("Coming up (1)")
    assert [m.content[:8] for m in cannot.messages if "Early help forum" in m.content
            and m.content.startswith(("🔁", "❌"))] == []
    assert len(reminders(silent)) == 2


async def test_times_are_right_across_the_clock_changes(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    spring = await seed(config, clock, {**FORUM, "date": "2027-03-30"})
    autumn = await seed(config, clock, {**FORUM, "title": "Autumn forum", "date": "2027-11-01"})
    assert (spring.starts_at, autumn.starts_at) == (utc(2027, 3, 30, 9), utc(2027, 11, 1, 10))
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
        clock.now = utc(2027, 3, 23, 9, 0)  # exactly 7 x 24 hours before: too early
        await ticks()
        assert reminders(member) == []
        clock.now = utc(2027, 3, 23, 10, 0)  # 10:00 GMT, a week before 10:00 BST
        week = await member.wait_for_text("⏰")
        assert "starts in 7 days, on Tuesday 30 March 2027 at 10:00" in week.content
        assert "10:00–12:00" in week.content
        clock.now = utc(2027, 3, 30, 7, 0)  # 08:00 BST
        await member.wait_for_text("Early help forum starts in 2 hours, at 10:00")

        clock.now = utc(2027, 10, 25, 8, 59)
        await ticks()
        assert len(reminders(member)) == 2
        clock.now = utc(2027, 10, 25, 9, 0)  # 10:00 BST, a week before 10:00 GMT
        autumn_week = await member.wait_for_text("Autumn forum starts in 7 days")
        assert "Monday 1 November 2027 at 10:00" in autumn_week.content
        await member.press("Add to calendar", autumn_week)
        invite = (await member.wait_for_document(".ics")).text()
    assert "DTSTART;TZID=Europe/London:20271101T100000" in invite


async def test_board_meetings_are_reminded_before_their_cut_off(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    await seed(config, clock, {"board": "Early Help Board", "date": "2026-12-01",
                               "start": "14:00", "end": "16:00", "reminders": "7d"}, BOARD)
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
        clock.now = utc(2026, 11, 10, 23, 59)
        cut_off = await member.wait_for_text("⏰")
    assert ("the cut-off for issues for the Early Help Board is in 7 days, on Tuesday 17 "
            "November 2026 at 23:59") in cut_off.content
    assert "raise them by the end of Tuesday 17 November 2026 with /raise" in cut_off.content


async def test_the_officer_is_reminded_to_post_the_notes_which_reach_the_right_members(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    await seed(config, clock, FORUM)
    went, follower, other = tg.user(), tg.user(), tg.user()
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        for user in (went, follower, other):
            await join(user)
        await follow_early_help(follower)
        await open_card(went, "Early help forum")
        await answer(tg, went, "Going")

        clock.now = utc(2026, 11, 22, 12, 0)
        await officer.wait_for_text("Early help forum (Thursday 19 November 2026) was 3 days ago")
        clock.now = utc(2026, 11, 26, 12, 0)
        await officer.wait_for_text("was 7 days ago")
        await officer.send("/notes")
        await officer.wait_for_text("Which meeting")
        await officer.press("19 Nov · Early help forum")
        await officer.wait_for_text("Send the notes and actions")
        await officer.send("Actions: 1. Share the family hub leaflet <by Friday>.")
        await officer.wait_for_text("It goes to 2 members")
        await officer.press("Send the notes")
        await officer.wait_for_text("Queued for 2 members")
        for user in (went, follower):
            notes = await user.wait_for_text("Notes and actions: Early help forum")
            assert "Share the family hub leaflet <by Friday>." in notes.content
        clock.now = utc(2026, 12, 5, 12, 0)
        await officer.send("/notes")
        await officer.wait_for_text("Which meeting")
        await officer.press("19 Nov · Early help forum")
        await officer.wait_for_text("were already sent")
    assert not any("Notes and actions" in m.content for m in other.messages)
    assert sum("days ago" in m.content for m in officer.messages) == 2
