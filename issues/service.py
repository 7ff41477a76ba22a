"""The issues feature as one service: what handlers, the command line and the timers use.

Built once per run by :mod:`bot.runtime`; it also registers with the member directory, so that
/mydata shows a member's issues and /forget cuts their link to them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from db.database import Database
from db.timeutil import Clock, DueWork
from delivery.engine import DeliveryEngine
from issues.board_dates import BoardCalendar
from issues.export import IssuesExport, issues_csv
from issues.notify import Notifier
from issues.publication import Publishing
from issues.queue import IssueQueue
from issues.raising import Raising
from issues.report import BoardReport, build_report
from issues.report_render import report_blocks, to_docx, to_html
from issues.retention import IssueRetention
from issues.timers import IssueTimers
from members.directory import MemberDirectory
from settings.config import IssuesConfig
from wording.document import Block

ReportSection = Callable[[str, datetime | None, datetime], Awaitable[list[Block]]]
"""Another feature's section at the end of a board report: given the board, the previous
meeting (None for a first report) and this meeting's cut-off, its blocks."""


@dataclass(frozen=True)
class ReportFiles:
    report: BoardReport
    docx: bytes
    html: str


class IssueService:
    def __init__(
        self, db: Database, delivery: DeliveryEngine, calendar: BoardCalendar, clock: Clock,
        tz: ZoneInfo, settings: IssuesConfig, officer_chats: list[int],
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.boards = list(settings.boards)
        self.calendar = calendar
        notifier = Notifier(db, delivery, officer_chats)
        self.raising = Raising(db, notifier, clock, tz, self.boards)
        self.queue = IssueQueue(db, notifier, calendar, clock, tz, self.boards)
        self.timers = IssueTimers(db, self.queue, notifier, tz, settings.overdue_weeks,
                                  settings.follow_up_weeks, calendar)
        self.retention = IssueRetention(db, settings.retention_months)
        self.report_sections: list[ReportSection] = []
        self.publishing = Publishing(db, clock, self.boards)

    def attach(self, members: MemberDirectory) -> None:
        members.listeners.append(self.retention)
        members.data_sources.append(self.retention)

    @property
    def due_work(self) -> list[DueWork]:
        return [self.timers.run, self.retention.anonymise_due]

    async def board_report(self, board: str, now: datetime | None = None) -> ReportFiles | None:
        """The next meeting's report as Word and HTML; None if the board has no meeting."""
        report = await build_report(self.db, self.calendar, board, now or self.clock())
        if report is None:
            return None
        blocks = report_blocks(report, self.tz)
        for section in self.report_sections:
            blocks += await section(board, report.previous_meeting_at, report.meeting.cut_off_at)
        return ReportFiles(report, to_docx(blocks), to_html(blocks))

    async def csv(self) -> IssuesExport:
        return await issues_csv(self.db)
