"""The delivery engine: one worker that drains the ledger into Telegram within its limits.

Everything sent to many members (bulletins, event invitations, reminders) is enqueued as a
dispatch and sent from here, so rate limits, flood-control pauses, blocked members and crash
recovery are handled once. The ledger row is marked 'sending' just before its API call and
'sent' just after, so after a crash only the calls that were in flight can be repeated.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import assert_never

from db import deliveries
from db.database import Database
from db.deliveries import Delivery, Dispatch, DispatchProgress, NewDelivery, Queued
from db.timeutil import Clock, utcnow
from delivery.messages import OutgoingMessage
from delivery.ratelimit import Pacer
from delivery.ready import ReadySet
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

_SWEEP_EVERY = 0.5
_BATCH_ROWS = 100
"""Rows per transaction while planning: a bulletin's parts are kilobytes each, and 500 of them
held the database for about 50 ms, a reply's query waiting behind them (measured)."""
_SLICE = 0.002
_PAYLOADS_KEPT = 256


@dataclass(frozen=True)
class Recipient:
    """One chat to receive ``messages`` in order; ``member_id`` links outcomes to the member."""

    chat_id: int
    messages: Sequence[OutgoingMessage]
    member_id: int | None = None


async def _batches(
    recipients: Iterable[Recipient] | AsyncIterable[Recipient],
) -> AsyncIterator[list[NewDelivery]]:
    """The ledger's rows in batches of at most :data:`_BATCH_ROWS` (always one, if empty).

    Taking recipients (and rendering their messages) runs in slices of the event loop of
    :data:`_SLICE` seconds, each followed by a rest as long, in which replies run their steps:
    a bulletin to 10,000 members is seconds of work. A message shared by many recipients (the
    same bulletin for the same themes) is turned into its payload once.
    """
    payloads: dict[int, tuple[OutgoingMessage, str]] = {}
    batch: list[NewDelivery] = []
    slice_ends = time.perf_counter() + _SLICE
    async for recipient in _each(recipients):
        for part, message in enumerate(recipient.messages):
            known = payloads.get(id(message))
            if known is None:  # the message is kept with its payload, so its id stays its own
                known = payloads[id(message)] = (message, message.to_json())
            batch.append(NewDelivery(recipient.member_id, recipient.chat_id, part, known[1]))
        if len(payloads) > _PAYLOADS_KEPT:
            payloads.clear()
        if len(batch) >= _BATCH_ROWS:
            yield batch
            batch = []
        if time.perf_counter() >= slice_ends:
            await asyncio.sleep(_SLICE)
            slice_ends = time.perf_counter() + _SLICE
    yield batch


async def _each(recipients: Iterable[Recipient] | AsyncIterable[Recipient]
                ) -> AsyncIterator[Recipient]:
    if isinstance(recipients, AsyncIterable):
        async for recipient in recipients:
            yield recipient
    else:
        for recipient in recipients:
            yield recipient


def _queued(row: Delivery) -> Queued:
    return Queued(row.id, row.dispatch_id, row.member_id, row.chat_id, row.part, row.attempts,
                  row.not_before)


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
        global_rate: float = 29.4,
        per_chat_interval: float = 1.0,
        pacer: Pacer | None = None,
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
        self.pacer = pacer or Pacer(global_rate, per_chat_interval=per_chat_interval)
        """The bot's one budget: the bot's replies draw on it too, ahead of bulk sends."""
        self._ready = ReadySet(self.pacer.chat_ready_at)
        self.pacer.on_chat_released = self._chat_released
        self._slots = asyncio.Semaphore(concurrency)
        self._max_attempts = max_attempts
        self._renderer = progress_renderer
        self._progress_every = progress_every
        # Upper bound on any idle wait, so rows enqueued by another process (the CLI) or a clock
        # moved by hand in tests are noticed without a wake-up call.
        self._idle_wait = idle_wait
        self._sweep_every = min(_SWEEP_EVERY, idle_wait, progress_every)
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._hooks: defaultdict[str, list[DoneHook]] = defaultdict(list)
        self._inflight: set[asyncio.Task[None]] = set()
        self._reports: dict[int, _Report] = {}
        self._loaded_up_to = 0
        self._last_plan = 0
        self._reload = True
        self._poked = True
        self._changed = False
        self._next_sweep = 0.0
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
        recipients: Iterable[Recipient] | AsyncIterable[Recipient],
        *,
        title: str = "",
        report_chat_id: int | None = None,
    ) -> int:
        """Queue a dispatch once per ``key``; calling again adds only recipients not yet queued.

        A large one (a bulletin to thousands, rendered as it is taken from ``recipients``) goes
        into the ledger in batches, with turns for the bot's replies between them, and is sent
        only once the last batch is in: planning never holds a person's reply up for seconds.
        """
        batches = aiter(_batches(recipients))
        first = await anext(batches)
        second = await anext(batches, None)
        now = self._clock()
        if second is None:
            dispatch_id = await deliveries.enqueue(
                self._db, key, kind, title, report_chat_id, first, now)
        else:
            dispatch_id = await deliveries.enqueue(
                self._db, key, kind, title, report_chat_id, first, now, planned=False)
            await deliveries.add_deliveries(self._db, dispatch_id, second)
            async for rows in batches:
                await deliveries.add_deliveries(self._db, dispatch_id, rows)
            await deliveries.finish_planning(self._db, dispatch_id)
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
        self._reload = True
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
        self._reload = True
        try:
            while True:
                try:
                    await self._step()
                except Exception:
                    log.exception("delivery worker step failed; trying again shortly")
                    self._reload = True
                    await asyncio.sleep(self._idle_wait)
        finally:
            await self._drain()

    # --- the worker loop --------------------------------------------------------------------

    def _poke(self) -> None:
        self._poked = True
        self._idle.clear()
        self._wake.set()

    async def _step(self) -> None:
        """Send from the chat that is free soonest; sweep the ledger now and then, and always
        before resting, so finished dispatches are closed and other processes' rows are seen."""
        self._wake.clear()
        if self._poked or self.pacer.now() >= self._next_sweep:
            await self._sweep()
        row = self._ready.pop(self.pacer.now(), self._clock())
        if row is not None:
            self._idle.clear()
            await self._start_delivery(row)
        elif self._changed:
            await self._sweep()
        else:
            await self._rest()

    async def _sweep(self) -> None:
        self._poked = self._changed = False
        self._next_sweep = self.pacer.now() + self._sweep_every
        if await deliveries.skip_blocked_members(self._db):
            self._reload = True
        await self._settle()
        await self._report_progress()
        await self._load()

    async def _load(self) -> None:
        """Bring the schedule up to date: new rows only, or all of them after a change made
        behind its back (a cancel, a member blocked elsewhere, another process, a plan that
        finished: its rows were hidden while newer ones were loaded)."""
        plan = await deliveries.last_plan(self._db)
        if plan != self._last_plan:
            self._last_plan, self._reload = plan, True
        after_id = self._loaded_up_to
        if self._reload:
            self._reload, after_id = False, 0
            self._ready.replace(())
        async for page in deliveries.queued(self._db, after_id=after_id):
            self._ready.add(page)  # between pages, the bot's replies have their turn
            self._loaded_up_to = max(self._loaded_up_to, max(row.id for row in page))

    async def _start_delivery(self, queued: Queued) -> None:
        await self._slots.acquire()
        self.pacer.occupy_chat(queued.chat_id)
        try:
            await self.pacer.acquire()
            row = await deliveries.claim(self._db, queued)
        except BaseException:
            self._end_call(queued.chat_id, spaced=False)
            raise
        if row is None:  # cancelled or skipped since it was loaded: the schedule is stale
            self._reload = True
            self._end_call(queued.chat_id, spaced=False)
            return
        if row.chat_id != queued.chat_id:  # a group's move was followed since it was loaded
            self._reload = True
        task = asyncio.create_task(self._deliver(row, queued.chat_id))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    def _chat_released(self, chat_id: int) -> None:
        # Our own calls wake the loop when they end (_deliver); a reply to a chat with no
        # bulletin part waiting changes nothing for it.
        if self._ready.wake(chat_id):
            self._wake.set()

    def _end_call(self, chat_id: int, *, spaced: bool = True, hold: float = 0.0) -> None:
        self.pacer.release_chat(chat_id, spaced=spaced, hold=hold)
        self._slots.release()

    async def _rest(self) -> None:
        quiet = not self._inflight and not self._wake.is_set()
        if quiet and self._ready.waiting_only_on_backoffs():
            self._idle.set()
            # Cheap while little is queued, and it catches what new-rows-only loading cannot:
            # SQLite reuses the ids of deleted rows (a member's /forget).
            self._reload = True
        try:
            async with asyncio.timeout(self._rest_delay()):
                await self._wake.wait()
        except TimeoutError:
            pass

    def _rest_delay(self) -> float:
        """Sleep until the earliest thing that could make a row sendable or a report due."""
        mono = self.pacer.now()
        candidates = [self._idle_wait, self._next_sweep - mono]
        free_at = self._ready.next_free_at()
        if free_at is not None:
            candidates.append(free_at - mono)
        backoff_at = self._ready.next_backoff_at()
        if backoff_at is not None:
            candidates.append((backoff_at - self._clock()).total_seconds())
        return max(min(candidates), 0.0)

    async def _drain(self) -> None:
        """Let in-flight calls record their outcome, so a restart does not send them again."""
        if not self._inflight:
            return
        _, late = await asyncio.wait(set(self._inflight), timeout=self._grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    # --- one delivery -----------------------------------------------------------------------

    async def _deliver(self, row: Delivery, occupied: int) -> None:
        hold = 0.0
        try:
            outcome = await self._send(row)
            if isinstance(outcome, RetryLater):
                hold = outcome.seconds
            await self._record(row, outcome)
        except Exception:
            log.exception("could not record the outcome of delivery %s", row.id)
            self._reload = True
        finally:
            self._end_call(occupied, hold=hold)
            self._changed = True
            self._wake.set()

    async def _send(self, row: Delivery) -> SendOutcome:
        try:
            return await self._transport.send(row.chat_id, OutgoingMessage.from_json(row.payload))
        except Exception as exc:
            log.exception("sending delivery %s raised", row.id)
            return TransientFailure(f"unexpected error: {exc!r}")

    async def _record(self, row: Delivery, outcome: SendOutcome) -> None:
        """Write the outcome to the ledger, then mirror it in the schedule."""
        now = self._clock()
        match outcome:
            case Sent(message_id):
                await deliveries.mark_sent(self._db, row.id, message_id, now)
            case RetryLater(seconds):
                # Telegram does not say whether the bot or the chat was over its limit: both wait.
                self.pacer.pause(seconds)
                await deliveries.requeue(self._db, row.id)
                self._ready.put_back(_queued(row))
            case Blocked(reason):
                await deliveries.mark_blocked(self._db, row, reason, now)
                self._ready.drop_chat(row.chat_id)
            case ChatMoved(new_chat_id):
                await deliveries.move_chat(self._db, row, new_chat_id)
                await self._retry(row, f"chat moved to {new_chat_id}", delay=0.0)
                self._reload = True
            case TransientFailure(reason):
                await self._retry(row, reason, delay=self._backoff(row.attempts + 1))
            case Rejected(reason):
                await self._fail(row, reason, row.attempts + 1)
            case _:
                assert_never(outcome)

    async def _retry(self, row: Delivery, reason: str, *, delay: float) -> None:
        attempts = row.attempts + 1
        if attempts >= self._max_attempts:
            await self._fail(row, reason, attempts)
        else:
            not_before = self._clock() + timedelta(seconds=delay)
            await deliveries.reschedule(self._db, row.id, attempts, not_before, reason)
            self._ready.put_back(replace(_queued(row), attempts=attempts, not_before=not_before))

    async def _fail(self, row: Delivery, reason: str, attempts: int) -> None:
        await deliveries.mark_failed(self._db, row, reason, attempts)
        self._ready.drop_dispatch_for_chat(row.chat_id, row.dispatch_id)  # later parts skipped

    def _backoff(self, attempt: int) -> float:
        return float(min(self._backoff_base * 2 ** (attempt - 1), self._backoff_cap))

    # --- dispatches: completion and progress reports -----------------------------------------

    async def _settle(self) -> None:
        for dispatch in await deliveries.settled_dispatches(self._db):
            summary = await self.progress(dispatch.id)
            if self._renderer is not None and dispatch.report_chat_id is not None:
                # The final summary waits its turn in the chat (the pacer's turn does that).
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
            if self.pacer.chat_ready_at(chat_id) <= self.pacer.now():
                await self._report(dispatch, chat_id, await self.progress(dispatch.id))

    def _report_due(self, dispatch_id: int) -> bool:
        last = self._reports.get(dispatch_id)
        return last is None or self.pacer.now() - last.checked_at >= self._progress_every

    async def _report(self, dispatch: Dispatch, chat_id: int, current: DispatchProgress) -> None:
        """Send the officer's progress message, or edit it when the numbers changed."""
        assert self._renderer is not None
        last = self._reports.get(dispatch.id)
        if dispatch.report_message_id is not None and last is not None and last.shown == current:
            self._reports[dispatch.id] = _Report(self.pacer.now(), current)
            return
        try:
            async with self.pacer.turn(chat_id):
                # Timed from the call itself, not from before the wait for a slot, so two edits
                # are never closer than progress_every however long that wait was.
                self._reports[dispatch.id] = _Report(self.pacer.now(), current)
                await self._publish(dispatch, chat_id, self._renderer(current))
        except Exception:
            log.exception("progress report for dispatch %s failed", dispatch.key)

    async def _publish(self, dispatch: Dispatch, chat_id: int, message: OutgoingMessage) -> None:
        if dispatch.report_message_id is None:
            outcome = await self._transport.send(chat_id, message)
            if isinstance(outcome, Sent):
                await deliveries.set_report_message(self._db, dispatch.id, outcome.message_id)
        else:
            outcome = await self._transport.edit(chat_id, dispatch.report_message_id, message)
        if isinstance(outcome, RetryLater):
            self.pacer.pause(outcome.seconds)
        elif not isinstance(outcome, Sent):
            log.warning("progress report for dispatch %s: %s", dispatch.key, outcome)
