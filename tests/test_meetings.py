"""Meetings end to end over HTTP: the officer's /meeting conversation, members' answers and the
waiting list, the calendar file, /attendees, /mydata and /forget, board meetings for the issues
feature, and importing dates from the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from bot.cli import main
from bot.cli_options import CliContext
from db.database import Database
from db.meetings import BOARD
from meetings.boards import board_calendar
from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import join
from tests.harness import ADMIN_ID, FakeClock, bot_process, make_config, running_bot, ticks
from tests.meetings_flows import (
    FORUM,
    answer,
    answer_in_turn,
    change_detail,
    follower_and_other,
    open_card,
    rows,
    seed,
    start_meeting,
    theme_for_followers,
    utc,
)

QUICK_STEPS = 6
"""/meeting to a saved network meeting: the command, title, date, time, place, Save."""


@pytest.fixture
def config(tmp_path: Path, tg: FakeTelegram) -> Config:
    tg.disable_rate_limits()  # Telegram's limits are tested elsewhere; these are conversations
    return make_config(tmp_path, tg)


async def test_the_officer_creates_a_meeting_and_bad_answers_are_asked_again(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        follower, other = await follower_and_other(tg)
        await officer.send("/meeting")
        await officer.wait_for_text("Create a meeting")
        await officer.press("New network meeting")
        await officer.wait_for_text("What is the meeting called?")
        await officer.send("Early help forum " * 7)
        await officer.wait_for_text("That is 118 characters; please keep it to 100 or fewer")
        await officer.wait_for_text("What is the meeting called?")
        await officer.send("Early help forum <family hubs>")
        await officer.wait_for_text("What date?")
        await officer.send("31/02/2027")
        await officer.wait_for_text("There is no 31 February 2027")
        await officer.send("01/11/2026")
        await officer.wait_for_text("Sunday 1 November 2026 has passed")
        await officer.send("19/11/2026")
        await officer.wait_for_text("What time?")
    async with running_bot(config, clock):  # a restart: the conversation carries on
        await officer.send("25:00")
        await officer.wait_for_text("25:00 is not a time of day")
        await officer.send("10:00-9:30")
        await officer.wait_for_text("Where is it?")
        await officer.send("St James Centre")
        await officer.wait_for_text("The end time must be after the start time")
        await officer.send("10:00–12:00")
        await officer.press("More details", await officer.wait_for_text("Check the meeting"))
        await officer.wait_for_text("Speaker: –")
        await theme_for_followers(officer)
        await change_detail(officer, "Speaker", "key speaker", "Dr Amy Shah", "Speaker: Dr")
        await change_detail(officer, "Address", "address", "1 Church Road", "Address: 1 Church")
        await change_detail(officer, "Online link", "join online", "https://meet.example/forum",
                            "Online link: https://")
        await change_detail(officer, "Places", "How many places", "lots", "whole number")
        await answer_in_turn(officer, ("30", "Places: 30"))
        await officer.press("Agenda")
        await officer.wait_for_text("Agenda notes")
        await officer.send("Family hubs: what is new.\nQuestions.")
        review = await officer.wait_for_text("Check the meeting")
        assert "Date: Thursday 19 November 2026" in review.content
        assert "Reminded: Only the theme's followers" in review.content
        assert "&lt;family hubs&gt;" in (review.html or "")
        await officer.press("Save")
        saved = await officer.wait_for_text("Saved: Early help forum <family hubs>, Thursday 19 "
                                            "November 2026, 10:00–12:00")
        assert "It is being announced to 1 member(s)" in saved.content  # the theme's followers
        news = await follower.wait_for_text("New network meeting")
        assert "Places: 30 of 30 left." in news.content
        assert "Going" in " ".join(news.button_labels)
        await answer(tg, follower, news.keyboard[0][0].text, news)
        card = await open_card(follower, "Early help forum")
        assert "Places: 29 of 30 left." in card.content  # the answer is counted
        assert not any("New network meeting" in m.content for m in other.messages)
    assert await rows(config, "SELECT title, theme_slug, followers_only, starts_at, ends_at,"
                              " capacity, agenda FROM meetings") == [
        ("Early help forum <family hubs>", "early-help", 1, "2026-11-19T10:00:00+00:00",
         "2026-11-19T12:00:00+00:00", 30, "Family hubs: what is new.\nQuestions.")]


async def test_members_cannot_use_the_officers_commands(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
        for command in ("/meeting", "/attendees", "/notes"):
            await member.send(command)
            await member.wait_for_text(f"Sorry, {command} is for the network officer")


async def test_answers_waiting_list_calendar_attendees_mydata_and_forget(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    await seed(config, clock, {**FORUM, "capacity": "1"})
    first, second, third = tg.user(), tg.user(), tg.user()
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        for user, organisation in ((first, "First Org"), (second, "Second Org"),
                                   (third, "Third Org")):
            await join(user, organisation=organisation, name=f"{organisation} contact")
        card = await open_card(first, "Early help forum")
        for expected in ("Thursday 19 November 2026, 10:00–12:00", "St James Centre",
                         "Places: 1 of 1 left", "meet.example/forum"):
            assert expected in card.content
        assert await answer(tg, first, "Going") == "Thanks: you are going. See you there!"
        assert first.keyboard(card)[0][0][0] == "✓ Going"

        card = await open_card(second, "Early help forum")
        assert "all 1 taken" in card.content
        assert "number 1 on the waiting list" in await answer(tg, second, "Join the waiting list")
        assert second.keyboard(card)[0][0][0] == "✓ On the waiting list"
        await open_card(third, "Early help forum")
        assert "number 2 on the waiting list" in await answer(tg, third, "Join the waiting list")

        await answer(tg, first, "Can't make it")
        promoted = await second.wait_for_text("A place came up")
        assert "Thursday 19 November 2026" in promoted.content
        assert promoted.buttons()[0][0][0] == "✓ Going"

        await officer.send("/attendees")
        counts = await officer.wait_for_text("Early help forum")
        for expected in ("Places: 1 of 1 taken", "Going: 1\nSecond Org contact (Second Org)",
                         "Waiting list: 1\nThird Org contact", "Can't make it: 1\nFirst Org"):
            assert expected in counts.content
        await officer.press("CSV of answers")
        table = list(csv.reader(io.StringIO((await officer.wait_for_document(".csv")).text())))
        assert [(r[2], r[3]) for r in table[1:]] == [
            ("Can't make it", "First Org"), ("Going", "Second Org"), ("Waiting list", "Third Org")]

        await second.press("Add to calendar")
        invite = Calendar.from_ical((await second.wait_for_document(".ics")).data)
        event = invite.walk("VEVENT")[0]
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert event.decoded("DTSTART") == datetime(2026, 11, 19, 10, tzinfo=ZoneInfo(
            "Europe/London"))

        await third.send("/mydata")
        data = json.loads((await third.wait_for_document(".json")).text())
        assert [(a["meeting"], a["answer"]) for a in data["meeting_answers"]] == [
            ("Early help forum", "Waiting list")]

        await second.send("/forget")
        await second.wait_for_text("Erase it?")
        await second.press("Yes, erase everything")
        await third.wait_for_text("A place came up")
    assert await rows(config, "SELECT answer FROM meeting_rsvps ORDER BY answer") == [
        ("going",), ("no",)]


async def test_editing_places_and_theme_frees_the_waiting_list(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    await seed(config, clock, {**FORUM, "capacity": "1", "audience": "followers"})
    holder, waiting = tg.user(), tg.user()
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        for user, label in ((holder, "Going"), (waiting, "Join the waiting list")):
            await join(user)
            await open_card(user, "Early help forum")
            await answer(tg, user, label)
        await officer.send("/meeting")
        await officer.wait_for_text("Create a meeting")
        await officer.press("19 Nov · Early help forum")
        await officer.wait_for_text("Places: 1")
        await officer.press("Theme")
        await officer.wait_for_text("Now: Early help")
        await officer.press("No theme")
        review = await officer.wait_for_text("Check the meeting")
        assert "Reminded: Everyone" in review.content and "Theme: –" in review.content
        await change_detail(officer, "Places", "How many places", "2", "Places: 2")
        await officer.press("Save")
        await officer.wait_for_text("Saved the changes to Early help forum.")
        await waiting.wait_for_text("A place came up")
    assert await rows(config, "SELECT theme_slug, followers_only, capacity FROM meetings") == [
        (None, 0, 2)]


async def test_cancelled_and_past_meetings_take_no_answers(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    await seed(config, clock, FORUM)
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
        card = await open_card(member, "Early help forum")
        clock.now = utc(2026, 11, 19, 10, 30)
        query = await member.press("Going", card)
        assert (await tg.wait_for_callback_answer(query)).show_alert
        await member.send("/meetings")
        await member.wait_for_text("No meetings are planned")
    assert await rows(config, "SELECT * FROM meeting_rsvps") == []


async def test_board_meetings_show_their_cut_off_and_feed_the_issues_calendar(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    officer, member = tg.user(user_id=ADMIN_ID), tg.user()
    async with running_bot(config, clock):
        await officer.send("/meeting")
        await officer.wait_for_text("Create a meeting")
        await officer.press("New board meeting")
        await officer.wait_for_text("Which board is meeting?")
        await officer.press("Early Help Board")
        await officer.wait_for_text("What date?")
        await officer.send("1/12/2026")
        await officer.wait_for_text("Tuesday 1 December 2026. What time?")
        await officer.send("14:00-16:00")
        review = await officer.wait_for_text("Check the meeting")
        assert "More details: issues cut-off, venue" in review.content
        await officer.press("More details")
        await officer.wait_for_text("Issues cut-off: end of Tuesday 17 November 2026")
        await officer.press("Save")
        await officer.wait_for_text("Saved: Early Help Board")
        await join(member)
        card = await open_card(member, "Early Help Board")
        assert "raise them by the end of Tuesday 17 November 2026 with /raise" in card.content
        assert card.button_labels == ["Add to calendar"]
    db = await Database.open(config.database.path)
    try:
        meeting = await board_calendar(db).next_meeting("Early Help Board", clock.now)
    finally:
        await db.close()
    assert meeting is not None
    assert (meeting.starts_at, meeting.cut_off_at) == (utc(2026, 12, 1, 14),
                                                       utc(2026, 11, 17, 23, 59))


async def test_dates_are_imported_from_csv_and_ics_once(
    tmp_path: Path, config: Config, clock: FakeClock
) -> None:
    table = tmp_path / "dates.csv"
    table.write_text(
        "kind,title,board,theme,venue,date,start,end,capacity\n"
        "network,Youth providers' forum,,youth,Town Hall,3/2/2027,18:00,20:00,40\n"
        "board,,Early Help Board,,,2/3/2027,14:00,16:00,\n"
        "network,Last year's forum,,youth,Town Hall,3/2/2025,18:00,20:00,\n"
        "board,,Early Help Board,,,2/3/2027,14:00,16:00,\n", "utf-8")  # a date given twice
    diary = tmp_path / "council.ics"
    diary.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Council//EN\r\n"
        "BEGIN:VEVENT\r\nUID:ctb-2027-04@council.example\r\nDTSTAMP:20261101T000000Z\r\n"
        "SUMMARY:Children's Trust Board\r\nDTSTART:20270406T130000Z\r\n"
        "DTEND:20270406T150000Z\r\nLOCATION:Wallasey Town Hall\\, Brighton Street\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", "utf-8")

    def run(path: Path) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["meetings", "import", "--config",
                                           str(tmp_path / "config.toml"), str(path)],
                                    obj=CliContext(clock=clock))
        return result.exit_code, result.output

    assert await asyncio.to_thread(run, table) == (
        0, "Added 2 meetings; 1 were already there and 1 have passed.\n")
    assert (await asyncio.to_thread(run, table))[1].startswith("Added 0 meetings; 3 were")
    assert (await asyncio.to_thread(run, diary))[0] == 0
    stored = await rows(config, "SELECT kind, title, starts_at, capacity, venue FROM meetings"
                                " ORDER BY starts_at")
    assert stored == [
        ("network", "Youth providers' forum", "2027-02-03T18:00:00+00:00", 40, "Town Hall"),
        (BOARD, "Early Help Board", "2027-03-02T14:00:00+00:00", None, ""),
        (BOARD, "Children's Trust Board", "2027-04-06T13:00:00+00:00", None,
         "Wallasey Town Hall, Brighton Street")]

    broken = tmp_path / "broken.csv"
    broken.write_text("title,venue,date,start,end\nQuiz,Hall,31/02/2027,25:00,20:00\n", "utf-8")
    code, output = await asyncio.to_thread(run, broken)
    assert code == 1 and "line 2, date: There is no 31 February 2027" in output
    assert len(await rows(config, "SELECT id FROM meetings")) == 3



async def test_the_quick_path_is_six_steps_and_the_meeting_is_announced(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    officer, member = tg.user(user_id=ADMIN_ID), tg.user()
    async with running_bot(config, clock):
        await join(member)
        before = officer.actions
        await start_meeting(officer, "Early help forum")
        asked = await answer_in_turn(officer, ("19/11", "What time?"))
        assert asked.content.startswith("Thursday 19 November 2026.")  # the weekday, at once
        review = await answer_in_turn(officer, ("10am", "Where is it?"),
                                      ("St James Centre", "Check the meeting"))
        assert ("Title: Early help forum\nDate: Thursday 19 November 2026\nTime: 10:00–12:00\n"
                "Place: St James Centre") in review.content
        assert "More details" in review.button_labels and "Speaker" not in review.button_labels
        await officer.press("Save")
        await officer.wait_for_text("Saved: Early help forum, Thursday 19 November 2026, "
                                    "10:00–12:00. It is being announced to 1 member(s)")
        assert officer.actions - before <= QUICK_STEPS
        news = await member.wait_for_text("New network meeting")
        assert "St James Centre" in news.content and "Going" in news.button_labels
    assert await rows(config, "SELECT title, venue, online_url, starts_at, ends_at, theme_slug,"
                              " capacity FROM meetings") == [
        ("Early help forum", "St James Centre", None, "2026-11-19T10:00:00+00:00",
         "2026-11-19T12:00:00+00:00", None, None)]


async def test_more_details_opens_every_field_before_saving(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        follower, other = await follower_and_other(tg)
        before = officer.actions
        await start_meeting(officer, "Early help forum")
        await answer_in_turn(officer, ("Thursday 19 November", "What time?"),
                             ("10:00 to 12:30", "Where is it?"),
                             ("https://meet.example/forum", "Place: https://meet.example/forum"))
        await officer.press("More details")
        review = await officer.wait_for_text("Speaker: –")
        assert "Start: 10:00" in review.content and "End: 12:30" in review.content
        await theme_for_followers(officer)
        await change_detail(officer, "Speaker", "key speaker", "Dr Amy Shah", "Speaker: Dr")
        await change_detail(officer, "Places", "How many places", "30", "Places: 30")
        await officer.press("Save")
        saved = await officer.wait_for_text("Saved: Early help forum")
        assert "announced to 1 member(s)" in saved.content  # the theme's followers
        assert officer.actions - before == QUICK_STEPS + 1 + 3 + 2 + 2  # each detail its own
        news = await follower.wait_for_text("New network meeting")
        assert "Places: 30 of 30 left." in news.content and "Dr Amy Shah" in news.content
        assert not any("New network meeting" in m.content for m in other.messages)
    assert await rows(config, "SELECT venue, online_url, ends_at, theme_slug, followers_only,"
                              " speaker, capacity FROM meetings") == [
        ("", "https://meet.example/forum", "2026-11-19T12:30:00+00:00", "early-help", 1,
         "Dr Amy Shah", 30)]


async def test_dates_and_times_as_typed_and_what_is_wrong_with_them(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):  # Monday 2 November 2026
        await officer.send("/meeting")
        await officer.wait_for_text("Create a meeting")
        await officer.press("New network meeting")
        await officer.wait_for_text("What is the meeting called?")
        await answer_in_turn(officer, ("Funding clinic", "What date?"))
        for typed, problem in (
            ("31/02/2027", "There is no 31 February 2027"),
            ("Friday 19 November 2026", "19 November 2026 is a Thursday, not a Friday"),
            ("01/11/2026", "Sunday 1 November 2026 has passed"),
            ("10:00", "Please send a date, day before month"),
            ("soon", "Please send a date, day before month"),
        ):
            await answer_in_turn(officer, (typed, problem))
            await officer.wait_for_text("What date?")
        review = await answer_in_turn(
            officer, ("1 Nov", "Monday 1 November 2027. What time?"),  # the next 1 November
            ("25:00", "25:00 is not a time of day"), ("6-8pm", "Where is it?"),
            ("Town Hall", "Check the meeting"))
        assert "Date: Monday 1 November 2027\nTime: 18:00–20:00" in review.content
        await change_detail(officer, "Time", "Now: 18:00–20:00", "12 - 10",
                            "The end time must be after the start time")
        await officer.wait_for_text("What time?")
        await answer_in_turn(officer, ("next thursday", "Please send a time"),
                             ("14:00", "Time: 14:00–16:00"))
        await change_detail(officer, "Date", "What date?", "next thursday",
                            "Date: Thursday 5 November 2026")


async def test_a_command_typed_in_the_middle_answers_at_once_and_leaves_nothing_behind(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        await start_meeting(officer, "Early help forum")
        await answer_in_turn(officer, ("/help", "/meeting"))  # the help, at once
        await officer.send("19/11")  # no longer an answer to "What date?"
        await ticks()
        assert not any("What time?" in m.content for m in officer.messages)
        await start_meeting(officer, "Funding clinic")
        await answer_in_turn(officer, ("26/11", "What time?"), ("14:00", "Where is it?"),
                             ("/cancel", "Stopped: nothing was saved"))
    assert await rows(config, "SELECT title FROM meetings") == []


async def test_killed_right_after_a_question_the_officer_answers_the_one_she_saw(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    """Each step is saved before its question goes out: after ``kill -9`` the date she types
    is taken as the date, not as a new meeting's title at the menu."""
    config = make_config(tmp_path, tg)
    officer = tg.user(user_id=ADMIN_ID)
    async with bot_process(tmp_path) as bot:
        await start_meeting(officer, "Early help forum")
        bot.process.kill()  # SIGKILL: nothing is flushed
    async with bot_process(tmp_path):
        await answer_in_turn(officer, ("19/12/2027", "Sunday 19 December 2027. What time?"),
                             ("10:00", "Where is it?"), ("St James Centre", "Check the meeting"))
        await officer.press("Save")
        await officer.wait_for_text("Saved: Early help forum")
    assert await rows(config, "SELECT title FROM meetings") == [("Early help forum",)]
