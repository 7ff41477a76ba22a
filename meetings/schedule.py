"""A meeting's plan from what the officer typed (in the conversation or an imported file).

Answers are kept as normalised text per field (``"2027-03-30"``, ``"10:00"``), which is what
the persistent conversation can store and what a CSV row holds, and one function turns them
into a :class:`MeetingPlan` with every check that needs more than one field. Times are local
wall times in the network's time zone, turned into UTC here and nowhere else, so a 10:00
meeting is 10:00 whether it falls in GMT or BST.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from db.meetings import BOARD, NETWORK, Meeting, MeetingPlan
from settings.offsets import parse_offsets, wall_time
from wording import meetings as texts

TITLE_MAX = 100
SHORT_MAX = 100
ADDRESS_MAX = 200
AGENDA_MAX = 1500
NOTE_MAX = 500
URL_MAX = 500
CAPACITY_MAX = 10_000
CUTOFF_TIME = time(23, 59)
"""Issues count for a board meeting until the end of the cut-off day."""

NETWORK_FIELDS = ("title", "theme", "audience", "speaker", "venue", "address", "map", "online",
                  "date", "start", "end", "capacity", "agenda", "reminders", "note")
BOARD_FIELDS = ("board", "date", "start", "end", "cutoff", "venue", "address", "map", "online",
                "reminders", "note")
QUICK_NETWORK_FIELDS = ("title", "date", "time", "place")
QUICK_BOARD_FIELDS = ("board", "date", "time")
"""What a new meeting asks before the review; the rest waits behind "More details". ``time``
(start, and maybe end) and ``place`` (a venue or a link) each stand for more than one field."""
FROM_A_TITLE = NETWORK
"""The kind of meeting a title typed at /meeting's menu starts: the everyday one."""
STANDS_FOR = {"time": ("start", "end"), "place": ("venue", "online")}
DEFAULT_LENGTH = timedelta(hours=2)
"""A start time alone makes a two-hour meeting; the end can be changed under More details."""
OPTIONAL = frozenset({"theme", "audience", "speaker", "venue", "address", "map", "online",
                      "capacity", "agenda", "reminders", "note", "cutoff"})
ALL, FOLLOWERS = "all", "followers"
NO_REMINDERS = "none"

_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_UNTIL = re.compile(r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*", re.IGNORECASE)
_HALF_DAY = re.compile(r"(am|pm)$", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE)
_ONLY_WEEKDAY = re.compile(r"^(?:next\s+|this\s+|on\s+)?(mon|tue|wed|thu|fri|sat|sun)[a-z]*$",
                           re.IGNORECASE)
_YEAR = re.compile(r"\b\d{4}\b|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$")
_RELATIVE_DAYS = {"today": 0, "tomorrow": 1}


class Invalid(ValueError):
    """An answer that cannot stand, worded for the officer, naming the field to ask again."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Passed(Invalid):
    """A date or start time that has already passed (an import skips these rows)."""


@dataclass(frozen=True)
class PlanRules:
    """What checking a plan depends on besides the answers."""

    tz: ZoneInfo
    now: datetime
    themes: dict[str, str]
    """slug -> title of the themes a meeting can be about."""
    boards: tuple[str, ...]
    cutoff_days: int

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()


# --- one field at a time ----------------------------------------------------------------------


def _text(limit: int, *, multiline: bool = False) -> Callable[[str, str, PlanRules], str]:
    """Free text up to ``limit`` characters; one-line fields lose stray line breaks."""
    def parse(field: str, text: str, rules: PlanRules) -> str:
        cleaned = text.strip() if multiline else " ".join(text.split())
        if len(cleaned) > limit:
            raise Invalid(field, texts.too_long(len(cleaned), limit))
        return cleaned
    return parse


def _title(field: str, text: str, rules: PlanRules) -> str:
    cleaned = _text(TITLE_MAX)(field, text, rules)
    if len(cleaned) < 3:
        raise Invalid(field, texts.TITLE_TOO_SHORT)
    return cleaned


def _read_date(field: str, text: str, today: date) -> date:
    """A date as people type it: 19/11/2026, 2026-11-19, 19/11, 19 Nov, Thursday 19 November,
    Thursday, tomorrow. Day before month (the UK way) unless the year comes first; a date
    without a year is the next one to come; a weekday that is not the date's is refused."""
    cleaned = " ".join(text.replace(",", " ").split())
    if cleaned.lower() in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[cleaned.lower()])
    if match := _ONLY_WEEKDAY.match(cleaned):
        ahead = (_weekday(match[1]) - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    day = _numeric_date(field, cleaned) or _worded_date(field, cleaned, today)
    named = {_weekday(name) for name in _WEEKDAY.findall(cleaned)}
    if named and named != {day.weekday()}:
        raise Invalid(field, texts.wrong_weekday(day, _WEEKDAYS[min(named)]))
    return day


def _weekday(name: str) -> int:
    return next(i for i, full in enumerate(_WEEKDAYS) if full.startswith(name.lower()[:3]))


def _numeric_date(field: str, text: str) -> date | None:
    """A date written in full with numbers, checked so a mistyped one is named."""
    if match := _DATE_DMY.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _DATE_ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise Invalid(field, texts.no_such_date(day, month, year)) from None


def _worded_date(field: str, text: str, today: date) -> date:
    """What python-dateutil reads, the year left out taken as this year or the next."""
    midnight = datetime.combine(today, time())
    try:
        parsed = dateparser.parse(text, default=midnight, dayfirst=True)
    except (ValueError, OverflowError):
        raise Invalid(field, texts.NOT_A_DATE) from None
    if parsed.time() != time() or parsed.tzinfo is not None:  # a time, not a date
        raise Invalid(field, texts.NOT_A_DATE)
    day = parsed.date()
    if day < today and _YEAR.search(text) is None:
        day = dateparser.parse(text, default=midnight.replace(year=today.year + 1, day=1),
                               dayfirst=True).date()
    return day


def _meeting_date(field: str, text: str, rules: PlanRules) -> str:
    day = _read_date(field, text, rules.today)
    if day < rules.today:
        raise Passed(field, texts.date_passed(day))
    return day.isoformat()


def _cutoff_date(field: str, text: str, rules: PlanRules) -> str:
    return _read_date(field, text, rules.today).isoformat()


def _read_time(field: str, text: str) -> time:
    match = _TIME.match(text.strip())
    if match is None:
        raise Invalid(field, texts.NOT_A_TIME)
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            raise Invalid(field, texts.no_such_time(text.strip()))
        hour = hour % 12 + (12 if match[3].lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        raise Invalid(field, texts.no_such_time(text.strip()))
    return time(hour, minute)


def _time(field: str, text: str, rules: PlanRules) -> str:
    return _read_time(field, text).strftime("%H:%M")


def _times_of_day(text: str) -> dict[str, str]:
    """"10", "10:00", "7pm", "10-12", "10:00 to 12:30", "6-8pm" (the pm is both's); without an
    end the meeting lasts :data:`DEFAULT_LENGTH`, up to midnight."""
    parts = _UNTIL.split(text.strip(), maxsplit=1)
    if len(parts) == 2 and (half := _HALF_DAY.search(parts[1])) and not _HALF_DAY.search(parts[0]):
        with_half = f"{parts[0]}{half[1]}"
        if _read_time("time", with_half) < _read_time("time", parts[1]):
            parts[0] = with_half
    start = _read_time("time", parts[0])
    if len(parts) == 2:
        end = _read_time("time", parts[1])
    else:
        later = datetime.combine(date.min, start) + DEFAULT_LENGTH
        end = later.time() if later.date() == date.min else CUTOFF_TIME
    return {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}


def _place(text: str, rules: PlanRules) -> dict[str, str]:
    """A link is where to join online; anything else is the venue's name."""
    if text.strip().lower().startswith(("http://", "https://")):
        return {"online": _url("place", text, rules)}
    return {"venue": _text(SHORT_MAX)("place", text, rules)}


def _url(field: str, text: str, rules: PlanRules) -> str:
    cleaned = text.strip()
    if not re.match(r"^https?://[^\s/]+\.[^\s]+$", cleaned) or len(cleaned) > URL_MAX:
        raise Invalid(field, texts.NOT_A_LINK)
    return cleaned


def _capacity(field: str, text: str, rules: PlanRules) -> str:
    cleaned = text.strip().replace(",", "")
    if not cleaned.isdigit() or not 1 <= int(cleaned) <= CAPACITY_MAX:
        raise Invalid(field, texts.BAD_CAPACITY.format(maximum=CAPACITY_MAX))
    return str(int(cleaned))


def _theme(field: str, text: str, rules: PlanRules) -> str:
    wanted = text.strip().casefold()
    for slug, title in rules.themes.items():
        if wanted in (slug.casefold(), title.casefold()):
            return slug
    raise Invalid(field, texts.unknown_choice(text, list(rules.themes.values())))


def _board(field: str, text: str, rules: PlanRules) -> str:
    wanted = text.strip().casefold()
    for board in rules.boards:
        if wanted == board.casefold():
            return board
    raise Invalid(field, texts.unknown_choice(text, list(rules.boards)))


def _audience(field: str, text: str, rules: PlanRules) -> str:
    wanted = text.strip().lower()
    if wanted not in (ALL, FOLLOWERS):
        raise Invalid(field, texts.unknown_choice(text, [ALL, FOLLOWERS]))
    return wanted


def _reminders(field: str, text: str, rules: PlanRules) -> str:
    if text.strip().lower() == NO_REMINDERS:
        return NO_REMINDERS
    try:
        offsets = parse_offsets([part for part in re.split(r"[,\s]+", text) if part])
    except ValueError:
        raise Invalid(field, texts.BAD_REMINDERS) from None
    if not offsets:
        raise Invalid(field, texts.BAD_REMINDERS)
    return ", ".join(offset.text for offset in offsets)


PARSERS: dict[str, Callable[[str, str, PlanRules], str]] = {
    "title": _title, "theme": _theme, "audience": _audience, "board": _board,
    "speaker": _text(SHORT_MAX), "venue": _text(SHORT_MAX), "address": _text(ADDRESS_MAX),
    "map": _url, "online": _url, "date": _meeting_date, "start": _time, "end": _time,
    "cutoff": _cutoff_date, "capacity": _capacity, "agenda": _text(AGENDA_MAX, multiline=True),
    "reminders": _reminders, "note": _text(NOTE_MAX, multiline=True),
}


def parse_answer(field: str, text: str, rules: PlanRules) -> str:
    """The normalised answer for one field; raises :class:`Invalid` with what is wrong."""
    return PARSERS[field](field, text, rules)


def parse_answers(field: str, text: str, rules: PlanRules) -> dict[str, str]:
    """The answers one reply gives: one field's, or the several a quick question stands for."""
    if field == "time":
        return _times_of_day(text)
    if field == "place":
        return _place(text, rules)
    return {field: parse_answer(field, text, rules)}


def quick_fields(kind: str) -> tuple[str, ...]:
    return QUICK_BOARD_FIELDS if kind == BOARD else QUICK_NETWORK_FIELDS


def asked_as(field: str, quick: bool) -> str:
    """The question that sets ``field``: in the quick path, the one that stands for it."""
    if quick:
        return next((short for short, fields in STANDS_FOR.items() if field in fields), field)
    return field


def summary_answer(field: str, answers: dict[str, str]) -> str:
    """One line for a quick question's answers: "10:00–12:00", the venue or the link."""
    if field == "time":
        return "–".join(answers[f] for f in STANDS_FOR[field] if answers.get(f))
    if field == "place":
        return answers.get("venue") or answers.get("online", "")
    return answers.get(field, "")


# --- the whole plan ---------------------------------------------------------------------------


def local_moment(field: str, day: date, at: time, tz: ZoneInfo) -> datetime:
    """UTC for a local date and time; a time skipped when the clocks go forward is refused."""
    moment = wall_time(datetime.combine(day, at), tz)
    if moment.astimezone(tz).replace(tzinfo=None) != datetime.combine(day, at):
        raise Invalid(field, texts.skipped_time(at))
    return moment


def plan_from_answers(
    kind: str, answers: dict[str, str], rules: PlanRules, original: Meeting | None = None
) -> MeetingPlan:
    """The plan, with every check across fields; the original's time may be in the past."""
    missing = [f for f in fields_of(kind) if f not in OPTIONAL and not answers.get(f)]
    if missing:
        raise Invalid(missing[0], texts.REQUIRED)
    starts_at, ends_at = _times(answers, rules, original)
    common = MeetingPlan(
        kind=kind, title=answers.get("title") or answers.get("board", ""),
        starts_at=starts_at, ends_at=ends_at,
        venue=answers.get("venue", ""), address=answers.get("address", ""),
        map_url=answers.get("map") or None, online_url=answers.get("online") or None,
        reminder_offsets=_offsets(answers.get("reminders", "")),
        reminder_note=answers.get("note", ""),
    )
    if kind == BOARD:
        return replace(common, board=answers["board"],
                       issue_cutoff_at=_cutoff(answers, starts_at, rules))
    if not (common.venue or common.online_url):
        raise Invalid("venue", texts.NEED_PLACE)
    theme = answers.get("theme") or None
    followers_only = answers.get("audience") == FOLLOWERS
    if followers_only and theme is None:
        raise Invalid("audience", texts.FOLLOWERS_NEED_THEME)
    capacity = answers.get("capacity")
    return replace(common, theme_slug=theme, followers_only=followers_only,
                   speaker=answers.get("speaker", ""), agenda=answers.get("agenda", ""),
                   capacity=int(capacity) if capacity else None)


def _times(
    answers: dict[str, str], rules: PlanRules, original: Meeting | None
) -> tuple[datetime, datetime]:
    day = date.fromisoformat(answers["date"])
    start = local_moment("start", day, time.fromisoformat(answers["start"]), rules.tz)
    end = local_moment("end", day, time.fromisoformat(answers["end"]), rules.tz)
    if end <= start:
        raise Invalid("end", texts.END_BEFORE_START)
    unchanged = original is not None and original.starts_at == start
    if start <= rules.now and not unchanged:
        raise Passed("date" if day < rules.today else "start", texts.starts_in_past())
    return start, end


def _cutoff(answers: dict[str, str], starts_at: datetime, rules: PlanRules) -> datetime:
    meeting_day = starts_at.astimezone(rules.tz).date()
    chosen = answers.get("cutoff")
    day = (date.fromisoformat(chosen) if chosen
           else meeting_day - timedelta(days=rules.cutoff_days))
    if day >= meeting_day:
        raise Invalid("cutoff", texts.CUTOFF_AFTER_MEETING)
    return wall_time(datetime.combine(day, CUTOFF_TIME), rules.tz)


def _offsets(answer: str) -> tuple[str, ...] | None:
    if not answer:
        return None
    if answer == NO_REMINDERS:
        return ()
    return tuple(offset.strip() for offset in answer.split(","))


def answers_of(meeting: Meeting, tz: ZoneInfo) -> dict[str, str]:
    """The answers that give this meeting's plan back: editing starts from them."""
    start, end = meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
    answers = {
        "title": meeting.title, "board": meeting.board or "", "theme": meeting.theme_slug or "",
        "audience": FOLLOWERS if meeting.followers_only else ALL,
        "speaker": meeting.speaker, "venue": meeting.venue, "address": meeting.address,
        "map": meeting.map_url or "", "online": meeting.online_url or "",
        "date": start.date().isoformat(), "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"), "agenda": meeting.agenda,
        "capacity": str(meeting.capacity or ""), "note": meeting.reminder_note,
        "reminders": _reminders_answer(meeting.reminder_offsets),
        "cutoff": (meeting.issue_cutoff_at.astimezone(tz).date().isoformat()
                   if meeting.issue_cutoff_at else ""),
    }
    return {field: answers[field] for field in fields_of(meeting.kind) if answers[field]}


def _reminders_answer(offsets: tuple[str, ...] | None) -> str:
    if offsets is None:
        return ""
    return ", ".join(offsets) if offsets else NO_REMINDERS


def fields_of(kind: str) -> tuple[str, ...]:
    return BOARD_FIELDS if kind == BOARD else NETWORK_FIELDS
