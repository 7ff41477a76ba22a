"""Which handler answers which update: the order in which they are registered."""

from __future__ import annotations

from handlers import (
    admin,
    broadcast,
    bulletin_admin,
    bulletin_member,
    fallback,
    feeds,
    help,
    membership,
    privacy,
    stats,
    themes,
)
from handlers.context import BotApplication
from handlers.onboarding import onboarding_conversation


def register_handlers(application: BotApplication, admins: list[int]) -> None:
    """Conversations first, so their states win over stand-alone commands, and the fallback
    last, so it only answers what nothing else understood."""
    application.add_handler(onboarding_conversation())
    bulletin_admin.register(application, admins)
    broadcast.register(application)
    for module in (themes, privacy, help, admin, membership, bulletin_member, feeds,
                   stats):
        module.register(application)
    fallback.register(application)
