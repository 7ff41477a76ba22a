"""Telling the organisations behind an issue, and the officers, through the delivery engine.

Every message about an issue goes through the one engine, under a key made from the history
line that caused it, so a change is announced once even if the step that announces it is run
again after a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db import issues as repo
from db import members as members_repo
from db.database import Database
from db.members import Member
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage

KIND = "issue"


@dataclass
class Notifier:
    db: Database
    delivery: DeliveryEngine
    officer_chats: Sequence[int]

    async def members_behind(self, issue_id: int) -> list[Member]:
        """Active members of the organisations behind the issue and every issue merged in."""
        family = await repo.family_ids(self.db, issue_id)
        member_ids = dict.fromkeys(
            s.member_id for s in await repo.supporters(self.db, family) if s.member_id
        )
        found = [await members_repo.get_by_id(self.db, member_id) for member_id in member_ids]
        return [member for member in found if member is not None and member.active]

    async def organisations(self, issue_id: int, key: str, message: OutgoingMessage) -> int:
        """Queue ``message`` for everyone behind the issue; returns how many."""
        members = await self.members_behind(issue_id)
        if members:
            await self.delivery.enqueue(
                key, KIND, [Recipient(m.chat_id, [message], m.id) for m in members], title=key
            )
        return len(members)

    async def officers(self, key: str, message: OutgoingMessage) -> None:
        if self.officer_chats:
            await self.delivery.enqueue(
                key, KIND, [Recipient(chat_id, [message]) for chat_id in self.officer_chats],
                title=key,
            )
