"""What the officer sees about the membership: counts and a CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from db import members as members_repo
from db.database import Database
from db.records import MembershipCounts
from db.timeutil import to_db


def start_of_month(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def membership_counts(db: Database, now: datetime, tz: ZoneInfo) -> MembershipCounts:
    by_status = await members_repo.count_by_status(db)
    return MembershipCounts(
        total=sum(by_status.values()),
        active=by_status.get("active", 0),
        blocked=by_status.get("blocked", 0),
        joined_this_month=await members_repo.count_joined_since(db, start_of_month(now, tz)),
        per_theme=[(title, count) for _, title, count in await members_repo.count_per_theme(db)],
    )


CSV_COLUMNS = (
    "organisation", "name", "role", "email", "status", "themes", "only_my_themes", "joined_at",
)


@dataclass(frozen=True)
class MembersExport:
    csv: bytes
    rows: int


async def members_csv(db: Database) -> MembersExport:
    """A spreadsheet-friendly export (UTF-8 with BOM so Excel shows accents correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    members = await members_repo.list_all(db)
    for member in members:
        writer.writerow([
            spreadsheet_safe(member.organisation),
            spreadsheet_safe(member.contact_name),
            spreadsheet_safe(member.role),
            member.email or "",
            member.status,
            " ".join(await members_repo.themes_of(db, member.id)),
            "yes" if member.only_my_themes else "no",
            to_db(member.joined_at),
        ])
    return MembersExport(("\ufeff" + buffer.getvalue()).encode("utf-8"), len(members))


def spreadsheet_safe(value: str) -> str:
    """For any CSV cell a member typed: a leading = + - @ would run as a spreadsheet formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
