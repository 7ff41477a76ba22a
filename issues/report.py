"""The board report: what goes in the pack for a board's next meeting.

An issue goes in if the officer accepted it for this board by the meeting's cut-off and it has
not been reported yet; one accepted later rolls to the meeting after, because it is still
'accepted' then. Generating the report records the pack, so once the meeting has happened its
issues become 'reported' (see :mod:`issues.timers`), and the next report can say what became
of them: "You said, we did".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from db import issues as repo
from db import themes as themes_repo
from db.database import Database
from issues.board_dates import BoardCalendar, BoardMeeting
from issues.summary import IssueSummary, summarise_all


@dataclass(frozen=True)
class ThemeTotals:
    theme_title: str
    issues: int
    organisations: int
    waiting: int | None
    longest_wait_weeks: int | None
    affected: int | None


@dataclass(frozen=True)
class ReportedIssue:
    theme_title: str
    summary: IssueSummary


@dataclass(frozen=True)
class BoardReport:
    board: str
    meeting: BoardMeeting
    generated_at: datetime
    themes: list[ThemeTotals]
    issues: list[ReportedIssue]
    previous_meeting_at: datetime | None
    previous: list[ReportedIssue]
    """The previous report's issues as they stand now: "You said, we did"."""

    @property
    def organisations(self) -> int:
        keys = [s.summary.organisation_keys for s in self.issues]
        return len(frozenset().union(*keys))

    @property
    def waiting(self) -> int | None:
        return _sum(s.summary.waiting for s in self.issues)

    @property
    def affected(self) -> int | None:
        return _sum(s.summary.affected for s in self.issues)


def _sum(values: Iterable[int | None]) -> int | None:
    """The total of the numbers given; None when none was."""
    given = [value for value in values if value is not None]
    return sum(given) if given else None


def _totals(theme_title: str, items: list[ReportedIssue]) -> ThemeTotals:
    summaries = [item.summary for item in items]
    weeks = [s.longest_wait_weeks for s in summaries if s.longest_wait_weeks is not None]
    return ThemeTotals(
        theme_title, len(summaries),
        len(frozenset().union(*(s.organisation_keys for s in summaries))),
        _sum(s.waiting for s in summaries), max(weeks) if weeks else None,
        _sum(s.affected for s in summaries),
    )


async def _with_themes(db: Database, issues: list[repo.Issue]) -> list[ReportedIssue]:
    titles = await themes_repo.titles(db)
    return [ReportedIssue(titles.get(s.issue.theme_slug, s.issue.theme_slug), s)
            for s in await summarise_all(db, issues)]


async def build_report(
    db: Database, calendar: BoardCalendar, board: str, now: datetime
) -> BoardReport | None:
    """The report for the board's next meeting, recorded as its pack; None if no meeting is
    planned."""
    meeting = await calendar.next_meeting(board, now)
    if meeting is None:
        return None
    issues = await _with_themes(db, await repo.accepted_for_board(db, board, meeting.cut_off_at))
    previous = await repo.previous_report(db, board, meeting.starts_at)
    earlier = await _with_themes(db, await repo.report_issues(db, previous.id)) if previous else []
    await repo.save_report(db, board, meeting.starts_at, meeting.cut_off_at,
                           [item.summary.issue.id for item in issues], now)
    by_theme: dict[str, list[ReportedIssue]] = {}
    for item in issues:
        by_theme.setdefault(item.theme_title, []).append(item)
    return BoardReport(
        board=board, meeting=meeting, generated_at=now,
        themes=[_totals(title, items) for title, items in by_theme.items()],
        issues=issues, previous_meeting_at=previous.meeting_at if previous else None,
        previous=earlier,
    )
