"""``/fetch``: read the website's feeds now, say what changed and what the draft now holds, and
let the officer file the articles no theme claimed."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bulletins.drafts import DraftError, EditableDraft, file_under, unthemed
from db import themes as themes_repo
from feeds.sanitise import plain_summary
from handlers.access import admin_only
from handlers.context import BotContext
from handlers.replies import reply
from wording import bulletins as texts

FILE_PREFIX = "fl:"
"""``fl:<n>`` shows the n-th article without a theme; ``fl:<n>:<article>:<slug>`` files it."""
SUMMARY_LIMIT = 300


def _parse_file(data: str) -> tuple[int, int | None, str | None]:
    position, _, rest = data.removeprefix(FILE_PREFIX).partition(":")
    if not rest:
        return int(position), None, None
    article_id, _, slug = rest.partition(":")
    return int(position), int(article_id), slug


def _file_markup(count: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        texts.BUTTON_FILE.format(count=count), callback_data=f"{FILE_PREFIX}0")]])


@admin_only("fetch")
async def fetch_command(update: Update, context: BotContext) -> None:
    services = context.services
    if not services.config.feed.urls:
        await reply(update, texts.FETCH_NO_FEEDS)
        return
    await reply(update, texts.FETCHING)
    report = await services.feeds.fetch_now()
    draft = await services.bulletins.open_draft()
    waiting = len(unthemed(draft))
    held = sum(len(section.items) for section in draft.bulletin.sections)
    await reply(update, texts.fetch_report(report.feeds, draft.record.title, held, waiting),
                _file_markup(waiting) if waiting else None)


@admin_only("fetch")
async def file_button(update: Update, context: BotContext) -> None:
    """One article at a time, edited in place: its title and summary, a button per theme."""
    query = update.callback_query
    assert query is not None and query.data is not None
    position, article_id, slug = _parse_file(query.data)
    draft = await context.services.bulletins.open_draft()
    note = ""
    if article_id is not None and slug is not None:
        try:
            draft = await file_under(context.services.db, draft, article_id, slug)
        except DraftError as error:
            await query.answer(str(error), show_alert=True)
            return
        titles = await themes_repo.titles(context.services.db)
        filed = next((i.title for s in draft.bulletin.sections for i in s.items
                      if i.article_id == article_id), "")
        note = texts.FILE_FILED.format(title=filed, theme=titles.get(slug, slug))
    await query.answer(note[:200] or None)
    await _show_unthemed(update, context, draft, position)


async def _show_unthemed(update: Update, context: BotContext, draft: EditableDraft,
                         position: int) -> None:
    query = update.callback_query
    assert query is not None
    waiting = unthemed(draft)
    if position >= len(waiting):
        await query.edit_message_text(texts.FILE_DONE, reply_markup=None)
        return
    item = waiting[position]
    summary = plain_summary(item.summary_html, SUMMARY_LIMIT)
    themes = await themes_repo.list_active(context.services.db)
    rows = [[InlineKeyboardButton(
        theme.title, callback_data=f"{FILE_PREFIX}{position}:{item.article_id}:{theme.slug}")]
        for theme in themes]
    rows.append([InlineKeyboardButton(texts.BUTTON_LEAVE_UNFILED,
                                      callback_data=f"{FILE_PREFIX}{position + 1}")])
    await query.edit_message_text(
        texts.file_ask(item.title, summary, position + 1, len(waiting)),
        reply_markup=InlineKeyboardMarkup(rows))
