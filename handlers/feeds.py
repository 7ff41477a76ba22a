"""``/fetch``: read the website's feeds now, say what changed and what the draft now holds, and
let the officer file the articles no theme claimed."""

from __future__ import annotations

from telegram import Update

from bulletins.drafts import DraftError, EditableDraft, unthemed
from delivery.messages import Callbacks
from feeds.sanitise import plain_summary
from handlers.access import admin_only
from handlers.context import BotContext
from handlers.keyboards import inline
from handlers.replies import reply
from wording import bulletins as texts

FILE = Callbacks("fl")
"""``fl:<n>`` shows the n-th article without a theme; ``fl:<n>:<article>:<slug>`` files it."""
SUMMARY_LIMIT = 300


def _parse_file(data: str) -> tuple[int, int | None, str | None]:
    position, *filing = FILE.parts(data)
    if not filing:
        return int(position), None, None
    article_id, slug = filing
    return int(position), int(article_id), slug


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
    file = [[(texts.BUTTON_FILE.format(count=waiting), FILE.data(0))]] if waiting else []
    await reply(update, texts.fetch_report(report.feeds, draft.record.title, held, waiting),
                inline(file))


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
            draft = await context.services.bulletins.editor.file_under(draft, article_id, slug)
        except DraftError as error:
            await query.answer(str(error), show_alert=True)
            return
        titles = await context.services.members.theme_titles()
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
    rows = [[(theme.title, FILE.data(position, item.article_id, theme.slug))]
            for theme in await context.services.members.themes()]
    rows.append([(texts.BUTTON_LEAVE_UNFILED, FILE.data(position + 1))])
    await query.edit_message_text(
        texts.file_ask(item.title, summary, position + 1, len(waiting)), reply_markup=inline(rows))
