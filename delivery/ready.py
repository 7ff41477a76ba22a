"""Which chat gets the next send: the chats with something queued, ordered by when each is free.

Telegram allows about 30 messages a second per bot but only about one a second per chat, so a
three-part bulletin to 300 members cannot be sent member by member: the bot's budget would idle
while each member's chat waits out its interval. The ready set keeps every chat with queued
parts keyed by the moment it may next receive one, so each free slot of the bot's budget goes
to a chat that is free, while each chat still gets its parts one at a time and in order.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime

from db.deliveries import Queued

ChatReadyAt = Callable[[int], float]


class ReadySet:
    """The queued rows per chat and per dispatch, and a heap of chats by the time they are free.

    Times are the pacer's (monotonic) for chat spacing, and the project's clock for a row's
    ``not_before`` (a backoff survives a restart, so it is stored as a date). A chat with a call
    open has no heap entry; it is put back with :meth:`wake` when the call ends (the pacer tells
    the engine of every call's end, a reply's too).
    """

    def __init__(self, chat_ready_at: ChatReadyAt) -> None:
        self._chat_ready_at = chat_ready_at
        self._rows: dict[int, dict[int, deque[Queued]]] = {}
        self._heap: list[tuple[float, int, int, int]] = []
        self._in_heap: dict[int, float] = {}
        self._backoff: dict[int, datetime] = {}

    def add(self, rows: Iterable[Queued]) -> None:
        """Queue rows given dispatch by dispatch, each chat's parts in order, after what each
        chat already has."""
        touched = set()
        for row in rows:
            self._rows.setdefault(row.chat_id, {}).setdefault(row.dispatch_id, deque()).append(row)
            touched.add(row.chat_id)
        for chat_id in touched:
            self._backoff.pop(chat_id, None)  # a new dispatch need not wait on another's backoff
            self.wake(chat_id)

    def replace(self, rows: Iterable[Queued]) -> None:
        """Start again from the ledger (after a cancel or a change made by another process)."""
        self._rows.clear()
        self._heap.clear()
        self._in_heap.clear()
        self._backoff.clear()
        self.add(rows)

    def put_back(self, row: Queued) -> None:
        """A row that must be tried again goes back at the front of its dispatch's parts."""
        self._rows.setdefault(row.chat_id, {}).setdefault(row.dispatch_id, deque()).appendleft(row)
        self._backoff.pop(row.chat_id, None)
        self.wake(row.chat_id)

    def drop_chat(self, chat_id: int) -> None:
        self._forget(chat_id)

    def drop_dispatch_for_chat(self, chat_id: int, dispatch_id: int) -> None:
        chat = self._rows.get(chat_id)
        if chat is not None:
            chat.pop(dispatch_id, None)
            if not chat:
                self._forget(chat_id)

    def wake(self, chat_id: int) -> bool:
        """Schedule ``chat_id`` at the time it is free, if it has rows and no call open; say
        whether it was, so a reply to a chat with nothing queued need not wake the engine."""
        if chat_id not in self._rows or chat_id in self._backoff:
            return False
        ready_at = self._chat_ready_at(chat_id)
        if ready_at == math.inf:
            return False
        self._schedule(chat_id, ready_at)
        return True

    def _schedule(self, chat_id: int, ready_at: float) -> None:
        if self._in_heap.get(chat_id) == ready_at:
            return
        self._in_heap[chat_id] = ready_at
        dispatch_id, head = self._first(chat_id)
        heapq.heappush(self._heap, (ready_at, dispatch_id, head.id, chat_id))

    def pop(self, now: float, today: datetime) -> Queued | None:
        """The next row to send: from the chat free longest (oldest dispatch first on a tie)."""
        self._end_backoffs(today)
        while self._heap and self._heap[0][0] <= now:
            ready_at, _, _, chat_id = heapq.heappop(self._heap)
            if self._in_heap.get(chat_id) != ready_at:
                continue  # superseded by a later entry for the same chat
            del self._in_heap[chat_id]
            if self._chat_ready_at(chat_id) > now:  # a reply took the chat: wait till it is free
                self.wake(chat_id)
                continue
            row = self._take_due(chat_id, today)
            if row is not None:
                return row
        return None

    def next_free_at(self) -> float | None:
        """The pacer time at which the earliest scheduled chat is free (or a little earlier)."""
        return self._heap[0][0] if self._heap else None

    def next_backoff_at(self) -> datetime | None:
        """The clock time at which the earliest row waiting on a backoff becomes due."""
        return min(self._backoff.values(), default=None)

    def waiting_only_on_backoffs(self) -> bool:
        """True when no chat is scheduled: what is left (if anything) waits on a backoff."""
        return not self._in_heap

    # --- internals ----------------------------------------------------------------------------

    def _first(self, chat_id: int) -> tuple[int, Queued]:
        dispatch_id = min(self._rows[chat_id])
        return dispatch_id, self._rows[chat_id][dispatch_id][0]

    def _take_due(self, chat_id: int, today: datetime) -> Queued | None:
        """The chat's first part of the oldest dispatch whose next part is due; a part waiting
        on a backoff holds back only its own dispatch's later parts."""
        chat = self._rows[chat_id]
        for dispatch_id in sorted(chat):
            parts = chat[dispatch_id]
            if parts[0].not_before is None or parts[0].not_before <= today:
                row = parts.popleft()
                if not parts:
                    del chat[dispatch_id]
                if not chat:
                    del self._rows[chat_id]
                return row
        self._backoff[chat_id] = min(
            parts[0].not_before for parts in chat.values() if parts[0].not_before is not None
        )
        return None

    def _end_backoffs(self, today: datetime) -> None:
        due = [chat_id for chat_id, at in self._backoff.items() if at <= today]
        for chat_id in due:
            del self._backoff[chat_id]
            self.wake(chat_id)

    def _forget(self, chat_id: int) -> None:
        self._rows.pop(chat_id, None)
        self._in_heap.pop(chat_id, None)
        self._backoff.pop(chat_id, None)
