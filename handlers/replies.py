"""Small reply helpers shared by handlers, so each handler reads as its conversation.

Parse mode (HTML) and disabled link previews come from the application's ``Defaults``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ConversationHandler

from handlers.context import BotContext
from members.details import Problem, TooShort
from wording import members as texts

SAFE_LENGTH = 3800
"""Below Telegram's 4096 characters, with room for HTML that does not count but may be close."""


async def reply(update: Update, html: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    """Answer in the chat the update came from, whether it was a message or a button press."""
    chat = update.effective_chat
    assert chat is not None, "replies are only made to updates that come from a chat"
    return await chat.send_message(html, reply_markup=markup)


async def close_buttons(update: Update, html: str | None = None) -> None:
    """Acknowledge a button press and take the buttons away, so it cannot be pressed twice."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if html is None:
        await query.edit_message_reply_markup(None)
    else:
        await query.edit_message_text(html, reply_markup=None)


async def end(update: Update, html: str | None = None) -> int:
    """The one way a conversation ends: its last words (if any) where the person is looking,
    in place of the pressed button's question or as a reply to what they typed; then PTB's end
    (persisted like any step). Each conversation clears its own answers first."""
    if html is not None and update.callback_query is not None:
        await close_buttons(update, html)
    elif html is not None:
        await reply(update, html)
    return ConversationHandler.END


Step = Callable[[Update, BotContext], Coroutine[Any, Any, int]]


def cancelling(answers: str, words: str) -> Step:
    """A conversation's ``/cancel`` (or Cancel button): its answers so far, kept in
    ``user_data[answers]``, forgotten; ``words`` said; the conversation ended."""

    async def cancel(update: Update, context: BotContext) -> int:
        if context.user_data is not None:
            context.user_data.pop(answers, None)
        return await end(update, words)

    return cancel


def split_for_telegram(text: str, limit: int = SAFE_LENGTH) -> list[str]:
    """Split at line ends so a long list becomes several messages, never a cut tag."""
    chunks, current = [], ""
    for line in text.split("\n"):
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*chunks, current]


async def reply_in_parts(update: Update, html: str, markup: InlineKeyboardMarkup | None = None,
                         ) -> Message:
    """A list that may outgrow one Telegram message; the buttons go under the last part (the
    message returned)."""
    chunks = split_for_telegram(html)
    for chunk in chunks[:-1]:
        await reply(update, chunk)
    return await reply(update, chunks[-1], markup)


def problem_text(problem: Problem) -> str:
    if isinstance(problem, TooShort):
        return texts.TOO_SHORT.format(minimum=problem.minimum)
    return texts.TOO_LONG.format(maximum=problem.maximum, length=problem.length)
