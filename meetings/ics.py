"""The "Add to calendar" file: one RFC 5545 event, in local time with its VTIMEZONE.

Local time with a TZID (rather than UTC) keeps the event at 10:00 in a calendar app even if the
app applies a different idea of daylight saving; the VTIMEZONE makes the file self-contained.
The UID is fixed per meeting and SEQUENCE counts every change the event shows (its time, title,
place, link, speaker, agenda, cut-off, a cancellation), so opening a newer file, or a calendar
following the feed, updates the event instead of adding a second one or keeping the old
version: Outlook and Google Calendar apply a change only with a higher SEQUENCE.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from db.meetings import BOARD, Meeting, MeetingPlan
from wording import meetings as texts

PRODID = "-//Linked-up network//linkedup-bot//EN"
EVENT_FIELDS = ("kind", "title", "starts_at", "ends_at", "speaker", "venue", "address", "map_url",
                "online_url", "agenda", "issue_cutoff_at")
"""The parts of a plan the calendar event shows (:func:`_event`, :func:`_description`)."""


def event_changed(before: MeetingPlan, after: MeetingPlan) -> bool:
    """Whether a calendar would show the change, so the event's SEQUENCE must count it."""
    return any(getattr(before, name) != getattr(after, name) for name in EVENT_FIELDS)


def calendar_file(meeting: Meeting, tz: ZoneInfo, now: datetime) -> bytes:
    return _calendar([meeting], tz, now).to_ical()


def calendar_feed(meetings: Sequence[Meeting], tz: ZoneInfo, now: datetime, name: str) -> bytes:
    """The subscribable feed: every meeting under the same UID as its "Add to calendar" file,
    so a calendar that follows the feed updates and cancels the events it already has."""
    calendar = _calendar(meetings, tz, now)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    return calendar.to_ical()


def _calendar(meetings: Sequence[Meeting], tz: ZoneInfo, now: datetime) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for meeting in meetings:
        calendar.add_component(_event(meeting, tz, now))
    days = [meeting.starts_at.astimezone(tz).date() for meeting in meetings] or [now.date()]
    calendar.add_missing_timezones(first_date=min(days) - timedelta(days=366),
                                   last_date=max(days) + timedelta(days=366))
    return calendar


def _event(meeting: Meeting, tz: ZoneInfo, now: datetime) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@linkedup-bot")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now)
    event.add("last-modified", meeting.updated_at)
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", meeting.title)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    location = ", ".join(part for part in (meeting.venue, meeting.address) if part)
    if location:
        event.add("location", location)
    if meeting.online_url:
        event.add("url", meeting.online_url)
    description = _description(meeting, tz)
    if description:
        event.add("description", description)
    return event


def _description(meeting: Meeting, tz: ZoneInfo) -> str:
    parts = [meeting.speaker and f"Speaker: {meeting.speaker}", meeting.agenda,
             meeting.online_url and f"Online: {meeting.online_url}"]
    link = texts.map_link(meeting)
    if link:
        parts.append(f"Map: {link}")
    if meeting.kind == BOARD and meeting.issue_cutoff_at is not None:
        cutoff = texts.long_day(meeting.issue_cutoff_at.astimezone(tz).date())
        parts.append(texts.ICS_DESCRIPTION_BOARD.format(cutoff=cutoff))
    return "\n\n".join(part for part in parts if part)


def filename(meeting: Meeting, tz: ZoneInfo, extension: str = "ics") -> str:
    """A readable file name: the title and the date, e.g. ``early-help-forum-2027-03-30.ics``."""
    slug = re.sub(r"[^a-z0-9]+", "-", meeting.title.lower()).strip("-")[:40] or "meeting"
    return f"{slug}-{meeting.starts_at.astimezone(tz):%Y-%m-%d}.{extension}"
