"""``linkedup meetings import FILE``: meeting dates from a CSV file or an iCalendar (.ics) file.

Every row becomes the same answers the /meeting conversation collects, checked by the same
rules, so an imported meeting is exactly as valid as a typed one. Nothing is saved unless the
whole file is good; rows already imported (same UID) and dates that have passed are skipped,
so the council's calendar for the year can be loaded again as it grows.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Component

from db import meetings as repo
from db.meetings import BOARD, NETWORK, Meeting
from meetings.schedule import (
    BOARD_FIELDS,
    NETWORK_FIELDS,
    SHORT_MAX,
    Invalid,
    Passed,
    PlanRules,
    parse_answer,
    plan_from_answers,
)
from meetings.service import MeetingService

COLUMNS = frozenset({"kind", *NETWORK_FIELDS, *BOARD_FIELDS})
DEFAULT_LENGTH = timedelta(hours=2)


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message says why, for the command line."""


@dataclass(frozen=True)
class Row:
    where: str
    """"line 3" or "event 2", for problems."""
    kind: str
    answers: dict[str, str]
    uid: str


@dataclass
class ImportReport:
    added: list[Meeting] = field(default_factory=list)
    already: int = 0
    passed: int = 0
    problems: list[str] = field(default_factory=list)


async def import_file(service: MeetingService, path: Path) -> ImportReport:
    rules = await service.rules()
    rows = read_rows(path, rules)
    report = ImportReport()
    plans = []
    seen: set[str] = set()
    for row in rows:
        # A file can repeat a date (a recurring event's edited occurrence keeps its UID).
        if row.uid in seen or await repo.has_source(service.db, row.uid):
            report.already += 1
            continue
        seen.add(row.uid)
        try:
            answers = {f: parse_answer(f, text, rules) for f, text in row.answers.items() if text}
            plans.append((plan_from_answers(row.kind, answers, rules), row.uid))
        except Passed:
            report.passed += 1
        except Invalid as problem:
            report.problems.append(f"{row.where}, {problem.field}: {problem.message}")
    if not report.problems:
        async with service.db.transaction():  # all of the file or none of it
            report.added = [await service.create(plan, uid) for plan, uid in plans]
    return report


def read_rows(path: Path, rules: PlanRules) -> list[Row]:
    try:
        if path.suffix.lower() == ".csv":
            return _csv_rows(path.read_text("utf-8-sig"))
        if path.suffix.lower() == ".ics":
            return _ics_rows(path.read_bytes(), rules)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UnreadableFile(f"{path} cannot be read: {error}") from None
    raise UnreadableFile(f"{path} is neither a .csv nor an .ics file")


def _csv_rows(text: str) -> list[Row]:
    reader = csv.DictReader(text.splitlines())
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    unknown = [h for h in headers if h not in COLUMNS]
    if unknown:
        raise UnreadableFile(f"unknown columns {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(COLUMNS))}")
    rows = []
    for number, raw in enumerate(reader, start=2):
        answers = {key.strip().lower(): (value or "").strip() for key, value in raw.items() if key}
        kind = answers.pop("kind", "") or NETWORK
        identity = "|".join([kind, answers.get("title") or answers.get("board", ""),
                             answers.get("date", ""), answers.get("start", "")])
        rows.append(Row(f"line {number}", kind if kind in (NETWORK, BOARD) else NETWORK,
                        answers, "csv:" + hashlib.sha256(identity.encode()).hexdigest()[:32]))
    return rows


def _ics_rows(data: bytes, rules: PlanRules) -> list[Row]:
    events = Calendar.from_ical(data).walk("VEVENT")
    return [_ics_row(number, event, rules) for number, event in enumerate(events, start=1)]


def _ics_row(number: int, event: Component, rules: PlanRules) -> Row:
    summary = str(event.get("SUMMARY", "")).strip()
    start = event.decoded("DTSTART")
    if not isinstance(start, datetime):
        raise UnreadableFile(f"event {number} ({summary}) has no start time")
    end = event.decoded("DTEND") if "DTEND" in event else start + DEFAULT_LENGTH
    local_start, local_end = (_local(moment, rules) for moment in (start, end))
    answers = {"date": local_start.date().isoformat(), "start": f"{local_start:%H:%M}",
               "end": f"{local_end:%H:%M}", "agenda": str(event.get("DESCRIPTION", "")),
               "online": str(event.get("URL", "")), **_place(str(event.get("LOCATION", "")))}
    board = next((b for b in rules.boards if b.casefold() in summary.casefold()), None)
    if board is None:
        answers["title"] = summary
    else:
        answers["board"] = board
        answers.pop("agenda")
    return Row(f"event {number}", BOARD if board else NETWORK, answers,
               "ics:" + str(event.get("UID", f"{summary}|{start.isoformat()}")))


def _local(moment: datetime, rules: PlanRules) -> datetime:
    """Floating times (no zone) are the network's local time."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(rules.tz)


def _place(location: str) -> dict[str, str]:
    """"Venue, address" split at the first comma when it is too long for the venue alone."""
    location = " ".join(location.split())
    if len(location) <= SHORT_MAX:
        return {"venue": location}
    venue, _, address = location.partition(",")
    return {"venue": venue.strip(), "address": address.strip()}

