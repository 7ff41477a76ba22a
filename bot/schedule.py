"""Timed work: one APScheduler job (through PTB's JobQueue) that asks each feature what is due.

The database is the schedule: reminders, scheduled bulletins and follow-ups are rows with a due
time, so nothing has to be rebuilt in memory after a restart, and work that fell due while the
bot was down is found on the first tick. The clock is injected so tests move time by hand.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from db.timeutil import DueWork

if TYPE_CHECKING:
    from handlers.context import BotApplication, BotContext

log = logging.getLogger(__name__)


async def run_due_work(due_work: list[DueWork], now: datetime) -> None:
    for work in due_work:
        try:
            await work(now)
        except Exception:
            log.exception("scheduled work %s failed; it will be retried on the next tick", work)


@asynccontextmanager
async def ticking(application: BotApplication, due_work: list[DueWork],
                  every: float) -> AsyncIterator[None]:
    """The due-work job for the duration; on the way out it waits for a tick in progress, which
    APScheduler's shutdown would otherwise cancel half-way (and log as a traceback)."""
    turn, stopping = asyncio.Lock(), asyncio.Event()

    async def tick(context: BotContext) -> None:
        async with turn:
            if not stopping.is_set():
                await run_due_work(due_work, context.services.clock())

    job_queue = application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
    job = job_queue.run_repeating(tick, interval=every, first=0.1, name="due-work")
    try:
        yield
    finally:
        stopping.set()
        job.schedule_removal()
        async with turn:
            pass  # the tick in progress, if any, has finished
