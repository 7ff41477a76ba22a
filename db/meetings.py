"""Repository functions for meetings, members' answers to them, and timed sends about them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from datetime import datetime

from db.database import Database
from db.timeutil import from_db, to_db

NETWORK, BOARD = "network", "board"
GOING, MAYBE, NO, WAITING = "going", "maybe", "no", "waiting"
ANSWERS = (GOING, MAYBE, NO, WAITING)


@dataclass(frozen=True, kw_only=True)
class MeetingPlan:
    """What the officer decides about a meeting; kept apart from :class:`Meeting` so creating
    and editing take exactly these fields."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    board: str | None = None
    theme_slug: str | None = None
    followers_only: bool = False
    speaker: str = ""
    venue: str = ""
    address: str = ""
    map_url: str | None = None
    online_url: str | None = None
    agenda: str = ""
    capacity: int | None = None
    issue_cutoff_at: datetime | None = None
    reminder_offsets: tuple[str, ...] | None = None
    """None: the config's offsets; empty: no reminders."""
    reminder_note: str = ""


@dataclass(frozen=True, kw_only=True)
class Meeting(MeetingPlan):
    id: int
    status: str
    sequence: int
    scheduled_at: datetime
    notes: str | None
    notes_sent_at: datetime | None
    updated_at: datetime
    """The last change to the stored meeting: the calendar event's LAST-MODIFIED."""

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def plan(self) -> MeetingPlan:
        return MeetingPlan(**{f.name: getattr(self, f.name) for f in fields(MeetingPlan)})


@dataclass(frozen=True)
class Attendee:
    member_id: int
    chat_id: int
    organisation: str
    contact_name: str
    role: str
    answer: str
    answered_at: datetime


@dataclass(frozen=True)
class MemberAnswer:
    """One of a member's answers, for /mydata."""

    meeting_title: str
    starts_at: datetime
    answer: str
    answered_at: datetime


_PLAN_COLUMNS = [f.name for f in fields(MeetingPlan)]


def _moment(row: sqlite3.Row, column: str) -> datetime:
    moment = from_db(row[column])
    assert moment is not None, f"{column} is NOT NULL"
    return moment


def _meeting(row: sqlite3.Row) -> Meeting:
    offsets = row["reminder_offsets"]
    return Meeting(
        id=row["id"], kind=row["kind"], title=row["title"], board=row["board"],
        theme_slug=row["theme_slug"], followers_only=bool(row["followers_only"]),
        speaker=row["speaker"], venue=row["venue"], address=row["address"],
        map_url=row["map_url"], online_url=row["online_url"], agenda=row["agenda"],
        capacity=row["capacity"], starts_at=_moment(row, "starts_at"),
        ends_at=_moment(row, "ends_at"), issue_cutoff_at=from_db(row["issue_cutoff_at"]),
        reminder_offsets=None if offsets is None else tuple(json.loads(offsets)),
        reminder_note=row["reminder_note"], status=row["status"], sequence=row["sequence"],
        scheduled_at=_moment(row, "scheduled_at"), notes=row["notes"],
        notes_sent_at=from_db(row["notes_sent_at"]), updated_at=_moment(row, "updated_at"),
    )


def _plan_values(plan: MeetingPlan) -> list[object]:
    values: list[object] = []
    for column in _PLAN_COLUMNS:
        value = getattr(plan, column)
        if isinstance(value, datetime):
            value = to_db(value)
        elif isinstance(value, tuple):
            value = json.dumps(list(value))
        elif isinstance(value, bool):
            value = int(value)
        values.append(value)
    return values


async def insert(
    db: Database, plan: MeetingPlan, now: datetime, source_uid: str | None = None
) -> int:
    columns = [*_PLAN_COLUMNS, "scheduled_at", "source_uid", "created_at", "updated_at"]
    marks = ", ".join("?" for _ in columns)
    return await db.execute(
        f"INSERT INTO meetings ({', '.join(columns)}) VALUES ({marks})",
        [*_plan_values(plan), to_db(now), source_uid, to_db(now), to_db(now)],
    )


async def update(
    db: Database, meeting_id: int, plan: MeetingPlan, now: datetime, *, rescheduled: bool,
    revised: bool,
) -> None:
    """Replace the plan. A change a calendar shows (``revised``) counts in ``sequence``, so
    calendars that follow the feed take the new version; a reschedule restarts the reminders."""
    assignments = ", ".join(f"{column} = ?" for column in _PLAN_COLUMNS)
    counted = ", sequence = sequence + 1" if revised or rescheduled else ""
    moved = ", scheduled_at = ?" if rescheduled else ""
    await db.execute(
        f"UPDATE meetings SET {assignments}, updated_at = ?{counted}{moved} WHERE id = ?",
        [*_plan_values(plan), to_db(now), *([to_db(now)] if rescheduled else []), meeting_id],
    )


async def cancel(db: Database, meeting_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE meetings SET status = 'cancelled', sequence = sequence + 1, updated_at = ?"
        " WHERE id = ?", (to_db(now), meeting_id),
    )


async def get(db: Database, meeting_id: int) -> Meeting | None:
    row = await db.fetch_one("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
    return _meeting(row) if row else None


async def has_source(db: Database, source_uid: str) -> bool:
    return bool(await db.fetch_value(
        "SELECT COUNT(*) FROM meetings WHERE source_uid = ?", (source_uid,)))


async def upcoming(db: Database, now: datetime) -> list[Meeting]:
    """Scheduled meetings that have not started, soonest first."""
    rows = await db.fetch_all(
        "SELECT * FROM meetings WHERE status = 'scheduled' AND starts_at > ?"
        " ORDER BY starts_at, id", (to_db(now),),
    )
    return [_meeting(row) for row in rows]


async def not_ended(db: Database, now: datetime, kind: str) -> list[Meeting]:
    """Scheduled meetings of ``kind`` under way or to come, soonest first."""
    rows = await db.fetch_all(
        "SELECT * FROM meetings WHERE status = 'scheduled' AND kind = ? AND ends_at > ?"
        " ORDER BY starts_at, id", (kind, to_db(now)),
    )
    return [_meeting(row) for row in rows]


async def ended_between(
    db: Database, since: datetime, until: datetime, kind: str = NETWORK
) -> list[Meeting]:
    """Scheduled meetings of ``kind`` that ended in [since, until], latest first."""
    rows = await db.fetch_all(
        "SELECT * FROM meetings WHERE status = 'scheduled' AND kind = ?"
        " AND ends_at >= ? AND ends_at <= ? ORDER BY ends_at DESC, id",
        (kind, to_db(since), to_db(until)),
    )
    return [_meeting(row) for row in rows]


async def ending_after(db: Database, moment: datetime) -> list[Meeting]:
    """Every meeting, cancelled ones too, that ends after ``moment``, soonest first: the public
    calendar, where a cancellation must be carried through rather than just vanish."""
    rows = await db.fetch_all(
        "SELECT * FROM meetings WHERE ends_at > ? ORDER BY starts_at, id", (to_db(moment),))
    return [_meeting(row) for row in rows]


async def next_board_meeting(db: Database, board: str, after: datetime) -> Meeting | None:
    row = await db.fetch_one(
        "SELECT * FROM meetings WHERE kind = 'board' AND status = 'scheduled' AND board = ?"
        " AND starts_at > ? ORDER BY starts_at LIMIT 1", (board, to_db(after)),
    )
    return _meeting(row) if row else None


async def set_notes(db: Database, meeting_id: int, notes: str, now: datetime) -> None:
    await db.execute(
        "UPDATE meetings SET notes = ?, notes_sent_at = ?, updated_at = ? WHERE id = ?",
        (notes, to_db(now), to_db(now), meeting_id),
    )


# --- answers ----------------------------------------------------------------------------------


async def answer_of(db: Database, meeting_id: int, member_id: int) -> str | None:
    value = await db.fetch_value(
        "SELECT answer FROM meeting_rsvps WHERE meeting_id = ? AND member_id = ?",
        (meeting_id, member_id),
    )
    return str(value) if value is not None else None


async def set_answer(
    db: Database, meeting_id: int, member_id: int, answer: str, now: datetime
) -> None:
    """Record the answer; its time only changes when the answer does (waiting-list order)."""
    await db.execute(
        "INSERT INTO meeting_rsvps (meeting_id, member_id, answer, answered_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id, member_id) DO UPDATE SET"
        " answer = excluded.answer, answered_at = excluded.answered_at"
        " WHERE answer != excluded.answer",
        (meeting_id, member_id, answer, to_db(now)),
    )


async def counts(db: Database, meeting_id: int) -> dict[str, int]:
    rows = await db.fetch_all(
        "SELECT answer, COUNT(*) FROM meeting_rsvps WHERE meeting_id = ? GROUP BY answer",
        (meeting_id,),
    )
    found = {row[0]: row[1] for row in rows}
    return {answer: found.get(answer, 0) for answer in ANSWERS}


async def waiting_position(db: Database, meeting_id: int, member_id: int) -> int:
    """1 for the first on the waiting list."""
    return int(await db.fetch_value(
        "SELECT COUNT(*) FROM meeting_rsvps w, meeting_rsvps me"
        " WHERE me.meeting_id = ? AND me.member_id = ? AND w.meeting_id = me.meeting_id"
        " AND w.answer = 'waiting' AND (w.answered_at, w.member_id) <= (me.answered_at, ?)",
        (meeting_id, member_id, member_id),
    ))


async def first_waiting(db: Database, meeting_id: int) -> Attendee | None:
    found = await attendees(db, meeting_id, [WAITING], limit=1)
    return found[0] if found else None


async def attendees(
    db: Database, meeting_id: int, answers: list[str] | None = None, limit: int = -1
) -> list[Attendee]:
    """Members who answered (any of ``answers``), in the order they answered."""
    wanted = answers or list(ANSWERS)
    marks = ",".join("?" for _ in wanted)
    rows = await db.fetch_all(
        "SELECT m.id, m.chat_id, m.organisation, m.contact_name, m.role, r.answer,"
        " r.answered_at FROM meeting_rsvps r JOIN members m ON m.id = r.member_id"
        f" WHERE r.meeting_id = ? AND r.answer IN ({marks})"
        " ORDER BY r.answered_at, m.id LIMIT ?",
        [meeting_id, *wanted, limit],
    )
    return [Attendee(row[0], row[1], row[2], row[3], row[4], row[5], _moment(row, "answered_at"))
            for row in rows]


async def answers_by_member(db: Database, meeting_id: int) -> dict[int, str]:
    rows = await db.fetch_all(
        "SELECT member_id, answer FROM meeting_rsvps WHERE meeting_id = ?", (meeting_id,))
    return {row[0]: row[1] for row in rows}


async def answers_of_member(db: Database, member_id: int) -> list[MemberAnswer]:
    rows = await db.fetch_all(
        "SELECT m.title, m.starts_at, r.answer, r.answered_at FROM meeting_rsvps r"
        " JOIN meetings m ON m.id = r.meeting_id WHERE r.member_id = ? ORDER BY m.starts_at",
        (member_id,),
    )
    return [MemberAnswer(row[0], _moment(row, "starts_at"), row[2], _moment(row, "answered_at"))
            for row in rows]


async def going_meetings_of(db: Database, member_id: int, after: datetime) -> list[int]:
    """Upcoming meetings where the member holds a place."""
    rows = await db.fetch_all(
        "SELECT r.meeting_id FROM meeting_rsvps r JOIN meetings m ON m.id = r.meeting_id"
        " WHERE r.member_id = ? AND r.answer = 'going' AND m.status = 'scheduled'"
        " AND m.starts_at > ?", (member_id, to_db(after)),
    )
    return [row[0] for row in rows]


async def remove_answer(db: Database, meeting_id: int, member_id: int) -> None:
    await db.execute(
        "DELETE FROM meeting_rsvps WHERE meeting_id = ? AND member_id = ?",
        (meeting_id, member_id),
    )


# --- timed sends ------------------------------------------------------------------------------


async def sends_done(db: Database, meeting_id: int, anchor: datetime) -> set[str]:
    rows = await db.fetch_all(
        "SELECT what FROM meeting_sends WHERE meeting_id = ? AND anchor = ?",
        (meeting_id, to_db(anchor)),
    )
    return {row[0] for row in rows}


async def record_send(
    db: Database, meeting_id: int, what: str, anchor: datetime, outcome: str, now: datetime
) -> None:
    await db.execute(
        "INSERT OR IGNORE INTO meeting_sends (meeting_id, what, anchor, outcome, at)"
        " VALUES (?, ?, ?, ?, ?)", (meeting_id, what, to_db(anchor), outcome, to_db(now)),
    )
