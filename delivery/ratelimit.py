"""Telegram's one budget, shared by bulk sends and the replies to people.

Telegram counts a bot's calls over short windows (about 30 a second) and a chat's messages
(about one a second), and answers 429 with ``retry_after`` when either is exceeded. The delivery
engine and the bot's replies both draw on one :class:`Pacer`, so together they never exceed the
budget, and a person waiting for a reply is served before the next queued bulletin part.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

_URGENT, _BULK = 0, 1
_BUSY_CHAT_POLL = 0.02
_PRUNE_EVERY = 1024


class Pacer:
    """Hands out send slots ``1/rate`` seconds apart, urgent callers first, and spaces each chat.

    A token bucket would allow a burst after a quiet spell, and Telegram counts calls over short
    windows, so a burst is what earns a 429. Slots sit on a fixed grid rather than being measured
    from when the caller woke up, so timer lateness does not accumulate and the achieved rate
    stays at ``rate`` rather than drifting below it. Waiting callers are served in priority
    order. An urgent caller does not even wait for the next slot: it borrows the current one
    and bulk senders pay it back, one slot later (at most one slot is borrowed at a time, and
    never during a pause), so a reply costs a person no wait at all and the budget over any
    window grows by one call at most.
    """

    def __init__(self, rate: float, *, per_chat_interval: float = 0.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._per_chat = per_chat_interval
        self._next = 0.0
        self._paused_until = 0.0
        self._pauses = 0
        self._waiting: list[tuple[int, int, asyncio.Future[int]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._open: dict[int, int] = {}  # calls open to each chat
        self._free_at: dict[int, float] = {}
        self._held_until: dict[int, float] = {}  # a chat's retry_after, which nobody may skip
        self._bulk_last: set[int] = set()  # chats whose last message was a bulk one
        self._releases = 0
        self.on_chat_released: Callable[[int], None] | None = None
        """Told of every chat whose call ended, whoever made it: the engine's schedule skips a
        chat while a reply to it is open, and takes it up again from here."""

    @staticmethod
    def now() -> float:
        return asyncio.get_running_loop().time()

    # --- the bot's budget ---------------------------------------------------------------------

    async def acquire(self, *, urgent: bool = False) -> None:
        """Wait for the next free slot; a pause that begins meanwhile pushes the slot past it."""
        while True:
            now = self.now()
            if urgent and self._may_borrow(now):
                self._next = max(self._next, now) + self._interval
                return
            if not self._waiting and self._next <= now:
                self._take(now)
                return
            future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (_URGENT if urgent else _BULK, next(self._order), future))
            self._arm()
            # A cancelled waiter's future is cancelled with it and skipped when its turn comes.
            if await future == self._pauses:
                return

    def _may_borrow(self, now: float) -> bool:
        return (now >= self._paused_until and self._next <= now + self._interval
                and not any(priority == _URGENT and not future.done()
                            for priority, _, future in self._waiting))

    def pause(self, seconds: float) -> None:
        """Telegram's flood control is per bot: nobody sends until ``seconds`` have passed."""
        self._paused_until = max(self._paused_until, self.now() + seconds)
        self._next = max(self._next, self._paused_until)
        self._pauses += 1

    def _take(self, now: float) -> None:
        # Within one interval of the grid, keep the grid: a late wake-up is not lost time.
        slot = self._next if now - self._next < self._interval else now
        self._next = slot + self._interval

    def _arm(self) -> None:
        if self._timer is None and self._waiting:
            self._timer = asyncio.get_running_loop().call_at(self._next, self._grant)

    def _grant(self) -> None:
        self._timer = None
        now = self.now()
        if now >= self._next:  # else a pause moved the slot: wait for the new one
            while self._waiting:
                _, _, future = heapq.heappop(self._waiting)
                if not future.done():
                    self._take(now)
                    future.set_result(self._pauses)
                    break
        self._arm()

    # --- each chat's spacing ------------------------------------------------------------------

    def chat_ready_at(self, chat_id: int, *, urgent: bool = False) -> float:
        """When ``chat_id`` may next receive a message (infinity while a call to it is open).

        A reply to a person need not wait out the interval a bulk part began: Telegram allows
        a chat a short burst, and two messages in a second (the part, the reply) is well within
        it. The bulk part after the reply waits a full interval again, and a reply never skips
        another reply's interval nor a retry_after.
        """
        if chat_id in self._open:
            return math.inf
        if urgent and chat_id in self._bulk_last:
            return self._held_until.get(chat_id, 0.0)
        return self._free_at.get(chat_id, 0.0)

    def occupy_chat(self, chat_id: int) -> None:
        self._open[chat_id] = self._open.get(chat_id, 0) + 1

    def release_chat(
        self, chat_id: int, *, hold: float = 0.0, spaced: bool = True, urgent: bool = False
    ) -> None:
        """A call to ``chat_id`` ended: its next message waits the per-chat interval (counted
        from this call, as Telegram does), or ``hold`` seconds when Telegram asked for longer."""
        if (still_open := self._open.pop(chat_id, 1) - 1) > 0:
            self._open[chat_id] = still_open
        now = self.now()
        wait = max(self._per_chat if spaced else 0.0, hold)
        if wait > 0:
            self._free_at[chat_id] = max(self._free_at.get(chat_id, 0.0), now + wait)
        if hold > 0:
            self._held_until[chat_id] = max(self._held_until.get(chat_id, 0.0), now + hold)
        if spaced and not urgent:
            self._bulk_last.add(chat_id)
        elif spaced:
            self._bulk_last.discard(chat_id)
        self._releases += 1
        if self._releases % _PRUNE_EVERY == 0:
            self._prune(now)
        if self.on_chat_released is not None:
            self.on_chat_released(chat_id)

    def _prune(self, now: float) -> None:
        self._free_at = {chat: at for chat, at in self._free_at.items() if at > now}
        self._held_until = {chat: at for chat, at in self._held_until.items() if at > now}
        self._bulk_last = {chat for chat in self._bulk_last if chat in self._free_at}

    async def chat_turn(self, chat_id: int, *, urgent: bool = False) -> None:
        """Wait until ``chat_id`` may receive a message."""
        # An interval ends by the clock, not by an event; an open call is rare and short.
        while (ready_at := self.chat_ready_at(chat_id, urgent=urgent)) > (now := self.now()):  # noqa: ASYNC110
            await asyncio.sleep(ready_at - now if ready_at < math.inf else _BUSY_CHAT_POLL)

    @asynccontextmanager
    async def turn(
        self, chat_id: int, *, urgent: bool = False, spaced: bool = True
    ) -> AsyncIterator[None]:
        """The chat's turn and a slot of the bot's budget, for one call made inside the block.

        ``spaced=False`` is for calls Telegram does not count against the chat (edits): they
        neither wait for the chat's interval nor start a new one, but take a slot of the bot's
        budget like any call.
        """
        if spaced:
            await self.chat_turn(chat_id, urgent=urgent)
        self.occupy_chat(chat_id)
        try:
            await self.acquire(urgent=urgent)
            yield
        except BaseException:
            # A refused call (a 429 above all) put no message in the chat; the bot-wide pause
            # its caller takes covers the wait.
            self.release_chat(chat_id, spaced=False)
            raise
        self.release_chat(chat_id, spaced=spaced, urgent=urgent)
