"""A month's figures per service type, added up from the organisations' answers.

Statistical disclosure control: a service type reported by fewer than three organisations is
never shown outside the officer's hands; :attr:`ServiceMonth.publishable` says which are safe.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from db.census import Answer

FEWEST_ORGANISATIONS = 3


@dataclass(frozen=True)
class ServiceMonth:
    month: str
    slug: str
    organisations: int
    waiting: int
    median_wait_weeks: float | None
    longest_wait_weeks: int | None
    closed_to_referrals: int
    named: tuple[str, ...]
    """Organisations that agreed to be named, in alphabetical order."""

    @property
    def publishable(self) -> bool:
        return self.organisations >= FEWEST_ORGANISATIONS


def _service_month(month: str, slug: str, answers: list[Answer]) -> ServiceMonth:
    waits = [a.figures.wait_weeks for a in answers
             if a.figures.waiting > 0 and a.figures.wait_weeks is not None]
    named = sorted({a.organisation for a in answers if a.named and a.organisation})
    return ServiceMonth(
        month, slug, len(answers), sum(a.figures.waiting for a in answers),
        statistics.median(waits) if waits else None, max(waits) if waits else None,
        sum(a.figures.closed_to_referrals for a in answers), tuple(named),
    )


def add_up(answers: Iterable[Answer]) -> dict[tuple[str, str], ServiceMonth]:
    """(month, service slug) → its totals."""
    grouped: defaultdict[tuple[str, str], list[Answer]] = defaultdict(list)
    for answer in answers:
        grouped[(answer.month, answer.service_slug)].append(answer)
    return {key: _service_month(*key, items) for key, items in grouped.items()}


def change(now: ServiceMonth | None, then: ServiceMonth | None, *, published: bool) -> int | None:
    """The change in the number waiting; None when either side is missing (or not to be shown)."""
    if now is None or then is None:
        return None
    if published and not (now.publishable and then.publishable):
        return None
    return now.waiting - then.waiting


def organisations_reporting(answers: Iterable[Answer], month: str) -> int:
    """Distinct organisations that answered for ``month``; a forgotten member's answers have
    lost their link, so each of them counts on its own."""
    keys = {a.member_id if a.member_id is not None else f"forgotten-{i}"
            for i, a in enumerate(answers) if a.month == month}
    return len(keys)
