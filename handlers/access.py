"""Admin-only commands: refused politely for everyone else, and the attempt logged."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from handlers.context import BotContext
from handlers.replies import reply
from wording import admin as texts

log = logging.getLogger(__name__)
Result = TypeVar("Result")
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, Result]]


def is_admin(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and context.services.config.is_admin(user.id)


def admin_only(command: str) -> Callable[[Handler[Result]], Handler[Result | None]]:
    def decorate(handler: Handler[Result]) -> Handler[Result | None]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> Result | None:
            chat = update.effective_chat
            if chat is not None and chat.type != "private":
                # Members' personal data must never be posted into a group by mistake.
                await reply(update, texts.PRIVATE_ONLY.format(command=command))
                return None
            if is_admin(update, context):
                return await handler(update, context)
            user = update.effective_user
            log.warning("refused /%s to non-admin user %s", command, user.id if user else "?")
            if update.callback_query is not None:
                await update.callback_query.answer(texts.NOT_ADMIN.format(command=command),
                                                   show_alert=True)
            else:
                await reply(update, texts.NOT_ADMIN.format(command=command))
            return None

        return guarded

    return decorate
