"""Repository functions for the waiting-list census: participants, months, asks and answers."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.database import Database
from db.members import Member, _member
from db.timeutil import from_db, to_db


@dataclass(frozen=True)
class Participant:
    member: Member
    named: bool
    services: tuple[str, ...]
    ready: bool = True
    """False until the member has answered the naming question: only then are they asked."""


@dataclass(frozen=True)
class CensusMonth:
    month: str
    """'2026-12': the month in the network's time zone."""
    opens_at: datetime
    remind_at: datetime
    closes_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class Figures:
    """One service's answer: ``waiting`` 0 means "no waiting list now"."""

    waiting: int
    wait_weeks: int | None
    closed_to_referrals: bool


@dataclass(frozen=True)
class Answer:
    month: str
    service_slug: str
    member_id: int | None
    organisation: str | None
    named: bool
    figures: Figures
    answered_at: datetime


@dataclass(frozen=True)
class IssueFigures:
    """An issue for a board that carries waiting-list figures, for the report's census section."""

    ref: str
    theme_slug: str
    created_at: datetime
    waiting: int
    longest_wait_weeks: int | None
    organisations: int


def _when(row: sqlite3.Row, column: str) -> datetime:
    moment = from_db(row[column])
    assert moment is not None, f"{column} is NOT NULL"
    return moment


def _month(row: sqlite3.Row) -> CensusMonth:
    return CensusMonth(row["month"], _when(row, "opens_at"), _when(row, "remind_at"),
                       _when(row, "closes_at"), from_db(row["closed_at"]))


def _answer(row: sqlite3.Row) -> Answer:
    return Answer(
        row["month"], row["service_slug"], row["member_id"], row["organisation"],
        bool(row["named"]),
        Figures(row["waiting"], row["wait_weeks"], bool(row["closed_to_referrals"])),
        _when(row, "answered_at"),
    )


# --- participants -------------------------------------------------------------------------------

async def join(db: Database, member_id: int, now: datetime) -> None:
    await db.execute(
        "INSERT OR IGNORE INTO census_participants (member_id, joined_at) VALUES (?, ?)",
        (member_id, to_db(now)),
    )


async def leave(db: Database, member_id: int) -> None:
    await db.execute("DELETE FROM census_participants WHERE member_id = ?", (member_id,))


async def set_named(db: Database, member_id: int, named: bool, now: datetime) -> None:
    """The member's consent (or not) to be named in reports, and when it was given."""
    await db.execute(
        "UPDATE census_participants SET named = ?, named_at = ? WHERE member_id = ?",
        (int(named), to_db(now), member_id))


async def replace_services(db: Database, member_id: int, slugs: Sequence[str]) -> None:
    async with db.transaction():
        await db.execute("DELETE FROM census_member_services WHERE member_id = ?", (member_id,))
        await db.execute_many(
            "INSERT INTO census_member_services (member_id, service_slug) VALUES (?, ?)",
            [(member_id, slug) for slug in slugs],
        )


async def participant(db: Database, member_id: int) -> Participant | None:
    row = await db.fetch_one(
        "SELECT m.*, p.named AS census_named FROM census_participants p"
        " JOIN members m ON m.id = p.member_id WHERE p.member_id = ?", (member_id,))
    if row is None:
        return None
    return Participant(_member(row), bool(row["census_named"]),
                       tuple(await _services_of(db, member_id)), row["census_named"] is not None)


async def _services_of(db: Database, member_id: int) -> list[str]:
    rows = await db.fetch_all(
        "SELECT service_slug FROM census_member_services WHERE member_id = ?"
        " ORDER BY service_slug", (member_id,))
    return [row[0] for row in rows]


async def participants(db: Database, not_asked_in: str | None = None) -> list[Participant]:
    """Everyone taking part (services chosen, naming answered), reachable or not; with
    ``not_asked_in``, only those not yet asked for that month."""
    rows = await db.fetch_all(
        "SELECT m.*, p.named AS census_named, group_concat(s.service_slug) AS slugs"
        " FROM census_participants p JOIN members m ON m.id = p.member_id"
        " JOIN census_member_services s ON s.member_id = p.member_id"
        " WHERE p.named IS NOT NULL AND (? IS NULL OR NOT EXISTS (SELECT 1 FROM census_asks a"
        "  WHERE a.month = ? AND a.member_id = p.member_id))"
        " GROUP BY p.member_id ORDER BY m.organisation, m.id", (not_asked_in, not_asked_in))
    return [Participant(_member(row), bool(row["census_named"]),
                        tuple(sorted(row["slugs"].split(",")))) for row in rows]


# --- months and asks ----------------------------------------------------------------------------

async def ensure_month(db: Database, month: CensusMonth) -> CensusMonth:
    """The month's row, written the first time its opening is reached; later calls read it."""
    found = await get_month(db, month.month)
    if found is not None:
        return found
    await db.execute(
        "INSERT OR IGNORE INTO census_months (month, opens_at, remind_at, closes_at)"
        " VALUES (?, ?, ?, ?)",
        (month.month, to_db(month.opens_at), to_db(month.remind_at), to_db(month.closes_at)),
    )
    found = await get_month(db, month.month)
    assert found is not None
    return found


async def get_month(db: Database, month: str) -> CensusMonth | None:
    row = await db.fetch_one("SELECT * FROM census_months WHERE month = ?", (month,))
    return _month(row) if row else None


async def unclosed_months(db: Database) -> list[CensusMonth]:
    rows = await db.fetch_all("SELECT * FROM census_months WHERE closed_at IS NULL")
    return [_month(row) for row in rows]


async def months_up_to(db: Database, moment: datetime) -> list[CensusMonth]:
    """Every month opened by ``moment``, oldest first."""
    rows = await db.fetch_all(
        "SELECT * FROM census_months WHERE opens_at <= ? ORDER BY month", (to_db(moment),))
    return [_month(row) for row in rows]


async def close_month(db: Database, month: str, at: datetime) -> None:
    await db.execute(
        "UPDATE census_months SET closed_at = ? WHERE month = ? AND closed_at IS NULL",
        (to_db(at), month))


async def first_board_cut_off(db: Database, after: datetime, until: datetime) -> datetime | None:
    """The earliest cut-off for issues of a scheduled board meeting in (after, until]."""
    value = await db.fetch_value(
        "SELECT MIN(issue_cutoff_at) FROM meetings WHERE kind = 'board' AND status = 'scheduled'"
        " AND issue_cutoff_at > ? AND issue_cutoff_at <= ?", (to_db(after), to_db(until)))
    return from_db(value)


async def asked_members(db: Database, month: str) -> set[int]:
    rows = await db.fetch_all("SELECT member_id FROM census_asks WHERE month = ?", (month,))
    return {row[0] for row in rows}


async def record_asks(db: Database, month: str, member_ids: Sequence[int], now: datetime,
                      *, remind: bool) -> None:
    """``remind`` False: asked after the reminder's time, so the reminder is not for them."""
    reminded = None if remind else to_db(now)
    await db.execute_many(
        "INSERT OR IGNORE INTO census_asks (month, member_id, asked_at, reminded_at)"
        " VALUES (?, ?, ?, ?)", [(month, member_id, to_db(now), reminded)
                                 for member_id in member_ids])


async def due_reminders(db: Database, month: str) -> list[int]:
    rows = await db.fetch_all(
        "SELECT member_id FROM census_asks WHERE month = ? AND reminded_at IS NULL"
        " ORDER BY member_id", (month,))
    return [row[0] for row in rows]


async def record_reminded(db: Database, month: str, member_ids: Sequence[int],
                          now: datetime) -> None:
    await db.execute_many(
        "UPDATE census_asks SET reminded_at = ? WHERE month = ? AND member_id = ?",
        [(to_db(now), month, member_id) for member_id in member_ids])


# --- answers ------------------------------------------------------------------------------------

async def save_answer(db: Database, month: str, slug: str, member: Member, named: bool,
                      figures: Figures, now: datetime) -> None:
    """One answer per member, service and month: answering again corrects it."""
    await db.execute(
        "INSERT INTO census_answers (month, service_slug, member_id, organisation, named,"
        " waiting, wait_weeks, closed_to_referrals, answered_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (month, service_slug, member_id) DO UPDATE SET"
        " organisation = excluded.organisation, named = excluded.named,"
        " waiting = excluded.waiting, wait_weeks = excluded.wait_weeks,"
        " closed_to_referrals = excluded.closed_to_referrals, answered_at = excluded.answered_at",
        (month, slug, member.id, member.organisation, int(named), figures.waiting,
         figures.wait_weeks, int(figures.closed_to_referrals), to_db(now)),
    )


async def answers_of_member(db: Database, member_id: int, month: str | None = None,
                            ) -> list[Answer]:
    rows = await db.fetch_all(
        "SELECT * FROM census_answers WHERE member_id = ? AND (? IS NULL OR month = ?)"
        " ORDER BY month, service_slug", (member_id, month, month))
    return [_answer(row) for row in rows]


async def answers_in(db: Database, months: Sequence[str], answered_by: datetime | None = None,
                     ) -> list[Answer]:
    """Answers for these months; with ``answered_by``, only those given by then (a report's
    cut-off), so a report made again later shows the same figures."""
    marks = ",".join("?" for _ in months)
    rows = await db.fetch_all(
        f"SELECT * FROM census_answers WHERE month IN ({marks})"
        " AND (? IS NULL OR answered_at <= ?) ORDER BY month, service_slug, id",
        (*months, *(2 * [to_db(answered_by) if answered_by else None])))
    return [_answer(row) for row in rows]


async def first_answered_month(db: Database) -> str | None:
    """The first month anyone answered: where a published series begins (months before it
    had no census to speak of, only empty rows the schedule made)."""
    first: str | None = await db.fetch_value("SELECT MIN(month) FROM census_answers")
    return first


async def forget_member(db: Database, member_id: int) -> None:
    """The figures stay in the totals; the link to the member and the name go."""
    await db.execute(
        "UPDATE census_answers SET member_id = NULL, organisation = NULL, named = 0"
        " WHERE member_id = ?", (member_id,))


async def issues_with_figures(db: Database, board: str, since: datetime, until: datetime,
                              ) -> list[IssueFigures]:
    """Issues raised for ``board`` in (since, until] that carry waiting-list figures."""
    rows = await db.fetch_all(
        "SELECT i.ref, i.theme_slug, i.created_at, SUM(s.waiting_count) AS waiting,"
        " MAX(s.wait_weeks) AS weeks, COUNT(s.id) AS organisations"
        " FROM issues i JOIN issue_supporters s ON s.issue_id = i.id"
        " WHERE i.board = ? AND i.created_at > ? AND i.created_at <= ?"
        " AND i.status != 'declined' AND s.waiting_count IS NOT NULL"
        " GROUP BY i.id ORDER BY i.created_at, i.id", (board, to_db(since), to_db(until)))
    return [IssueFigures(row["ref"], row["theme_slug"], _when(row, "created_at"),
                         row["waiting"], row["weeks"], row["organisations"]) for row in rows]
