"""The one place that assembles the python-telegram-bot ``Application``."""

from __future__ import annotations

import asyncio
import warnings
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, BaseUpdateProcessor, ContextTypes, Defaults
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.persistence import SQLitePersistence
from bot.resilience import PatientLimiter, QuietRequest
from bot.services import Services
from db import deliveries
from handlers.context import SERVICES_KEY, BotApplication, BotContext
from handlers.routing import register_handlers


class OneAtATimePerChat(BaseUpdateProcessor):
    """Each chat's updates in order, one after another (a conversation's steps must not
    overlap), while different chats go ahead side by side: one member's reply waiting out a
    Telegram fault does not hold up everyone else's."""

    def __init__(self) -> None:
        super().__init__(max_concurrent_updates=256)
        self._turns: weakref.WeakValueDictionary[int | None, asyncio.Lock] = (
            weakref.WeakValueDictionary())

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else None
        turn = self._turns.get(key)
        if turn is None:
            turn = self._turns[key] = asyncio.Lock()
        async with turn:
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def build_application(services: Services, polling: BaseRequest) -> BotApplication:
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
        .concurrent_updates(OneAtATimePerChat())
        .request(QuietRequest(connection_pool_size=256))
        .get_updates_request(polling)
        # Replies share the delivery engine's budget and go before its bulk sends; they wait
        # out a 429 or a passing fault instead of failing the member's step, and follow a group
        # that became a supergroup.
        .rate_limiter(PatientLimiter(
            services.delivery.pacer,
            on_chat_moved=lambda old, new: deliveries.follow_chat(services.db, old, new)))
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
