"""The database handle's read on the event loop's thread: what it sees, and when it waits."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from db.database import Database

THEME = "INSERT INTO themes (slug, title, position) VALUES (?, ?, ?)"
TITLES = "SELECT title FROM themes ORDER BY slug"


def titles(rows: Sequence[sqlite3.Row]) -> list[str]:
    return [row[0] for row in rows]


async def test_a_read_now_sees_every_committed_write_at_once(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "network.sqlite3")
    try:
        await db.execute(THEME, ("send", "SEND", 1))
        assert titles(await db.read_now(TITLES)) == ["SEND"]
        await db.execute("UPDATE themes SET title = ? WHERE slug = ?", ("SEND and AP", "send"))
        assert titles(await db.read_now(TITLES)) == ["SEND and AP"]
        assert (await db.read_now(TITLES))[0]["title"] == "SEND and AP"  # rows by name, too
    finally:
        await db.close()


async def test_inside_its_own_transaction_a_task_reads_its_own_writes(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "network.sqlite3")
    try:
        async with db.transaction():
            await db.execute(THEME, ("youth", "Youth provision", 1))
            assert titles(await db.read_now(TITLES)) == ["Youth provision"]
    finally:
        await db.close()


async def test_beside_another_tasks_open_transaction_a_read_now_answers_at_once(
    tmp_path: Path,
) -> None:
    """The other task's writes are not committed yet: the read gives what is, without waiting
    for the transaction (a plain read would wait for its lock)."""
    db = await Database.open(tmp_path / "network.sqlite3")
    writing, read = asyncio.Event(), asyncio.Event()

    async def write_and_hold() -> None:
        async with db.transaction():
            await db.execute(THEME, ("funding", "Funding", 1))
            writing.set()
            await read.wait()

    try:
        await db.execute(THEME, ("send", "SEND", 2))
        writer = asyncio.create_task(write_and_hold())
        await writing.wait()
        seen = await asyncio.wait_for(db.read_now(TITLES), timeout=5)
        read.set()
        await writer
        assert titles(seen) == ["SEND"]
        assert titles(await db.read_now(TITLES)) == ["Funding", "SEND"]
    finally:
        await db.close()


async def test_a_read_now_never_writes(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "network.sqlite3")
    try:
        try:
            await db.read_now("DELETE FROM themes")
        except Exception as error:
            assert "readonly" in str(error)
        else:
            raise AssertionError("a read_now changed the database")
    finally:
        await db.close()


async def test_an_in_memory_database_reads_the_usual_way() -> None:
    db = await Database.open(":memory:")
    try:
        await db.execute(THEME, ("send", "SEND", 1))
        assert titles(await db.read_now(TITLES)) == ["SEND"]
    finally:
        await db.close()
