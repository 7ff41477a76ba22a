"""``/mydata`` and ``/forget``: the member's rights of access and erasure under UK GDPR."""

from __future__ import annotations

import json

from telegram import InputFile, Update

from delivery.messages import Callbacks
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import reply
from wording import members as texts

FORGET = Callbacks("forget")


async def mydata(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None and update.effective_chat is not None
    services = context.services
    member = await services.members.find(update.effective_user.id)
    if member is None:
        await reply(update, texts.MYDATA_NOTHING)
        return
    data = await services.members.personal_data(member)
    titles = await services.members.theme_titles()
    joined = member.joined_at.astimezone(services.config.tz).strftime("%d %B %Y")
    await reply(update, texts.mydata_summary(member, [titles[s] for s in data["themes"]], joined))
    document = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    await update.effective_chat.send_document(InputFile(document, filename="my-linkedup-data.json"))


async def forget(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    member = await context.services.members.find(update.effective_user.id)
    if member is None:
        if context.user_data is not None:
            context.user_data.clear()  # answers of a /start that was never finished
        await reply(update, texts.MYDATA_NOTHING)
        return
    await reply(update, texts.forget_confirm(member), inline([[
        (texts.BUTTON_FORGET_YES, FORGET.data("yes")), (texts.BUTTON_FORGET_NO, FORGET.data("no")),
    ]]))


async def forget_answer(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    if query.data != FORGET.data("yes"):
        await query.edit_message_text(texts.FORGET_KEPT, reply_markup=None)
        return
    member = await context.services.members.find(query.from_user.id)
    if member is not None:
        await context.services.members.forget(member)
    if context.user_data is not None:
        context.user_data.clear()  # half-finished answers of any conversation are theirs too
    await query.edit_message_text(texts.FORGOTTEN, reply_markup=None)
