"""Due work on issues: after a board meets, after it stays silent, after it responds.

The database is the schedule: each timer is a query for issues whose moment has passed and
whose step has not been taken, so a tick after downtime catches up and a repeated tick does
nothing twice. Messages are queued before the step is marked done, under a key fixed by the
issue's own dates, so a crash between the two repeats nothing the engine has not already got.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db import issues as repo
from db import themes as themes_repo
from db.database import Database
from db.issues import BoardReportRecord, Issue
from db.timeutil import to_db
from delivery.messages import Button, Callbacks, OutgoingMessage
from issues.board_dates import BoardCalendar
from issues.notify import Notifier
from issues.queue import IssueQueue
from wording import issues as texts

FOLLOW_UP = Callbacks("iss")
"""``iss:fu:<issue>:<answer>``: a member's answer to "did it help?" after an issue closed."""


@dataclass
class IssueTimers:
    db: Database
    queue: IssueQueue
    notifier: Notifier
    tz: ZoneInfo
    overdue_weeks: int
    follow_up_weeks: int
    calendar: BoardCalendar

    async def _still_planned(self, report: BoardReportRecord) -> bool:
        """A pack counts only if its meeting still happens then (not moved, not cancelled)."""
        meeting = await self.calendar.next_meeting(
            report.board, report.meeting_at - timedelta(seconds=1))
        return meeting is not None and meeting.starts_at == report.meeting_at

    async def settle_reports(self, now: datetime) -> None:
        """Once a board has met, the issues in its pack are 'reported' as of the meeting."""
        for report in await repo.unsettled_reports(self.db, now):
            if await self._still_planned(report):
                for issue in await repo.report_issues(self.db, report.id):
                    await self.queue.mark_reported(issue, report.meeting_at)
            # else its issues stay accepted and go into the pack for the meeting that happens
            await repo.settle_report(self.db, report.id, now)

    async def flag_overdue(self, now: datetime) -> None:
        """No response some weeks after the board met: the officer is told, once."""
        since = now - timedelta(weeks=self.overdue_weeks)
        for issue in await repo.reported_unanswered_since(self.db, since):
            assert issue.reported_at is not None
            message = OutgoingMessage(texts.overdue(issue, self.overdue_weeks, self.tz))
            await self.notifier.officers(
                f"issue:{issue.id}:overdue:{to_db(issue.reported_at)}", message)
            await repo.mark(self.db, issue.id, "overdue_flagged_at", now)

    async def ask_follow_ups(self, now: datetime) -> None:
        """Some weeks after a response: did it address the problem? (yes / partly / no)"""
        since = now - timedelta(weeks=self.follow_up_weeks)
        titles = await themes_repo.titles(self.db)
        for issue in await repo.responded_unasked_since(self.db, since):
            assert issue.responded_at is not None
            await self.notifier.organisations(
                issue.id, f"issue:{issue.id}:follow-up:{to_db(issue.responded_at)}",
                follow_up_question(issue, titles.get(issue.theme_slug, issue.theme_slug)))
            await repo.mark(self.db, issue.id, "follow_up_sent_at", now)

    async def run(self, now: datetime) -> None:
        await self.settle_reports(now)
        await self.flag_overdue(now)
        await self.ask_follow_ups(now)


def follow_up_question(issue: Issue, theme_title: str) -> OutgoingMessage:
    buttons = tuple(Button(label, callback_data=FOLLOW_UP.data("fu", issue.id, answer))
                    for answer, label in texts.FOLLOW_UP_BUTTONS)
    return OutgoingMessage(texts.follow_up_question(issue, theme_title), buttons=(buttons,))
