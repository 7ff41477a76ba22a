"""Which handler answers which update: the order in which they are registered."""

from __future__ import annotations

from handlers import admin, fallback, help, membership, privacy, themes
from handlers.context import BotApplication
from handlers.onboarding import onboarding_conversation


def register_handlers(application: BotApplication) -> None:
    """Conversations first, so their states win over stand-alone commands, and the fallback
    last, so it only answers what nothing else understood."""
    application.add_handler(onboarding_conversation())
    for module in (themes, privacy, help, admin, membership):
        module.register(application)
    fallback.register(application)
