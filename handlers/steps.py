"""A conversation's next step is saved before its question is sent, so ``kill -9`` at any moment
never leaves the bot one step behind what the member was asked (an answer would then land in the
previous question's field).

The step and the question wait together in one write; the question is marked sent once Telegram
took it. A question still waiting when the bot starts again is sent then: at worst the member
sees it twice, and an answer always belongs to the question the bot thinks it asked.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, cast

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from handlers.context import BotApplication, BotContext
from handlers.replies import reply

log = logging.getLogger(__name__)

WAITING = "_question_waiting"
"""user_data key of the question saved with its step and not yet known to have gone out."""


class StepStore(Protocol):
    def asking(self, conversation: str, key: tuple[int, ...], state: object, user_id: int,
               user_data: dict[Any, Any]) -> AbstractAsyncContextManager[None]: ...


async def ask(update: Update, context: BotContext, conversation: str, step: int, html: str,
              markup: InlineKeyboardMarkup | None = None) -> int:
    """Save ``step`` with its question, then send the question; returns ``step`` for PTB."""
    async with asking(update, context, conversation, step, html, markup):
        await reply(update, html, markup)
    return step


@asynccontextmanager
async def asking(update: Update, context: BotContext, conversation: str, step: int, html: str,
                 markup: InlineKeyboardMarkup | None = None) -> AsyncIterator[None]:
    """Save ``step`` with its question; the block then puts the question in front of the
    person its own way (an edit of a message they have, or a preview before it). Should the
    block not finish, the next start sends ``html`` as a new message."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None and context.user_data is not None
    context.user_data[WAITING] = {"chat_id": chat.id, "html": html,
                                  "markup": markup.to_dict() if markup else None}
    store = cast(StepStore, context.application.persistence)
    async with store.asking(conversation, (chat.id, user.id), step, user.id, context.user_data):
        yield
    # Only once sent: a failed send leaves the question waiting for the next start.
    del context.user_data[WAITING]  # saved with the user's data at PTB's next flush


async def send_waiting_questions(application: BotApplication) -> None:
    """At start-up: the questions a previous run saved but may not have sent."""
    for user_id, data in application.user_data.items():
        waiting = data.pop(WAITING, None)
        if waiting is None:
            continue
        assert application.persistence is not None
        await application.persistence.update_user_data(user_id, data)
        markup = (InlineKeyboardMarkup.de_json(waiting["markup"], application.bot)
                  if waiting["markup"] else None)
        try:
            await application.bot.send_message(waiting["chat_id"], waiting["html"],
                                               reply_markup=markup)
        except TelegramError as error:
            log.warning("could not ask chat %s again (%s)", waiting["chat_id"], error)
