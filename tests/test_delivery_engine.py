"""The delivery engine against a real SQLite ledger and a recording transport double.

Timings use the event loop's clock (the one the engine paces with); rates and intervals are
scaled down so each test runs in well under a few seconds.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from db import deliveries, members
from db.database import Database
from db.deliveries import Queued
from db.members import MemberDetails
from db.timeutil import utcnow
from delivery.engine import DeliveryEngine, DispatchProgress, Recipient
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
)

EPS = 0.005  # timer jitter allowed when checking minimum spacings


@dataclass(frozen=True)
class Call:
    at: float
    chat_id: int
    text: str
    message_id: int | None = None


class RecordingTransport:
    """Records every call; ``plan`` scripts per-chat outcomes (or exceptions) in order."""

    def __init__(self, *, latency: float = 0.0, hang_after: int | None = None) -> None:
        self.sends: list[Call] = []
        self.edits: list[Call] = []
        self.plan: dict[int, list[SendOutcome | Exception]] = {}
        self.latency = latency
        self.hang_after = hang_after
        self._ids = itertools.count(1000)
        self._called = asyncio.Event()

    async def send(self, chat_id: int, message: OutgoingMessage) -> SendOutcome:
        self.sends.append(Call(asyncio.get_running_loop().time(), chat_id, message.html))
        self._called.set()
        if self.hang_after is not None and len(self.sends) > self.hang_after:
            await asyncio.Event().wait()  # a call that never returns, until cancelled
        if self.latency:
            await asyncio.sleep(self.latency)
        scripted = self.plan.get(chat_id)
        if scripted:
            outcome = scripted.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return Sent(next(self._ids))

    async def edit(self, chat_id: int, message_id: int, message: OutgoingMessage) -> SendOutcome:
        now = asyncio.get_running_loop().time()
        self.edits.append(Call(now, chat_id, message.html, message_id))
        return Sent(message_id)

    async def wait_for_sends(self, count: int) -> None:
        async with asyncio.timeout(3):
            while len(self.sends) < count:
                self._called.clear()
                await self._called.wait()

    def texts_to(self, chat_id: int) -> list[str]:
        return [call.text for call in self.sends if call.chat_id == chat_id]

    def times_to(self, chat_id: int) -> list[float]:
        return [call.at for call in self.sends if call.chat_id == chat_id]

    def count_by_chat(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for call in self.sends:
            counts[call.chat_id] = counts.get(call.chat_id, 0) + 1
        return counts


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "ledger.sqlite3")
    yield db
    await db.close()


async def queued(db: Database) -> list[Queued]:
    """Every row the engine's schedule would load, its pages joined."""
    return [row async for page in deliveries.queued(db) for row in page]


def fast_engine(db: Database, transport: RecordingTransport, **options: Any) -> DeliveryEngine:
    settings: dict[str, Any] = {
        "global_rate": 1000.0,
        "per_chat_interval": 0.0,
        "backoff_base": 0.01,
    }
    settings.update(options)
    return DeliveryEngine(db, transport, **settings)


@asynccontextmanager
async def running(engine: DeliveryEngine) -> AsyncIterator[DeliveryEngine]:
    engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


def parts(*texts: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(html=text) for text in texts]


def plain(chats: Sequence[int], *texts: str) -> list[Recipient]:
    return [Recipient(chat, parts(*(texts or ("hello",)))) for chat in chats]


async def add_member(db: Database, telegram_id: int) -> int:
    details = MemberDetails("Family Hub", "Sam", "Coordinator", None)
    return await members.insert(db, telegram_id, telegram_id, details, utcnow())


async def until_finished(db: Database, dispatch_id: int) -> None:
    """Poll the ledger: unlike wait_idle, this also waits out rows sleeping on a backoff."""
    async with asyncio.timeout(3):
        while True:
            dispatch = await deliveries.get_dispatch(db, dispatch_id)
            assert dispatch is not None
            if dispatch.finished_at is not None:
                return
            await asyncio.sleep(0.01)


async def statuses(db: Database, dispatch_id: int) -> list[tuple[int, int, str]]:
    rows = await deliveries.deliveries_of(db, dispatch_id)
    return [(row.chat_id, row.part, row.status) for row in rows]


def gaps(times: Sequence[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


# --- enqueue -------------------------------------------------------------------------------


async def test_enqueue_twice_with_the_same_key_queues_each_part_once(database: Database) -> None:
    transport = RecordingTransport()
    engine = fast_engine(database, transport)
    first = await engine.enqueue("bulletin:2026-11", "bulletin", plain([1, 2], "a", "b"))
    again = await engine.enqueue("bulletin:2026-11", "bulletin", plain([1, 2, 3], "a", "b"))

    assert again == first
    assert len(await deliveries.deliveries_of(database, first)) == 6  # chat 3 was new

    async with running(engine):
        await until_finished(database, first)
    assert transport.count_by_chat() == {1: 2, 2: 2, 3: 2}


async def test_enqueue_after_the_dispatch_finished_sends_nothing_more(database: Database) -> None:
    transport = RecordingTransport()
    engine = fast_engine(database, transport)
    async with running(engine):
        dispatch = await engine.enqueue("k", "bulletin", plain([1]))
        await until_finished(database, dispatch)
        await engine.enqueue("k", "bulletin", plain([1, 2]))
        await engine.wait_idle(2)
    assert transport.count_by_chat() == {1: 1}
    assert len(await deliveries.deliveries_of(database, dispatch)) == 1


async def test_a_large_dispatch_goes_in_batches_hidden_until_the_last_is_in(
    database: Database,
) -> None:
    """10,000 members go into the ledger in short transactions, not one that holds the
    database for seconds; nothing of the dispatch can be sent before its last batch is in."""
    engine = fast_engine(database, RecordingTransport())
    seen_mid_way: list[list[Queued]] = []

    async def members() -> AsyncIterator[Recipient]:
        for chat in range(10_000):
            if chat == 5_000:
                seen_mid_way.append(await queued(database))
            yield Recipient(chat, parts("a"))

    statements: list[str] = []
    await database.connection.set_trace_callback(statements.append)
    dispatch = await engine.enqueue("big", "bulletin", members())
    await database.connection.set_trace_callback(lambda _statement: None)

    assert seen_mid_way == [[]]
    commits = [s for s in statements if s.strip().upper().startswith(("COMMIT", "END"))]
    assert len(commits) > 10
    progress = await engine.progress(dispatch)
    assert progress.total == progress.pending == 10_000
    rows = await queued(database)  # ten pages, each taking up where the last ended
    assert [row.id for row in rows] == sorted({row.id for row in rows}) and len(rows) == 10_000


async def test_a_reply_reads_the_database_while_a_large_dispatch_is_planned(
    database: Database,
) -> None:
    engine = fast_engine(database, RecordingTransport())
    planning = asyncio.create_task(engine.enqueue("big", "bulletin", plain(range(10_000), "a")))
    await asyncio.sleep(0)  # the plan has begun: its first batch is being written
    assert await database.fetch_value("SELECT COUNT(*) FROM members") == 0
    assert not planning.done()
    await planning


async def test_a_plan_cut_short_sends_nothing_and_its_repeat_carries_on(
    database: Database,
) -> None:
    transport = RecordingTransport()
    engine = fast_engine(database, transport)

    async def cut_short() -> AsyncIterator[Recipient]:
        for chat in range(700):  # 1,400 rows: 1,200 are written in batches, then the stop
            if chat == 600:
                raise RuntimeError("the bot was stopped")
            yield Recipient(chat, parts("a", "b"))

    with pytest.raises(RuntimeError):
        await engine.enqueue("big", "bulletin", cut_short())
    planned = await deliveries.get_dispatch_by_key(database, "big")
    assert planned is not None
    assert len(await deliveries.deliveries_of(database, planned.id)) == 1_200
    assert await queued(database) == []  # written, but none of it can be sent
    async with running(engine):
        dispatch = await engine.enqueue("big", "bulletin", plain(range(700), "a", "b"))
        await until_finished(database, dispatch)
    assert transport.count_by_chat() == dict.fromkeys(range(700), 2)


# --- pacing --------------------------------------------------------------------------------


async def test_parts_go_out_in_order_and_spaced_per_chat(database: Database) -> None:
    transport = RecordingTransport()
    engine = fast_engine(database, transport, per_chat_interval=0.15)
    async with running(engine):
        await engine.enqueue("k", "bulletin", plain([1, 2], "p0", "p1", "p2"))
        await engine.wait_idle(3)

    for chat in (1, 2):
        assert transport.texts_to(chat) == ["p0", "p1", "p2"]
        assert min(gaps(transport.times_to(chat))) >= 0.15 - EPS
    # Spacing is per chat: chat 2's first part does not wait behind chat 1's later parts.
    assert transport.times_to(2)[0] < transport.times_to(1)[1]


async def test_two_dispatches_to_one_chat_still_respect_its_interval(database: Database) -> None:
    transport = RecordingTransport()
    engine = fast_engine(database, transport, per_chat_interval=0.2)
    await engine.enqueue("first", "bulletin", plain([7], "one"))
    await engine.enqueue("second", "reminder", plain([7], "two"))
    async with running(engine):
        await engine.wait_idle(3)

    assert transport.texts_to(7) == ["one", "two"]  # dispatch order
    assert gaps(transport.times_to(7))[0] >= 0.2 - EPS


async def test_chats_take_turns_so_the_budget_never_waits_on_one_chat(
    database: Database,
) -> None:
    """More chats than fit in one chat interval: each slot goes to the chat free longest, so
    every member's first part goes before anyone's second, and so on, while each chat still
    gets its parts in order and spaced. Member by member, the budget would wait on each chat."""
    transport = RecordingTransport()
    engine = fast_engine(database, transport, global_rate=200.0, per_chat_interval=0.1)
    chats = list(range(1, 31))  # 30 chats > 200/s x 0.1 s = 20 chats per interval
    async with running(engine):
        await engine.enqueue("k", "bulletin", plain(chats, "p0", "p1", "p2"))
        await engine.wait_idle(3)

    assert [(call.chat_id, call.text) for call in transport.sends] == [
        (chat, part) for part in ("p0", "p1", "p2") for chat in chats
    ]
    for chat in chats:
        assert min(gaps(transport.times_to(chat))) >= 0.1 - EPS


async def test_a_reply_goes_at_once_during_a_broadcast(database: Database) -> None:
    """Interactive sends draw on the engine's own pacer as urgent: with a broadcast saturating
    the budget, a reply borrows the current slot rather than wait for the next one."""
    transport = RecordingTransport()
    engine = fast_engine(database, transport, global_rate=20.0)
    async with running(engine):
        await engine.enqueue("k", "bulletin", plain(range(1, 41)))
        await transport.wait_for_sends(3)
        asked = len(transport.sends)
        async with engine.pacer.turn(999, urgent=True):
            granted = len(transport.sends)
        await engine.cancel("k")

    assert granted == asked


async def test_a_part_queued_while_a_reply_to_its_chat_is_open_follows_the_reply(
    database: Database,
) -> None:
    """A member's tap queues a message while the reply to that tap is still being sent: the
    schedule skips the chat then, and must take it up again when the reply's call ends."""
    transport = RecordingTransport()
    engine = fast_engine(database, transport)
    async with running(engine):
        async with engine.pacer.turn(5, urgent=True):
            await engine.enqueue("k", "census", plain([5], "question"))
            await asyncio.sleep(0.05)  # the engine loads the row and finds the chat taken
            assert transport.sends == []
        await transport.wait_for_sends(1)

    assert transport.texts_to(5) == ["question"]


def test_ready_set_fills_every_slot_of_the_budget_with_few_chats() -> None:
    """A three-part bulletin to 45 members at 30 slots/s and 1 s per chat, on a simulated
    clock: every slot finds a free chat (45 > 30 x 1 s), so 135 parts take 135 slots, and no
    chat gets two parts within a second or out of order."""
    free_at: dict[int, float] = {}
    ready = ReadySet(lambda chat: free_at.get(chat, 0.0))
    today = utcnow()
    ready.add(
        Queued(id=chat * 10 + part, dispatch_id=1, member_id=None, chat_id=chat, part=part,
               attempts=0, not_before=None)
        for chat in range(1, 46) for part in range(3)
    )
    sent: dict[int, list[tuple[float, int]]] = {}
    for slot in range(135):
        now = slot / 30
        row = ready.pop(now, today)
        assert row is not None, f"slot {slot} idled with parts still queued"
        sent.setdefault(row.chat_id, []).append((now, row.part))
        free_at[row.chat_id] = now + 1.0  # the call ended at once; the chat's interval starts
        # A chat is taken up again while it has parts left; after its last, waking it is moot.
        assert ready.wake(row.chat_id) is (row.part < 2)
    assert ready.pop(1000.0, today) is None

    for chat, calls in sent.items():
        assert [part for _, part in calls] == [0, 1, 2], chat
        assert min(gaps([at for at, _ in calls])) >= 1.0


def test_a_backoff_holds_back_only_its_own_dispatch_in_that_chat() -> None:
    ready = ReadySet(lambda chat: 0.0)
    today = utcnow()
    later = today + timedelta(minutes=1)
    ready.add([
        Queued(1, dispatch_id=1, member_id=None, chat_id=7, part=0, attempts=1, not_before=later),
        Queued(2, dispatch_id=1, member_id=None, chat_id=7, part=1, attempts=0, not_before=None),
        Queued(3, dispatch_id=2, member_id=None, chat_id=7, part=0, attempts=0, not_before=None),
    ])

    first = ready.pop(0.0, today)
    assert first is not None and first.id == 3
    ready.wake(7)
    assert ready.pop(0.0, today) is None
    assert ready.next_backoff_at() == later
    assert [row.id for row in (ready.pop(0.0, later), ready.pop(0.0, later))
            if row is not None] == [1]  # part 1 waits until part 0's call ends (wake)


async def test_urgent_callers_are_served_before_waiting_bulk_callers() -> None:
    pacer = Pacer(100.0)
    order: list[str] = []

    async def take(name: str, *, urgent: bool) -> None:
        await pacer.acquire(urgent=urgent)
        order.append(name)

    await pacer.acquire()  # the next slot is 10 ms away: everyone below has to queue
    bulk = [asyncio.create_task(take(f"bulk {i}", urgent=False)) for i in range(4)]
    await asyncio.sleep(0)
    reply = asyncio.create_task(take("reply", urgent=True))
    await asyncio.gather(*bulk, reply)

    assert order == ["reply", "bulk 0", "bulk 1", "bulk 2", "bulk 3"]


async def test_a_reply_borrows_one_slot_that_bulk_pays_back() -> None:
    """At one slot a second, a person's reply goes at once; the slot it borrowed pushes the
    bulk sender back by a slot, and a second reply in that second waits like anyone."""
    pacer = Pacer(1.0)
    await pacer.acquire()  # a bulk send took this second's slot
    async with asyncio.timeout(0.5):
        await pacer.acquire(urgent=True)
    bulk = asyncio.create_task(pacer.acquire())
    second_reply = asyncio.create_task(pacer.acquire(urgent=True))
    await asyncio.sleep(0)

    assert not bulk.done() and not second_reply.done()
    assert pacer._next >= pacer.now() + 1.5  # the bulk send's slot moved one slot later
    bulk.cancel()
    second_reply.cancel()


async def test_a_reply_borrows_nothing_during_a_pause() -> None:
    """Telegram's retry_after binds replies too: a reply never borrows a slot inside a pause."""
    pacer = Pacer(1000.0)
    pacer.pause(5.0)
    reply = asyncio.create_task(pacer.acquire(urgent=True))
    await asyncio.sleep(0)

    assert not reply.done()
    reply.cancel()


async def test_a_reply_may_follow_a_bulk_part_within_the_chats_interval() -> None:
    """A member who writes just after a bulletin part arrived is answered at once (two
    messages in a second is within a chat's burst); the next part then waits a full interval
    after the reply, and a second reply waits too."""
    pacer = Pacer(1000.0, per_chat_interval=10.0)
    async with pacer.turn(7):
        pass  # a bulletin part to chat 7
    assert pacer.chat_ready_at(7) > pacer.now() + 9
    async with asyncio.timeout(0.5), pacer.turn(7, urgent=True):
        pass  # the reply to the member's /themes went at once

    assert pacer.chat_ready_at(7) > pacer.now() + 9
    assert pacer.chat_ready_at(7, urgent=True) > pacer.now() + 9


async def test_a_reply_never_skips_a_chats_retry_after() -> None:
    pacer = Pacer(1000.0, per_chat_interval=1.0)
    pacer.occupy_chat(7)
    pacer.release_chat(7, hold=30.0)  # a bulk part was answered 429, retry after 30 s

    assert pacer.chat_ready_at(7, urgent=True) > pacer.now() + 29


@pytest.mark.realtime
async def test_global_rate_spaces_sends_evenly_and_precisely(database: Database) -> None:
    transport = RecordingTransport()
    engine = fast_engine(database, transport, global_rate=40.0)
    await engine.enqueue("k", "bulletin", plain(range(1, 22)))
    async with running(engine):
        await engine.wait_idle(3)

    times = [call.at for call in transport.sends]
    assert len(times) == 21
    # No burst: any n+1 consecutive sends span at least n-1 intervals. Slots sit on a fixed
    # grid, so one late wake-up can bring two sends close, but never a third.
    for first, later in itertools.combinations(range(len(times)), 2):
        assert times[later] - times[first] >= (later - first - 1) / 40 - EPS
    span = times[-1] - times[0]
    assert 0.5 - EPS <= span < 0.65  # 20 intervals of 25 ms: timer lateness does not add up


# --- outcomes ------------------------------------------------------------------------------


async def test_retry_after_pauses_every_send_and_is_not_an_attempt(database: Database) -> None:
    transport = RecordingTransport()
    transport.plan[3] = [RetryLater(0.3)]
    engine = fast_engine(database, transport, global_rate=100.0)
    dispatch = await engine.enqueue("k", "bulletin", plain(range(1, 9)))
    async with running(engine):
        await engine.wait_idle(3)

    flood_at = transport.times_to(3)[0]
    later = [call.at for call in transport.sends if call.at > flood_at]
    assert later and min(later) >= flood_at + 0.3 - EPS
    assert transport.count_by_chat()[3] == 2
    row = next(r for r in await deliveries.deliveries_of(database, dispatch) if r.chat_id == 3)
    assert (row.status, row.attempts) == ("sent", 0)


async def test_blocked_member_is_marked_and_their_other_rows_skipped(database: Database) -> None:
    blocked_id = await add_member(database, 11)
    await add_member(database, 12)
    transport = RecordingTransport()
    transport.plan[11] = [Blocked("Forbidden: bot was blocked by the user")]
    engine = fast_engine(database, transport)
    recipients = [Recipient(11, parts("p0", "p1", "p2"), blocked_id), *plain([12], "p0")]
    bulletin = await engine.enqueue("bulletin", "bulletin", recipients)
    reminder = await engine.enqueue("reminder", "reminder", [Recipient(11, parts("r"), blocked_id)])
    async with running(engine):
        await engine.wait_idle(3)

    assert transport.texts_to(11) == ["p0"]
    assert await statuses(database, bulletin) == [
        (11, 0, "blocked"), (11, 1, "skipped"), (11, 2, "skipped"), (12, 0, "sent"),
    ]
    assert await statuses(database, reminder) == [(11, 0, "skipped")]
    member = await members.get_by_id(database, blocked_id)
    assert member is not None and member.status == "blocked" and member.blocked_at is not None
    progress = await engine.progress(bulletin)
    assert (progress.total, progress.sent, progress.blocked, progress.skipped) == (2, 1, 1, 0)


async def test_member_already_blocked_at_send_time_is_skipped(database: Database) -> None:
    member_id = await add_member(database, 21)
    transport = RecordingTransport()
    engine = fast_engine(database, transport)
    dispatch = await engine.enqueue("k", "bulletin", [Recipient(21, parts("hi"), member_id)])
    await members.set_status(database, member_id, "blocked", utcnow())
    async with running(engine):
        await until_finished(database, dispatch)

    assert transport.sends == []
    assert await statuses(database, dispatch) == [(21, 0, "skipped")]


async def test_transient_failures_back_off_then_succeed(database: Database) -> None:
    transport = RecordingTransport()
    transport.plan[5] = [TransientFailure("502 Bad Gateway"), TransientFailure("timed out")]
    engine = fast_engine(database, transport, backoff_base=0.05)
    dispatch = await engine.enqueue("k", "bulletin", plain([5]))
    async with running(engine):
        await until_finished(database, dispatch)

    first_wait, second_wait = gaps(transport.times_to(5))
    assert first_wait >= 0.05 - EPS and second_wait >= 0.1 - EPS  # exponential
    [row] = await deliveries.deliveries_of(database, dispatch)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_transient_failure_gives_up_after_max_attempts(database: Database) -> None:
    transport = RecordingTransport()
    transport.plan[5] = [TransientFailure("502 Bad Gateway")] * 10
    engine = fast_engine(database, transport, max_attempts=3)
    dispatch = await engine.enqueue("k", "bulletin", plain([5, 6], "p0", "p1"))
    async with running(engine):
        await until_finished(database, dispatch)

    assert transport.texts_to(5) == ["p0"] * 3
    rows = await deliveries.deliveries_of(database, dispatch)
    assert [(r.chat_id, r.part, r.status) for r in rows] == [
        (5, 0, "failed"), (5, 1, "skipped"), (6, 0, "sent"), (6, 1, "sent"),
    ]
    assert (rows[0].attempts, rows[0].error) == (3, "502 Bad Gateway")
    assert (await engine.progress(dispatch)).failed == 1


async def test_rejected_message_fails_at_once_with_the_reason(database: Database) -> None:
    transport = RecordingTransport()
    transport.plan[5] = [Rejected("Bad Request: can't parse entities")]
    engine = fast_engine(database, transport)
    dispatch = await engine.enqueue("k", "bulletin", plain([5]))
    async with running(engine):
        await until_finished(database, dispatch)

    [row] = await deliveries.deliveries_of(database, dispatch)
    assert (row.status, row.error) == ("failed", "Bad Request: can't parse entities")
    assert len(transport.sends) == 1


async def test_an_exception_in_one_send_does_not_stop_the_worker(database: Database) -> None:
    transport = RecordingTransport()
    transport.plan[5] = [RuntimeError("connection pool exploded")]
    engine = fast_engine(database, transport)
    dispatch = await engine.enqueue("k", "bulletin", plain([5, 6, 7]))
    async with running(engine):
        await until_finished(database, dispatch)

    assert transport.count_by_chat() == {5: 2, 6: 1, 7: 1}
    assert (await engine.progress(dispatch)).sent == 3


async def test_migrated_chat_is_followed_for_this_and_later_parts(database: Database) -> None:
    member_id = await add_member(database, 31)
    transport = RecordingTransport()
    transport.plan[31] = [ChatMoved(-100_31)]
    engine = fast_engine(database, transport)
    dispatch = await engine.enqueue("k", "bulletin", [Recipient(31, parts("p0", "p1"), member_id)])
    async with running(engine):
        await until_finished(database, dispatch)

    assert [(c.chat_id, c.text) for c in transport.sends] == [
        (31, "p0"), (-100_31, "p0"), (-100_31, "p1"),
    ]
    assert await statuses(database, dispatch) == [(-100_31, 0, "sent"), (-100_31, 1, "sent")]
    member = await members.get_by_id(database, member_id)
    assert member is not None and member.chat_id == -100_31


# --- progress, completion, cancel -------------------------------------------------------------


def render(progress: DispatchProgress) -> OutgoingMessage:
    state = "done" if progress.done else "sending"
    return OutgoingMessage(html=f"{progress.title}: {progress.sent}/{progress.total} {state}")


async def test_progress_message_is_sent_then_edited_to_the_final_summary(
    database: Database,
) -> None:
    transport = RecordingTransport()
    engine = fast_engine(database, transport, progress_renderer=render, progress_every=60.0)
    async with running(engine):
        await engine.enqueue("k", "bulletin", plain(range(1, 6)), title="November",
                             report_chat_id=999)
        await engine.wait_idle(3)

    [report] = [call for call in transport.sends if call.chat_id == 999]
    assert report.text == "November: 0/5 sending"
    [final] = transport.edits
    assert (final.chat_id, final.text) == (999, "November: 5/5 done")
    assert final.message_id == 1000  # the id Telegram gave the progress message


async def test_progress_edits_are_throttled(database: Database) -> None:
    transport = RecordingTransport()
    engine = fast_engine(database, transport, global_rate=40.0, progress_renderer=render,
                         progress_every=0.1)
    async with running(engine):
        await engine.enqueue("k", "bulletin", plain(range(1, 21)), report_chat_id=999)
        await engine.wait_idle(3)

    edit_times = [call.at for call in transport.edits]
    assert len(edit_times) >= 3
    assert min(gaps(edit_times[:-1])) >= 0.1 - EPS  # the final summary may come sooner
    assert transport.edits[-1].text.endswith("20/20 done")


async def test_completion_hook_runs_once_with_the_final_numbers(database: Database) -> None:
    finished: list[DispatchProgress] = []

    async def on_bulletin_done(progress: DispatchProgress) -> None:
        finished.append(progress)

    async def never(progress: DispatchProgress) -> None:
        raise AssertionError("hook of another kind ran")

    transport = RecordingTransport()
    transport.plan[2] = [Rejected("chat not found")]
    engine = fast_engine(database, transport)
    engine.on_done("bulletin", on_bulletin_done)
    engine.on_done("reminder", never)
    async with running(engine):
        dispatch = await engine.enqueue("k", "bulletin", plain([1, 2, 3]))
        await engine.wait_idle(3)

    [summary] = finished
    assert (summary.dispatch_id, summary.done) == (dispatch, True)
    assert (summary.total, summary.sent, summary.failed) == (3, 2, 1)
    stored = await deliveries.get_dispatch(database, dispatch)
    assert stored is not None and stored.status == "done" and stored.finished_at is not None


async def test_cancel_skips_what_is_queued_and_runs_no_hook(database: Database) -> None:
    hooks: list[DispatchProgress] = []

    async def hook(progress: DispatchProgress) -> None:
        hooks.append(progress)

    transport = RecordingTransport()
    engine = fast_engine(database, transport, global_rate=20.0)
    engine.on_done("bulletin", hook)
    async with running(engine):
        dispatch = await engine.enqueue("k", "bulletin", plain(range(1, 21)))
        await transport.wait_for_sends(3)
        cancelled = await engine.cancel("k")
        await until_finished(database, dispatch)

    assert cancelled is not None and cancelled.cancelled
    sent = len(transport.sends)
    assert sent <= 4
    progress = await engine.progress(dispatch)
    assert (progress.sent, progress.skipped, progress.done) == (sent, 20 - sent, True)
    stored = await deliveries.get_dispatch(database, dispatch)
    assert stored is not None and stored.status == "cancelled"
    assert hooks == []
    assert await engine.cancel("no-such-dispatch") is None


# --- stopping and crashing ----------------------------------------------------------------


async def test_clean_stop_lets_calls_in_flight_finish(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    first = RecordingTransport(latency=0.05)
    db = await Database.open(path)
    engine = fast_engine(db, first, global_rate=100.0)
    dispatch = await engine.enqueue("k", "bulletin", plain(range(1, 21)))
    engine.start()
    await first.wait_for_sends(5)
    await engine.stop(grace=2)
    assert "sending" not in {status for *_, status in await statuses(db, dispatch)}
    await db.close()

    second = RecordingTransport()
    db = await Database.open(path)
    async with running(fast_engine(db, second)):
        await until_finished(db, dispatch)
    await db.close()

    assert not set(first.count_by_chat()) & set(second.count_by_chat())
    assert {**first.count_by_chat(), **second.count_by_chat()} == {c: 1 for c in range(1, 21)}


async def test_after_a_crash_only_calls_in_flight_are_sent_again(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    crashed = RecordingTransport(hang_after=4)  # the 5th and 6th calls never return
    db = await Database.open(path)
    engine = fast_engine(db, crashed, concurrency=2)
    dispatch = await engine.enqueue("k", "bulletin", plain(range(1, 11)))
    engine.start()
    await crashed.wait_for_sends(6)
    await engine.stop(grace=0)  # like a kill: the two hung calls never record an outcome
    await db.close()

    delivered = {call.chat_id for call in crashed.sends[:4]}
    in_flight = {call.chat_id for call in crashed.sends[4:]}
    resumed = RecordingTransport()
    db = await Database.open(path)
    async with running(fast_engine(db, resumed)):
        await until_finished(db, dispatch)
    await db.close()

    assert resumed.count_by_chat() == {c: 1 for c in range(1, 11) if c not in delivered}
    assert in_flight <= set(resumed.count_by_chat())  # the only possible duplicates
