"""``/themes``: the theme picker, toggled in place by editing the same message."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from db import themes as themes_repo
from db.members import Member
from handlers.context import BotContext
from handlers.replies import reply
from wording import bulletins as bulletin_texts
from wording import members as texts

PREFIX = "themes:"


async def _picker(context: BotContext, member: Member) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    themes = await themes_repo.list_active(services.db)
    followed = set(await services.members.themes_of(member))
    rows = [
        [InlineKeyboardButton(
            f"{'✅' if theme.slug in followed else '⬜'} {theme.title}",
            callback_data=f"{PREFIX}t:{theme.slug}",
        )]
        for theme in themes
    ]
    only_label = texts.BUTTON_ONLY_MINE_ON if member.only_my_themes else texts.BUTTON_ONLY_MINE_OFF
    rows.append([
        InlineKeyboardButton(texts.BUTTON_ALL, callback_data=f"{PREFIX}all"),
        InlineKeyboardButton(texts.BUTTON_NONE, callback_data=f"{PREFIX}none"),
    ])
    rows.append([InlineKeyboardButton(only_label, callback_data=f"{PREFIX}only")])
    paused_label = (bulletin_texts.BUTTON_PAUSED if member.broadcasts_paused
                    else bulletin_texts.BUTTON_ACTIVE)
    rows.append([InlineKeyboardButton(paused_label, callback_data=f"{PREFIX}pause")])
    rows.append([InlineKeyboardButton(texts.BUTTON_DONE, callback_data=f"{PREFIX}done")])
    header = texts.THEMES_HEADER + ("" if followed else texts.THEMES_NOTHING)
    return header, InlineKeyboardMarkup(rows)


async def send_theme_picker(update: Update, context: BotContext, member: Member) -> None:
    text, markup = await _picker(context, member)
    await reply(update, text, markup)


async def themes_command(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    member = await context.services.members.find(update.effective_user.id)
    if member is None:
        await reply(update, texts.NOT_REGISTERED)
        return
    await send_theme_picker(update, context, member)


async def theme_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    directory = context.services.members
    member = await directory.find(query.from_user.id)
    if member is None:
        await query.answer(texts.NOT_REGISTERED, show_alert=True)
        return
    action = query.data.removeprefix(PREFIX)
    if action == "open":
        await query.answer()
        await send_theme_picker(update, context, member)
        return
    if action == "done":
        await query.answer()
        titles = await themes_repo.titles(context.services.db)
        followed = [titles[slug] for slug in await directory.themes_of(member)]
        await query.edit_message_text(texts.themes_saved(followed), reply_markup=None)
        return
    if action == "all":
        await directory.set_themes(member, [t.slug for t in await themes_repo.list_active(
            context.services.db)])
    elif action == "none":
        await directory.set_themes(member, [])
    elif action == "only":
        member = await directory.set_only_my_themes(member, not member.only_my_themes)
    elif action == "pause":
        member = await directory.set_broadcasts_paused(member, not member.broadcasts_paused)
    elif action.startswith("t:"):
        await directory.toggle_theme(member, action.removeprefix("t:"))
    await query.answer()
    text, markup = await _picker(context, member)
    if query.message is not None and markup != getattr(query.message, "reply_markup", None):
        await query.edit_message_text(text, reply_markup=markup)
