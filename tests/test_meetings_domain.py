"""Meetings without Telegram: what the officer may type, wall-clock times across clock changes,
reminder offsets, the wording of time left, the calendar file and the importer's rows."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from db.meetings import BOARD, NETWORK, Meeting
from meetings.ics import calendar_file
from meetings.importer import UnreadableFile, read_rows
from meetings.schedule import (
    Invalid,
    Passed,
    PlanRules,
    answers_of,
    parse_answer,
    plan_from_answers,
)
from settings.offsets import parse_offset, parse_offsets
from wording.meetings import time_left

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RULES = PlanRules(LONDON, NOW, {"early-help": "Early help"}, ("Early Help Board",), 14)
MORNING = time(8, 0)
FORUM = {"title": "Early help forum", "venue": "St James Centre", "date": "2027-03-30",
         "start": "10:00", "end": "12:00"}


def problem(field: str, text: str) -> str:
    with pytest.raises(Invalid) as caught:
        parse_answer(field, text, RULES)
    return caught.value.message


@pytest.mark.parametrize(("field", "text", "expected"), [
    ("date", "30/3/2027", "2027-03-30"), ("date", "2027-03-30", "2027-03-30"),
    ("date", "02.11.2026", "2026-11-02"), ("start", "9:30", "09:30"), ("start", "2pm", "14:00"),
    ("start", "12am", "00:00"), ("theme", "Early help", "early-help"),
    ("board", "early help board", "Early Help Board"), ("capacity", "1,200", "1200"),
    ("reminders", "3d 2h, morning", "3d, 2h, morning"), ("reminders", "none", "none"),
    ("title", "  Early   help  forum ", "Early help forum"),
])
def test_answers_are_normalised(field: str, text: str, expected: str) -> None:
    assert parse_answer(field, text, RULES) == expected


def test_impossible_dates_times_and_lengths_are_explained() -> None:
    assert "no 31 February 2027" in problem("date", "31/02/2027")
    assert "no month 13" in problem("date", "01/13/2027")
    assert "Sunday 1 November 2026 has passed" in problem("date", "01/11/2026")
    assert "25:00 is not a time of day" in problem("start", "25:00")
    assert "10:75 is not a time of day" in problem("start", "10:75")
    assert "24-hour clock" in problem("start", "ten o'clock")
    assert "101 characters; please keep it to 100" in problem("title", "x" * 101)
    assert "not one of" in problem("theme", "Knitting")
    assert "whole number" in problem("capacity", "0")
    assert "web link" in problem("online", "zoom meeting")
    assert "not reminder offsets" in problem("reminders", "7 days")


def test_a_past_date_is_its_own_problem_so_imports_can_skip_it() -> None:
    with pytest.raises(Passed):
        parse_answer("date", "01/11/2026", RULES)


def test_wall_time_survives_clock_changes() -> None:
    spring = plan_from_answers(NETWORK, FORUM, RULES)
    autumn = plan_from_answers(NETWORK, {**FORUM, "date": "2027-11-01"}, RULES)
    assert spring.starts_at == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)  # BST
    assert autumn.starts_at == datetime(2027, 11, 1, 10, 0, tzinfo=UTC)  # GMT
    week = parse_offset("7d")
    assert week.due(spring.starts_at, LONDON, MORNING) == datetime(2027, 3, 23, 10, tzinfo=UTC)
    assert week.due(autumn.starts_at, LONDON, MORNING) == datetime(2027, 10, 25, 9, tzinfo=UTC)
    assert parse_offset("morning").due(spring.starts_at, LONDON, MORNING) == datetime(
        2027, 3, 30, 7, tzinfo=UTC)
    assert parse_offset("3h").due(spring.starts_at, LONDON, MORNING) == datetime(
        2027, 3, 30, 6, tzinfo=UTC)


def test_plans_are_checked_across_fields() -> None:
    def fails(answers: dict[str, str], kind: str = NETWORK) -> Invalid:
        with pytest.raises(Invalid) as caught:
            plan_from_answers(kind, answers, RULES)
        return caught.value

    assert fails({**FORUM, "end": "09:00"}).field == "end"
    assert fails({**FORUM, "venue": ""}).field == "venue"
    assert fails({**FORUM, "audience": "followers"}).field == "audience"
    skipped = fails({**FORUM, "date": "2027-03-28", "start": "01:30"})
    assert skipped.field == "start" and "clocks go forward" in skipped.message
    today = fails({**FORUM, "date": "2026-11-02", "start": "08:00", "end": "10:00"})
    assert isinstance(today, Passed) and today.field == "start"
    board = {"board": "Early Help Board", "date": "2026-12-01", "start": "14:00", "end": "16:00"}
    assert fails({**board, "cutoff": "2026-12-01"}, BOARD).field == "cutoff"
    cutoff = plan_from_answers(BOARD, board, RULES).issue_cutoff_at
    assert cutoff == datetime(2026, 11, 17, 23, 59, tzinfo=UTC)


def test_answers_of_a_meeting_give_its_plan_back() -> None:
    plan = plan_from_answers(NETWORK, {**FORUM, "theme": "early-help", "audience": "followers",
                                       "capacity": "30", "reminders": "2d, morning"}, RULES)
    meeting = Meeting(**vars(plan), id=1, status="scheduled", sequence=0, scheduled_at=NOW,
                      notes=None, notes_sent_at=None, updated_at=NOW)
    assert plan_from_answers(NETWORK, answers_of(meeting, LONDON), RULES) == plan


def test_offsets_are_distinct_and_strict() -> None:
    assert [o.text for o in parse_offsets(["7d", "7D", "morning"])] == ["7d", "morning"]
    with pytest.raises(ValueError, match="not an offset"):
        parse_offsets(["7 days"])


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2027, 3, 23, 10, tzinfo=UTC), "in 7 days, on Tuesday 30 March 2027 at 10:00"),
    (datetime(2027, 3, 29, 9, tzinfo=UTC), "tomorrow at 10:00"),
    (datetime(2027, 3, 30, 6, tzinfo=UTC), "in 3 hours, at 10:00"),
    (datetime(2027, 3, 30, 8, tzinfo=UTC), "in 1 hour, at 10:00"),
    (datetime(2027, 3, 30, 8, 35, tzinfo=UTC), "in 25 minutes, at 10:00"),
])
def test_time_left_is_worded_for_when_the_reminder_goes(now: datetime, expected: str) -> None:
    assert time_left(datetime(2027, 3, 30, 9, tzinfo=UTC), now, LONDON) == expected


def test_calendar_file_round_trips_with_its_time_zone() -> None:
    plan = plan_from_answers(NETWORK, {**FORUM, "online": "https://meet.example/forum"}, RULES)
    meeting = Meeting(**vars(plan), id=7, status="scheduled", sequence=2, scheduled_at=NOW,
                      notes=None, notes_sent_at=None, updated_at=NOW)
    calendar = Calendar.from_ical(calendar_file(meeting, LONDON, NOW))
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("DTSTART")
    assert (start.replace(tzinfo=None), str(start.tzinfo)) == (
        datetime(2027, 3, 30, 10, 0), "Europe/London")
    assert event.decoded("DTEND").hour == 12
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert (str(event["UID"]), event["SEQUENCE"], str(event["URL"])) == (
        "meeting-7@linkedup-bot", 2, "https://meet.example/forum")


def test_importer_reads_csv_and_ics_rows(tmp_path: Path) -> None:
    table = tmp_path / "dates.csv"
    table.write_text("kind,board,date,start,end\nboard,Early Help Board,1/12/2026,14:00,16:00\n",
                     "utf-8")
    [row] = read_rows(table, RULES)
    assert (row.where, row.kind, row.answers["date"]) == ("line 2", BOARD, "1/12/2026")
    diary = tmp_path / "dates.ics"
    diary.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\n"
        "UID:abc@council\r\nSUMMARY:Early Help Board\r\nDTSTAMP:20261101T000000Z\r\n"
        "DTSTART;TZID=Europe/London:20270330T140000\r\n"
        "DTEND;TZID=Europe/London:20270330T160000\r\nLOCATION:Town Hall\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", "utf-8")
    [event] = read_rows(diary, RULES)
    assert (event.kind, event.uid, event.answers["start"], event.answers["venue"]) == (
        BOARD, "ics:abc@council", "14:00", "Town Hall")
    (tmp_path / "dates.txt").write_text("x", "utf-8")
    with pytest.raises(UnreadableFile, match="neither"):
        read_rows(tmp_path / "dates.txt", RULES)
