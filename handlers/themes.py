"""``/themes``: the theme picker, toggled in place by editing the same message."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bulletins.telegram_render import THEMES
from db.members import Member
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import reply
from wording import bulletins as bulletin_texts
from wording import members as texts


async def _picker(context: BotContext, member: Member, themes: list[str] | None = None,
                  ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The picker for ``member``, who follows ``themes`` (read here if not given)."""
    directory = context.services.members
    followed = set(await directory.themes_of(member) if themes is None else themes)
    rows = [[(f"{'✅' if theme.slug in followed else '⬜'} {theme.title}",
              THEMES.data("t", theme.slug))] for theme in await directory.themes()]
    only_label = texts.BUTTON_ONLY_MINE_ON if member.only_my_themes else texts.BUTTON_ONLY_MINE_OFF
    paused_label = (bulletin_texts.BUTTON_PAUSED if member.broadcasts_paused
                    else bulletin_texts.BUTTON_ACTIVE)
    rows += [[(texts.BUTTON_ALL, THEMES.data("all")), (texts.BUTTON_NONE, THEMES.data("none"))],
             [(only_label, THEMES.data("only"))], [(paused_label, THEMES.data("pause"))],
             [(texts.BUTTON_DONE, THEMES.data("done"))]]
    header = texts.THEMES_HEADER + ("" if followed else texts.THEMES_NOTHING)
    return header, inline(rows)


async def send_theme_picker(update: Update, context: BotContext, member: Member,
                            themes: list[str] | None = None) -> None:
    text, markup = await _picker(context, member, themes)
    await reply(update, text, markup)


async def themes_command(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    found = await context.services.members.find_with_themes(update.effective_user.id)
    if found is None:
        await reply(update, texts.NOT_REGISTERED)
        return
    await send_theme_picker(update, context, *found)


async def theme_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    directory = context.services.members
    member = await directory.find(query.from_user.id)
    if member is None:
        await query.answer(texts.NOT_REGISTERED, show_alert=True)
        return
    action, *rest = THEMES.parts(query.data)
    if action == "open":
        await query.answer()
        await send_theme_picker(update, context, member)
        return
    if action == "done":
        await query.answer()
        titles = await directory.theme_titles()
        followed = [titles[slug] for slug in await directory.themes_of(member)]
        await query.edit_message_text(texts.themes_saved(followed), reply_markup=None)
        return
    if action == "all":
        await directory.set_themes(member, [t.slug for t in await directory.themes()])
    elif action == "none":
        await directory.set_themes(member, [])
    elif action == "only":
        member = await directory.set_only_my_themes(member, not member.only_my_themes)
    elif action == "pause":
        member = await directory.set_broadcasts_paused(member, not member.broadcasts_paused)
    elif action == "t":
        await directory.toggle_theme(member, rest[0])
    await query.answer()
    text, markup = await _picker(context, member)
    if query.message is not None and markup != getattr(query.message, "reply_markup", None):
        await query.edit_message_text(text, reply_markup=markup)
