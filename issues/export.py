"""The queue as a spreadsheet, for the officer's own analysis and her board papers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from db import issues as repo
from db import themes as themes_repo
from db.database import Database
from db.timeutil import to_db
from issues.summary import summarise_all
from members.reports import spreadsheet_safe

COLUMNS = (
    "reference", "theme", "status", "outcome", "board", "organisations", "named_organisations",
    "waiting", "longest_wait_weeks", "affected_not_waiting", "since", "what_is_happening",
    "impact", "what_we_ask_the_board", "status_note",
    "merged_into", "response", "created_at", "accepted_at", "reported_at", "responded_at",
)


@dataclass(frozen=True)
class IssuesExport:
    content: bytes
    rows: int


def _cell(value: object) -> str:
    """Members typed most of these; a leading = + - @ would run as a spreadsheet formula."""
    if value is None:
        return ""
    return spreadsheet_safe(to_db(value) if isinstance(value, datetime) else str(value))


async def issues_csv(db: Database) -> IssuesExport:
    """Every issue, one row each, organisations counted as in the reports (UTF-8 with BOM so
    Excel shows accents correctly)."""
    issues = await repo.list_all(db)
    titles = await themes_repo.titles(db)
    refs = {issue.id: issue.ref for issue in issues}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for s in await summarise_all(db, issues):
        i = s.issue
        writer.writerow([_cell(v) for v in (
            i.ref, titles.get(i.theme_slug, i.theme_slug), i.status, i.outcome, i.board,
            s.organisations, "; ".join(s.named), s.waiting, s.longest_wait_weeks, s.affected,
            "; ".join(s.since), i.what_happening, i.impact, i.board_ask, i.status_note,
            refs.get(i.merged_into) if i.merged_into else None, i.response, i.created_at,
            i.accepted_at, i.reported_at, i.responded_at,
        )])
    return IssuesExport(("\ufeff" + buffer.getvalue()).encode("utf-8"), len(issues))
