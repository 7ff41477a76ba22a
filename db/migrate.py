"""Numbered SQL migrations, applied in order, tracked by SQLite's ``user_version``.

Each file in ``db/migrations`` is named ``NNNN_description.sql``; its number is the schema version
it brings the database to. A migration runs in one transaction with the version bump, so a crash
never leaves a half-applied schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

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
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return migrations


def latest_version() -> int:
    return len(available_migrations())


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(conn: aiosqlite.Connection) -> list[str]:
    """Bring the schema up to date; returns the names of the migrations it applied."""
    current = await schema_version(conn)
    migrations = available_migrations()
    if current > len(migrations):
        raise RuntimeError(
            f"database schema version {current} is newer than this program knows "
            f"({len(migrations)}); upgrade linkedup-bot before using this database"
        )
    applied = []
    for migration in migrations[current:]:
        # executescript commits any open transaction first, so BEGIN lives inside the script.
        try:
            await conn.executescript(
                f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                f"PRAGMA user_version = {migration.version};\nCOMMIT;"
            )
        except Exception:
            if conn.in_transaction:
                await conn.rollback()
            raise
        applied.append(migration.name)
    return applied
