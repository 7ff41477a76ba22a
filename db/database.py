"""One shared aiosqlite connection with explicit transactions.

The bot is a single process on a small server, so one connection in WAL mode is enough and keeps
SQLite's writer lock simple. Coroutines share it, so a multi-statement change must not interleave
with another coroutine's statements: :meth:`Database.transaction` holds a lock for its duration,
and every other statement waits for that lock unless it runs inside the same task's transaction.
A second, read-only connection serves :meth:`Database.read_now`, the small reads a person's every
update makes, on the event loop's own thread.
"""

from __future__ import annotations

import asyncio
import errno
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import aiosqlite

from db.migrate import apply_migrations

Params = Sequence[Any] | dict[str, Any]

_UNUSABLE = ("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_FULL",
             "SQLITE_NOTADB", "SQLITE_PERM", "SQLITE_BUSY")
"""SQLite's answers about the file and the disk (not about our SQL)."""

SET_ANOTHER_PATH = ("set database.path to a file in a folder this user can write to, or fix the "
                    "permissions")


class DatabaseUnavailable(Exception):
    """The database file cannot be opened or written: the message is the line to show."""

    def __init__(self, path: Path, reason: str, what_to_do: str = SET_ANOTHER_PATH) -> None:
        super().__init__(f"cannot use the database {path} ({reason}): {what_to_do}")


def unusable_file(error: BaseException) -> str | None:
    """Why a file cannot serve as a database, if that is what ``error`` says."""
    if isinstance(error, OSError):
        return error.strerror or str(error)
    if isinstance(error, sqlite3.Error) and str(error.sqlite_errorname).startswith(_UNUSABLE):
        return str(error)
    return None


def _make_folder(path: Path) -> None:
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{folder} is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)


@asynccontextmanager
async def naming_the_file(path: Path, what_to_do: str = SET_ANOTHER_PATH) -> AsyncIterator[None]:
    """Turn the operating system's or SQLite's complaint about ``path`` into one line."""
    try:
        yield
    except (OSError, sqlite3.Error) as error:
        reason = unusable_file(error)
        if reason is None:
            raise
        raise DatabaseUnavailable(path, reason, what_to_do) from None


def _open_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection to the file for :meth:`Database.read_now`; it never waits
    (``busy_timeout`` 0), since it runs on the event loop's thread."""
    reader = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                             isolation_level=None, check_same_thread=False)
    reader.row_factory = sqlite3.Row
    reader.execute("PRAGMA busy_timeout=0")
    return reader


class Database:
    """The project's handle on SQLite; repository modules take it as their first argument."""

    def __init__(self, connection: aiosqlite.Connection, path: Path,
                 reader: sqlite3.Connection | None = None) -> None:
        self._conn = connection
        self._reader = reader
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        """Open (creating it, and its folder, if need be) and bring the schema up to date; a
        file that cannot serve raises :class:`DatabaseUnavailable` naming it."""
        path = Path(path)
        async with naming_the_file(path):
            if str(path) != ":memory:":
                _make_folder(path)
                # Plain sqlite3 first: aiosqlite's worker thread outlives a failed connect and
                # crashes the process's exit with a traceback once the event loop is gone.
                await asyncio.to_thread(lambda: sqlite3.connect(path).close())
            conn = await aiosqlite.connect(str(path), isolation_level=None)
            try:
                await cls._prepare(conn, migrate)
                reader = None if str(path) == ":memory:" else _open_reader(path)
            except BaseException:
                await conn.close()  # aiosqlite's thread would otherwise keep the process alive
                raise
        return cls(conn, path, reader)

    @staticmethod
    async def _prepare(conn: aiosqlite.Connection, migrate: bool) -> None:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        if migrate:
            await apply_migrations(conn)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
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
        """Run one statement; returns the last row id for inserts, else the rows changed.

        Each call is one trip to aiosqlite's thread: the cursor is left to the garbage collector
        rather than closed, since closing it was a second trip, and a statement's trips are most
        of what a feed's thousand small queries cost.
        """
        async with self._turn():
            cursor = await self._conn.execute(sql, params)
        rowid = cursor.lastrowid if sql.lstrip()[:6].upper() == "INSERT" else None
        return rowid if rowid is not None else cursor.rowcount

    async def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        async with self._turn():
            await self._conn.executemany(sql, rows)

    async def fetch_one(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """The first row, for queries that give one (a key, ``LIMIT 1``, an aggregate)."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """All rows in one trip to aiosqlite's thread (execute, fetch and close were three)."""
        async with self._turn():
            rows = await self._conn.execute_fetchall(sql, params)
        return list(rows)

    async def read_now(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """A small read by key, on the event loop's own thread, for what a person's every update
        asks (who they are, what they follow).

        A trip to aiosqlite's thread costs more than such a query: waking that thread and then
        the event loop used about 220 us of CPU against 20-34 us for the query itself, a tenth
        of a bare PTB echo bot's CPU per update. A second, read-only connection in WAL mode
        sees every committed write at once and never waits for the writer. Inside the task's own
        transaction it would not see that transaction's writes, and SQLite may answer busy
        while another process recovers the file: both take the usual way.
        """
        if self._reader is None or self._in_own_transaction():
            return await self.fetch_all(sql, params)
        try:
            return self._reader.execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            return await self.fetch_all(sql, params)

    async def fetch_tuples(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """All rows as plain tuples, for reads of thousands of rows by position: building a
        ``sqlite3.Row`` for each of a theme's 20,000 members cost a tenth of the query. Two
        trips to aiosqlite's thread, since the cursor's row factory is set between them."""
        async with self._turn():
            cursor = await self._conn.execute(sql, params)
            cursor.row_factory = None
            rows = await cursor.fetchall()  # typed as Row by aiosqlite, whatever the factory
        return cast(list[tuple[Any, ...]], list(rows))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def backup_to(self, destination: Path) -> None:
        """SQLite's online backup: a consistent copy while the bot keeps writing."""
        async with naming_the_file(destination, "choose a backup destination this user can "
                                                "write to"), self._turn():
            _make_folder(destination)
            target = await aiosqlite.connect(str(destination))
            try:
                await self._conn.backup(target)
            finally:
                await target.close()
