"""Reading the numbers members type, and the questions back when a number cannot be right.

Numbers only: the census never stores free text, so nothing about a child or family can be
typed into it. A count is a whole number; a wait is weeks, months or years, turned into weeks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COUNT, WEEKS = "count", "weeks"
"""The two numbers a member types: how many are waiting, and the typical wait."""
MOST_WAITING = 5_000
"""More waiting than this for one service is asked about once: a typo is likelier."""
IMPOSSIBLE_WAITING = 100_000
LONGEST_WAIT_WEEKS = 520
"""Ten years."""

_NUMBER = re.compile(r"^\s*(-?\d[\d,]*)\s*([a-z]*)\s*$")
_UNIT_WEEKS = {"": 1, "w": 1, "wk": 1, "wks": 1, "week": 1, "weeks": 1,
               "m": 4.345, "month": 4.345, "months": 4.345, "mth": 4.345, "mths": 4.345,
               "y": 52, "yr": 52, "yrs": 52, "year": 52, "years": 52}


@dataclass(frozen=True)
class Accepted:
    value: int


NOT_A_NUMBER, NEGATIVE, UNLIKELY, TOO_MANY, TOO_LONG = (
    "not-a-number", "negative", "unlikely", "too-many", "too-long")


@dataclass(frozen=True)
class Problem:
    """What to ask back; ``UNLIKELY`` is possible but surprising, so it is confirmed once."""

    code: str
    value: int | None = None


Reading = Accepted | Problem


def _parts(text: str) -> tuple[int, str] | None:
    match = _NUMBER.match(text.lower().replace("\u2212", "-"))
    if match is None:
        return None
    digits, unit = match.groups()
    return int(digits.replace(",", "")), unit


def read_count(text: str) -> Reading:
    parts = _parts(text)
    if parts is None or parts[1]:
        return Problem(NOT_A_NUMBER)
    value = parts[0]
    if value < 0:
        return Problem(NEGATIVE)
    if value > IMPOSSIBLE_WAITING:
        return Problem(TOO_MANY, value)
    return Problem(UNLIKELY, value) if value > MOST_WAITING else Accepted(value)


def read_weeks(text: str) -> Reading:
    parts = _parts(text)
    if parts is None or parts[1] not in _UNIT_WEEKS:
        return Problem(NOT_A_NUMBER)
    value, unit = parts
    if value < 0:
        return Problem(NEGATIVE)
    weeks = round(value * _UNIT_WEEKS[unit])
    return Problem(TOO_LONG, weeks) if weeks > LONGEST_WAIT_WEEKS else Accepted(weeks)
