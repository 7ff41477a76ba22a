"""Repository functions for issues, the organisations behind them, their history and the board
reports they went into. All the SQL of the issues feature lives here."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.database import Database
from db.timeutil import from_db, to_db

SUBMITTED, ACCEPTED, MERGED, DECLINED = "submitted", "accepted", "merged", "declined"
REFERRED, REPORTED, RESPONDED, CLOSED = "referred", "reported", "responded", "closed"
OPEN_STATUSES = (SUBMITTED, ACCEPTED, REFERRED, REPORTED, RESPONDED)
"""Still being worked on: shown in the officer's queue."""
JOINABLE_STATUSES = (SUBMITTED, ACCEPTED, REFERRED, REPORTED)
"""An organisation can still say "us too" and be counted in the next report."""


@dataclass(frozen=True)
class Figures:
    """What an organisation can tell about a waiting list; each part is optional."""

    waiting_count: int | None = None
    wait_weeks: int | None = None
    waiting_since: str | None = None
    affected_count: int | None = None
    """Affected in another way than waiting (a service that closed): never added to waiting."""


@dataclass(frozen=True)
class Issue:
    id: int
    ref: str
    theme_slug: str
    what_happening: str
    impact: str
    board: str | None
    status: str
    status_note: str | None
    outcome: str | None
    merged_into: int | None
    accepted_at: datetime | None
    reported_at: datetime | None
    response: str | None
    responded_at: datetime | None
    overdue_flagged_at: datetime | None
    follow_up_sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    anonymised_at: datetime | None
    board_ask: str | None = None
    """What the organisation asks the board to do; None: left to the officer."""


@dataclass(frozen=True)
class Supporter:
    """One organisation behind an issue; ``member_id`` is None once the link is cut."""

    id: int
    issue_id: int
    member_id: int | None
    organisation: str | None
    named: bool
    raised: bool
    figures: Figures
    follow_up_answer: str | None
    joined_at: datetime


@dataclass(frozen=True)
class NewSupporter:
    member_id: int
    organisation: str
    named: bool
    figures: Figures


@dataclass(frozen=True)
class NewIssue:
    theme_slug: str
    what_happening: str
    impact: str
    board: str | None
    board_ask: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who made a change: the officer (by Telegram id), a member, or the bot's own timers."""

    kind: str
    officer_id: int | None = None
    member_id: int | None = None


SYSTEM = Actor("system")


@dataclass(frozen=True)
class Event:
    id: int
    issue_id: int
    at: datetime
    actor: Actor
    action: str
    note: str | None


@dataclass(frozen=True)
class Publication:
    """The officer's approval to show the issue on the public page, with the words to show."""

    issue_id: int
    summary: str
    member_words: bool
    """The summary is the organisation's own "what is happening", approved as written."""
    approved_at: datetime


@dataclass(frozen=True)
class BoardReportRecord:
    id: int
    board: str
    meeting_at: datetime
    cut_off_at: datetime
    generated_at: datetime
    settled_at: datetime | None


def _moment(row: sqlite3.Row, column: str) -> datetime:
    moment = from_db(row[column])
    assert moment is not None, f"{column} is NOT NULL"
    return moment


def _issue(row: sqlite3.Row) -> Issue:
    return Issue(
        id=row["id"], ref=row["ref"], theme_slug=row["theme_slug"],
        what_happening=row["what_happening"], impact=row["impact"], board=row["board"],
        status=row["status"], status_note=row["status_note"], outcome=row["outcome"],
        merged_into=row["merged_into"], accepted_at=from_db(row["accepted_at"]),
        reported_at=from_db(row["reported_at"]), response=row["response"],
        responded_at=from_db(row["responded_at"]),
        overdue_flagged_at=from_db(row["overdue_flagged_at"]),
        follow_up_sent_at=from_db(row["follow_up_sent_at"]),
        created_at=_moment(row, "created_at"), updated_at=_moment(row, "updated_at"),
        anonymised_at=from_db(row["anonymised_at"]), board_ask=row["board_ask"],
    )


def _supporter(row: sqlite3.Row) -> Supporter:
    return Supporter(
        id=row["id"], issue_id=row["issue_id"], member_id=row["member_id"],
        organisation=row["organisation"], named=bool(row["named"]), raised=bool(row["raised"]),
        figures=Figures(row["waiting_count"], row["wait_weeks"], row["waiting_since"],
                        row["affected_count"]),
        follow_up_answer=row["follow_up_answer"], joined_at=_moment(row, "joined_at"),
    )


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" for _ in values)


# --- issues -----------------------------------------------------------------------------------

async def _next_ref(db: Database, year: int) -> str:
    prefix = f"LU-{year}-"
    last = await db.fetch_value(
        "SELECT MAX(CAST(substr(ref, ?) AS INTEGER)) FROM issues WHERE ref LIKE ?",
        (len(prefix) + 1, prefix + "%"),
    )
    return f"{prefix}{(last or 0) + 1:03d}"


async def create(
    db: Database, new: NewIssue, supporter: NewSupporter, year: int, now: datetime
) -> Issue:
    """The issue with its reference, the raising organisation and the first history line."""
    async with db.transaction():
        ref = await _next_ref(db, year)
        issue_id = await db.execute(
            "INSERT INTO issues (ref, theme_slug, what_happening, impact, board, board_ask,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (ref, new.theme_slug, new.what_happening, new.impact, new.board, new.board_ask,
             to_db(now), to_db(now)),
        )
        await _insert_supporter(db, issue_id, supporter, raised=True, now=now)
        await add_event(db, issue_id, Actor("member", member_id=supporter.member_id),
                        SUBMITTED, None, now)
    issue = await get(db, issue_id)
    assert issue is not None
    return issue


async def get(db: Database, issue_id: int) -> Issue | None:
    row = await db.fetch_one("SELECT * FROM issues WHERE id = ?", (issue_id,))
    return _issue(row) if row else None


async def get_by_ref(db: Database, ref: str) -> Issue | None:
    row = await db.fetch_one("SELECT * FROM issues WHERE ref = ?", (ref.strip().upper(),))
    return _issue(row) if row else None


async def list_by_status(db: Database, statuses: Sequence[str]) -> list[Issue]:
    rows = await db.fetch_all(
        f"SELECT * FROM issues WHERE status IN ({_marks(statuses)}) ORDER BY theme_slug, id",
        list(statuses),
    )
    return [_issue(row) for row in rows]


async def list_all(db: Database) -> list[Issue]:
    return [_issue(row) for row in await db.fetch_all("SELECT * FROM issues ORDER BY id")]


async def joinable_in_theme(db: Database, theme_slug: str) -> list[Issue]:
    rows = await db.fetch_all(
        f"SELECT * FROM issues WHERE theme_slug = ? AND status IN ({_marks(JOINABLE_STATUSES)})"
        " ORDER BY id",
        (theme_slug, *JOINABLE_STATUSES),
    )
    return [_issue(row) for row in rows]


_CHANGEABLE = frozenset({
    "board", "status_note", "outcome", "merged_into", "accepted_at", "reported_at", "response",
    "responded_at", "overdue_flagged_at", "follow_up_sent_at",
})


def _db_value(value: object) -> Any:
    return to_db(value) if isinstance(value, datetime) else value


async def transition(
    db: Database, issue_id: int, from_statuses: Sequence[str], to_status: str, actor: Actor,
    now: datetime, note: str | None = None, **changes: object,
) -> int | None:
    """Move the issue on, with its history line, only if it is still in ``from_statuses``
    (two officers' taps, or a tap and a timer, must not both win). Returns the event id."""
    unknown = set(changes) - _CHANGEABLE
    if unknown:
        raise ValueError(f"not a changeable issue column: {sorted(unknown)}")
    sets = "".join(f", {column} = ?" for column in changes)
    async with db.transaction():
        changed = await db.execute(
            f"UPDATE issues SET status = ?, updated_at = ?{sets}"
            f" WHERE id = ? AND status IN ({_marks(from_statuses)})",
            (to_status, to_db(now), *(_db_value(v) for v in changes.values()), issue_id,
             *from_statuses),
        )
        if not changed:
            return None
        return await add_event(db, issue_id, actor, to_status, note, now)


async def redact(db: Database, issue_id: int, words: str, replacement: str, actor: Actor,
                 now: datetime, note: str) -> int:
    """Replace ``words`` (any case) in the issue's text; the history records that it was done,
    never the words themselves. Returns how many places were changed."""
    pattern = re.compile(re.escape(words), re.IGNORECASE)
    async with db.transaction():
        row = await db.fetch_one(
            "SELECT what_happening, impact, board_ask FROM issues WHERE id = ?", (issue_id,))
        if row is None:
            return 0
        what, in_what = pattern.subn(replacement, row["what_happening"])
        impact, in_impact = pattern.subn(replacement, row["impact"])
        ask, in_ask = pattern.subn(replacement, row["board_ask"] or "")
        changed = in_what + in_impact + in_ask
        if not changed:
            return 0
        await db.execute("UPDATE issues SET what_happening = ?, impact = ?, board_ask = ?,"
                         " updated_at = ? WHERE id = ?",
                         (what, impact, ask if row["board_ask"] is not None else None,
                          to_db(now), issue_id))
        await add_event(db, issue_id, actor, "redacted", note.format(count=changed), now)
    return changed


async def mark(db: Database, issue_id: int, column: str, now: datetime) -> bool:
    """Set one timer column (overdue flagged, follow-up sent) once; False if already set."""
    if column not in ("overdue_flagged_at", "follow_up_sent_at"):
        raise ValueError(f"not a timer column: {column}")
    return bool(await db.execute(
        f"UPDATE issues SET {column} = ? WHERE id = ? AND {column} IS NULL",
        (to_db(now), issue_id),
    ))


async def family_ids(db: Database, issue_id: int) -> list[int]:
    """The issue and every issue merged into it, however many merges deep."""
    rows = await db.fetch_all(
        "WITH RECURSIVE family(id) AS (SELECT ? UNION"
        " SELECT issues.id FROM issues JOIN family ON issues.merged_into = family.id)"
        " SELECT id FROM family ORDER BY id",
        (issue_id,),
    )
    return [row[0] for row in rows]


# --- the organisations behind an issue --------------------------------------------------------

async def _insert_supporter(
    db: Database, issue_id: int, supporter: NewSupporter, *, raised: bool, now: datetime
) -> int:
    figures = supporter.figures
    return await db.execute(
        "INSERT INTO issue_supporters (issue_id, member_id, organisation, named, raised,"
        " waiting_count, wait_weeks, waiting_since, affected_count, joined_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (issue_id, supporter.member_id, supporter.organisation, int(supporter.named), int(raised),
         figures.waiting_count, figures.wait_weeks, figures.waiting_since,
         figures.affected_count, to_db(now)),
    )


async def supporters(db: Database, issue_ids: Iterable[int]) -> list[Supporter]:
    ids = list(issue_ids)
    rows = await db.fetch_all(
        f"SELECT * FROM issue_supporters WHERE issue_id IN ({_marks(ids)}) ORDER BY id", ids
    )
    return [_supporter(row) for row in rows]


async def add_supporter(
    db: Database, issue_id: int, supporter: NewSupporter, now: datetime
) -> bool:
    """"Us too": one row per organisation per issue family. An organisation already behind it
    updates its figures instead, so it is never counted twice. True if newly added."""
    async with db.transaction():
        family = await family_ids(db, issue_id)
        existing = await db.fetch_value(
            f"SELECT id FROM issue_supporters WHERE issue_id IN ({_marks(family)})"
            " AND (member_id = ? OR lower(organisation) = lower(?)) ORDER BY id LIMIT 1",
            (*family, supporter.member_id, supporter.organisation),
        )
        if existing is None:
            await _insert_supporter(db, issue_id, supporter, raised=False, now=now)
        else:
            figures = supporter.figures
            await db.execute(
                "UPDATE issue_supporters SET named = ?, waiting_count = ?, wait_weeks = ?,"
                " waiting_since = ?, affected_count = ? WHERE id = ?",
                (int(supporter.named), figures.waiting_count, figures.wait_weeks,
                 figures.waiting_since, figures.affected_count, existing),
            )
        await add_event(db, issue_id, Actor("member", member_id=supporter.member_id), "us-too",
                        None, now)
        await db.execute("UPDATE issues SET updated_at = ? WHERE id = ?", (to_db(now), issue_id))
    return existing is None


async def of_member(db: Database, member_id: int) -> list[tuple[Issue, Supporter]]:
    rows = await db.fetch_all(
        "SELECT * FROM issue_supporters WHERE member_id = ? ORDER BY issue_id", (member_id,)
    )
    mine = [_supporter(row) for row in rows]
    ids = [s.issue_id for s in mine]
    issue_rows = await db.fetch_all(f"SELECT * FROM issues WHERE id IN ({_marks(ids)})", ids)
    issues = {row["id"]: _issue(row) for row in issue_rows}
    return [(issues[s.issue_id], s) for s in mine]


async def record_answer(db: Database, issue_ids: Sequence[int], member_id: int,
                        answer: str) -> bool:
    return bool(await db.execute(
        f"UPDATE issue_supporters SET follow_up_answer = ?"
        f" WHERE member_id = ? AND issue_id IN ({_marks(issue_ids)})",
        (answer, member_id, *issue_ids),
    ))


async def clear_answers(db: Database, issue_ids: Sequence[int]) -> None:
    await db.execute(
        f"UPDATE issue_supporters SET follow_up_answer = NULL"
        f" WHERE issue_id IN ({_marks(issue_ids)})",
        list(issue_ids),
    )


async def reset_follow_up(db: Database, issue_id: int) -> None:
    """A reopened issue goes round again: the next response gets its own follow-up."""
    await db.execute(
        "UPDATE issues SET follow_up_sent_at = NULL, overdue_flagged_at = NULL WHERE id = ?",
        (issue_id,),
    )


# --- history ----------------------------------------------------------------------------------

async def add_event(
    db: Database, issue_id: int, actor: Actor, action: str, note: str | None, now: datetime
) -> int:
    return await db.execute(
        "INSERT INTO issue_events (issue_id, at, actor, officer_id, member_id, action, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (issue_id, to_db(now), actor.kind, actor.officer_id, actor.member_id, action, note),
    )


async def events(db: Database, issue_id: int) -> list[Event]:
    rows = await db.fetch_all(
        "SELECT * FROM issue_events WHERE issue_id = ? ORDER BY id", (issue_id,)
    )
    return [
        Event(row["id"], row["issue_id"], _moment(row, "at"),
              Actor(row["actor"], row["officer_id"], row["member_id"]), row["action"],
              row["note"])
        for row in rows
    ]


# --- timers -----------------------------------------------------------------------------------

async def reported_unanswered_since(db: Database, moment: datetime) -> list[Issue]:
    """Reported at a meeting on or before ``moment``, no response, not yet flagged overdue."""
    rows = await db.fetch_all(
        "SELECT * FROM issues WHERE status = ? AND reported_at <= ?"
        " AND overdue_flagged_at IS NULL ORDER BY id",
        (REPORTED, to_db(moment)),
    )
    return [_issue(row) for row in rows]


async def responded_unasked_since(db: Database, moment: datetime) -> list[Issue]:
    rows = await db.fetch_all(
        "SELECT * FROM issues WHERE status = ? AND responded_at <= ?"
        " AND follow_up_sent_at IS NULL ORDER BY id",
        (RESPONDED, to_db(moment)),
    )
    return [_issue(row) for row in rows]


# --- board reports ----------------------------------------------------------------------------

def _report(row: sqlite3.Row) -> BoardReportRecord:
    return BoardReportRecord(
        row["id"], row["board"], _moment(row, "meeting_at"), _moment(row, "cut_off_at"),
        _moment(row, "generated_at"), from_db(row["settled_at"]),
    )


async def accepted_for_board(db: Database, board: str, cut_off: datetime) -> list[Issue]:
    """Accepted for this board by the cut-off and not yet reported: the next report's issues."""
    rows = await db.fetch_all(
        "SELECT * FROM issues WHERE board = ? AND accepted_at <= ? AND reported_at IS NULL"
        " AND (status = ? OR (status = 'responded' AND merged_into IS NULL))"
        " ORDER BY theme_slug, id",
        (board, to_db(cut_off), ACCEPTED),
    )
    return [_issue(row) for row in rows]


async def record_heard(db: Database, issue_id: int, meeting_at: datetime) -> None:
    """An issue answered before its board met was still heard there: it stays responded."""
    await db.execute("UPDATE issues SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
                     (to_db(meeting_at), issue_id))


async def save_report(
    db: Database, board: str, meeting_at: datetime, cut_off_at: datetime,
    issue_ids: Sequence[int], now: datetime,
) -> int:
    """Record the pack for this meeting; generating it again before the meeting replaces it."""
    async with db.transaction():
        report_id = await db.fetch_value(
            "INSERT INTO board_reports (board, meeting_at, cut_off_at, generated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (board, meeting_at) DO UPDATE SET"
            " cut_off_at = excluded.cut_off_at, generated_at = excluded.generated_at"
            " RETURNING id",
            (board, to_db(meeting_at), to_db(cut_off_at), to_db(now)),
        )
        await db.execute("DELETE FROM board_report_issues WHERE report_id = ?", (report_id,))
        await db.execute_many(
            "INSERT INTO board_report_issues (report_id, issue_id) VALUES (?, ?)",
            [(report_id, issue_id) for issue_id in issue_ids],
        )
    return int(report_id)


async def previous_report(db: Database, board: str, before: datetime) -> BoardReportRecord | None:
    row = await db.fetch_one(
        "SELECT * FROM board_reports WHERE board = ? AND meeting_at < ?"
        " ORDER BY meeting_at DESC LIMIT 1",
        (board, to_db(before)),
    )
    return _report(row) if row else None


async def report_issues(db: Database, report_id: int) -> list[Issue]:
    rows = await db.fetch_all(
        "SELECT issues.* FROM issues JOIN board_report_issues bri ON bri.issue_id = issues.id"
        " WHERE bri.report_id = ? ORDER BY issues.theme_slug, issues.id",
        (report_id,),
    )
    return [_issue(row) for row in rows]


async def unsettled_reports(db: Database, met_by: datetime) -> list[BoardReportRecord]:
    """Reports whose meeting has happened but whose issues are not yet marked reported."""
    rows = await db.fetch_all(
        "SELECT * FROM board_reports WHERE settled_at IS NULL AND meeting_at <= ?"
        " ORDER BY meeting_at",
        (to_db(met_by),),
    )
    return [_report(row) for row in rows]


async def settle_report(db: Database, report_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE board_reports SET settled_at = ? WHERE id = ? AND settled_at IS NULL",
        (to_db(now), report_id),
    )


# --- the public page -------------------------------------------------------------------------

async def heard(db: Database) -> list[Issue]:
    """Every issue a board has heard (merged ones count in the issue they joined), the most
    recently heard first."""
    rows = await db.fetch_all(
        "SELECT * FROM issues WHERE reported_at IS NOT NULL AND status != ?"
        " ORDER BY reported_at DESC, id DESC",
        (MERGED,),
    )
    return [_issue(row) for row in rows]


def _publication(row: sqlite3.Row) -> Publication:
    return Publication(row["issue_id"], row["summary"], bool(row["member_words"]),
                       _moment(row, "approved_at"))


async def publications(db: Database, issue_ids: Sequence[int]) -> dict[int, Publication]:
    rows = await db.fetch_all(
        f"SELECT * FROM issue_publications WHERE issue_id IN ({_marks(issue_ids)})",
        list(issue_ids),
    )
    return {row["issue_id"]: _publication(row) for row in rows}


async def publish(
    db: Database, issue_id: int, summary: str, member_words: bool, actor: Actor, now: datetime
) -> None:
    """Approve (or replace) the public summary, with its history line."""
    async with db.transaction():
        await db.execute(
            "INSERT INTO issue_publications (issue_id, summary, member_words, approved_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (issue_id) DO UPDATE SET summary = excluded.summary,"
            " member_words = excluded.member_words, approved_at = excluded.approved_at",
            (issue_id, summary, int(member_words), to_db(now)),
        )
        await add_event(db, issue_id, actor, "published", summary, now)


async def unpublish(db: Database, issue_id: int, actor: Actor, now: datetime) -> bool:
    async with db.transaction():
        removed = await db.execute(
            "DELETE FROM issue_publications WHERE issue_id = ?", (issue_id,))
        if removed:
            await add_event(db, issue_id, actor, "unpublished", None, now)
    return bool(removed)


# --- personal data ----------------------------------------------------------------------------

async def forget_member(db: Database, member_id: int) -> None:
    """Cut the member's link and their organisation's name; the issue and its figures stay."""
    async with db.transaction():
        await db.execute(
            "UPDATE issue_supporters SET member_id = NULL, organisation = NULL, named = 0"
            " WHERE member_id = ?",
            (member_id,),
        )
        await db.execute(
            "UPDATE issue_events SET member_id = NULL WHERE member_id = ?", (member_id,)
        )


async def stale_issues(db: Database, last_change_before: datetime) -> list[Issue]:
    rows = await db.fetch_all(
        "SELECT * FROM issues WHERE (anonymised_at IS NULL OR anonymised_at < updated_at)"
        " AND updated_at < ? ORDER BY id",
        (to_db(last_change_before),),
    )
    return [_issue(row) for row in rows]


async def anonymise(db: Database, issue_id: int, now: datetime) -> None:
    """Keep the problem, the figures and what was done; drop who raised it and who did what."""
    async with db.transaction():
        await db.execute(
            "UPDATE issue_supporters SET member_id = NULL, organisation = NULL, named = 0"
            " WHERE issue_id = ?",
            (issue_id,),
        )
        await db.execute(
            "UPDATE issue_events SET member_id = NULL, officer_id = NULL WHERE issue_id = ?",
            (issue_id,),
        )
        await db.execute(
            "UPDATE issues SET anonymised_at = ? WHERE id = ?", (to_db(now), issue_id)
        )
