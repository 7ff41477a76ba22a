"""``/fetch``: read the website's feeds now and say what changed."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import CommandHandler

from db import articles as articles_repo
from handlers.access import admin_only
from handlers.context import BotApplication, BotContext
from handlers.replies import reply
from wording import bulletins as texts

UNCATEGORISED_WINDOW = timedelta(days=31)


@admin_only("fetch")
async def fetch_command(update: Update, context: BotContext) -> None:
    services = context.services
    if not services.config.feed.urls:
        await reply(update, texts.FETCH_NO_FEEDS)
        return
    await reply(update, texts.FETCHING)
    report = await services.feeds.fetch_now()
    since = services.clock() - UNCATEGORISED_WINDOW
    uncategorised = len(await articles_repo.list_uncategorised(services.db, since))
    await reply(update, texts.fetch_report(report.feeds, uncategorised))


def register(application: BotApplication) -> None:
    application.add_handler(CommandHandler("fetch", fetch_command))
