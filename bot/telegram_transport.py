"""The engine's Transport over python-telegram-bot: Bot API calls in, classified outcomes out.

Every Telegram error becomes a :mod:`delivery.transport` outcome here, so the engine never sees
a PTB type and its retry policy can be tested without Telegram.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram import Message as TelegramMessage
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from delivery.messages import OutgoingMessage
from delivery.transport import (
    Blocked,
    ChatMoved,
    Rejected,
    RetryLater,
    SendOutcome,
    Sent,
    TransientFailure,
)

_NOT_MODIFIED = "message is not modified"


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
                reply_markup=_keyboard(message),
            )
        return self._bot.send_message(
            chat_id=chat_id,
            text=message.html,
            parse_mode=ParseMode.HTML,
            link_preview_options=_preview(message),
            reply_markup=_keyboard(message),
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
                reply_markup=_keyboard(message),
            )
        return self._bot.edit_message_text(
            text=message.html,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=_preview(message),
            reply_markup=_keyboard(message),
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


def _keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(button.label, callback_data=button.callback_data,
                                     url=button.url)
                for button in row
            ]
            for row in message.buttons
        ]
    )
