"""Which handler answers which update: the order in which they are registered."""

from __future__ import annotations

from handlers import (
    admin,
    broadcast,
    bulletin_admin,
    bulletin_member,
    census,
    fallback,
    feeds,
    help,
    issue_queue,
    meeting_admin,
    meeting_notes,
    meetings,
    membership,
    privacy,
    raise_issue,
    stats,
    themes,
)
from handlers.context import BotApplication
from handlers.onboarding import onboarding_conversation
from handlers.raise_issue import raise_conversation


def register_handlers(application: BotApplication, admins: list[int]) -> None:
    """Conversations first, so their states win over stand-alone commands, and the fallback
    last, so it only answers what nothing else understood."""
    application.add_handler(onboarding_conversation())
    application.add_handler(raise_conversation())
    application.add_handler(census.figures_conversation())
    issue_queue.register(application)
    raise_issue.register(application)
    bulletin_admin.register(application, admins)
    broadcast.register(application)
    meeting_admin.register(application)
    meeting_notes.register(application)
    for module in (themes, privacy, help, admin, membership, bulletin_member, feeds,
                   stats, meetings, census):
        module.register(application)
    fallback.register(application)
