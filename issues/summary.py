"""An issue with the organisations behind it counted and their figures added up.

Boards hear "eleven organisations, 240 families waiting", not "eleven messages": every view of
an issue (the queue, the report, the CSV) counts organisations across the issue and the issues
merged into it, each organisation once, and adds up their waiting-list figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from db import issues as repo
from db.database import Database
from db.issues import Issue, Supporter
from db.records import IssueSummary


def _organisation_key(supporter: Supporter) -> str:
    if supporter.organisation:
        return supporter.organisation.casefold()
    return f"#{supporter.id}"  # anonymised: still one organisation, just not a known one


def summarise_supporters(issue: Issue, supporters: Sequence[Supporter]) -> IssueSummary:
    firsts: dict[str, Supporter] = {}
    for supporter in supporters:
        firsts.setdefault(_organisation_key(supporter), supporter)
    behind = list(firsts.values())
    counts = [s.figures.waiting_count for s in behind if s.figures.waiting_count is not None]
    affected = [s.figures.affected_count for s in behind
                if s.figures.affected_count is not None]
    weeks = [s.figures.wait_weeks for s in behind if s.figures.wait_weeks is not None]
    return IssueSummary(
        issue=issue,
        organisations=len(behind),
        named=tuple(s.organisation for s in behind if s.named and s.organisation),
        waiting=sum(counts) if counts else None,
        longest_wait_weeks=max(weeks) if weeks else None,
        affected=sum(affected) if affected else None,
        since=tuple(dict.fromkeys(s.figures.waiting_since for s in behind
                                  if s.figures.waiting_since)),
        answers=Counter(s.follow_up_answer for s in behind if s.follow_up_answer),
        organisation_keys=frozenset(firsts),
    )


async def summarise(db: Database, issue: Issue) -> IssueSummary:
    family = await repo.family_ids(db, issue.id)
    return summarise_supporters(issue, await repo.supporters(db, family))


async def summarise_all(db: Database, issues: Sequence[Issue]) -> list[IssueSummary]:
    return [await summarise(db, issue) for issue in issues]
