"""The engine's Transport over python-telegram-bot, and the replies' rate limiter.

Every Telegram error becomes a :mod:`delivery.transport` outcome here, so the engine never sees
a PTB type and its retry policy can be tested without Telegram. :class:`ReplyRateLimiter` makes
the application's own calls (replies, button answers' edits) draw on the engine's pacer ahead of
bulk sends, so one budget serves both and a person never waits behind a broadcast.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile, LinkPreviewOptions
from telegram import Message as TelegramMessage
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

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
)
from handlers.keyboards import inline

_NOT_MODIFIED = "message is not modified"
# Calls that put a new message in the chat, which Telegram counts against the chat's ~1/s.
_NEW_MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage")
_NOT_A_MESSAGE = {"sendChatAction"}

log = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]


class ReplyRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter for the application's calls, drawing on the delivery engine's pacer.

    A call to a chat takes an urgent slot of the bot's budget (it borrows the current one, so it
    goes before any queued bulk send), and a new message need not wait out the interval a
    bulletin part began in that chat, only another reply's or a retry_after (see
    :meth:`Pacer.chat_ready_at`). A 429 pauses every sender, bulk included, then the call is
    retried.
    """

    def __init__(self, pacer: Pacer, max_retries: int = 3) -> None:
        self._pacer = pacer
        self._max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up: the pacer belongs to the delivery engine."""

    async def shutdown(self) -> None:
        """Nothing to release: the pacer belongs to the delivery engine."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        chat_id = _chat_of(data)
        if chat_id is None:  # answerCallbackQuery, getMe...: not counted against the budget
            return await callback(*args, **kwargs)
        spaced = endpoint.startswith(_NEW_MESSAGE_PREFIXES) and endpoint not in _NOT_A_MESSAGE
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        attempt = 0
        while True:
            try:
                async with self._pacer.turn(chat_id, urgent=True, spaced=spaced):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= retries:
                    raise
                attempt += 1
                seconds = _retry_after_seconds(exc)
                log.info("429 on %s: every sender waits %.1f s", endpoint, seconds)
                self._pacer.pause(seconds)


def _chat_of(data: dict[str, Any]) -> int | None:
    """The numeric chat a call is for; a channel's @username is paced as if it were a number."""
    chat_id = data.get("chat_id")
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)
    return hash(chat_id)


class TelegramTransport:
    """Sends and edits :class:`OutgoingMessage` through a PTB :class:`telegram.Bot`."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: OutgoingMessage) -> SendOutcome:
        try:
            sent = await self._post(chat_id, message)
        except TelegramError as exc:
            return classify(exc)
        return Sent(sent.message_id)

    async def edit(self, chat_id: int, message_id: int, message: OutgoingMessage) -> SendOutcome:
        try:
            await self._edit(chat_id, message_id, message)
        except BadRequest as exc:
            # Editing to identical content is a no-op for us, not a failure.
            if _NOT_MODIFIED in exc.message.lower():
                return Sent(message_id)
            return classify(exc)
        except TelegramError as exc:
            return classify(exc)
        return Sent(message_id)

    def _post(self, chat_id: int, message: OutgoingMessage) -> Awaitable[TelegramMessage]:
        if message.document is not None:
            return self._bot.send_document(
                chat_id=chat_id,
                document=InputFile(message.document.content, filename=message.document.filename),
                caption=_caption(message),
                parse_mode=ParseMode.HTML,
                reply_markup=inline(message.buttons),
            )
        return self._bot.send_message(
            chat_id=chat_id,
            text=message.html,
            parse_mode=ParseMode.HTML,
            link_preview_options=_preview(message),
            reply_markup=inline(message.buttons),
        )

    def _edit(
        self, chat_id: int, message_id: int, message: OutgoingMessage
    ) -> Awaitable[TelegramMessage | bool]:
        if message.document is not None:
            return self._bot.edit_message_caption(
                chat_id=chat_id,
                message_id=message_id,
                caption=_caption(message),
                parse_mode=ParseMode.HTML,
                reply_markup=inline(message.buttons),
            )
        return self._bot.edit_message_text(
            text=message.html,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=_preview(message),
            reply_markup=inline(message.buttons),
        )


def classify(exc: TelegramError) -> SendOutcome:
    """Map a PTB error to what the engine should do next.

    Order matters: ``BadRequest`` is a subclass of ``NetworkError``, and anything unrecognised
    (timeouts, 5xx, connection resets) is treated as worth retrying with backoff.
    """
    if isinstance(exc, RetryAfter):
        return RetryLater(_retry_after_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return ChatMoved(int(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return Blocked(exc.message)
    if isinstance(exc, BadRequest):
        return Rejected(exc.message)
    return TransientFailure(f"{type(exc).__name__}: {exc.message}")


def _retry_after_seconds(exc: RetryAfter) -> float:
    """PTB 22 gives an int or a timedelta depending on PTB_TIMEDELTA; accept both, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _caption(message: OutgoingMessage) -> str | None:
    assert message.document is not None
    return message.document.caption_html or message.html or None


def _preview(message: OutgoingMessage) -> LinkPreviewOptions | None:
    return LinkPreviewOptions(is_disabled=True) if message.disable_preview else None
