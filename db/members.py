"""Repository functions for members, their themes and their consents."""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from db.database import Database
from db.timeutil import from_db, to_db


@dataclass(frozen=True)
class Member:
    id: int
    telegram_id: int
    chat_id: int
    organisation: str
    contact_name: str
    role: str
    email: str | None
    only_my_themes: bool
    status: str
    joined_at: datetime
    updated_at: datetime
    blocked_at: datetime | None
    broadcasts_paused: bool = False

    @property
    def active(self) -> bool:
        return self.status == "active"


EMAIL_BULLETIN = "email_bulletin"
"""The consent purpose of the email bulletin (an address added to the Mailchimp list)."""


@dataclass(frozen=True)
class Consent:
    purpose: str
    granted: bool
    notice_version: str
    recorded_at: datetime


@dataclass(frozen=True)
class MemberDetails:
    """What onboarding collects; kept apart from :class:`Member` so updates are explicit."""

    organisation: str
    contact_name: str
    role: str
    email: str | None


def _member(row: sqlite3.Row) -> Member:
    joined, updated = from_db(row["joined_at"]), from_db(row["updated_at"])
    assert joined is not None and updated is not None
    return Member(
        id=row["id"],
        telegram_id=row["telegram_id"],
        chat_id=row["chat_id"],
        organisation=row["organisation"],
        contact_name=row["contact_name"],
        role=row["role"],
        email=row["email"],
        only_my_themes=bool(row["only_my_themes"]),
        status=row["status"],
        joined_at=joined,
        updated_at=updated,
        blocked_at=from_db(row["blocked_at"]),
        broadcasts_paused=bool(row["broadcasts_paused"]),
    )


async def get_by_telegram_id(db: Database, telegram_id: int) -> Member | None:
    rows = await db.read_now("SELECT * FROM members WHERE telegram_id = ?", (telegram_id,))
    return _member(rows[0]) if rows else None


async def get_with_themes(db: Database, telegram_id: int) -> tuple[Member, list[str]] | None:
    """The member and the themes they follow, in the themes' order, in one read: a member's
    ``/themes`` made two, and each costs CPU per update (see :meth:`Database.read_now`)."""
    rows = await db.read_now(
        "SELECT m.*, (SELECT json_group_array(json_array(t.position, mt.theme_slug))"
        "  FROM member_themes mt JOIN themes t ON t.slug = mt.theme_slug"
        "  WHERE mt.member_id = m.id) AS followed"
        " FROM members m WHERE m.telegram_id = ?", (telegram_id,))
    if not rows:
        return None
    return _member(rows[0]), [slug for _, slug in sorted(json.loads(rows[0]["followed"]))]


async def get_by_id(db: Database, member_id: int) -> Member | None:
    row = await db.fetch_one("SELECT * FROM members WHERE id = ?", (member_id,))
    return _member(row) if row else None


async def insert(
    db: Database, telegram_id: int, chat_id: int, details: MemberDetails, now: datetime
) -> int:
    return await db.execute(
        "INSERT INTO members (telegram_id, chat_id, organisation, contact_name, role, email,"
        " joined_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (telegram_id, chat_id, details.organisation, details.contact_name, details.role,
         details.email, to_db(now), to_db(now)),
    )


async def update_details(
    db: Database, member_id: int, details: MemberDetails, now: datetime
) -> None:
    await db.execute(
        "UPDATE members SET organisation = ?, contact_name = ?, role = ?, email = ?,"
        " updated_at = ? WHERE id = ?",
        (details.organisation, details.contact_name, details.role, details.email, to_db(now),
         member_id),
    )


_BLOCKED: weakref.WeakKeyDictionary[Database, set[int]] = weakref.WeakKeyDictionary()
"""For each database handle, the Telegram ids of the members marked blocked, once read."""


async def is_blocked(db: Database, telegram_id: int) -> bool:
    """Whether the person is a member marked blocked, without a read on almost every call.

    Every update a person sends asks this (writing again shows they unblocked the bot), and a
    trip to SQLite's thread for it cost 0.17 x a bare PTB echo bot's whole CPU per update
    (waking that thread and then the event loop, not the query). The blocked members, a few of
    the network, are read once per handle; :func:`set_status` is the one writer of a member's
    status, and only the running bot's process writes it (the command line queues bulletins,
    the bot's delivery engine sends them and marks who blocked it). A status change rolled
    back, or a blocked member forgotten, leaves an id here that is not blocked: it costs that
    person's updates a read, as every update had before.
    """
    blocked = _BLOCKED.get(db)
    if blocked is None:
        rows = await db.fetch_all("SELECT telegram_id FROM members WHERE status = 'blocked'")
        # Nothing is awaited between the read and keeping it: a status written after the
        # read finds the set, and changes it.
        blocked = _BLOCKED.setdefault(db, {row[0] for row in rows})
    return telegram_id in blocked


async def set_status(db: Database, member_id: int, status: str, now: datetime) -> None:
    blocked_at = to_db(now) if status == "blocked" else None
    rows = await db.fetch_all(
        "UPDATE members SET status = ?, blocked_at = ?, updated_at = ? WHERE id = ?"
        " RETURNING telegram_id",
        (status, blocked_at, to_db(now), member_id),
    )
    blocked = _BLOCKED.get(db)
    if blocked is None or not rows:
        return
    if status == "blocked":
        blocked.add(rows[0][0])
    else:
        blocked.discard(rows[0][0])


async def set_chat_id(db: Database, member_id: int, chat_id: int) -> None:
    await db.execute("UPDATE members SET chat_id = ? WHERE id = ?", (chat_id, member_id))


async def move_chat(db: Database, old_chat_id: int, new_chat_id: int) -> None:
    await db.execute("UPDATE members SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))


async def set_only_my_themes(db: Database, member_id: int, only: bool) -> None:
    await db.execute(
        "UPDATE members SET only_my_themes = ? WHERE id = ?", (int(only), member_id)
    )


async def set_broadcasts_paused(db: Database, member_id: int, paused: bool) -> None:
    await db.execute(
        "UPDATE members SET broadcasts_paused = ? WHERE id = ?", (int(paused), member_id)
    )


async def list_reachable(
    db: Database, theme_slugs: Collection[str] | None = None
) -> list[Member]:
    """Who a bulletin or an update goes to: active, not paused, and (if given) following one
    of the themes."""
    return [_member(row) for row in await db.fetch_all(*_reachable("m.*", theme_slugs))]


_REACHABLE = "m.status = 'active' AND m.broadcasts_paused = 0"


def _reachable(columns: str, theme_slugs: Collection[str] | None) -> tuple[str, list[str]]:
    """The query for who is reachable, ``columns`` of ``members m``, in member order."""
    if theme_slugs is None:
        return f"SELECT {columns} FROM members m WHERE {_REACHABLE} ORDER BY m.id", []
    themes = list(theme_slugs)
    if len(themes) == 1:
        # A broadcast's usual audience. Walked straight from the theme's index, which is in
        # member order, each member found by its key: no list of ids built and probed first
        # (a fifth faster with 100,000 members).
        return (f"SELECT {columns} FROM member_themes mt JOIN members m ON m.id = mt.member_id"
                f" WHERE mt.theme_slug = ? AND {_REACHABLE} ORDER BY mt.member_id", themes)
    return (f"SELECT {columns} FROM members m WHERE {_REACHABLE} AND m.id IN"
            " (SELECT member_id FROM member_themes"
            " WHERE theme_slug IN (SELECT value FROM json_each(?))) ORDER BY m.id",
            [json.dumps(themes)])


class Reachable(NamedTuple):
    member_id: int
    chat_id: int
    only_my_themes: bool


@dataclass(frozen=True)
class Audience:
    """Who a send goes to, kept as the rows SQLite gave (member, chat, only their themes): a
    bulletin needs three fields of each member, and building 100,000 full members cost four
    times the query itself."""

    rows: list[tuple[int, int, int]]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Reachable]:
        return (Reachable(row[0], row[1], bool(row[2])) for row in self.rows)


async def audience(db: Database, theme_slugs: Collection[str] | None = None) -> Audience:
    """The members :func:`list_reachable` gives, as (member, chat, only their themes)."""
    return Audience(await db.fetch_tuples(
        *_reachable("m.id, m.chat_id, m.only_my_themes", theme_slugs)))


async def themes_of_members(db: Database, member_ids: Sequence[int]) -> dict[int, list[str]]:
    """Some members' themes in one query: a send to thousands reads them a page at a time,
    so no single read holds the database (or builds a dict of everyone) for long."""
    rows = await db.fetch_all(
        "SELECT mt.member_id, mt.theme_slug FROM member_themes mt"
        " JOIN themes t ON t.slug = mt.theme_slug"
        " WHERE mt.member_id IN (SELECT value FROM json_each(?))"
        " ORDER BY mt.member_id, t.position", (json.dumps(list(member_ids)),)
    )
    themes: dict[int, list[str]] = {}
    for row in rows:
        themes.setdefault(row[0], []).append(row[1])
    return themes


async def delete(db: Database, member_id: int) -> None:
    """Erase a member; themes, consents and pending deliveries go with them (ON DELETE CASCADE)."""
    await db.execute("DELETE FROM members WHERE id = ?", (member_id,))


async def list_all(db: Database) -> list[Member]:
    return [_member(row) for row in await db.fetch_all("SELECT * FROM members ORDER BY id")]


async def list_active(db: Database) -> list[Member]:
    rows = await db.fetch_all("SELECT * FROM members WHERE status = 'active' ORDER BY id")
    return [_member(row) for row in rows]




async def themes_of(db: Database, member_id: int) -> list[str]:
    rows = await db.fetch_all(
        "SELECT mt.theme_slug FROM member_themes mt JOIN themes t ON t.slug = mt.theme_slug"
        " WHERE mt.member_id = ? ORDER BY t.position",
        (member_id,),
    )
    return [row[0] for row in rows]


async def replace_themes(db: Database, member_id: int, theme_slugs: list[str]) -> None:
    async with db.transaction():
        await db.execute("DELETE FROM member_themes WHERE member_id = ?", (member_id,))
        await db.execute_many(
            "INSERT INTO member_themes (member_id, theme_slug) VALUES (?, ?)",
            [(member_id, slug) for slug in theme_slugs],
        )


async def record_consent(
    db: Database, member_id: int, purpose: str, granted: bool, notice_version: str,
    now: datetime,
) -> None:
    await db.execute(
        "INSERT INTO consents (member_id, purpose, granted, notice_version, recorded_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (member_id, purpose, int(granted), notice_version, to_db(now)),
    )


async def consents_of(db: Database, member_id: int) -> list[Consent]:
    rows = await db.fetch_all(
        "SELECT purpose, granted, notice_version, recorded_at FROM consents"
        " WHERE member_id = ? ORDER BY id",
        (member_id,),
    )
    return [
        Consent(row["purpose"], bool(row["granted"]), row["notice_version"],
                from_db(row["recorded_at"]) or datetime.min)
        for row in rows
    ]


async def count_by_status(db: Database) -> dict[str, int]:
    rows = await db.fetch_all("SELECT status, COUNT(*) FROM members GROUP BY status")
    return {row[0]: row[1] for row in rows}


async def count_joined_since(db: Database, since: datetime) -> int:
    return int(
        await db.fetch_value("SELECT COUNT(*) FROM members WHERE joined_at >= ?", (to_db(since),))
    )


async def count_per_theme(db: Database) -> list[tuple[str, str, int]]:
    """(slug, title, active followers) for every active theme, in menu order."""
    rows = await db.fetch_all(
        "SELECT t.slug, t.title, COUNT(m.id) FROM themes t"
        " LEFT JOIN member_themes mt ON mt.theme_slug = t.slug"
        " LEFT JOIN members m ON m.id = mt.member_id AND m.status = 'active'"
        " WHERE t.active = 1 GROUP BY t.slug ORDER BY t.position"
    )
    return [(row[0], row[1], row[2]) for row in rows]
