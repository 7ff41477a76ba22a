"""A member raising an issue, or adding "us too" to one already open.

What the member types is checked twice before it is kept: for length, and by the safeguarding
check for details that identify a person. Only a confirmed draft reaches the database; the
officers hear of each new issue and each "us too" through the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from db import issues as repo
from db import themes as themes_repo
from db.database import Database
from db.issues import Figures, Issue, NewIssue, NewSupporter
from db.members import Member
from db.timeutil import Clock
from delivery.messages import OutgoingMessage
from issues.notify import Notifier
from issues.safeguarding import Finding, find_identifying_details
from issues.similar import Match, similar_issues
from members.details import Problem, TextRule, TooLong, TooShort
from wording import issues as texts

WHAT = TextRule(20, 1500)
IMPACT = TextRule(10, 1000)
SINCE = TextRule(2, 60)
ASK = TextRule(10, 400)
"""What the organisation asks the board to do: one or two sentences."""
REASON = TextRule(3, 1000)
"""The officer's decline reason, referral or board response."""
MAX_WAITING = 100_000
MAX_WEEKS = 520


@dataclass(frozen=True)
class Draft:
    """A confirmed /raise: a new issue, or "us too" on ``join_issue_id``."""

    theme_slug: str
    what_happening: str
    impact: str
    figures: Figures
    board: str | None
    named: bool
    join_issue_id: int | None = None
    board_ask: str | None = None


def check_length(text: str, rule: TextRule) -> str | Problem:
    """Trimmed text, paragraphs kept (a board reads them), or what is wrong with its length."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    cleaned = "\n".join(lines)
    while "\n\n\n" in cleaned:
        cleaned = cleaned.replace("\n\n\n", "\n\n")
    if len(cleaned) < rule.minimum:
        return TooShort(rule.minimum)
    if len(cleaned) > rule.maximum:
        return TooLong(rule.maximum, len(cleaned))
    return cleaned


def parse_count(text: str, maximum: int) -> int | None:
    """A whole number such as "120" or "1,200"; None if it is not one or is out of range."""
    digits = text.strip().replace(",", "")
    if not digits.isdigit() or int(digits) > maximum:
        return None
    return int(digits)


@dataclass
class Raising:
    db: Database
    notifier: Notifier
    clock: Clock
    tz: ZoneInfo
    boards: Sequence[str]

    async def safeguarding_check(self, text: str, member: Member) -> list[Finding]:
        """Boards, themes and the member's own organisation are never taken for people. Run in
        a thread: the first check loads the names list, which takes a second or two."""
        themes = [t.title for t in await themes_repo.list_active(self.db)]
        return await asyncio.to_thread(find_identifying_details, text,
                                       [*self.boards, *themes, member.organisation])

    async def similar(self, theme_slug: str, text: str) -> list[Match]:
        candidates = await repo.joinable_in_theme(self.db, theme_slug)
        return await asyncio.to_thread(similar_issues, text, candidates)  # CPU work off the loop

    async def joinable(self, issue_id: int) -> Issue | None:
        issue = await repo.get(self.db, issue_id)
        return issue if issue is not None and issue.status in repo.JOINABLE_STATUSES else None

    async def submit(self, member: Member, draft: Draft) -> Issue | None:
        """Create the issue, or add the organisation to the one it joins; None if that one
        has closed meanwhile. The officers are told either way."""
        supporter = NewSupporter(member.id, member.organisation, draft.named, draft.figures)
        if draft.join_issue_id is not None:
            return await self._join(member, draft.join_issue_id, supporter)
        now = self.clock()
        new = NewIssue(draft.theme_slug, draft.what_happening, draft.impact, draft.board,
                       draft.board_ask)
        issue = await repo.create(self.db, new, supporter, now.astimezone(self.tz).year, now)
        await self._tell_officers(f"issue:{issue.id}:new", texts.officer_new_issue(
            issue, await self._theme_title(issue), member.organisation))
        return issue

    async def _join(self, member: Member, issue_id: int, supporter: NewSupporter) -> Issue | None:
        issue = await self.joinable(issue_id)
        if issue is None:
            return None
        if await repo.add_supporter(self.db, issue.id, supporter, self.clock()):
            await self._tell_officers(f"issue:{issue.id}:us-too:{member.id}", texts.officer_us_too(
                issue, await self._theme_title(issue), member.organisation))
        return issue

    async def _theme_title(self, issue: Issue) -> str:
        return (await themes_repo.titles(self.db)).get(issue.theme_slug, issue.theme_slug)

    async def _tell_officers(self, key: str, html: str) -> None:
        await self.notifier.officers(key, OutgoingMessage(html))

    async def of_member(self, member: Member) -> list[tuple[Issue, repo.Supporter]]:
        return await repo.of_member(self.db, member.id)
