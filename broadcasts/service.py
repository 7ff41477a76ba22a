"""Urgent updates to everyone, or to the followers of chosen themes, through the engine."""

from __future__ import annotations

from dataclasses import dataclass

from bulletins.telegram_render import way_out
from db import members as members_repo
from db.database import Database
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage
from wording import broadcasts as texts

KIND = "broadcast"
TEXT_LIMIT = 3500  # leaves room for the heading inside Telegram's 4096


@dataclass(frozen=True)
class BroadcastPlan:
    """What the officer confirms: the message and who gets it."""

    key: str
    text_html: str
    theme_slugs: tuple[str, ...]
    theme_titles: tuple[str, ...]


def render_update(plan: BroadcastPlan) -> OutgoingMessage:
    return OutgoingMessage(
        html=texts.update_message(plan.text_html, list(plan.theme_titles)),
        buttons=(way_out(),),
    )


async def audience_size(db: Database, plan: BroadcastPlan) -> int:
    return len(await _audience(db, plan))


async def _audience(db: Database, plan: BroadcastPlan) -> members_repo.Audience:
    themes = list(plan.theme_slugs) if plan.theme_slugs else None
    return await members_repo.audience(db, themes)


async def send_broadcast(
    db: Database, delivery: DeliveryEngine, plan: BroadcastPlan, report_chat_id: int
) -> int:
    """Queue it once: the plan's key makes a second tap on "Send" harmless."""
    message = render_update(plan)
    recipients = [Recipient(m.chat_id, [message], m.member_id) for m in await _audience(db, plan)]
    return await delivery.enqueue(
        plan.key, KIND, recipients, title=texts.progress_title(list(plan.theme_titles)),
        report_chat_id=report_chat_id,
    )
