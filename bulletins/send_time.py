"""When the officer wants a bulletin to go, from what she typed.

python-dateutil reads the words and numbers; the rules that make a date mean what it says are
here, because dateutil's one ``dayfirst`` switch cannot hold both: ``2027-01-02`` is ISO (year,
month, day: 2 January), ``2/1/2027`` is written the UK way (day first: 2 January too). What a
person could have meant two ways is given back as every reading for her to choose from, never
guessed: a weekday that is not the date's ("Friday 2 January 2027", a Saturday) and an hour
that could be night or afternoon ("3:30"). A date without a year, or a time without a date, is
the next one to come.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from settings.offsets import wall_time

DEFAULT_TIME = time(9, 0)
"""A date without a time goes at 09:00, when people read their messages."""
_ISO_START = re.compile(r"^\s*\d{4}[-/.]")
_WEEKDAYS = {name[:3]: number for number, name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE)
_SMALL_HOUR = re.compile(r"(?<![\d:])([1-6]):(\d{2})(?!\s*[ap]\.?m)(?![\d:])", re.IGNORECASE)
"""A one-digit hour that could be at night or in the afternoon: "3:30" (but not "03:30")."""


def readings(text: str, tz: ZoneInfo, now: datetime) -> list[datetime]:
    """Every moment ``text`` could mean, in ``tz``: none if it cannot be read as a date and
    time, one if it is clear, several (earliest first) if she must choose."""
    local_now = now.astimezone(tz).replace(tzinfo=None)
    found: set[datetime] = set()
    for variant in _hours_meant(text):
        moment = _next_to_come(variant, local_now)
        if moment is None:
            return []
        found.update(wall_time(datetime.combine(day, moment.time()), tz)
                     for day in _days_meant(text, moment.date()))
    return sorted(found)


def _parse(text: str, default_day: date) -> datetime | None:
    iso = _ISO_START.match(text) is not None
    default = datetime.combine(default_day, DEFAULT_TIME)
    try:
        parsed = dateparser.parse(text, default=default, dayfirst=not iso, yearfirst=iso)
    except (ValueError, OverflowError):
        return None
    return parsed.replace(tzinfo=None)


def _next_to_come(text: str, now: datetime) -> datetime | None:
    """What was typed, with what was left out (the day, the year) taken from today; if that
    has passed, from tomorrow or next year: a time alone is the next such time, a date without
    a year the next such date."""
    today = now.date()
    moment = _parse(text, today)
    if moment is None or moment >= now:
        return moment
    tomorrow = _parse(text, today + timedelta(days=1))
    if tomorrow is not None and tomorrow.date() != moment.date():
        return tomorrow
    next_year = _parse(text, _a_year_on(today))
    return next_year if next_year is not None and next_year.year != moment.year else moment


def _a_year_on(day: date) -> date:
    return day.replace(year=day.year + 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _days_meant(text: str, day: date) -> list[date]:
    """The date, and the named weekday nearest it when the two disagree."""
    named = {_WEEKDAYS[match.lower()[:3]] for match in _WEEKDAY.findall(text)}
    if not named or named == {day.weekday()}:
        return [day]
    wanted = min(named, key=lambda weekday: abs(_nearest(day, weekday) - day))
    return [day, _nearest(day, wanted)]


def _nearest(day: date, weekday: int) -> date:
    ahead = (weekday - day.weekday()) % 7
    return day + timedelta(days=ahead if ahead <= 3 else ahead - 7)


def _hours_meant(text: str) -> list[str]:
    """The text as typed, or read once in the morning and once in the afternoon."""
    if _SMALL_HOUR.search(text) is None:
        return [text]
    return [_SMALL_HOUR.sub(rf"\1:\2{half}", text, count=1) for half in ("am", "pm")]
