"""Leaving a conversation by starting something else.

Each conversation waits for the person's next text; if one is left half-way and another
begins, text meant for the new one could land in the old one (a meeting title taken as the
reason for declining an issue). So any command that is not part of the current conversation
ends it first, says so, and asks for the command again.
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from handlers.context import BotContext
from handlers.replies import reply
from wording import members as texts


async def _leave_for_other_command(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    command = update.message.text.split()[0]
    await reply(update, texts.LEFT_FOR_OTHER_COMMAND.format(command=escape(command)))
    return ConversationHandler.END


def leave_on_other_command() -> MessageHandler[BotContext, object]:
    """A fallback for every conversation; put it after the conversation's own /cancel."""
    return MessageHandler(filters.COMMAND, _leave_for_other_command)


TYPED_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
"""A new text message: edits of earlier answers are not answers to the current question."""
