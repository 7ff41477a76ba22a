"""One bot per token: a second ``linkedup run`` stops within seconds and says why, and the first
keeps working.

Telegram serves one long poll per token: when a second ``getUpdates`` arrives it ends the one
that was waiting with ``409 Conflict``, so both instances see conflicts in turn. The newcomer is
the one that has never had a poll answered; it stops, the established one logs one line and
carries on. A webhook is simply replaced by the last ``setWebhook``, so Telegram says nothing
there: a lock beside the database file stops a second bot on the same server in either mode.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from telegram.error import Conflict, TelegramError

from bot.resilience import QuietRequest, describe
from db.database import DatabaseUnavailable

log = logging.getLogger(__name__)


class AnotherInstance(Exception):
    """Another bot already runs with this token or database; this one must not start."""


class PollingRequest(QuietRequest):
    """The connection ``getUpdates`` uses, which remembers whether Telegram ever answered it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.answered = False

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        self.answered = self.answered or code == 200
        return code, payload


class PollingWatch:
    """PTB's ``error_callback`` for polling: one line per fault instead of a traceback, and a
    conflict before our first answered poll means we are the second instance."""

    def __init__(self, request: PollingRequest) -> None:
        self._request = request
        self.displaced = asyncio.Event()

    def on_error(self, error: TelegramError) -> None:
        if isinstance(error, Conflict) and not self._request.answered:
            self.displaced.set()
            return
        if isinstance(error, Conflict):
            log.warning("Telegram ended a poll because another getUpdates came with this token "
                        "(a second instance starting?); carrying on")
            return
        log.warning("polling Telegram: %s; trying again", describe(error))

    def check(self) -> None:
        if self.displaced.is_set():
            raise AnotherInstance("another instance is already running with this token; "
                                  "stop it first, or give this one its own bot token")


@contextmanager
def running_alone(database: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the database for as long as the bot runs; the operating
    system releases it when the process ends, even by ``kill -9``."""
    lock_path = database.with_name(database.name + ".lock")
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        lock = lock_path.open("a")
    except OSError as error:
        raise DatabaseUnavailable(database, error.strerror or str(error)) from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AnotherInstance(
                f"another instance is already running with the database {database}; stop it "
                "first") from None
        yield
