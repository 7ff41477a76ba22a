"""``/meetings`` and its buttons (Going / Maybe / Can't make it, Add to calendar), and the
officer's ``/attendees`` with its CSV export."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from db.meetings import Meeting
from delivery.messages import Callbacks
from handlers.access import admin_only
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import reply, reply_in_parts
from meetings.ics import filename
from meetings.messages import buttons
from wording import meetings as texts

ATTENDEES = Callbacks("att")
SHOWN = 10
"""At most this many meetings in one /meetings or /attendees, so a reply stays readable."""


async def list_meetings(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    services = context.services
    member = await services.members.find(update.effective_user.id)
    if member is None:
        await reply(update, texts.NOT_A_MEMBER)
        return
    upcoming = (await services.meetings.upcoming())[:SHOWN]
    if not upcoming:
        await reply(update, texts.NONE_PLANNED)
        return
    await reply(update, texts.UPCOMING_HEADER.format(count=len(upcoming)))
    for meeting in upcoming:
        message = await services.meetings.cards.for_member(meeting, member.id)
        await reply(update, message.html, inline(message.buttons))


async def _open_meeting(query: CallbackQuery, context: BotContext) -> Meeting | None:
    """The meeting a button is about, if members can still act on it; else say why not."""
    assert query.data is not None
    meeting = await context.services.meetings.get(int(query.data.split(":")[1]))
    if meeting is None or meeting.cancelled or meeting.starts_at <= context.services.clock():
        await query.answer(texts.MEETING_GONE, show_alert=True)
        return None
    return meeting


async def rsvp_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    member = await context.services.members.find(query.from_user.id)
    if member is None:
        await query.answer(texts.NOT_A_MEMBER, show_alert=True)
        return
    meeting = await _open_meeting(query, context)
    if meeting is None:
        return
    choice = query.data.rsplit(":", 1)[1]
    result = await context.services.meetings.rsvps.answer(meeting, member.id, choice)
    await _show_keyboard(query, inline(buttons(meeting, result.answer, result.full)))
    await query.answer(texts.answered(result.answer, result.position))


async def _show_keyboard(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Tick the member's answer on the message they tapped; tapping it again changes nothing."""
    try:
        await query.edit_message_reply_markup(markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def calendar_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    meeting = await _open_meeting(query, context)
    if meeting is None:
        return
    await query.answer()
    service = context.services.meetings
    await update.effective_chat.send_document(
        InputFile(service.calendar(meeting), filename=filename(meeting, service.tz)),
        caption=texts.calendar_caption(meeting),
    )


@admin_only("attendees")
async def attendees(update: Update, context: BotContext) -> None:
    service = context.services.meetings
    meetings = (await service.for_attendance())[:SHOWN]
    if not meetings:
        await reply(update, texts.NO_MEETINGS_TO_COUNT)
        return
    for meeting in meetings:
        groups = await service.attendance(meeting)
        await reply_in_parts(update, texts.attendance(meeting, service.tz, groups),
                             inline([[(texts.BUTTON_CSV, ATTENDEES.data(meeting.id))]]))


@admin_only("attendees")
async def attendees_csv(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    service = context.services.meetings
    meeting = await service.get(int(ATTENDEES.parts(query.data)[0]))
    if meeting is None:
        await query.answer(texts.MEETING_NOT_FOUND, show_alert=True)
        return
    await query.answer()
    content, count = await service.answers_csv(meeting)
    await update.effective_chat.send_document(
        InputFile(content, filename=filename(meeting, service.tz, "csv")),
        caption=texts.csv_caption(meeting, count),
    )
