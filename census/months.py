"""Census months: keys like '2026-12' in the network's time zone, and each month's due times.

A month opens on the configured day and time, its reminder is due ``reminder_days`` later, and it
closes when the next month opens (or earlier, at a board meeting's cut-off after its reminder:
see the service and :func:`report_month`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from db.census import CensusMonth
from settings.config import CensusConfig


def key_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def shift(month: str, months: int) -> str:
    """The key ``months`` later (negative: earlier)."""
    year, number = (int(part) for part in month.split("-"))
    moved = datetime(year, number, 1) + relativedelta(months=months)
    return key_of(moved.year, moved.month)


def opening(month: str, settings: CensusConfig, tz: ZoneInfo) -> datetime:
    year, number = (int(part) for part in month.split("-"))
    local = datetime(year, number, settings.day, settings.time.hour, settings.time.minute,
                     tzinfo=tz)
    return local.astimezone(UTC)


def planned(month: str, settings: CensusConfig, tz: ZoneInfo) -> CensusMonth:
    opens = opening(month, settings, tz)
    return CensusMonth(month, opens, opens + timedelta(days=settings.reminder_days),
                       opening(shift(month, 1), settings, tz), None)


def latest_opened(now: datetime, settings: CensusConfig, tz: ZoneInfo) -> str:
    """The month whose census has most recently opened at ``now``."""
    local = now.astimezone(tz)
    month = key_of(local.year, local.month)
    return month if opening(month, settings, tz) <= now else shift(month, -1)


def report_month(cut_off: datetime, settings: CensusConfig, tz: ZoneInfo) -> str:
    """The month a board report with this cut-off uses, and so closes: the one open at the
    cut-off once its reminder has gone, else the month before (complete by then). A cut-off a
    day or two after the census opens would otherwise close it before most organisations had
    a chance to answer, and before its reminder."""
    month = latest_opened(cut_off, settings, tz)
    return month if cut_off > planned(month, settings, tz).remind_at else shift(month, -1)


def last_months(until: str, count: int) -> list[str]:
    """``count`` month keys ending with ``until``, oldest first."""
    return [shift(until, offset) for offset in range(1 - count, 1)]


def series_months(until: str, first: str | None, count: int = 12) -> list[str]:
    """Up to ``count`` month keys ending with ``until``, none before ``first`` (the first month
    anyone answered): before it there was no census, and a table of empty months would read
    as months in which too few organisations reported."""
    return [key for key in last_months(until, count) if first is None or key >= first]
