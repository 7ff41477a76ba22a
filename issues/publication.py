"""The officer's say over the public "You said, we did" page.

Nothing a member typed reaches the web on its own: an issue is shown only once its board has
heard it and the officer has approved a public summary, either words of her own (checked for
personal details like a member's text) or the organisation's "what is happening" as written.
Approval can come before the meeting; the page waits for the board either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from db import issues as repo
from db import themes as themes_repo
from db.database import Database
from db.issues import ACCEPTED, CLOSED, REPORTED, RESPONDED, Actor, Issue, Publication
from db.timeutil import Clock
from issues.raising import check_length
from issues.safeguarding import Finding, find_identifying_details
from members.details import Problem, TextRule

PUBLISHABLE = (ACCEPTED, REPORTED, RESPONDED, CLOSED)
"""Going to a board, or been: the only issues that can ever be on the page."""
PUBLIC_SUMMARY = TextRule(20, 600)


@dataclass
class Publishing:
    db: Database
    clock: Clock
    boards: Sequence[str]

    async def current(self, issue: Issue) -> Publication | None:
        return (await repo.publications(self.db, [issue.id])).get(issue.id)

    async def check(self, text: str) -> str | Problem | list[Finding]:
        """The trimmed summary, or what is wrong with it: its length, or personal details."""
        checked = check_length(text, PUBLIC_SUMMARY)
        if not isinstance(checked, str):
            return checked
        themes = [t.title for t in await themes_repo.list_active(self.db)]
        findings = await asyncio.to_thread(  # the first check loads the names list
            find_identifying_details, checked, [*self.boards, *themes])
        return findings or checked

    async def approve(self, issue: Issue, summary: str, officer_id: int) -> bool:
        """Approve the officer's own words (already through :meth:`check`)."""
        return await self._publish(issue, summary, False, officer_id)

    async def approve_member_words(self, issue: Issue, officer_id: int) -> bool:
        """Approve the organisation's "what is happening" as the public summary."""
        return await self._publish(issue, issue.what_happening, True, officer_id)

    async def withdraw(self, issue: Issue, officer_id: int) -> bool:
        return await repo.unpublish(self.db, issue.id, Actor("officer", officer_id),
                                    self.clock())

    async def _publish(self, issue: Issue, summary: str, member_words: bool,
                       officer_id: int) -> bool:
        current = await repo.get(self.db, issue.id)
        if current is None or current.status not in PUBLISHABLE:
            return False
        await repo.publish(self.db, issue.id, summary, member_words,
                           Actor("officer", officer_id), self.clock())
        return True
