"""TelegramTransport and the delivery engine against the loopback fake Bot API.

These go through PTB's real HTTP stack and error mapping, so they check what the recording
double in test_delivery_engine cannot: that Telegram's 429/403/5xx/migration answers reach the
engine as the right outcomes, and that the engine's pacing satisfies Telegram's flood limits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.telegram_transport import ReplyRateLimiter, TelegramTransport, classify
from db import deliveries, members
from db.database import Database
from db.members import MemberDetails
from db.timeutil import utcnow
from delivery.engine import DeliveryEngine, DispatchProgress, Recipient
from delivery.messages import Button, CallbackData, Document, OutgoingMessage
from delivery.ratelimit import Pacer
from delivery.transport import Blocked, Rejected, RetryLater, Sent, TransientFailure
from tests.fakes.telegram_api import ApiRequest, FakeTelegram

TOKEN = "123456789:TEST-token_for-the-loopback-fake"


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "ledger.sqlite3")
    yield db
    await db.close()


@pytest.fixture
async def transport(tg: FakeTelegram) -> AsyncIterator[TelegramTransport]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield TelegramTransport(client)
    assert tg.internal_errors == []


async def deliver(
    db: Database, transport: TelegramTransport, recipients: Sequence[Recipient], **options: Any
) -> int:
    """Enqueue one dispatch and run an engine with Telegram's real limits until it finishes."""
    finished = asyncio.Event()

    async def on_done(progress: DispatchProgress) -> None:
        finished.set()

    report_chat_id = options.pop("report_chat_id", None)
    engine = DeliveryEngine(db, transport, **options)
    engine.on_done("bulletin", on_done)
    dispatch = await engine.enqueue("dispatch", "bulletin", recipients,
                                    report_chat_id=report_chat_id)
    engine.start()
    try:
        async with asyncio.timeout(10):
            await finished.wait()
    finally:
        await engine.stop()
    return dispatch


async def add_member(db: Database, chat_id: int) -> int:
    details = MemberDetails("Young Carers Network", "Alex", "Lead", None)
    return await members.insert(db, abs(chat_id), chat_id, details, utcnow())


def sends(tg: FakeTelegram, status: int | None = None) -> list[ApiRequest]:
    return [
        request for request in tg.requests
        if request.method == "sendMessage" and (status is None or request.status == status)
    ]


def text(html: str) -> list[OutgoingMessage]:
    return [OutgoingMessage(html=html)]


@pytest.mark.realtime
async def test_sustained_sending_stays_under_the_limit_without_flood_errors(
    tg: FakeTelegram, transport: TelegramTransport, database: Database
) -> None:
    """How close to 30/s the engine gets is measured in benchmarks/broadcast.py on a quiet
    machine; here, that it never goes over it nor draws a 429, whatever the machine's load."""
    # A small burst allowance: only evenly spaced sending passes at 30/s.
    tg.set_rate_limits(global_rate=30.0, global_burst=3.0)
    users = [tg.user() for _ in range(75)]
    await deliver(database, transport, [Recipient(u.id, text("Bulletin")) for u in users])

    ok = sends(tg, 200)
    assert len(ok) == 75 and sends(tg, 429) == []
    rate = (len(ok) - 1) / (ok[-1].timestamp - ok[0].timestamp)
    assert rate <= 30 * 1.02


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # inside PTB
async def test_retry_after_is_honoured_by_every_send(
    tg: FakeTelegram, transport: TelegramTransport, database: Database
) -> None:
    users = [tg.user() for _ in range(4)]
    tg.force_retry_after(1, count=1)
    dispatch = await deliver(database, transport, [Recipient(u.id, text("Hi")) for u in users])

    [flood] = sends(tg, 429)
    ok_times = [r.timestamp for r in sends(tg, 200)]
    assert min(ok_times) >= flood.timestamp + 1.0 - 0.01
    assert tg.delivered_per_chat == {u.id: 1 for u in users}
    rows = await deliveries.deliveries_of(database, dispatch)
    assert {(r.status, r.attempts) for r in rows} == {("sent", 0)}


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # inside PTB
async def test_a_reply_goes_first_and_its_429_pauses_the_broadcast_too(
    tg: FakeTelegram, transport: TelegramTransport, database: Database
) -> None:
    """The application's replies draw on the engine's pacer: Telegram's 429 on a reply holds
    back the bulk sends as well (one budget), and the retried reply still goes before them."""
    users = [tg.user() for _ in range(5)]
    member = tg.user()
    pacer = Pacer(29.4, per_chat_interval=1.0)
    tg.force_retry_after(1, count=1)
    async with ExtBot(TOKEN, base_url=tg.base_url,
                      rate_limiter=ReplyRateLimiter(pacer)) as replies:
        reply = asyncio.create_task(replies.send_message(member.id, "Your themes"))
        async with asyncio.timeout(5):
            while not sends(tg, 429):  # noqa: ASYNC110 - the fake only records its requests
                await asyncio.sleep(0.01)
        await deliver(database, transport, [Recipient(u.id, text("Bulletin")) for u in users],
                      pacer=pacer)
        await reply

    [flood] = sends(tg, 429)
    delivered = sends(tg, 200)
    assert delivered[0].params["chat_id"] == member.id
    assert min(r.timestamp for r in delivered) >= flood.timestamp + 1.0 - 0.01
    assert tg.delivered_per_chat == {u.id: 1 for u in [*users, member]}


async def test_member_who_blocked_the_bot_is_marked_blocked(
    tg: FakeTelegram, transport: TelegramTransport, database: Database
) -> None:
    gone, staying = tg.user(), tg.user()
    tg.block(gone.id)
    gone_member = await add_member(database, gone.id)
    recipients = [
        Recipient(gone.id, [*text("part 1"), *text("part 2")], gone_member),
        Recipient(staying.id, [*text("part 1"), *text("part 2")]),
    ]
    dispatch = await deliver(database, transport, recipients, per_chat_interval=0.0)

    member = await members.get_by_id(database, gone_member)
    assert member is not None and member.status == "blocked"
    rows = await deliveries.deliveries_of(database, dispatch)
    assert [(r.chat_id, r.status) for r in rows] == [
        (gone.id, "blocked"), (gone.id, "skipped"), (staying.id, "sent"), (staying.id, "sent"),
    ]
    assert [m.text for m in staying.messages] == ["part 1", "part 2"]


async def test_server_errors_are_retried_until_delivered(
    tg: FakeTelegram, transport: TelegramTransport, database: Database
) -> None:
    user = tg.user()
    tg.fail_next("sendMessage", 502, count=1)
    tg.fail_next("sendMessage", 500, count=1)
    dispatch = await deliver(database, transport, [Recipient(user.id, text("Hi"))],
                             backoff_base=0.05, per_chat_interval=0.0)

    assert [r.status for r in sends(tg)] == [502, 500, 200]
    assert tg.delivered_per_chat == {user.id: 1}
    [row] = await deliveries.deliveries_of(database, dispatch)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_migrated_group_is_followed(
    tg: FakeTelegram, transport: TelegramTransport, database: Database
) -> None:
    tg.group(-4001, "Parents' forum", type="group")
    supergroup = tg.migrate_group(-4001, -100_4001, announce=False)
    member_id = await add_member(database, -4001)
    parts = [*text("part 1"), *text("part 2")]
    await deliver(database, transport, [Recipient(-4001, parts, member_id)],
                  per_chat_interval=0.0)

    assert [m.text for m in supergroup.messages] == ["part 1", "part 2"]
    member = await members.get_by_id(database, member_id)
    assert member is not None and member.chat_id == -100_4001


async def test_progress_message_ends_as_the_final_summary(
    tg: FakeTelegram, transport: TelegramTransport, database: Database
) -> None:
    officer = tg.user()
    users = [tg.user() for _ in range(3)]

    def render(progress: DispatchProgress) -> OutgoingMessage:
        state = "Finished" if progress.done else "Sending"
        return OutgoingMessage(html=f"<b>{state}</b>: {progress.sent} of {progress.total}")

    await deliver(database, transport, [Recipient(u.id, text("Hi")) for u in users],
                  progress_renderer=render, report_chat_id=officer.id)

    [report] = officer.messages
    assert report.text == "Finished: 3 of 3"
    assert [event.event for event in tg.chat_events(officer.id)] == ["sent", "edited"]


async def test_buttons_documents_and_previews_reach_telegram(
    tg: FakeTelegram, transport: TelegramTransport
) -> None:
    user = tg.user()
    buttons = ((Button("Book", url="https://example.org/book"),
                Button("Not for me", CallbackData("no:1"))),)
    assert isinstance(await transport.send(user.id, OutgoingMessage(
        "<b>Event</b> https://example.org", buttons=buttons)), Sent)
    invite = Document("event.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "<i>Invite</i>")
    assert isinstance(await transport.send(user.id, OutgoingMessage("", document=invite)), Sent)

    [message, document] = user.messages
    assert message.buttons() == [[("Book", "https://example.org/book"), ("Not for me", "no:1")]]
    assert tg.calls("sendMessage")[0]["link_preview_options"] == {"is_disabled": True}
    assert (document.kind, document.caption) == ("document", "Invite")
    assert document.file is not None and document.file.filename == "event.ics"


async def test_editing_to_the_same_text_counts_as_success(
    tg: FakeTelegram, transport: TelegramTransport
) -> None:
    user = tg.user()
    first = await transport.send(user.id, OutgoingMessage("Sending: 1 of 2"))
    assert isinstance(first, Sent)
    same = await transport.edit(user.id, first.message_id, OutgoingMessage("Sending: 1 of 2"))
    assert same == Sent(first.message_id)
    missing = await transport.edit(user.id, 9999, OutgoingMessage("Sending: 2 of 2"))
    assert isinstance(missing, Rejected)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_retry_after_is_read_as_seconds_whether_int_or_timedelta() -> None:
    assert classify(RetryAfter(3)) == RetryLater(3.0)
    assert classify(RetryAfter(timedelta(seconds=1.5))) == RetryLater(1.5)


def test_errors_are_classified_for_the_engine() -> None:
    assert isinstance(classify(Forbidden("Forbidden: bot was blocked by the user")), Blocked)
    assert isinstance(classify(BadRequest("Bad Request: chat not found")), Rejected)
    assert isinstance(classify(TimedOut()), TransientFailure)
    assert isinstance(classify(NetworkError("Bad Gateway (502)")), TransientFailure)
