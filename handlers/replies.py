"""Small reply helpers shared by handlers, so each handler reads as its conversation.

Parse mode (HTML) and disabled link previews come from the application's ``Defaults``.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

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
