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


@dataclass
class Broadcasts:
    db: Database
    delivery: DeliveryEngine

    async def audience_size(self, plan: BroadcastPlan) -> int:
        return len(await self._audience(plan))

    async def _audience(self, plan: BroadcastPlan) -> members_repo.Audience:
        themes = list(plan.theme_slugs) if plan.theme_slugs else None
        return await members_repo.audience(self.db, themes)

    async def send(self, plan: BroadcastPlan, report_chat_id: int) -> int:
        """Queue it once: the plan's key makes a second tap on "Send" harmless."""
        message = render_update(plan)
        recipients = [Recipient(m.chat_id, [message], m.member_id)
                      for m in await self._audience(plan)]
        return await self.delivery.enqueue(
            plan.key, KIND, recipients, title=texts.progress_title(list(plan.theme_titles)),
            report_chat_id=report_chat_id,
        )
