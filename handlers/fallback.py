"""Anything nobody else handled: a short, helpful answer instead of silence.

These handlers are added last to the default group, so they only see what no other handler
took (PTB runs at most one handler per group).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.resilience import describe, is_transient
from handlers.context import BotContext
from handlers.replies import reply
from wording import members as texts

log = logging.getLogger(__name__)


async def not_understood(update: Update, context: BotContext) -> None:
    await reply(update, texts.UNKNOWN)


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await reply(update, texts.NOTHING_TO_CANCEL)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message whose conversation is over: say so, do not spin forever."""
    assert update.callback_query is not None
    await update.callback_query.answer(texts.STALE_BUTTON, show_alert=True)


async def on_error(update: object, context: BotContext) -> None:
    """A bug is logged with its traceback; Telegram failing even after the retries is one line
    (the member's step did not move on, so answering again carries on)."""
    error = context.error
    if error is not None and is_transient(error):
        log.warning("Telegram kept failing while answering an update (%s)", describe(error))
    else:
        log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    try:
        await reply(update, texts.ERROR)
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)
