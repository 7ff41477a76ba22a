"""Repository functions for bulletins, their items and the reads members make of them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from db.database import Database
from db.timeutil import from_db, to_db


@dataclass(frozen=True)
class BulletinRecord:
    id: int
    title: str
    intro_html: str
    period_start: datetime
    status: str
    scheduled_for: datetime | None
    created_at: datetime
    sent_at: datetime | None


def _record(row: sqlite3.Row) -> BulletinRecord:
    period_start, created_at = from_db(row["period_start"]), from_db(row["created_at"])
    assert period_start is not None and created_at is not None
    return BulletinRecord(
        id=row["id"],
        title=row["title"],
        intro_html=row["intro_html"],
        period_start=period_start,
        status=row["status"],
        scheduled_for=from_db(row["scheduled_for"]),
        created_at=created_at,
        sent_at=from_db(row["sent_at"]),
    )


async def get(db: Database, bulletin_id: int) -> BulletinRecord | None:
    row = await db.fetch_one("SELECT * FROM bulletins WHERE id = ?", (bulletin_id,))
    return _record(row) if row else None


async def current_draft(db: Database) -> BulletinRecord | None:
    row = await db.fetch_one(
        "SELECT * FROM bulletins WHERE status IN ('draft', 'scheduled') ORDER BY id LIMIT 1"
    )
    return _record(row) if row else None


async def last_sent(db: Database) -> BulletinRecord | None:
    row = await db.fetch_one(
        "SELECT * FROM bulletins WHERE status IN ('sending', 'sent') ORDER BY id DESC LIMIT 1"
    )
    return _record(row) if row else None


async def list_sent(db: Database, limit: int = 12) -> list[BulletinRecord]:
    rows = await db.fetch_all(
        "SELECT * FROM bulletins WHERE status IN ('sending', 'sent') ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [_record(row) for row in rows]


async def list_due(db: Database, now: datetime) -> list[BulletinRecord]:
    rows = await db.fetch_all(
        "SELECT * FROM bulletins WHERE status = 'scheduled' AND scheduled_for <= ?",
        (to_db(now),),
    )
    return [_record(row) for row in rows]


async def create(
    db: Database, title: str, period_start: datetime, article_ids: list[int], now: datetime
) -> int:
    async with db.transaction():
        bulletin_id = await db.execute(
            "INSERT INTO bulletins (title, period_start, created_at) VALUES (?, ?, ?)",
            (title, to_db(period_start), to_db(now)),
        )
        await db.execute_many(
            "INSERT INTO bulletin_items (bulletin_id, article_id, position) VALUES (?, ?, ?)",
            [(bulletin_id, article_id, i) for i, article_id in enumerate(article_ids)],
        )
    return bulletin_id


async def item_ids(db: Database, bulletin_id: int) -> list[int]:
    rows = await db.fetch_all(
        "SELECT article_id FROM bulletin_items WHERE bulletin_id = ? AND dropped = 0"
        " ORDER BY position",
        (bulletin_id,),
    )
    return [row[0] for row in rows]


async def add_items(db: Database, bulletin_id: int, article_ids: list[int]) -> None:
    """Append new articles; ones already in the draft, dropped or not, are left as they are."""
    start = int(await db.fetch_value(
        "SELECT COUNT(*) FROM bulletin_items WHERE bulletin_id = ?", (bulletin_id,)))
    await db.execute_many(
        "INSERT OR IGNORE INTO bulletin_items (bulletin_id, article_id, position)"
        " VALUES (?, ?, ?)",
        [(bulletin_id, article_id, start + i) for i, article_id in enumerate(article_ids)],
    )


async def reorder_items(db: Database, bulletin_id: int, article_ids: list[int]) -> None:
    await db.execute_many(
        "UPDATE bulletin_items SET position = ? WHERE bulletin_id = ? AND article_id = ?",
        [(i, bulletin_id, article_id) for i, article_id in enumerate(article_ids)],
    )


async def drop_item(db: Database, bulletin_id: int, article_id: int) -> None:
    await db.execute(
        "UPDATE bulletin_items SET dropped = 1 WHERE bulletin_id = ? AND article_id = ?",
        (bulletin_id, article_id),
    )


async def set_intro(db: Database, bulletin_id: int, intro_html: str) -> None:
    await db.execute("UPDATE bulletins SET intro_html = ? WHERE id = ?", (intro_html, bulletin_id))


async def set_status(
    db: Database, bulletin_id: int, status: str, *, scheduled_for: datetime | None = None,
    sent_at: datetime | None = None,
) -> None:
    await db.execute(
        "UPDATE bulletins SET status = ?, scheduled_for = ?, sent_at = COALESCE(?, sent_at)"
        " WHERE id = ?",
        (status, to_db(scheduled_for) if scheduled_for else None,
         to_db(sent_at) if sent_at else None, bulletin_id),
    )


async def record_read(
    db: Database, bulletin_id: int | None, article_id: int, member_id: int | None, now: datetime
) -> None:
    await db.execute(
        "INSERT INTO article_reads (bulletin_id, article_id, member_id, read_at)"
        " VALUES (?, ?, ?, ?)",
        (bulletin_id, article_id, member_id, to_db(now)),
    )


async def reads_per_theme(db: Database) -> dict[str, int]:
    """Distinct readers per theme over all bulletins: what the network reads most."""
    rows = await db.fetch_all(
        "SELECT t.theme_slug, COUNT(DISTINCT r.article_id || ':' || COALESCE(r.member_id, r.id))"
        " FROM article_reads r JOIN article_themes t ON t.article_id = r.article_id"
        " GROUP BY t.theme_slug"
    )
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True)
class ArticleReads:
    article_id: int
    title: str
    link: str | None
    themes: tuple[str, ...]
    readers: int
    taps: int


async def reads_of(db: Database, bulletin_id: int) -> list[ArticleReads]:
    rows = await db.fetch_all(
        "SELECT a.id, a.title, a.link,"
        " (SELECT group_concat(theme_slug, ' ') FROM article_themes WHERE article_id = a.id),"
        " COUNT(DISTINCT COALESCE(r.member_id, -r.id)), COUNT(r.id)"
        " FROM article_reads r JOIN articles a ON a.id = r.article_id"
        " WHERE r.bulletin_id = ? GROUP BY a.id ORDER BY 5 DESC, a.id",
        (bulletin_id,),
    )
    return [
        ArticleReads(row[0], row[1], row[2], tuple((row[3] or "").split()), row[4], row[5])
        for row in rows
    ]


async def reads_by_member(db: Database, member_id: int) -> list[tuple[int | None, int, str]]:
    """(bulletin, article, when) for /mydata."""
    rows = await db.fetch_all(
        "SELECT bulletin_id, article_id, read_at FROM article_reads WHERE member_id = ?"
        " ORDER BY id", (member_id,),
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def readers_of(db: Database, bulletin_id: int) -> int:
    """Members who read at least one article of the bulletin (a forgotten member counts once)."""
    return int(await db.fetch_value(
        "SELECT COUNT(DISTINCT COALESCE(member_id, -id)) FROM article_reads WHERE bulletin_id = ?",
        (bulletin_id,),
    ))


async def article_ids_sent(db: Database) -> set[int]:
    """Articles already carried by a bulletin that went out, so no article goes twice."""
    rows = await db.fetch_all(
        "SELECT i.article_id FROM bulletin_items i JOIN bulletins b ON b.id = i.bulletin_id"
        " WHERE b.status IN ('sending', 'sent') AND i.dropped = 0"
    )
    return {row[0] for row in rows}


async def restore_item(db: Database, bulletin_id: int, article_id: int) -> None:
    await db.execute(
        "UPDATE bulletin_items SET dropped = 0 WHERE bulletin_id = ? AND article_id = ?",
        (bulletin_id, article_id),
    )
