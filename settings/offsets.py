"""Reminder offsets as the officer writes them: ``7d``, ``1d``, ``3h``, ``30m`` or ``morning``.

Kept free of other project imports because the config file is checked with it at start-up.
Days count in local wall time (7 days before a 10:00 meeting is 10:00 a week earlier, even
across a clock change); hours and minutes are elapsed time; ``morning`` is the configured
morning time on the day itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_PATTERN = re.compile(r"^(?:(?P<count>\d{1,3})(?P<unit>[dhm])|(?P<morning>morning))$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True)
class Offset:
    text: str

    def due(self, anchor: datetime, tz: ZoneInfo, morning: time) -> datetime:
        """When a reminder at this offset before ``anchor`` (UTC) falls due, in UTC."""
        match = _PATTERN.match(self.text)
        assert match is not None, "offsets are parsed before use"
        local = anchor.astimezone(tz)
        if match["morning"]:
            return wall_time(datetime.combine(local.date(), morning), tz)
        amount = int(match["count"])
        if match["unit"] == "d":
            return wall_time(local.replace(tzinfo=None) - timedelta(days=amount), tz)
        return anchor - timedelta(**{_UNITS[match["unit"]]: amount})


def wall_time(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC moment of a local wall time (the first one, if clocks go back through it)."""
    return naive.replace(tzinfo=tz).astimezone(UTC)


def parse_offset(text: str) -> Offset:
    cleaned = text.strip().lower()
    if not _PATTERN.match(cleaned):
        raise ValueError(f"{text!r} is not an offset: use e.g. 7d, 1d, 3h, 30m or morning")
    return Offset(cleaned)


def parse_offsets(texts: list[str]) -> tuple[Offset, ...]:
    """Distinct offsets in the order given."""
    return tuple(dict.fromkeys(parse_offset(text) for text in texts))
