"""The one place that assembles the python-telegram-bot ``Application``."""

from __future__ import annotations

import warnings

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.warnings import PTBUserWarning

from bot.persistence import SQLitePersistence
from bot.services import Services
from bot.telegram_transport import ReplyRateLimiter
from handlers.context import SERVICES_KEY, BotApplication, BotContext
from handlers.routing import register_handlers


def build_application(services: Services) -> BotApplication:
    config = services.config
    builder = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.telegram.base_url)
        .context_types(ContextTypes(context=BotContext))
        .persistence(SQLitePersistence(services.db))
        .defaults(Defaults(
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            tzinfo=config.tz,
        ))
        .concurrent_updates(False)
        # Replies share the delivery engine's budget and go before its bulk sends; they wait
        # out a 429 instead of failing the member's step.
        .rate_limiter(ReplyRateLimiter(services.delivery.pacer, max_retries=3))
    )
    if config.telegram.base_file_url:
        builder = builder.base_file_url(config.telegram.base_file_url)
    application: BotApplication = builder.build()
    application.bot_data[SERVICES_KEY] = services
    with warnings.catch_warnings():
        # Our conversations mix message and button steps and are tracked per chat, which is what
        # we want; PTB warns about that choice once per ConversationHandler (14 lines a start).
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        register_handlers(application, config.telegram.admins)
    return application
