"""One shared aiosqlite connection with explicit transactions.

The bot is a single process on a small server, so one connection in WAL mode is enough and keeps
SQLite's writer lock simple. Coroutines share it, so a multi-statement change must not interleave
with another coroutine's statements: :meth:`Database.transaction` holds a lock for its duration,
and every other statement waits for that lock unless it runs inside the same task's transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from db.migrate import apply_migrations

Params = Sequence[Any] | dict[str, Any]


class Database:
    """The project's handle on SQLite; repository modules take it as their first argument."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        database = cls(conn, path)
        if migrate:
            await apply_migrations(conn)
        return database

    async def close(self) -> None:
        await self._conn.close()

    @property
    def connection(self) -> aiosqlite.Connection:
        """The raw connection, for the few callers (backup, migrations) that need SQLite itself."""
        return self._conn

    def _in_own_transaction(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self._in_own_transaction():
            yield
            return
        async with self._lock:
            yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the enclosed statements atomically; nested use joins the outer transaction."""
        if self._in_own_transaction():
            yield
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")
            finally:
                self._owner = None

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the last row id for inserts, else the rows changed."""
        async with self._turn():
            cursor = await self._conn.execute(sql, params)
            rowid = cursor.lastrowid if sql.lstrip()[:6].upper() == "INSERT" else None
            changed = cursor.rowcount
            await cursor.close()
        return rowid if rowid is not None else changed

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self._turn():
            await self._conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._turn():
            cursor = await self._conn.execute(sql, params)
            row = await cursor.fetchone()
            await cursor.close()
        return row

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._turn():
            cursor = await self._conn.execute(sql, params)
            rows = await cursor.fetchall()
            await cursor.close()
        return list(rows)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def backup_to(self, destination: Path) -> None:
        """SQLite's online backup: a consistent copy while the bot keeps writing."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        async with self._turn():
            target = await aiosqlite.connect(str(destination))
            try:
                await self._conn.backup(target)
            finally:
                await target.close()
