"""Repository functions for the Mailchimp channel: campaigns per bulletin, the audience's sync
state per member, and erasures still owed to members who used /forget."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from db.database import Database
from db.timeutil import from_db, to_db


@dataclass(frozen=True)
class CampaignRecord:
    bulletin_id: int
    campaign_id: str | None
    state: str
    """creating, draft, sending, sent, scheduling or scheduled; sending and scheduling mean a
    call was made whose outcome is not yet known."""
    segment: tuple[str, ...]
    """Theme slugs whose followers get the email; empty for the whole audience."""
    content_hash: str | None
    test_sent_at: datetime | None
    sent_at: datetime | None
    scheduled_for: datetime | None
    last_error: str | None
    created_at: datetime


def _campaign(row: sqlite3.Row) -> CampaignRecord:
    created = from_db(row["created_at"])
    assert created is not None
    return CampaignRecord(
        bulletin_id=row["bulletin_id"], campaign_id=row["campaign_id"], state=row["state"],
        segment=tuple(json.loads(row["segment"])), content_hash=row["content_hash"],
        test_sent_at=from_db(row["test_sent_at"]), sent_at=from_db(row["sent_at"]),
        scheduled_for=from_db(row["scheduled_for"]), last_error=row["last_error"],
        created_at=created,
    )


async def get_campaign(db: Database, bulletin_id: int) -> CampaignRecord | None:
    row = await db.fetch_one(
        "SELECT * FROM mailchimp_campaigns WHERE bulletin_id = ?", (bulletin_id,)
    )
    return _campaign(row) if row else None


async def start_campaign(
    db: Database, bulletin_id: int, segment: tuple[str, ...], now: datetime
) -> CampaignRecord:
    """The bulletin's campaign record, created in state ``creating`` if there is none yet."""
    await db.execute(
        "INSERT OR IGNORE INTO mailchimp_campaigns (bulletin_id, segment, created_at, updated_at)"
        " VALUES (?, ?, ?, ?)",
        (bulletin_id, json.dumps(list(segment)), to_db(now), to_db(now)),
    )
    record = await get_campaign(db, bulletin_id)
    assert record is not None
    return record


async def record_created(
    db: Database, bulletin_id: int, campaign_id: str, segment: tuple[str, ...], now: datetime
) -> None:
    await db.execute(
        "UPDATE mailchimp_campaigns SET campaign_id = ?, segment = ?, state = 'draft',"
        " last_error = NULL, updated_at = ? WHERE bulletin_id = ?",
        (campaign_id, json.dumps(list(segment)), to_db(now), bulletin_id),
    )


async def record_content(
    db: Database, bulletin_id: int, content_hash: str, now: datetime
) -> None:
    """New content voids the test: the officer must see what will really go out."""
    await db.execute(
        "UPDATE mailchimp_campaigns SET content_hash = ?, test_sent_at = NULL, updated_at = ?"
        " WHERE bulletin_id = ?",
        (content_hash, to_db(now), bulletin_id),
    )


async def record_test(db: Database, bulletin_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE mailchimp_campaigns SET test_sent_at = ?, last_error = NULL, updated_at = ?"
        " WHERE bulletin_id = ?",
        (to_db(now), to_db(now), bulletin_id),
    )


async def set_state(
    db: Database, bulletin_id: int, state: str, now: datetime, *,
    error: str | None = None, sent_at: datetime | None = None,
    scheduled_for: datetime | None = None,
) -> None:
    """Move the campaign to ``state``; ``sent_at`` and ``scheduled_for`` are set or cleared."""
    await db.execute(
        "UPDATE mailchimp_campaigns SET state = ?, last_error = ?, sent_at = ?,"
        " scheduled_for = ?, updated_at = ? WHERE bulletin_id = ?",
        (state, error, to_db(sent_at) if sent_at else None,
         to_db(scheduled_for) if scheduled_for else None, to_db(now), bulletin_id),
    )


async def record_error(db: Database, bulletin_id: int, error: str, now: datetime) -> None:
    await db.execute(
        "UPDATE mailchimp_campaigns SET last_error = ?, updated_at = ? WHERE bulletin_id = ?",
        (error, to_db(now), bulletin_id),
    )


_IF_MEMBER = "WHERE EXISTS (SELECT 1 FROM members WHERE id = ?)"
"""A push that finishes after the member used /forget records nothing (their erasure is queued)."""


@dataclass(frozen=True)
class MemberSync:
    member_id: int
    subscriber_hash: str | None
    """The contact the bot manages for the member; kept after consent is withdrawn."""
    status: str | None
    """Mailchimp's status as last seen, or ``withdrawn`` when the bot unsubscribed the contact
    because the member withdrew consent (so a later re-consent may ask Mailchimp again)."""
    tags: frozenset[str]
    needs_sync: bool
    attempts: int
    last_error: str | None


def _member_sync(row: sqlite3.Row) -> MemberSync:
    return MemberSync(
        member_id=row["member_id"], subscriber_hash=row["subscriber_hash"], status=row["status"],
        tags=frozenset(json.loads(row["tags"])), needs_sync=bool(row["needs_sync"]),
        attempts=row["attempts"], last_error=row["last_error"],
    )


async def get_member_sync(db: Database, member_id: int) -> MemberSync | None:
    row = await db.fetch_one("SELECT * FROM mailchimp_members WHERE member_id = ?", (member_id,))
    return _member_sync(row) if row else None


async def mark_needs_sync(db: Database, member_id: int) -> None:
    """A fresh change is tried at once, whatever the backoff of an earlier failure."""
    await db.execute(
        "INSERT INTO mailchimp_members (member_id) VALUES (?) ON CONFLICT (member_id) DO UPDATE"
        " SET needs_sync = 1, attempts = 0, not_before = NULL",
        (member_id,),
    )


async def due_members(db: Database, now: datetime) -> list[int]:
    rows = await db.fetch_all(
        "SELECT member_id FROM mailchimp_members WHERE needs_sync = 1"
        " AND (not_before IS NULL OR not_before <= ?) ORDER BY member_id",
        (to_db(now),),
    )
    return [row[0] for row in rows]


async def record_synced(
    db: Database, member_id: int, subscriber_hash: str | None, status: str | None,
    tags: frozenset[str], now: datetime,
) -> None:
    await db.execute(
        "INSERT INTO mailchimp_members (member_id, subscriber_hash, status, tags, needs_sync,"
        f" synced_at) SELECT ?, ?, ?, ?, 0, ? {_IF_MEMBER} ON CONFLICT (member_id) DO UPDATE SET"
        " subscriber_hash = excluded.subscriber_hash, status = excluded.status,"
        " tags = excluded.tags, needs_sync = 0, attempts = 0, not_before = NULL,"
        " last_error = NULL, synced_at = excluded.synced_at",
        (member_id, subscriber_hash, status, json.dumps(sorted(tags)), to_db(now), member_id),
    )


async def record_sync_failure(
    db: Database, member_id: int, error: str, retry_at: datetime | None
) -> None:
    """Keep the error for the report; ``retry_at`` None means retrying will not help."""
    await db.execute(
        "INSERT INTO mailchimp_members (member_id, last_error, attempts, needs_sync, not_before)"
        f" SELECT ?, ?, 1, ?, ? {_IF_MEMBER} ON CONFLICT (member_id) DO UPDATE SET"
        " last_error = excluded.last_error, attempts = attempts + 1,"
        " needs_sync = excluded.needs_sync, not_before = excluded.not_before",
        (member_id, error, int(retry_at is not None), to_db(retry_at) if retry_at else None,
         member_id),
    )


async def record_archived(db: Database, member_id: int, subscriber_hash: str,
                          now: datetime) -> None:
    await db.execute(
        "INSERT OR IGNORE INTO mailchimp_archived_contacts (member_id, subscriber_hash,"
        f" archived_at) SELECT ?, ?, ? {_IF_MEMBER}",
        (member_id, subscriber_hash, to_db(now), member_id),
    )


async def archived_of(db: Database, member_id: int) -> set[str]:
    """The hashes of a member's older addresses, still in the audience as archived contacts."""
    rows = await db.fetch_all(
        "SELECT subscriber_hash FROM mailchimp_archived_contacts WHERE member_id = ?",
        (member_id,),
    )
    return {row[0] for row in rows}


@dataclass(frozen=True)
class Erasure:
    subscriber_hash: str
    attempts: int


async def request_erasure(db: Database, hashes: set[str], now: datetime) -> None:
    await db.execute_many(
        "INSERT OR IGNORE INTO mailchimp_erasures (subscriber_hash, requested_at) VALUES (?, ?)",
        [(hash_, to_db(now)) for hash_ in sorted(hashes)],
    )


async def due_erasures(db: Database, now: datetime | None) -> list[Erasure]:
    """Erasures to attempt; ``now`` None means all of them, whatever their backoff."""
    rows = await db.fetch_all(
        "SELECT subscriber_hash, attempts FROM mailchimp_erasures"
        " WHERE ? IS NULL OR not_before IS NULL OR not_before <= ? ORDER BY requested_at",
        (to_db(now) if now else None, to_db(now) if now else None),
    )
    return [Erasure(row[0], row[1]) for row in rows]


async def erasure_done(db: Database, subscriber_hash: str) -> None:
    await db.execute(
        "DELETE FROM mailchimp_erasures WHERE subscriber_hash = ?", (subscriber_hash,)
    )


async def erasure_failed(
    db: Database, subscriber_hash: str, error: str, retry_at: datetime
) -> None:
    await db.execute(
        "UPDATE mailchimp_erasures SET attempts = attempts + 1, last_error = ?, not_before = ?"
        " WHERE subscriber_hash = ?",
        (error, to_db(retry_at), subscriber_hash),
    )
