"""The officer's membership commands: ``/members`` and ``/export``."""

from __future__ import annotations

from telegram import InputFile, Update

from handlers.access import admin_only
from handlers.context import BotContext
from handlers.replies import reply
from wording import admin as texts


@admin_only("members")
async def members_command(update: Update, context: BotContext) -> None:
    services = context.services
    counts = await services.members.counts(services.config.tz)
    await reply(update, texts.membership(counts))


@admin_only("export")
async def export_command(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    services = context.services
    export = await services.members.export()
    stamp = services.clock().astimezone(services.config.tz).strftime("%Y-%m-%d")
    await update.effective_chat.send_document(
        InputFile(export.csv, filename=f"linkedup-members-{stamp}.csv"),
        caption=texts.MEMBERS_EXPORT_CAPTION.format(count=export.rows),
    )
