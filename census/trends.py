"""The census series as plain records, suppressed for publication: the read API for pages
outside the bot (the network's public web page) and for the board report.

Every figure from fewer than three organisations is withheld here, so a caller cannot publish
it by mistake: such a point says ``suppressed`` and carries no numbers at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from census.months import last_months, latest_opened
from census.totals import ServiceMonth, add_up
from db import census as repo
from db.database import Database
from settings.config import CensusConfig, CensusServiceConfig


@dataclass(frozen=True)
class TrendPoint:
    month: str
    """'2026-12'."""
    service_slug: str
    service_title: str
    suppressed: bool
    """True when fewer than three organisations reported (or none): no figures are given."""
    organisations: int | None
    waiting: int | None
    median_wait_weeks: float | None
    longest_wait_weeks: int | None
    closed_to_referrals: int | None


def point(month: str, service: CensusServiceConfig, totals: ServiceMonth | None) -> TrendPoint:
    if totals is None or not totals.publishable:
        return TrendPoint(month, service.slug, service.title, True, None, None, None, None, None)
    return TrendPoint(month, service.slug, service.title, False, totals.organisations,
                      totals.waiting, totals.median_wait_weeks, totals.longest_wait_weeks,
                      totals.closed_to_referrals)


async def trends(
    db: Database, settings: CensusConfig, tz: ZoneInfo, now: datetime, *, months: int = 12,
    services: Sequence[str] | None = None, answered_by: datetime | None = None,
) -> list[TrendPoint]:
    """The last ``months`` census months up to the one open at ``now``, per service type (all
    configured ones, or those in ``services``), oldest first; ``answered_by`` freezes the
    figures at a moment (a report's cut-off)."""
    keys = last_months(latest_opened(now, settings, tz), months)
    totals = add_up(await repo.answers_in(db, keys, answered_by))
    chosen = [s for s in settings.services if services is None or s.slug in services]
    return [point(month, service, totals.get((month, service.slug)))
            for service in chosen for month in keys]
