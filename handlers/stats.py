"""``/stats``: what members read, per bulletin, with a chart of the last ones."""

from __future__ import annotations

from telegram import InputFile, Update

from bulletins.chart import stats_chart
from handlers.access import admin_only
from handlers.context import BotContext
from handlers.replies import reply
from wording import stats as texts


@admin_only("stats")
async def stats_command(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    services = context.services
    stats = await services.bulletins.recent_stats(services.email_figures)
    if not stats:
        await reply(update, texts.NO_STATS)
        return
    for bulletin in stats[:3]:  # one message each keeps every one under Telegram's limit
        await reply(update, texts.bulletin_stats(bulletin))
    await update.effective_chat.send_photo(
        InputFile(stats_chart(stats), filename="linkedup-stats.png"),
        caption=texts.CHART_CAPTION.format(count=len(stats)),
    )
