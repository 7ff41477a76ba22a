"""``/broadcast``: the officer's urgent update, with audience, preview and confirmation."""

from __future__ import annotations

import html
import uuid
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from broadcasts.service import (
    TEXT_LIMIT,
    BroadcastPlan,
    render_update,
)
from delivery.messages import Callbacks
from handlers.access import admin_only
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import cancelling, close_buttons, end, reply
from handlers.steps import ask
from wording import broadcasts as texts

AUDIENCE, TEXT, PREVIEW = range(3)
BROADCAST = Callbacks("bc")
DRAFT = "broadcast"
CONVERSATION = "broadcast"


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {"themes": []})
    return draft


async def _audience_markup(context: BotContext) -> InlineKeyboardMarkup | None:
    chosen = set(_draft(context)["themes"])
    rows = [[(f"{'✅' if t.slug in chosen else '⬜'} {t.title}", BROADCAST.data("t", t.slug))]
            for t in await context.services.members.themes()]
    rows.append([(texts.BUTTON_EVERYONE, BROADCAST.data("everyone")),
                 (texts.BUTTON_NEXT, BROADCAST.data("next"))])
    return inline(rows)


@admin_only("broadcast")
async def start(update: Update, context: BotContext) -> int:
    assert context.user_data is not None
    context.user_data[DRAFT] = {"themes": [], "key": f"broadcast:{uuid.uuid4().hex}"}
    return await ask(update, context, CONVERSATION, AUDIENCE, texts.ASK_AUDIENCE,
                     await _audience_markup(context))


async def audience_button(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(context)
    action, *slug = BROADCAST.parts(query.data)
    if action == "t":
        draft["themes"] = sorted(set(draft["themes"]) ^ set(slug))
        await query.answer()
        await query.edit_message_reply_markup(await _audience_markup(context))
        return AUDIENCE
    if action == "next" and not draft["themes"]:
        await query.answer(texts.NEED_THEME_OR_EVERYONE, show_alert=True)
        return AUDIENCE
    if action == "everyone":
        draft["themes"] = []
    await close_buttons(update)
    return await _ask_text(update, context)


async def _ask_text(update: Update, context: BotContext) -> int:
    return await ask(update, context, CONVERSATION, TEXT, texts.ASK_TEXT.format(limit=TEXT_LIMIT))


async def _plan(context: BotContext) -> BroadcastPlan:
    draft = _draft(context)
    titles = await context.services.members.theme_titles()
    return BroadcastPlan(
        key=draft["key"],
        text_html=draft["text_html"],
        theme_slugs=tuple(draft["themes"]),
        theme_titles=tuple(titles[slug] for slug in draft["themes"]),
    )


async def receive_text(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    text = update.message.text.strip()
    if len(text) > TEXT_LIMIT:
        await reply(update, texts.TOO_LONG.format(length=len(text), limit=TEXT_LIMIT))
        return TEXT
    _draft(context)["text_html"] = html.escape(text, quote=False)
    plan = await _plan(context)
    count = await context.services.broadcasts.audience_size(plan)
    if count == 0:
        return await ask(update, context, CONVERSATION, AUDIENCE, texts.NOBODY,
                         await _audience_markup(context))
    message = render_update(plan)
    # The preview before the step: killed in between, the officer sends the text again.
    await reply(update, texts.PREVIEW.format(count=count))
    await reply(update, message.html, inline(message.buttons))
    return await ask(update, context, CONVERSATION, PREVIEW, texts.CONFIRM.format(count=count),
                     inline([[(texts.BUTTON_SEND.format(count=count), BROADCAST.data("send"))],
                             [(texts.BUTTON_EDIT, BROADCAST.data("edit")),
                              (texts.BUTTON_CANCEL, BROADCAST.data("cancel"))]]))


async def preview_button(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    if query.data == BROADCAST.data("edit"):
        await close_buttons(update)
        return await _ask_text(update, context)
    if query.data == BROADCAST.data("cancel"):
        return await end(update, texts.CANCELLED)
    plan = await _plan(context)
    await context.services.broadcasts.send(plan, update.effective_chat.id)
    return await end(update, texts.QUEUED)


cancel = cancelling(DRAFT, texts.CANCELLED)
