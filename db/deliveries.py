"""The delivery ledger: dispatches and one row per recipient per message part.

Every status change is a single guarded statement (or one transaction), so the ledger stays
consistent whatever the engine is doing when the process dies: a row is only ever 'sending' while
its Bot API call may be in flight, and that is the one state a restart has to repair.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from db import members
from db.database import Database
from db.timeutil import from_db, to_db


@dataclass(frozen=True)
class Dispatch:
    id: int
    key: str
    kind: str
    title: str
    status: str
    report_chat_id: int | None
    report_message_id: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Delivery:
    id: int
    dispatch_id: int
    member_id: int | None
    chat_id: int
    part: int
    payload: str
    status: str
    attempts: int
    not_before: datetime | None
    telegram_message_id: int | None
    error: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class Queued:
    """A pending row as the engine's schedule holds it: everything but the payload."""

    id: int
    dispatch_id: int
    member_id: int | None
    chat_id: int
    part: int
    attempts: int
    not_before: datetime | None


@dataclass(frozen=True)
class NewDelivery:
    member_id: int | None
    chat_id: int
    part: int
    payload: str


@dataclass(frozen=True)
class DispatchProgress:
    """Counts of recipients, not message parts: that is what an officer means by "sent to 40".

    A recipient is pending while any part is, else blocked, failed or skipped if any part ended
    so, else sent.
    """

    dispatch_id: int
    key: str
    kind: str
    title: str
    total: int
    sent: int
    pending: int
    blocked: int
    failed: int
    skipped: int
    done: bool
    cancelled: bool = False


def _precise(moment: datetime) -> str:
    """``not_before`` needs sub-second precision and one fixed width so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _dispatch(row: sqlite3.Row) -> Dispatch:
    created = from_db(row["created_at"])
    assert created is not None
    return Dispatch(
        id=row["id"],
        key=row["key"],
        kind=row["kind"],
        title=row["title"],
        status=row["status"],
        report_chat_id=row["report_chat_id"],
        report_message_id=row["report_message_id"],
        created_at=created,
        finished_at=from_db(row["finished_at"]),
    )


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        id=row["id"],
        dispatch_id=row["dispatch_id"],
        member_id=row["member_id"],
        chat_id=row["chat_id"],
        part=row["part"],
        payload=row["payload"],
        status=row["status"],
        attempts=row["attempts"],
        not_before=from_db(row["not_before"]),
        telegram_message_id=row["telegram_message_id"],
        error=row["error"],
        sent_at=from_db(row["sent_at"]),
    )


async def enqueue(
    db: Database, key: str, kind: str, title: str, report_chat_id: int | None,
    rows: Iterable[NewDelivery], now: datetime, *, planned: bool = True,
) -> int:
    """Create the dispatch once per key; rows are added only while it is still sending.

    Repeating an enqueue (a retried command, a restart mid-way) adds nothing twice, and a
    finished or cancelled dispatch is never reopened by a late call. With ``planned=False``
    more rows follow (:func:`add_deliveries`) and the dispatch stays hidden from sending and
    settling until :func:`finish_planning`.
    """
    async with db.transaction():
        # Written whole in one transaction, a dispatch is visible at once (0: no plan to tell).
        await db.execute(
            "INSERT OR IGNORE INTO dispatches (key, kind, title, report_chat_id, created_at,"
            " planned_seq) VALUES (?, ?, ?, ?, ?, ?)",
            (key, kind, title, report_chat_id, to_db(now), 0 if planned else None),
        )
        row = await db.fetch_one(
            "SELECT id, status, planned_seq FROM dispatches WHERE key = ?", (key,))
        assert row is not None
        dispatch_id = int(row["id"])
        if row["status"] != "sending":
            return dispatch_id
        await _insert_rows(db, dispatch_id, rows)
        if not planned:
            await db.execute("UPDATE dispatches SET planned_seq = NULL WHERE id = ?",
                             (dispatch_id,))
        elif row["planned_seq"] is None:  # the repeat of a plan a crash cut short
            await finish_planning(db, dispatch_id)
    return dispatch_id


async def _insert_rows(db: Database, dispatch_id: int, rows: Iterable[NewDelivery]) -> None:
    await db.execute_many(
        "INSERT OR IGNORE INTO deliveries (dispatch_id, member_id, chat_id, part, payload)"
        " SELECT ?, ?, ?, ?, ? FROM dispatches WHERE id = ? AND status = 'sending'",
        ((dispatch_id, r.member_id, r.chat_id, r.part, r.payload, dispatch_id) for r in rows),
    )


async def add_deliveries(db: Database, dispatch_id: int, rows: Iterable[NewDelivery]) -> None:
    """One more batch of a dispatch being planned, in a transaction of its own."""
    async with db.transaction():
        await _insert_rows(db, dispatch_id, rows)


async def finish_planning(db: Database, dispatch_id: int) -> None:
    """Every row is in: the dispatch may be sent and settled, under the next plan number."""
    await db.execute(
        "UPDATE dispatches SET planned_seq ="
        " (SELECT COALESCE(MAX(planned_seq), 0) + 1 FROM dispatches) WHERE id = ?",
        (dispatch_id,),
    )


async def last_plan(db: Database) -> int:
    """The newest finished plan's number: when it changes, rows once hidden may be due."""
    return int(await db.fetch_value("SELECT COALESCE(MAX(planned_seq), 0) FROM dispatches"))


async def get_dispatch(db: Database, dispatch_id: int) -> Dispatch | None:
    row = await db.fetch_one("SELECT * FROM dispatches WHERE id = ?", (dispatch_id,))
    return _dispatch(row) if row else None


async def get_dispatch_by_key(db: Database, key: str) -> Dispatch | None:
    row = await db.fetch_one("SELECT * FROM dispatches WHERE key = ?", (key,))
    return _dispatch(row) if row else None


async def progress(db: Database, dispatch_id: int) -> DispatchProgress | None:
    dispatch = await get_dispatch(db, dispatch_id)
    if dispatch is None:
        return None
    rows = await db.fetch_all(
        "SELECT state, COUNT(*) FROM ("
        " SELECT CASE"
        "  WHEN SUM(status IN ('pending', 'sending')) > 0 THEN 'pending'"
        "  WHEN SUM(status = 'blocked') > 0 THEN 'blocked'"
        "  WHEN SUM(status = 'failed') > 0 THEN 'failed'"
        "  WHEN SUM(status = 'skipped') > 0 THEN 'skipped'"
        "  ELSE 'sent' END AS state"
        " FROM deliveries WHERE dispatch_id = ?"
        " GROUP BY member_id, CASE WHEN member_id IS NULL THEN chat_id END"
        ") GROUP BY state",
        (dispatch_id,),
    )
    counts = {row[0]: int(row[1]) for row in rows}
    return DispatchProgress(
        dispatch_id=dispatch.id,
        key=dispatch.key,
        kind=dispatch.kind,
        title=dispatch.title,
        total=sum(counts.values()),
        sent=counts.get("sent", 0),
        pending=counts.get("pending", 0),
        blocked=counts.get("blocked", 0),
        failed=counts.get("failed", 0),
        skipped=counts.get("skipped", 0),
        done=counts.get("pending", 0) == 0,
        cancelled=dispatch.status == "cancelled",
    )


async def deliveries_of(db: Database, dispatch_id: int) -> list[Delivery]:
    """Every row of a dispatch, for an officer asking who did not get it and why."""
    rows = await db.fetch_all(
        "SELECT * FROM deliveries WHERE dispatch_id = ? ORDER BY id", (dispatch_id,)
    )
    return [_delivery(row) for row in rows]


async def reset_interrupted(db: Database) -> int:
    """After a crash nobody knows whether a 'sending' row went out; sending again is the lesser
    harm than a member missing a message, and it is at most the rows that were in flight."""
    return await db.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'sending'")


async def skip_blocked_members(db: Database) -> int:
    return await db.execute(
        "UPDATE deliveries SET status = 'skipped', error = 'member has blocked the bot'"
        " WHERE status = 'pending'"
        " AND member_id IN (SELECT id FROM members WHERE status = 'blocked')"
    )


QUEUED_PAGE = 1_000
"""Rows per read of the queue: a bulletin to 10,000 members is 30,000 rows, and reading them
at once held the bot's replies about 110 ms."""


async def queued(db: Database, *, after_id: int = 0) -> AsyncIterator[list[Queued]]:
    """Pending rows above ``after_id`` a page at a time, dispatch by dispatch in row order, which
    is each chat's parts in order; without their payloads: the engine's schedule holds every
    queued row of a large broadcast in memory, and reads a payload only when it sends it. Each
    page is a seek in the queue's index (status, dispatch, row)."""
    dispatches = await db.fetch_all(
        "SELECT id FROM dispatches WHERE planned_seq IS NOT NULL AND id IN"
        " (SELECT dispatch_id FROM deliveries WHERE status = 'pending' AND id > ?) ORDER BY id",
        (after_id,),
    )
    for (dispatch_id,) in dispatches:
        last = after_id
        while rows := await db.fetch_all(
            "SELECT id, member_id, chat_id, part, attempts, not_before FROM deliveries"
            " WHERE status = 'pending' AND dispatch_id = ? AND id > ? ORDER BY id LIMIT ?",
            (dispatch_id, last, QUEUED_PAGE),
        ):
            yield [Queued(row[0], dispatch_id, row[1], row[2], row[3], row[4], from_db(row[5]))
                   for row in rows]
            last = rows[-1][0]


async def claim(db: Database, row: Queued) -> Delivery | None:
    """Mark a row 'sending' just before its API call; None when it was cancelled, skipped or its
    member blocked the bot since the row was queued."""
    claimed = await db.fetch_one(
        "UPDATE deliveries SET status = 'sending' WHERE id = ? AND status = 'pending'"
        " AND NOT EXISTS (SELECT 1 FROM members m"
        "  WHERE m.id = deliveries.member_id AND m.status = 'blocked') RETURNING *",
        (row.id,),
    )
    return _delivery(claimed) if claimed else None


async def mark_sent(db: Database, delivery_id: int, message_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE deliveries SET status = 'sent', telegram_message_id = ?, sent_at = ?,"
        " error = NULL WHERE id = ? AND status = 'sending'",
        (message_id, to_db(now), delivery_id),
    )


async def requeue(db: Database, delivery_id: int) -> None:
    """Back to the queue without counting an attempt: flood control is not the row's fault."""
    await db.execute(
        "UPDATE deliveries SET status = 'pending' WHERE id = ? AND status = 'sending'",
        (delivery_id,),
    )


async def reschedule(
    db: Database, delivery_id: int, attempts: int, not_before: datetime, error: str
) -> None:
    await db.execute(
        "UPDATE deliveries SET status = 'pending', attempts = ?, not_before = ?, error = ?"
        " WHERE id = ? AND status = 'sending'",
        (attempts, _precise(not_before), error, delivery_id),
    )


async def mark_failed(db: Database, delivery: Delivery, error: str, attempts: int) -> None:
    """A part that will never arrive makes the later parts meaningless, so they are skipped."""
    async with db.transaction():
        changed = await db.execute(
            "UPDATE deliveries SET status = 'failed', error = ?, attempts = ?"
            " WHERE id = ? AND status = 'sending'",
            (error, attempts, delivery.id),
        )
        if changed:
            await _skip_later_parts(db, delivery)


async def _skip_later_parts(db: Database, delivery: Delivery) -> None:
    await db.execute(
        "UPDATE deliveries SET status = 'skipped', error = 'an earlier part was not delivered'"
        " WHERE dispatch_id = ? AND part > ? AND status = 'pending'"
        " AND chat_id = (SELECT chat_id FROM deliveries WHERE id = ?)",
        (delivery.dispatch_id, delivery.part, delivery.id),
    )


async def mark_blocked(db: Database, delivery: Delivery, reason: str, now: datetime) -> None:
    """Telegram will refuse every later message too: record it on the member and stop queueing."""
    async with db.transaction():
        await db.execute(
            "UPDATE deliveries SET status = 'blocked', error = ?"
            " WHERE id = ? AND status = 'sending'",
            (reason, delivery.id),
        )
        if delivery.member_id is not None:
            await members.set_status(db, delivery.member_id, "blocked", now)
        await db.execute(
            "UPDATE deliveries SET status = 'skipped', error = 'member has blocked the bot'"
            " WHERE status = 'pending' AND (member_id = ? OR chat_id = ?)",
            (delivery.member_id, delivery.chat_id),
        )


async def move_chat(db: Database, delivery: Delivery, new_chat_id: int) -> None:
    """Follow a group's migration to a supergroup, for the member and everything still queued.

    OR IGNORE: if the new chat already has the same part queued, the old row keeps its chat id
    and runs out of attempts instead of being sent twice.
    """
    async with db.transaction():
        if delivery.member_id is not None:
            await members.set_chat_id(db, delivery.member_id, new_chat_id)
        await db.execute(
            "UPDATE OR IGNORE deliveries SET chat_id = ?"
            " WHERE chat_id = ? AND (status = 'pending' OR id = ?)",
            (new_chat_id, delivery.chat_id, delivery.id),
        )


async def follow_chat(db: Database, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup while the bot answered there: its member and whatever is
    still queued for it move to the new chat (OR IGNORE as in :func:`move_chat`)."""
    async with db.transaction():
        await members.move_chat(db, old_chat_id, new_chat_id)
        await db.execute(
            "UPDATE OR IGNORE deliveries SET chat_id = ? WHERE chat_id = ? AND status = 'pending'",
            (new_chat_id, old_chat_id),
        )


async def cancel(db: Database, key: str) -> Dispatch | None:
    """Stop a dispatch: what is queued is skipped; rows already in flight finish normally."""
    async with db.transaction():
        dispatch = await get_dispatch_by_key(db, key)
        if dispatch is None or dispatch.status != "sending":
            return dispatch
        await db.execute(
            "UPDATE deliveries SET status = 'skipped', error = 'dispatch cancelled'"
            " WHERE dispatch_id = ? AND status = 'pending'",
            (dispatch.id,),
        )
        await db.execute(
            "UPDATE dispatches SET status = 'cancelled' WHERE id = ?", (dispatch.id,)
        )
    return await get_dispatch(db, dispatch.id)


async def settled_dispatches(db: Database) -> list[Dispatch]:
    """Unfinished dispatches with nothing left to send: ready for the final report and hooks."""
    rows = await db.fetch_all(
        "SELECT * FROM dispatches c WHERE finished_at IS NULL AND planned_seq IS NOT NULL"
        " AND NOT EXISTS ("
        " SELECT 1 FROM deliveries d WHERE d.dispatch_id = c.id"
        " AND d.status IN ('pending', 'sending')) ORDER BY id"
    )
    return [_dispatch(row) for row in rows]


async def reporting_dispatches(db: Database) -> list[Dispatch]:
    rows = await db.fetch_all(
        "SELECT * FROM dispatches WHERE finished_at IS NULL AND report_chat_id IS NOT NULL"
        " ORDER BY id"
    )
    return [_dispatch(row) for row in rows]


async def set_report_message(db: Database, dispatch_id: int, message_id: int) -> None:
    await db.execute(
        "UPDATE dispatches SET report_message_id = ? WHERE id = ?", (message_id, dispatch_id)
    )


async def mark_finished(db: Database, dispatch_id: int, now: datetime) -> None:
    """Close a settled dispatch, unless rows were added meanwhile: then it stays open."""
    await db.execute(
        "UPDATE dispatches SET finished_at = ?,"
        " status = CASE status WHEN 'sending' THEN 'done' ELSE status END"
        " WHERE id = ? AND finished_at IS NULL AND planned_seq IS NOT NULL AND NOT EXISTS ("
        "  SELECT 1 FROM deliveries d WHERE d.dispatch_id = dispatches.id"
        "  AND d.status IN ('pending', 'sending'))",
        (to_db(now), dispatch_id),
    )
