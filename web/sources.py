"""What the public pages take from other features, handed over by ``bot/`` when it assembles.

The pages count the organisations behind an issue exactly as the board report does, build the
calendar feed with the same events as "Add to calendar", and show the census series with the
board report's suppression already applied; rather than importing those features, this package
names the functions it needs and ``bot.runtime`` passes them in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from db.database import Database
from db.issues import Issue
from db.meetings import Meeting


class Behind(Protocol):
    """The organisations behind an issue and its merged ones, each counted once."""

    @property
    def organisations(self) -> int: ...

    @property
    def named(self) -> tuple[str, ...]:
        """Those that agreed to be named (none once forgotten or anonymised)."""
        ...

    @property
    def answers(self) -> Counter[str]:
        """Answers to "did it help?": yes / partly / no."""
        ...


class Trend(Protocol):
    """One month of one service type in the census, as it may be published: a point from fewer
    than three organisations is ``suppressed`` and carries no figures."""

    @property
    def month(self) -> str: ...

    @property
    def service_slug(self) -> str: ...

    @property
    def service_title(self) -> str: ...

    @property
    def suppressed(self) -> bool: ...

    @property
    def organisations(self) -> int | None: ...

    @property
    def waiting(self) -> int | None: ...

    @property
    def median_wait_weeks(self) -> float | None: ...

    @property
    def longest_wait_weeks(self) -> int | None: ...

    @property
    def closed_to_referrals(self) -> int | None: ...


@dataclass(frozen=True)
class Sources:
    behind: Callable[[Database, Issue], Awaitable[Behind]]
    calendar_feed: Callable[[Sequence[Meeting], ZoneInfo, datetime, str], bytes]
    waiting_lists: Callable[[], Awaitable[Sequence[Trend]]]
    """The last twelve census months up to now, per service type, oldest first."""
    waiting_chart: Callable[[], Awaitable[bytes]]
    """The same series drawn as one chart (SVG), suppressed months left as gaps."""
