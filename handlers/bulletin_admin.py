"""``/bulletin`` for the officer: this month's draft, edited in place, then sent or scheduled."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bulletins.drafts import (
    DraftError,
    EditableDraft,
    period_start,
    reading_order,
)
from bulletins.send_time import readings
from bulletins.service import SendRefused
from db.articles import Article
from delivery.messages import Callbacks
from email_channel.render import commands_in
from feeds.sanitise import html_to_plain, plain_to_html, sanitise_html
from handlers.access import admin_only
from handlers.bulletin_member import send_latest
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import cancelling, close_buttons, end, reply
from handlers.steps import ask, asking
from wording import bulletins as texts
from wording import members as member_texts

MENU, INTRO, SCHEDULE = range(3)
CONVERSATION = "bulletin-draft"
BULLETIN = Callbacks("bl")
INTRO_LIMIT = 1500
SUMMARY_MESSAGE = "bulletin_summary_message"
ITEMS_PER_PAGE = 10  # three buttons each: a screen that fits a phone, however long the month


def _status(draft: EditableDraft, context: BotContext) -> str:
    when = draft.record.scheduled_for
    if draft.record.status == "scheduled" and when is not None:
        return texts.DRAFT_STATUS_SCHEDULED.format(when=_local(context, when))
    return texts.DRAFT_STATUS_DRAFT


def _summary(draft: EditableDraft, context: BotContext) -> str:
    bulletin = draft.bulletin
    intro = texts.intro_preview(bulletin.intro_html, html_to_plain(bulletin.intro_html))
    return texts.draft_summary(bulletin.title, _status(draft, context), intro, bulletin.outline())


def _menu_markup() -> InlineKeyboardMarkup | None:
    return inline([
        [(texts.BUTTON_INTRO, BULLETIN.data("intro")),
         (texts.BUTTON_PREVIEW, BULLETIN.data("preview")),
         (texts.BUTTON_TEST, BULLETIN.data("test"))],
        [(texts.BUTTON_ITEMS, BULLETIN.data("items"))],
        [(texts.BUTTON_SEND, BULLETIN.data("send")),
         (texts.BUTTON_SCHEDULE, BULLETIN.data("schedule"))],
        [(texts.BUTTON_CANCEL_DRAFT, BULLETIN.data("cancel")),
         (texts.BUTTON_LATEST, BULLETIN.data("latest"))],
    ])


def _items_markup(draft: EditableDraft, page: int, older: int) -> InlineKeyboardMarkup | None:
    """One page of ↑ ↓ ✕ rows, numbered as the summary lists them, and the ways on."""
    order = reading_order(draft.bulletin)
    pages = max(1, -(-len(order) // ITEMS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    first = page * ITEMS_PER_PAGE
    rows = [[(f"↑ {number}", BULLETIN.data("up", aid)), (f"↓ {number}", BULLETIN.data("down", aid)),
             (f"✕ {number}", BULLETIN.data("drop", aid))]
            for number, aid in enumerate(order[first:first + ITEMS_PER_PAGE], start=first + 1)]
    turns = []
    if page > 0:
        turns.append((texts.BUTTON_PAGE_BACK.format(first=first - ITEMS_PER_PAGE + 1, last=first),
                      BULLETIN.data("items", page - 1)))
    if page < pages - 1:
        last = min(first + 2 * ITEMS_PER_PAGE, len(order))
        turns.append((texts.BUTTON_PAGE_ON.format(first=first + ITEMS_PER_PAGE + 1, last=last),
                      BULLETIN.data("items", page + 1)))
    if turns:
        rows.append(turns)
    if older:
        rows.append([(texts.BUTTON_OLDER.format(count=older), BULLETIN.data("older"))])
    rows.append([(texts.BUTTON_BACK, BULLETIN.data("menu"))])
    return inline(rows)


def _older_markup(older: list[Article]) -> InlineKeyboardMarkup | None:
    rows = [[(f"+ {number}", BULLETIN.data("back", article.id))
             for number, article in enumerate(older[i:i + 5], start=i + 1)]
            for i in range(0, len(older), 5)]
    rows.append([(texts.BUTTON_BACK, BULLETIN.data("items"))])
    return inline(rows)


@admin_only("bulletin")
async def open_draft(update: Update, context: BotContext) -> int:
    draft = await context.services.bulletins.open_draft()
    return await ask(update, context, CONVERSATION, MENU, _summary(draft, context), _menu_markup())


async def _show(update: Update, context: BotContext, draft: EditableDraft,
                markup: InlineKeyboardMarkup | None = None, header: str = "") -> None:
    query = update.callback_query
    assert query is not None
    await query.edit_message_text(header + _summary(draft, context),
                                  reply_markup=markup or _menu_markup())


async def _current(context: BotContext) -> EditableDraft:
    return await context.services.bulletins.open_draft()


async def menu_button(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    action = ":".join(BULLETIN.parts(query.data))
    draft = await _current(context)
    handler = _ACTIONS.get(action.split(":")[0])
    if handler is None:
        return MENU
    try:
        return await handler(update, context, draft, action)
    except DraftError as error:
        await reply(update, str(error))
        return MENU


async def _menu(update: Update, context: BotContext, draft: EditableDraft, action: str) -> int:
    await _show(update, context, draft)
    return MENU


def _remember_summary(update: Update, context: BotContext) -> None:
    """The summary message a typed answer will update, so it is edited, never sent again."""
    query = update.callback_query
    if context.user_data is not None and query is not None and query.message is not None:
        context.user_data[SUMMARY_MESSAGE] = query.message.message_id


async def _show_again(update: Update, context: BotContext, draft: EditableDraft,
                      done: str) -> int:
    """After a typed answer: the summary above edited in place, and one line saying so; back
    at the menu."""
    assert update.effective_chat is not None
    message_id = (context.user_data or {}).get(SUMMARY_MESSAGE)
    summary = _summary(draft, context)
    async with asking(update, context, CONVERSATION, MENU, summary, _menu_markup()):
        await reply(update, done)
        try:
            if message_id is not None:
                await context.bot.edit_message_text(
                    summary, update.effective_chat.id, message_id, reply_markup=_menu_markup())
                return MENU
        except BadRequest:  # gone, or too old to edit: a fresh summary is as good
            pass
        await reply(update, summary, _menu_markup())
    return MENU


async def _ask_intro(update: Update, context: BotContext, draft: EditableDraft,
                     action: str) -> int:
    _remember_summary(update, context)
    return await ask(update, context, CONVERSATION, INTRO,
                     texts.ASK_INTRO.format(limit=INTRO_LIMIT))


async def _preview(update: Update, context: BotContext, draft: EditableDraft,
                   action: str) -> int:
    assert update.effective_user is not None
    member = await context.services.members.find(update.effective_user.id)
    who = texts.PREVIEW_YOU if member else texts.PREVIEW_NON_MEMBER
    await reply(update, texts.PREVIEW_INTRO.format(who=who) + _email_note(context, draft))
    for message in await context.services.bulletins.preview(draft.bulletin, member):
        await reply(update, message.html, inline(message.buttons))
    return MENU


def _email_note(context: BotContext, draft: EditableDraft) -> str:
    """Commands in the intro mean nothing in an email; say what the email makes of them."""
    commands = commands_in(draft.bulletin.intro_html)
    if context.services.mailchimp is None or not commands:
        return ""
    return texts.preview_email_commands(commands, context.bot.username)


async def _test(update: Update, context: BotContext, draft: EditableDraft, action: str) -> int:
    """Everything the test puts in her chat goes through the delivery engine, paced like a
    bulletin, and ends with one line per channel: no reply races it into Telegram's limits."""
    assert update.effective_user is not None and update.effective_chat is not None
    services = context.services
    member = await services.members.find(update.effective_user.id)
    await services.bulletins.send_test(draft, update.effective_chat.id, member)
    return MENU


async def _items(update: Update, context: BotContext, draft: EditableDraft, action: str) -> int:
    _, _, page = action.partition(":")
    await _show_items(update, context, draft, int(page) if page.isdigit() else 0)
    return MENU


async def _show_items(update: Update, context: BotContext, draft: EditableDraft,
                      page: int) -> None:
    services = context.services
    older = await services.bulletins.editor.older(draft)
    await _show(update, context, draft, _items_markup(draft, page, len(older)),
                texts.ITEMS_HEADER)


async def _older(update: Update, context: BotContext, draft: EditableDraft, action: str) -> int:
    services = context.services
    older = await services.bulletins.editor.older(draft)
    tz = services.config.tz
    listing = texts.older_articles(
        [(a.title, f"{a.published_at.astimezone(tz):%d %B %Y}") for a in older],
        f"{period_start(draft.record.period_start, services.clock()).astimezone(tz):%d %B %Y}")
    query = update.callback_query
    assert query is not None
    await query.edit_message_text(listing, reply_markup=_older_markup(older))
    return MENU


async def _bring_back(update: Update, context: BotContext, draft: EditableDraft,
                      action: str) -> int:
    article_id = int(action.split(":")[1])
    draft = await context.services.bulletins.editor.bring_back(draft, article_id)
    order = reading_order(draft.bulletin)
    page = order.index(article_id) // ITEMS_PER_PAGE if article_id in order else 0
    await _show_items(update, context, draft, page)
    return MENU


async def _edit_item(update: Update, context: BotContext, draft: EditableDraft,
                     action: str) -> int:
    verb, article_id = action.split(":")
    editor = context.services.bulletins.editor
    before = reading_order(draft.bulletin)
    if verb == "drop":
        draft = await editor.drop(draft, int(article_id))
    else:
        draft = await editor.move(draft, int(article_id), -1 if verb == "up" else 1)
    if reading_order(draft.bulletin) != before:  # ↑ on the first item changes nothing
        order = before if verb == "drop" else reading_order(draft.bulletin)
        await _show_items(update, context, draft, order.index(int(article_id)) // ITEMS_PER_PAGE)
    return MENU


async def _confirm_send(update: Update, context: BotContext, draft: EditableDraft,
                        action: str) -> int:
    services = context.services
    count = await services.bulletins.telegram_audience()
    emails = await services.bulletins.email_audience()
    await reply(update, texts.confirm_send(draft.record.title, count, emails,
                                           services.mailchimp is not None),
                inline([[(texts.BUTTON_YES_SEND, BULLETIN.data("send-yes")),
                         (texts.BUTTON_NO, BULLETIN.data("menu"))]]))
    return MENU


async def _send(update: Update, context: BotContext, draft: EditableDraft, action: str) -> int:
    assert update.effective_chat is not None and update.callback_query is not None
    try:
        await context.services.bulletins.send_now(draft, report_chat_id=update.effective_chat.id)
    except SendRefused as error:
        await update.callback_query.edit_message_text(
            texts.NOT_SENT.format(reason=html.escape(str(error))), reply_markup=_menu_markup())
        return MENU
    await update.callback_query.edit_message_text(texts.SENDING, reply_markup=None)
    return await end(update)


async def _ask_schedule(update: Update, context: BotContext, draft: EditableDraft,
                        action: str) -> int:
    _remember_summary(update, context)
    return await ask(update, context, CONVERSATION, SCHEDULE,
                     texts.ASK_SCHEDULE.format(tz=context.services.config.timezone))


async def _cancel_draft(update: Update, context: BotContext, draft: EditableDraft,
                        action: str) -> int:
    try:
        await context.services.bulletins.cancel(draft)
    except SendRefused as error:
        await reply(update, html.escape(str(error)))
        return MENU
    query = update.callback_query
    assert query is not None
    await query.edit_message_text(texts.DRAFT_CANCELLED, reply_markup=None)
    return await end(update)


async def _latest(update: Update, context: BotContext, draft: EditableDraft,
                  action: str) -> int:
    await send_latest(update, context)
    return MENU


_ACTIONS = {
    "menu": _menu, "intro": _ask_intro, "preview": _preview, "test": _test, "items": _items,
    "up": _edit_item, "down": _edit_item, "drop": _edit_item, "send": _confirm_send,
    "older": _older, "back": _bring_back, "send-yes": _send, "schedule": _ask_schedule,
    "cancel": _cancel_draft, "latest": _latest,
}


async def receive_intro(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    text = update.message.text.strip()
    if len(text) > INTRO_LIMIT:
        await reply(update, texts.INTRO_TOO_LONG.format(length=len(text), limit=INTRO_LIMIT))
        return INTRO
    intro = "" if text == "-" else sanitise_html(plain_to_html(text))
    draft = await context.services.bulletins.editor.set_intro(await _current(context), intro)
    return await _show_again(update, context, draft, texts.INTRO_SAVED)


async def receive_schedule(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    services = context.services
    meant = readings(update.message.text, services.config.tz, services.clock())
    if not meant:
        await reply(update, texts.BAD_TIME)
        return SCHEDULE
    if len(meant) > 1:
        await reply(update, texts.WHICH_TIME, inline(
            [[(_local(context, when), BULLETIN.data("at", f"{when.timestamp():.0f}"))]
             for when in meant]))
        return SCHEDULE
    return await _schedule_at(update, context, meant[0])


async def pick_schedule(update: Update, context: BotContext) -> int:
    """One of the readings of an ambiguous time, chosen."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await close_buttons(update)
    when = datetime.fromtimestamp(int(BULLETIN.parts(query.data)[1]), UTC)
    return await _schedule_at(update, context, when)


async def _schedule_at(update: Update, context: BotContext, when: datetime) -> int:
    try:
        draft, slot = await context.services.bulletins.schedule(await _current(context), when)
    except (DraftError, SendRefused) as error:
        await reply(update, html.escape(str(error)))
        return SCHEDULE
    note = texts.ROUNDED_TO_SLOT if slot != when else ""
    return await _show_again(update, context, draft,
                             texts.SCHEDULED.format(when=_local(context, slot)) + note)


def _local(context: BotContext, when: datetime) -> str:
    """Weekday, date and time in the network's zone, so a misread date shows at once."""
    return f"{when.astimezone(context.services.config.tz):%A %d %B %Y, %H:%M}"


cancel = cancelling(SUMMARY_MESSAGE, member_texts.CANCELLED)
