"""The member's side of the bulletin: the latest edition, the archive, and counted reads."""

from __future__ import annotations

from telegram import Update

from bulletins.model import Bulletin
from bulletins.telegram_render import PAUSE, READ
from delivery.messages import Button, Callbacks
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import reply
from wording import bulletins as texts

ARCHIVE = Callbacks("arch")


async def _send_edition(update: Update, context: BotContext, bulletin: Bulletin) -> None:
    assert update.effective_user is not None
    member = await context.services.members.find(update.effective_user.id)
    for message in await context.services.bulletins.preview(bulletin, member):
        await reply(update, message.html, inline(message.buttons))


async def send_latest(update: Update, context: BotContext) -> None:
    bulletin = await context.services.bulletins.latest()
    if bulletin is None:
        await reply(update, texts.NO_BULLETIN_YET)
        return
    await _send_edition(update, context, bulletin)
    await reply(update, texts.ARCHIVE_HEADER,
                inline([[(texts.BUTTON_ARCHIVE, ARCHIVE.data("list"))]]))


async def archive_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    service = context.services.bulletins
    if query.data == ARCHIVE.data("list"):
        records = await service.archive()
        if len(records) <= 1:
            await reply(update, texts.ARCHIVE_EMPTY)
            return
        await query.edit_message_reply_markup(inline(
            [[(r.title, ARCHIVE.data(r.id))] for r in records[1:]]))
        return
    bulletin = await service.sent_bulletin(int(ARCHIVE.parts(query.data)[0]))
    if bulletin is None:
        await reply(update, texts.NO_BULLETIN_YET)
        return
    await _send_edition(update, context, bulletin)


async def read_button(update: Update, context: BotContext) -> None:
    """Count the read, then hand over the link: the tap is what the statistics measure."""
    query = update.callback_query
    assert query is not None and query.data is not None
    bulletin_id, article_id = READ.parts(query.data)
    member = await context.services.members.find(query.from_user.id)
    found = await context.services.bulletins.record_read(int(bulletin_id), int(article_id), member)
    if found is None:
        await query.answer(texts.READ_GONE, show_alert=True)
        return
    await query.answer()
    title, link = found
    await reply(update, texts.read_link(title, link),
                inline([[Button(texts.BUTTON_OPEN, url=link)]]))


async def pause_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    directory = context.services.members
    member = await directory.find(query.from_user.id)
    if member is None:
        await query.answer()
        return
    paused = query.data == PAUSE.data("on")
    await directory.set_broadcasts_paused(member, paused)
    await query.answer()
    await reply(update, texts.PAUSED if paused else texts.RESUMED)
