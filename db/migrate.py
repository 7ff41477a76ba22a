"""Numbered SQL migrations, applied in order, each recorded in ``schema_migrations``.

Each file in ``db/migrations`` is named ``NNNN_description.sql``. Numbers are handed out to
parallel branches in advance, so they may have gaps and a lower number may land after a higher
one: the applied set is recorded migration by migration (``user_version`` keeps the highest, for
tools that read it), and every known migration not yet applied runs, in number order. A
migration runs in one transaction with its record, so a crash never leaves a half-applied schema.

A migration that needs more than SQL can say (a canonical link, a loosely compared title) calls
Python functions registered on the connection here, so every migration stays one SQL file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from db.story import register_sql_functions

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    migrations = []
    for path in sorted(MIGRATIONS_DIR.iterdir()):
        match = _NAME.match(path.name)
        if match:
            migrations.append(Migration(int(match.group(1)), path.stem, path.read_text("utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"each migration needs its own number, found {versions}")
    return migrations


def latest_version() -> int:
    return max((m.version for m in available_migrations()), default=0)


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


_LEDGER = ("CREATE TABLE IF NOT EXISTS schema_migrations"
           " (version INTEGER PRIMARY KEY, name TEXT NOT NULL)")


async def _applied_versions(conn: aiosqlite.Connection) -> set[int]:
    """What this database has; one made before the ledger existed had 1..user_version."""
    await conn.execute(_LEDGER)
    async with conn.execute("SELECT version FROM schema_migrations") as cursor:
        recorded = {int(row[0]) for row in await cursor.fetchall()}
    return recorded or set(range(1, await schema_version(conn) + 1))


async def apply_migrations(conn: aiosqlite.Connection) -> list[str]:
    """Bring the schema up to date; returns the names of the migrations it applied."""
    await register_sql_functions(conn)
    done = await _applied_versions(conn)
    migrations = available_migrations()
    unknown = done - {m.version for m in migrations}
    if unknown:
        raise RuntimeError(
            f"database schema has migration {max(unknown)}, which this program does not know; "
            "upgrade linkedup-bot before using this database"
        )
    recorded = "".join(f"INSERT OR IGNORE INTO schema_migrations VALUES ({v}, 'before-ledger');\n"
                       for v in sorted(done))
    applied = []
    for migration in (m for m in migrations if m.version not in done):
        highest = max(done | {migration.version})
        # executescript commits any open transaction first, so BEGIN lives inside the script.
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{recorded}{migration.sql}\n"
                f"INSERT INTO schema_migrations VALUES ({migration.version}, '{migration.name}');\n"
                f"PRAGMA user_version = {highest};\nCOMMIT;"
            )
        except Exception:
            if conn.in_transaction:
                await conn.rollback()
            raise
        done.add(migration.version)
        recorded = ""
        applied.append(migration.name)
    return applied
