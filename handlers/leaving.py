"""Leaving a conversation by starting something else.

Each conversation waits for the person's next text or tap; if one were left open when another
began, text meant for the new one could land in the old one (a meeting title taken as the
reason for declining an issue). So a person is in at most one conversation: any command other
than ``/cancel``, and any button that starts a conversation, first ends every other conversation
the person is in, quietly, and then runs at once (nobody has to send it twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler, filters

from handlers.context import BotContext
from handlers.replies import end

TYPED_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
"""A new text message: edits of earlier answers are not answers to the current question."""

_OTHER_COMMAND = filters.COMMAND & ~filters.Regex(r"^/cancel(@\w+)?(\s|$)")


async def _end(update: Update, context: BotContext) -> int:
    return await end(update)


async def _nothing(update: Update, context: BotContext) -> None:
    """Never called: :meth:`Leaving.handle_update` does the work."""


class _Ending(BaseHandler[Update, BotContext, int]):
    """A conversation's fallback that matches only the update its :class:`Leaving` is handling,
    so in the conversation's own group it never takes anything."""

    def __init__(self, leaving: Leaving) -> None:
        super().__init__(_end)
        self._leaving = leaving

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update) and update in self._leaving.ending


class Leaving(BaseHandler[Update, BotContext, None]):
    """Registered in a group before the conversations: ends the ones the update leaves.

    It offers the update to each conversation the update does not start; one the person is in
    finds no state handler for it (states take typed text and their own buttons) and falls back
    to :meth:`fallback`, which ends it through PTB's own bookkeeping (persisted like any step).
    """

    def __init__(self) -> None:
        super().__init__(_nothing)
        self.conversations: Sequence[ConversationHandler[BotContext]] = ()
        self.ending: set[Update] = set()

    def fallback(self) -> BaseHandler[Update, BotContext, int]:
        """Put this in every conversation's fallbacks."""
        return _Ending(self)

    def _starts(self, update: Update) -> ConversationHandler[BotContext] | None:
        for conversation in self.conversations:
            if any(entry.check_update(update) not in (None, False)
                   for entry in conversation.entry_points):
                return conversation
        return None

    def check_update(self, update: object) -> ConversationHandler[BotContext] | bool:
        """The conversation the update starts, True for another command, False otherwise."""
        if not isinstance(update, Update):
            return False
        return self._starts(update) or bool(_OTHER_COMMAND.check_update(update))

    async def handle_update(self, update: Update,
                            application: Application[Any, BotContext, Any, Any, Any, Any],
                            check_result: object, context: BotContext) -> None:
        starting = check_result if isinstance(check_result, ConversationHandler) else None
        self.ending.add(update)
        try:
            for conversation in self.conversations:
                if conversation is starting:
                    continue
                found = conversation.check_update(update)
                if found is not None:
                    await conversation.handle_update(update, application, found, context)
        finally:
            self.ending.discard(update)
