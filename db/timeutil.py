"""Times are stored in UTC as ISO-8601 text; these helpers keep that rule in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]

DueWork = Callable[[datetime], Awaitable[None]]
"""Given the current time, do whatever has fallen due (idempotently: ticks may overlap a crash).
Features hand these to the scheduler; the database row with its due time is the schedule."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
