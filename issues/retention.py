"""What is kept about issues, for how long, and what /mydata and /forget do to it.

Decision: an issue belongs to the network's evidence for the boards, not to the person who
typed it. So:

* ``/forget`` cuts the member's personal link: their supporter rows lose the member id and the
  organisation's name (the organisation becomes "an organisation that asked not to be named"),
  and history lines lose the member id. The issue's text (checked for personal details when it
  was typed), its figures and its place in the count stay, so a board report already promised
  does not lose an organisation, and the member is no longer sent anything about it.
* After ``retention_months`` without any change, an issue is anonymised the same way for every
  organisation, and the officers' ids leave its history: the problem, the figures and what the
  boards did stay for trends and "You said, we did", with no one attached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from db import issues as repo
from db.database import Database
from db.members import Member
from db.timeutil import to_db


@dataclass
class IssueRetention:
    """A member listener and a source for /mydata, as well as the anonymising due work."""

    db: Database
    retention_months: int
    name: str = "issues"

    async def anonymise_due(self, now: datetime) -> None:
        cut_off = now - relativedelta(months=self.retention_months)
        for issue in await repo.stale_issues(self.db, cut_off):
            await repo.anonymise(self.db, issue.id, now)

    async def member_changed(self, member: Member, themes: list[str]) -> None:
        """Nothing to do: an issue keeps the organisation's name as it was when it joined."""

    async def member_forgotten(self, member: Member) -> None:
        await repo.forget_member(self.db, member.id)

    async def personal_data(self, member: Member) -> list[dict[str, Any]]:
        return [
            {
                "reference": issue.ref,
                "theme": issue.theme_slug,
                "status": issue.status,
                "raised_by_you": mine.raised,
                "organisation": mine.organisation,
                "organisation_named_in_reports": mine.named,
                "waiting_count": mine.figures.waiting_count,
                "wait_weeks": mine.figures.wait_weeks,
                "waiting_since": mine.figures.waiting_since,
                "affected_not_waiting": mine.figures.affected_count,
                "follow_up_answer": mine.follow_up_answer,
                "joined_at": to_db(mine.joined_at),
                **({"what_is_happening": issue.what_happening, "impact": issue.impact,
                    "what_we_ask_the_board": issue.board_ask} if mine.raised else {}),
            }
            for issue, mine in await repo.of_member(self.db, member.id)
        ]
