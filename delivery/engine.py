"""The delivery engine: one worker that drains the ledger into Telegram within its limits.

Everything sent to many members (bulletins, event invitations, reminders) is enqueued as a
dispatch and sent from here, so rate limits, flood-control pauses, blocked members and crash
recovery are handled once. The ledger row is marked 'sending' just before its API call and
'sent' just after, so after a crash only the calls that were in flight can be repeated.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import assert_never

from db import deliveries
from db.database import Database
from db.deliveries import Delivery, Dispatch, DispatchProgress, NewDelivery
from db.timeutil import Clock, utcnow
from delivery.messages import OutgoingMessage
from delivery.ratelimit import Pacer
from delivery.transport import (
    Blocked,
    ChatMoved,
    Rejected,
    RetryLater,
    SendOutcome,
    Sent,
    TransientFailure,
    Transport,
)

__all__ = ["DeliveryEngine", "DispatchProgress", "DoneHook", "ProgressRenderer", "Recipient"]

log = logging.getLogger(__name__)

ProgressRenderer = Callable[[DispatchProgress], OutgoingMessage]
DoneHook = Callable[[DispatchProgress], Awaitable[None]]

_BATCH = 64
_BUSY_CHAT_POLL = 0.02


@dataclass(frozen=True)
class Recipient:
    """One chat to receive ``messages`` in order; ``member_id`` links outcomes to the member."""

    chat_id: int
    messages: Sequence[OutgoingMessage]
    member_id: int | None = None


@dataclass(frozen=True)
class _Report:
    checked_at: float
    shown: DispatchProgress


class DeliveryEngine:
    """Sends queued deliveries at Telegram's pace and keeps the ledger truthful.

    Only one engine may run against a database at a time: on start it takes every row left
    'sending' to be an interrupted call of its own.
    """

    def __init__(
        self,
        db: Database,
        transport: Transport,
        *,
        clock: Clock = utcnow,
        global_rate: float = 29.0,
        per_chat_interval: float = 1.0,
        concurrency: int = 8,
        max_attempts: int = 5,
        progress_renderer: ProgressRenderer | None = None,
        progress_every: float = 3.0,
        idle_wait: float = 1.0,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
    ) -> None:
        self._db = db
        self._transport = transport
        self._clock = clock
        self._pacer = Pacer(global_rate)
        self._per_chat_interval = per_chat_interval
        self._slots = asyncio.Semaphore(concurrency)
        self._max_attempts = max_attempts
        self._renderer = progress_renderer
        self._progress_every = progress_every
        # Upper bound on any idle wait, so rows enqueued by another process (the CLI) or a clock
        # moved by hand in tests are noticed without a wake-up call.
        self._idle_wait = idle_wait
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._hooks: defaultdict[str, list[DoneHook]] = defaultdict(list)
        self._inflight: set[asyncio.Task[None]] = set()
        self._busy_chats: set[int] = set()
        self._chat_free_at: dict[int, float] = {}
        self._reports: dict[int, _Report] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._grace = 10.0

    # --- public API -------------------------------------------------------------------------

    def on_done(self, kind: str, callback: DoneHook) -> None:
        """Run ``callback`` when a dispatch of ``kind`` has nothing left to send.

        It may run again after a crash at the wrong moment, so it must be idempotent.
        Cancelled dispatches do not run hooks.
        """
        self._hooks[kind].append(callback)

    async def enqueue(
        self,
        key: str,
        kind: str,
        recipients: Iterable[Recipient],
        *,
        title: str = "",
        report_chat_id: int | None = None,
    ) -> int:
        """Queue a dispatch once per ``key``; calling again adds only recipients not yet queued."""
        rows = [
            NewDelivery(recipient.member_id, recipient.chat_id, part, message.to_json())
            for recipient in recipients
            for part, message in enumerate(recipient.messages)
        ]
        dispatch_id = await deliveries.enqueue(
            self._db, key, kind, title, report_chat_id, rows, self._clock()
        )
        self._poke()
        return dispatch_id

    async def progress(self, dispatch_id: int) -> DispatchProgress:
        result = await deliveries.progress(self._db, dispatch_id)
        if result is None:
            raise KeyError(f"no dispatch with id {dispatch_id}")
        return result

    async def cancel(self, key: str) -> DispatchProgress | None:
        """Skip what is still queued; None if no dispatch has this key."""
        dispatch = await deliveries.cancel(self._db, key)
        if dispatch is None:
            return None
        self._poke()
        return await self.progress(dispatch.id)

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="delivery-engine")
        return self._task

    async def stop(self, grace: float = 10.0) -> None:
        """Stop picking rows and give in-flight calls ``grace`` seconds to record their outcome."""
        task, self._task = self._task, None
        if task is None:
            return
        self._grace = grace
        task.cancel()
        await asyncio.wait({task})

    async def wait_idle(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 - CLI API
        """Return once nothing is in flight and no row is due now; rows waiting on a backoff
        do not count. Raises TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            await self._idle.wait()

    async def run(self) -> None:
        """The worker: deliver until cancelled, surviving any single failure."""
        self._idle.clear()
        await deliveries.reset_interrupted(self._db)
        try:
            while True:
                try:
                    await self._step()
                except Exception:
                    log.exception("delivery worker step failed; trying again shortly")
                    await asyncio.sleep(self._idle_wait)
        finally:
            await self._drain()

    # --- the worker loop --------------------------------------------------------------------

    def _poke(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def _step(self) -> None:
        self._wake.clear()
        await deliveries.skip_blocked_members(self._db)
        await self._settle()
        await self._report_progress()
        batch = await deliveries.due(
            self._db, self._clock(), exclude_chats=self._unavailable_chats(), limit=_BATCH
        )
        if batch:
            self._idle.clear()
            await self._dispatch(batch)
        else:
            await self._rest()

    async def _dispatch(self, batch: list[Delivery]) -> None:
        for row in batch:
            # A batch takes seconds to send at Telegram's pace; reports must not wait for it.
            if self._any_report_due():
                await self._report_progress()
            # Two dispatches can hold rows for one chat in the same batch.
            if self._chat_available(row.chat_id):
                await self._start_delivery(row)

    async def _start_delivery(self, row: Delivery) -> None:
        await self._slots.acquire()
        try:
            await self._pacer.acquire()
            claimed = await deliveries.claim(self._db, row.id)
        except BaseException:
            self._slots.release()
            raise
        if not claimed:
            self._slots.release()
            return
        self._busy_chats.add(row.chat_id)
        task = asyncio.create_task(self._deliver(row))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _rest(self) -> None:
        now = self._clock()
        busy = self._inflight or self._wake.is_set()
        if not busy and not await deliveries.due(self._db, now, limit=1):
            self._idle.set()
        delay = await self._rest_delay(now)
        try:
            async with asyncio.timeout(delay):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _rest_delay(self, now: datetime) -> float:
        """Sleep until the earliest thing that could make a row sendable or a report due."""
        candidates = [self._idle_wait]
        due_at = await deliveries.next_due_at(self._db, now)
        if due_at is not None:
            candidates.append((due_at - now).total_seconds())
        mono = self._pacer.now()
        candidates += [free_at - mono for free_at in self._chat_free_at.values()]
        # An overdue report is one held back by a busy chat; that chat's own wake-up covers it.
        report_waits = (r.checked_at + self._progress_every - mono for r in self._reports.values())
        candidates += [wait for wait in report_waits if wait > 0]
        return max(min(candidates), 0.0)

    async def _drain(self) -> None:
        """Let in-flight calls record their outcome, so a restart does not send them again."""
        if not self._inflight:
            return
        _, late = await asyncio.wait(set(self._inflight), timeout=self._grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    # --- per-chat pacing --------------------------------------------------------------------

    def _chat_available(self, chat_id: int) -> bool:
        return (
            chat_id not in self._busy_chats
            and self._chat_free_at.get(chat_id, 0.0) <= self._pacer.now()
        )

    def _unavailable_chats(self) -> list[int]:
        now = self._pacer.now()
        self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
        return [*self._busy_chats, *self._chat_free_at]

    def _release_chat(self, chat_id: int) -> None:
        """Telegram allows about one message a second per chat, counted from our last call."""
        self._busy_chats.discard(chat_id)
        self._chat_free_at[chat_id] = self._pacer.now() + self._per_chat_interval

    async def _chat_turn(self, chat_id: int) -> None:
        while not self._chat_available(chat_id):
            free_at = self._chat_free_at.get(chat_id, 0.0)
            await asyncio.sleep(max(free_at - self._pacer.now(), _BUSY_CHAT_POLL))

    # --- one delivery -----------------------------------------------------------------------

    async def _deliver(self, row: Delivery) -> None:
        try:
            await self._record(row, await self._send(row))
        except Exception:
            log.exception("could not record the outcome of delivery %s", row.id)
        finally:
            self._release_chat(row.chat_id)
            self._slots.release()
            self._wake.set()

    async def _send(self, row: Delivery) -> SendOutcome:
        try:
            return await self._transport.send(row.chat_id, OutgoingMessage.from_json(row.payload))
        except Exception as exc:
            log.exception("sending delivery %s raised", row.id)
            return TransientFailure(f"unexpected error: {exc!r}")

    async def _record(self, row: Delivery, outcome: SendOutcome) -> None:
        now = self._clock()
        match outcome:
            case Sent(message_id):
                await deliveries.mark_sent(self._db, row.id, message_id, now)
            case RetryLater(seconds):
                self._pacer.pause(seconds)
                await deliveries.requeue(self._db, row.id)
            case Blocked(reason):
                await deliveries.mark_blocked(self._db, row, reason, now)
            case ChatMoved(new_chat_id):
                await deliveries.move_chat(self._db, row, new_chat_id)
                await self._retry(row, f"chat moved to {new_chat_id}", delay=0.0)
            case TransientFailure(reason):
                await self._retry(row, reason, delay=self._backoff(row.attempts + 1))
            case Rejected(reason):
                await deliveries.mark_failed(self._db, row, reason, row.attempts + 1)
            case _:
                assert_never(outcome)

    async def _retry(self, row: Delivery, reason: str, *, delay: float) -> None:
        attempts = row.attempts + 1
        if attempts >= self._max_attempts:
            await deliveries.mark_failed(self._db, row, reason, attempts)
        else:
            not_before = self._clock() + timedelta(seconds=delay)
            await deliveries.reschedule(self._db, row.id, attempts, not_before, reason)

    def _backoff(self, attempt: int) -> float:
        return float(min(self._backoff_base * 2 ** (attempt - 1), self._backoff_cap))

    # --- dispatches: completion and progress reports -----------------------------------------

    async def _settle(self) -> None:
        for dispatch in await deliveries.settled_dispatches(self._db):
            summary = await self.progress(dispatch.id)
            if self._renderer is not None and dispatch.report_chat_id is not None:
                await self._chat_turn(dispatch.report_chat_id)  # the final summary waits its turn
                await self._report(dispatch, dispatch.report_chat_id, summary)
            if dispatch.status == "sending":
                await self._run_hooks(summary)
            await deliveries.mark_finished(self._db, dispatch.id, self._clock())
            self._reports.pop(dispatch.id, None)

    async def _run_hooks(self, summary: DispatchProgress) -> None:
        for hook in self._hooks.get(summary.kind, []):
            try:
                await hook(summary)
            except Exception:
                log.exception("completion hook for dispatch %s failed", summary.key)

    async def _report_progress(self) -> None:
        if self._renderer is None:
            return
        for dispatch in await deliveries.reporting_dispatches(self._db):
            chat_id = dispatch.report_chat_id
            # Periodic edits give way to a busy chat rather than hold up the queue.
            if chat_id is None or not self._report_due(dispatch.id):
                continue
            if self._chat_available(chat_id):
                await self._report(dispatch, chat_id, await self.progress(dispatch.id))

    def _report_due(self, dispatch_id: int) -> bool:
        last = self._reports.get(dispatch_id)
        return last is None or self._pacer.now() - last.checked_at >= self._progress_every

    def _any_report_due(self) -> bool:
        return any(self._report_due(dispatch_id) for dispatch_id in self._reports)

    async def _report(self, dispatch: Dispatch, chat_id: int, current: DispatchProgress) -> None:
        """Send the officer's progress message, or edit it when the numbers changed."""
        assert self._renderer is not None
        last = self._reports.get(dispatch.id)
        if dispatch.report_message_id is not None and last is not None and last.shown == current:
            self._reports[dispatch.id] = _Report(self._pacer.now(), current)
            return
        try:
            # Timed from the call itself, not from before the wait for a slot, so two edits are
            # never closer than progress_every however long that wait was.
            await self._pacer.acquire()
            self._reports[dispatch.id] = _Report(self._pacer.now(), current)
            await self._publish(dispatch, chat_id, self._renderer(current))
        except Exception:
            log.exception("progress report for dispatch %s failed", dispatch.key)
        finally:
            self._release_chat(chat_id)

    async def _publish(self, dispatch: Dispatch, chat_id: int, message: OutgoingMessage) -> None:
        if dispatch.report_message_id is None:
            outcome = await self._transport.send(chat_id, message)
            if isinstance(outcome, Sent):
                await deliveries.set_report_message(self._db, dispatch.id, outcome.message_id)
        else:
            outcome = await self._transport.edit(chat_id, dispatch.report_message_id, message)
        if isinstance(outcome, RetryLater):
            self._pacer.pause(outcome.seconds)
        elif not isinstance(outcome, Sent):
            log.warning("progress report for dispatch %s: %s", dispatch.key, outcome)
