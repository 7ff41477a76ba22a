"""Tests of the fake Bot API itself, driven through the real python-telegram-bot client.

If the fake drifts from Telegram, every other test built on it becomes misleading, so these
pin down the behaviours the bot relies on: PTB's exception mapping, Telegram's limits and
the harness semantics other tests use.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import struct
import sys
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakes.telegram_api import FakeTelegram, RateLimits
from tests.fakes.telegram_html import HtmlParseError, parse_html, plain_text

TOKEN = "123456:TEST-token_abc"


def frozen_time() -> float:
    """The fake's flood-control clock, stopped: a bucket emptied by a test never refills while
    it runs, however slowly a busy machine runs it."""
    return 1000.0


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(rate_limits=RateLimits.off(), clock=frozen_time) as fake:
        yield fake
    assert fake.internal_errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


def ci(text: str) -> re.Pattern[str]:
    """PTB re-capitalises Telegram's descriptions, so match them case-insensitively."""
    return re.compile(re.escape(text), re.IGNORECASE)


def message_of(update: Update) -> Message:
    assert update.message is not None, f"update without a message: {update}"
    return update.message


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# -- server basics ------------------------------------------------------------------------------


async def test_get_me_and_urls(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == 123456 and me.username == tg.bot_username
    assert tg.base_url.startswith("http://127.0.0.1:") and tg.base_url.endswith("/bot")
    assert tg.base_file_url == tg.base_url.replace("/bot", "/file/bot")


async def test_bad_token_and_unknown_method(tg: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("not-a-token", base_url=tg.base_url) as bad:
            await bad.get_me()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.base_url}{TOKEN}/noSuchMethod") as resp:
            assert resp.status == 404
            assert (await resp.json())["ok"] is False
        async with http.post(f"{tg.base_url}bad token/getMe") as resp:
            assert resp.status == 401


async def test_unimplemented_method_fails_loudly(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    with pytest.raises(BadRequest, match=ci("fake: method getChat not implemented")):
        await bot.get_chat(42)


async def test_json_body_query_string_and_param_validation(tg: FakeTelegram) -> None:
    user = tg.user(42)
    url = f"{tg.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as http:
        body = {"chat_id": 42, "text": "json body", "unknown_param": 1}
        async with http.post(f"{url}/sendMessage", json=body) as resp:
            data = await resp.json()
            assert resp.status == 200, data
            assert data["result"]["text"] == "json body"
        async with http.get(f"{url}/sendMessage", params={"chat_id": "42", "text": "q"}) as resp:
            assert resp.status == 200
        async with http.post(f"{url}/sendMessage", data={"chat_id": "42"}) as resp:
            data = await resp.json()
            assert resp.status == 400 and "text is empty" in data["description"]
        async with http.post(
            f"{url}/deleteMessage", data={"chat_id": "42", "message_id": "abc"}
        ) as resp:
            data = await resp.json()
            assert resp.status == 400 and "message_id" in data["description"]
        async with http.post(
            f"{url}/sendMessage",
            data={"chat_id": "42", "text": "x", "disable_notification": "maybe"},
        ) as resp:
            assert resp.status == 400
        async with http.post(
            f"{url}/sendMessage",
            data={"chat_id": "42", "text": "x", "reply_markup": '{"inline_keyboard": 5}'},
        ) as resp:
            assert resp.status == 400
    assert [m.text for m in user.messages] == ["json body", "q"]


async def test_unknown_chats_are_rejected(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(Forbidden, match=ci("initiate conversation")):
        await bot.send_message(777, "hi")
    with pytest.raises(BadRequest, match=ci("chat not found")):
        await bot.send_message(-100777, "hi")


# -- text, HTML and keyboards ---------------------------------------------------------------------


async def test_html_accepted_keeps_raw_and_plain(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    html = (
        '<b>Bold</b> <i>it</i> <a href="https://example.org/?a=1&amp;b=2">link</a> '
        "&lt;tag&gt; &#128512; <tg-spoiler>s</tg-spoiler> "
        '<pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote>"
    )
    sent = await bot.send_message(42, html, parse_mode=ParseMode.HTML)
    stored = user.last_message
    assert stored is not None
    assert stored.html == html
    assert stored.text == sent.text == "Bold it link <tag> 😀 s x = 1q"
    types = {e.type for e in sent.entities}
    assert {"bold", "italic", "text_link", "spoiler", "pre", "expandable_blockquote"} <= types
    link = next(e for e in sent.entities if e.type == "text_link")
    assert link.url == "https://example.org/?a=1&b=2"
    pre = next(e for e in sent.entities if e.type == "pre")
    assert pre.language == "python"
    # offsets are UTF-16: the emoji counts twice
    spoiler = next(e for e in sent.entities if e.type == "spoiler")
    utf16 = sent.text.encode("utf-16-le")
    assert utf16[: spoiler.offset * 2].decode("utf-16-le").endswith("😀 ")


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("line<br>break", 'Unsupported start tag "br"'),
        ("line<br/>break", 'Unsupported start tag "br"'),
        ("<p>para</p>", 'Unsupported start tag "p"'),
        ("<b>unclosed", "Can't find end tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("</b>", "Unexpected end tag"),
        ("1 < 2", 'Unsupported start tag ""'),
        ("a &nbsp; b", "Unsupported HTML entity"),
        ('<span class="x">s</span>', "tg-spoiler"),
        ('<a href="https://x.org" target="_blank">x</a>', "Unsupported attribute"),
        ('<code class="language-py">x</code>', "standalone code"),
        ('<b class="x">b</b>', "Unsupported attribute"),
    ],
)
async def test_html_rejected(tg: FakeTelegram, bot: Bot, html: str, reason: str) -> None:
    tg.user(42)
    with pytest.raises(BadRequest, match=ci("can't parse entities")) as info:
        await bot.send_message(42, html, parse_mode=ParseMode.HTML)
    assert reason.lower() in str(info.value).lower()  # PTB re-capitalises descriptions
    assert tg.delivered_count(42) == 0


def test_html_parser_units() -> None:
    assert plain_text("  <b>x</b> &amp; y \n") == "x & y"
    parsed = parse_html("a <b>b</b>")
    assert parsed.entities == [{"offset": 2, "length": 1, "type": "bold"}]
    assert plain_text("Q&A > 3") == "Q&A > 3"  # bare & and > are literal on Telegram too
    with pytest.raises(HtmlParseError):
        parse_html("&#0;")


async def test_text_length_limits(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    await bot.send_message(42, "a" * 4096)
    await bot.send_message(42, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    await bot.send_message(42, "  " + "a" * 4096 + "\n")  # surrounding whitespace is trimmed
    with pytest.raises(BadRequest, match=ci("message is too long")):
        await bot.send_message(42, "a" * 4097)
    with pytest.raises(BadRequest, match=ci("message is too long")):
        await bot.send_message(42, "😀" * 2049)  # 4098 UTF-16 units
    with pytest.raises(BadRequest, match=ci("text is empty")):
        await bot.send_message(42, "<b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=ci("caption is too long")):
        await bot.send_document(42, b"x", filename="a.txt", caption="c" * 1025)
    assert tg.delivered_count(42) == 3


async def test_explicit_entities(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    msg = await bot.send_message(42, "hello", entities=[MessageEntity("bold", 0, 5)])
    assert msg.entities[0].type == "bold"
    with pytest.raises(BadRequest, match=ci("out of the text bounds")):
        await bot.send_message(42, "hello", entities=[MessageEntity("bold", 3, 5)])


async def test_callback_data_and_button_rules(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    await bot.send_message(42, "ok", reply_markup=keyboard([("x", "d" * 64)]))
    with pytest.raises(BadRequest, match=ci("BUTTON_DATA_INVALID")):
        await bot.send_message(42, "no", reply_markup=keyboard([("x", "d" * 65)]))
    with pytest.raises(BadRequest, match=ci("BUTTON_DATA_INVALID")):
        await bot.send_message(42, "no", reply_markup=keyboard([("x", "é" * 33)]))  # 66 bytes
    both = {"inline_keyboard": [[{"text": "x", "callback_data": "a", "url": "https://a.org"}]]}
    with pytest.raises(BadRequest, match=ci("exactly one")):
        await bot.send_message(42, "no", reply_markup=both)  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match=ci("text buttons are unallowed")):
        await bot.send_message(42, "no", reply_markup={"inline_keyboard": [[{"text": "x"}]]})  # type: ignore[arg-type]
    bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="ftp://example.org")]])
    with pytest.raises(BadRequest, match=ci("URL")):
        await bot.send_message(42, "no", reply_markup=bad_url)
    good_url = InlineKeyboardMarkup([[InlineKeyboardButton("x", url="tg://user?id=1")]])
    await bot.send_message(42, "ok", reply_markup=good_url)
    assert tg.delivered_count(42) == 2


# -- error mapping to PTB exceptions --------------------------------------------------------------


async def test_per_chat_rate_limit_surfaces_as_retry_after(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    tg.set_rate_limits(RateLimits(chat_rate=1.0, chat_burst=5))
    for i in range(5):
        await bot.send_message(42, f"m{i}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(42, "too many")
    assert re.search(r"retry in (1 seconds|0:00:01)", str(info.value).lower())
    assert tg.delivered_count(42) == 5
    assert [m.text for m in user.messages] == [f"m{i}" for i in range(5)]
    other = tg.user(43)
    await bot.send_message(other.id, "other chat has its own bucket")


async def test_global_rate_limit(tg: FakeTelegram, bot: Bot) -> None:
    # A slow refill, so a loaded machine cannot earn the fourth token between the calls.
    tg.set_rate_limits(RateLimits(global_rate=0.5, global_burst=3, chat_burst=100))
    users = [tg.user(100 + i) for i in range(4)]
    for user in users[:3]:
        await bot.send_message(user.id, "hi")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[3].id, "hi")
    assert tg.delivered_count() == 3
    tg.disable_rate_limits()
    await bot.send_message(users[3].id, "hi")


async def test_a_send_before_retry_after_has_passed_is_noted() -> None:
    """A 429 from a chat's bucket quiets that chat; from the bot's budget, every chat."""
    now = [1000.0]
    limits = RateLimits(global_rate=1.0, global_burst=3, chat_rate=1.0, chat_burst=1)
    async with (FakeTelegram(rate_limits=limits, clock=lambda: now[0]) as fake,
                Bot(TOKEN, base_url=fake.base_url) as client):
        for user_id in (42, 43, 44):
            fake.user(user_id)
        await client.send_message(42, "one")
        with pytest.raises(RetryAfter):
            await client.send_message(42, "over the chat's limit: 42 must wait 1 s")
        with pytest.raises(RetryAfter):
            await client.send_message(42, "at once, not waiting")
        await client.send_message(43, "another chat may go on")
        assert fake.ignored_retry_after == [(42, 1.0)]
        now[0] += 1.0
        await client.send_message(42, "two")
        await client.send_message(44, "the bot's last token")
        with pytest.raises(RetryAfter):
            await client.send_message(43, "over the bot's limit: every chat must wait 1 s")
        with pytest.raises(RetryAfter):
            await client.send_message(44, "at once, not waiting")
        assert fake.ignored_retry_after == [(42, 1.0), (44, 1.0)]
        assert fake.stats()["ignored_retry_after"] == 2


async def test_forced_retry_after_and_server_faults(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    tg.force_retry_after(7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(42, "x")
    assert re.search(r"retry in (7 seconds|0:00:07)", str(info.value).lower())
    tg.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError):
        await bot.send_message(42, "x")
    tg.fail_next("sendMessage", status=502, description="Bad Gateway")
    with pytest.raises(NetworkError, match=ci("Bad Gateway")):
        await bot.send_message(42, "x")
    await bot.send_message(42, "finally")
    assert tg.delivered_count(42) == 1


async def test_response_delay(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    tg.delay_responses(0.3, "sendMessage")
    loop = asyncio.get_running_loop()
    start = loop.time()
    await bot.send_message(42, "slow")
    assert loop.time() - start >= 0.3
    tg.delay_responses(0, "sendMessage")


async def test_blocked_user_forbidden_and_my_chat_member(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42, first_name="Alice")
    await user.block()
    with pytest.raises(Forbidden, match=ci("bot was blocked by the user")):
        await bot.send_message(42, "hello?")
    await user.unblock()
    await bot.send_message(42, "welcome back")
    updates = await bot.get_updates()
    changes = [u.my_chat_member for u in updates if u.my_chat_member]
    assert [(c.old_chat_member.status, c.new_chat_member.status) for c in changes] == [
        ("member", "kicked"),
        ("kicked", "member"),
    ]
    assert changes[0].from_user.id == 42 and changes[0].new_chat_member.user.id == 123456


async def test_migrated_group(tg: FakeTelegram, bot: Bot) -> None:
    tg.group(-555, "Parents", type="group")
    tg.migrate_group(-555, -1001555)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(-555, "hi")
    assert info.value.new_chat_id == -1001555
    await bot.send_message(-1001555, "hi again")
    updates = await bot.get_updates()
    assert message_of(updates[0]).migrate_to_chat_id == -1001555
    assert message_of(updates[1]).migrate_from_chat_id == -555


# -- updates and the user harness -----------------------------------------------------------------


async def test_get_updates_delivers_sim_user_message(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(first_name="Bob", username="bob")
    await user.send("/start ref42")
    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1
    update = updates[0]
    assert isinstance(update, Update)
    assert update.effective_user is not None and update.effective_user.username == "bob"
    assert update.message is not None and update.message.text == "/start ref42"
    assert update.message.chat.type == "private" and update.message.chat.id == user.id
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start")
    # confirming with offset removes it
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert tg.pending_updates == []


async def test_long_polling_wakes_on_new_update(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    loop = asyncio.get_running_loop()
    start = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=5, read_timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await user.send("hello")
    updates = await asyncio.wait_for(poll, 3)
    assert message_of(updates[0]).text == "hello"
    assert loop.time() - start < 3


async def test_allowed_updates_filter(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    await bot.send_message(42, "pick", reply_markup=keyboard([("A", "a")]))
    await user.send("text")
    await user.press("A")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in updates if u.callback_query] == ["a"]


async def test_group_chat_messages(tg: FakeTelegram, bot: Bot) -> None:
    group = tg.group(-1001234, "Linked-up network")
    alice = tg.user(42)
    await alice.send("/events@linkedup_test_bot", chat=group)
    updates = await bot.get_updates()
    message = updates[0].message
    assert message is not None
    assert message.chat.type == "supergroup" and message.chat.title == "Linked-up network"
    assert message.entities[0].length == len("/events@linkedup_test_bot")
    await bot.send_message(group.chat_id, "Upcoming events")
    reply = await group.wait_for_text("Upcoming")
    assert reply.chat_id == -1001234
    assert alice.messages == []


async def test_document_upload_read_back(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    csv_bytes = b"name,email\nAlice,a@example.org\n"
    msg = await bot.send_document(
        42,
        io.BytesIO(csv_bytes),
        filename="members.csv",
        caption="<b>Export</b>",
        parse_mode=ParseMode.HTML,
    )
    assert msg.document is not None and msg.document.file_name == "members.csv"
    assert msg.caption == "Export"
    [doc] = user.documents
    assert await user.wait_for_document(".csv") is doc
    assert doc.data == csv_bytes and doc.filename == "members.csv"
    assert doc.mime_type == "text/csv"
    assert doc.text().splitlines()[1] == "Alice,a@example.org"
    file = await bot.get_file(msg.document.file_id)
    assert bytes(await file.download_as_bytearray()) == csv_bytes
    # re-sending by file_id works, unknown ids do not
    await bot.send_document(42, msg.document.file_id)
    with pytest.raises(BadRequest, match=ci("wrong file identifier")):
        await bot.send_document(42, "nonexistent-file-id")
    with pytest.raises(BadRequest, match=ci("non-empty")):
        await bot.send_document(42, b"", filename="empty.txt")


async def test_photo_upload(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    msg = await bot.send_photo(42, tiny_png(3, 2), caption="chart")
    assert (msg.photo[-1].width, msg.photo[-1].height) == (3, 2)
    assert user.documents[0].kind == "photo" and user.documents[0].data.startswith(b"\x89PNG")
    with pytest.raises(BadRequest, match=ci("IMAGE_PROCESS_FAILED")):
        await bot.send_photo(42, b"not an image")


async def test_edit_updates_store_and_history(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    sent = await bot.send_message(42, "Choose", reply_markup=keyboard([("Yes", "y"), ("No", "n")]))
    first = await user.wait_for_message()
    assert first.event == "sent" and first.buttons() == [[("Yes", "y"), ("No", "n")]]

    await bot.edit_message_text(
        "Chosen: <b>Yes</b>",
        42,
        sent.message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard([("Undo", "undo")]),
    )
    edited = await user.wait_for_message()
    assert edited.event == "edited" and edited.text == "Chosen: Yes"
    current = user.last_message
    assert current is not None and current.message_id == sent.message_id
    assert current.keyboard[0][0].text == "Undo" and user.keyboard() == [[("Undo", "undo")]]
    assert [h.text for h in current.history] == ["Choose"]

    with pytest.raises(BadRequest, match=ci("message is not modified")):
        await bot.edit_message_text(
            "Chosen: <b>Yes</b>",
            42,
            sent.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard([("Undo", "undo")]),
        )
    # like Telegram, editing text without reply_markup drops the keyboard
    await bot.edit_message_text("Done", 42, sent.message_id)
    assert user.last_message is not None and user.last_message.keyboard == []
    await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=keyboard([("A", "a")]))
    assert user.keyboard() == [[("A", "a")]]
    with pytest.raises(BadRequest, match=ci("message to edit not found")):
        await bot.edit_message_text("x", 42, 999)

    assert await bot.delete_message(42, sent.message_id)
    assert user.messages == []
    with pytest.raises(BadRequest, match=ci("message to delete not found")):
        await bot.delete_message(42, sent.message_id)


async def test_press_and_answer_callback(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    await bot.send_message(42, "Menu", reply_markup=keyboard([("Events", "ev"), ("Help", "help")]))
    query_id = await user.press("Events")
    await user.press("help")  # by callback_data too
    updates = await bot.get_updates()
    queries = [u.callback_query for u in updates if u.callback_query is not None]
    assert queries[0].message is not None and isinstance(queries[0].message, Message)
    assert [q.data for q in queries] == ["ev", "help"]
    assert queries[0].id == query_id and queries[0].message.text == "Menu"
    await bot.answer_callback_query(query_id, text="Loading…")
    answer = await tg.wait_for_callback_answer(query_id)
    assert answer.text == "Loading…" and answer.data == "ev" and answer.user_id == 42
    assert tg.unanswered_callbacks() == [queries[1].id]
    with pytest.raises(BadRequest, match=ci("query ID is invalid")):
        await bot.answer_callback_query(query_id)
    with pytest.raises(AssertionError, match=r"available .*Events"):
        await user.press("Nope")


async def test_wait_for_message_cursor_and_timeout(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    await bot.send_message(42, "one")
    await bot.send_message(42, "two")
    await bot.send_message(42, "three")
    assert (await user.wait_for_message()).text == "one"
    assert (await user.wait_for_text("three")).text == "three"  # skips "two"
    with pytest.raises(AssertionError, match="no matching bot message"):
        await user.wait_for_message(timeout=0.1)

    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(42, "four")

    task = asyncio.create_task(later())
    assert (await user.wait_for_message(timeout=2)).text == "four"
    await task


async def test_commands_per_scope_and_language(tg: FakeTelegram, bot: Bot) -> None:
    admin = tg.user(42)
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("events", "Events")])
    admin_scope = BotCommandScopeChat(admin.id)
    await bot.set_my_commands(
        [BotCommand("start", "Start"), BotCommand("broadcast", "Send bulletin")],
        scope=admin_scope,
    )
    await bot.set_my_commands([BotCommand("start", "Commencer")], language_code="fr")
    assert [c["command"] for c in tg.commands()] == ["start", "events"]  # type: ignore[union-attr]
    admin_cmds = tg.commands({"type": "chat", "chat_id": 42})
    assert admin_cmds is not None and admin_cmds[1]["command"] == "broadcast"
    assert tg.commands(admin_scope) == admin_cmds
    assert tg.commands(language_code="fr") == [{"command": "start", "description": "Commencer"}]
    assert [c.command for c in await bot.get_my_commands(scope=admin_scope)] == [
        "start",
        "broadcast",
    ]
    with pytest.raises(BadRequest, match=ci("BOT_COMMAND_INVALID")):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    with pytest.raises(BadRequest, match=ci("chat not found")):
        await bot.set_my_commands([BotCommand("a", "b")], scope=BotCommandScopeChat(999))
    await bot.delete_my_commands(scope=admin_scope)
    assert tg.commands(admin_scope) is None


async def test_webhook_delivery_and_conflict(tg: FakeTelegram, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        url = f"http://127.0.0.1:{port}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret")
        info = await bot.get_webhook_info()
        assert info.url == url
        with pytest.raises(Conflict):
            await bot.get_updates()
        user = tg.user(42)
        await user.send("via webhook")
        await tg.wait_for(lambda: received or None, timeout=3)
        assert received[0][0]["message"]["text"] == "via webhook"
        assert received[0][1] == "s3cret"
        with pytest.raises(BadRequest, match=ci("HTTPS")):
            await bot.set_webhook("http://example.org/hook")
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await tg.stop()  # stop webhook delivery before the receiver goes away
        await runner.cleanup()


async def test_chat_action(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    assert await bot.send_chat_action(42, "upload_document")
    assert tg.chat_actions[0][:2] == (42, "upload_document")
    with pytest.raises(BadRequest):
        await bot.send_chat_action(42, "dancing")


# -- a real PTB Application against the fake ------------------------------------------------------


async def test_application_polling_round_trip(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html(
            "<b>Welcome!</b> Pick one:", reply_markup=keyboard([("Events", "events")])
        )

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")

    app = Application.builder().token(TOKEN).base_url(tg.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    alice = tg.user(first_name="Alice")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            await alice.send("/start")
            welcome = await alice.wait_for_text("Welcome!")
            assert welcome.html == "<b>Welcome!</b> Pick one:"
            query_id = await alice.press("Events")
            edited = await alice.wait_for_message(lambda m: m.event == "edited")
            assert edited.text == "You chose events" and edited.keyboard == []
            await tg.wait_for_callback_answer(query_id)
        finally:
            await app.updater.stop()
            await app.stop()
    assert tg.unanswered_callbacks() == []


# -- control API and standalone process ------------------------------------------------------------


async def test_control_api(tg: FakeTelegram, bot: Bot) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.url}/_fake/send", json={"user_id": 42, "text": "hi"}) as r:
            assert r.status == 200
        updates = await bot.get_updates()
        assert updates[0].message is not None and updates[0].message.text == "hi"
        await bot.send_message(42, "reply")
        async with http.get(f"{tg.url}/_fake/stats") as r:
            stats = await r.json()
        assert stats["delivered"] == {"42": 1} and stats["delivered_total"] == 1
        async with http.get(f"{tg.url}/_fake/messages", params={"chat_id": "42"}) as r:
            assert (await r.json())["messages"][0]["text"] == "reply"
        async with http.post(
            f"{tg.url}/_fake/limits", json={"enabled": True, "chat_burst": 1}
        ) as r:
            assert (await r.json())["rate_limits"]["chat_burst"] == 1
        await bot.send_message(42, "one")
        with pytest.raises(RetryAfter):
            await bot.send_message(42, "two")
        async with http.post(f"{tg.url}/_fake/reset") as r:
            assert r.status == 200
        assert tg.delivered_count() == 0


async def test_standalone_process() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.telegram_api",
        "--port",
        "0",
        "--no-rate-limits",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert line.startswith("FAKE_TELEGRAM_READY ")
        base_url = line.split()[1]
        async with Bot(TOKEN, base_url=base_url) as remote:
            assert (await remote.get_me()).id == 123456
        root = base_url.removesuffix("/bot")
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{root}/_fake/users", json={"user_id": 5}) as r:
                assert (await r.json())["user"]["id"] == 5
            async with http.get(f"{root}/_fake/stats") as r:
                assert json.loads(await r.text())["requests"]["getMe"] >= 1
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


def test_spec_path_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from tests.fakes.telegram_schema import CARRIED_SPEC, SHARED_SPEC, default_spec_path, load_spec

    assert default_spec_path() == (SHARED_SPEC if SHARED_SPEC.is_file() else CARRIED_SPEC)
    assert "sendMessage" in load_spec(CARRIED_SPEC).methods  # the carried copy is a real spec
    monkeypatch.setenv("LINKEDUP_BOT_API_SPEC", str(tmp_path / "api.json"))
    assert default_spec_path() == tmp_path / "api.json"
