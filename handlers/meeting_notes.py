"""``/notes``: the officer posts a network meeting's notes and actions to those who went and
the followers of its theme, after seeing exactly what they will get."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Update

from db.meetings import Meeting
from delivery.messages import Callbacks
from handlers.access import admin_only
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import cancelling, close_buttons, end, reply
from handlers.steps import ask
from wording import meetings as texts

PICK, TEXT, CONFIRM = range(3)
NOTES = Callbacks("notes")
DRAFT = "meeting_notes"
CONVERSATION = "meeting_notes"
NOTES_LIMIT = 3500
"""Room for the heading inside Telegram's 4096 characters."""
WITHIN = timedelta(days=60)


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


async def _meeting(context: BotContext) -> Meeting | None:
    return await context.services.meetings.get(_draft(context)["meeting_id"])


@admin_only(NOTES.data())
async def start(update: Update, context: BotContext) -> int:
    service = context.services.meetings
    meetings = await service.ended(WITHIN)
    if not meetings:
        await reply(update, texts.NOTES_NONE)
        return await end(update)
    return await ask(update, context, CONVERSATION, PICK, texts.NOTES_PICK, inline(
        [[(texts.menu_button(m, service.tz), NOTES.data("m", m.id))] for m in meetings[:20]]))


async def pick(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    meeting_id = int(NOTES.parts(update.callback_query.data)[1])
    meeting = await context.services.meetings.get(meeting_id)
    assert meeting is not None, "only existing meetings are offered"
    if meeting.notes_sent_at is not None:
        return await end(update, texts.notes_already(meeting, context.services.config.tz))
    _draft(context).update(meeting_id=meeting_id)
    await close_buttons(update)
    return await _ask_notes(update, context, meeting)


async def _ask_notes(update: Update, context: BotContext, meeting: Meeting) -> int:
    return await ask(update, context, CONVERSATION, TEXT, texts.notes_ask(meeting, NOTES_LIMIT))


async def receive(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    notes = update.message.text.strip()
    length = len(notes.encode("utf-16-le")) // 2  # as Telegram counts: emoji count twice
    if length > NOTES_LIMIT:
        await reply(update, texts.NOTES_TOO_LONG.format(length=length, limit=NOTES_LIMIT))
        return TEXT
    meeting = await _meeting(context)
    assert meeting is not None
    service = context.services.meetings
    count = len(await service.notes_audience(meeting))
    if count == 0:
        await reply(update, texts.NOTES_NOBODY)
        return await end(update)
    _draft(context)[NOTES.data()] = notes
    # The preview before the step: killed in between, the officer sends the notes again.
    await reply(update, texts.notes_message(meeting, notes, service.tz))
    theme = await service.cards.theme_title(meeting)
    return await ask(update, context, CONVERSATION, CONFIRM, texts.notes_confirm(count, theme),
                     inline([[(texts.BUTTON_SEND_NOTES, NOTES.data("send"))],
                             [(texts.BUTTON_CHANGE_NOTES, NOTES.data("edit")),
                              (texts.BUTTON_STOP, NOTES.data("stop"))]]))


async def confirm(update: Update, context: BotContext) -> int:
    assert update.callback_query is not None and update.effective_chat is not None
    choice = update.callback_query.data
    meeting = await _meeting(context)
    assert meeting is not None
    if choice == NOTES.data("edit"):
        await close_buttons(update)
        return await _ask_notes(update, context, meeting)
    if choice == NOTES.data("stop"):
        await close_buttons(update, texts.NOTES_STOPPED)
    else:
        count = await context.services.meetings.post_notes(
            meeting, _draft(context)[NOTES.data()], update.effective_chat.id)
        await close_buttons(update, texts.NOTES_SENT.format(count=count))
    _draft(context).clear()
    return await end(update)


cancel = cancelling(DRAFT, texts.NOTES_STOPPED)
