"""Plain records that features compute and the wording puts into words.

They carry no behaviour and reach nothing: keeping them on the ground floor lets ``wording/``
take a feature's result without importing the feature (tests/test_layers.py keeps it so).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from db.bulletins import ArticleReads, BulletinRecord
from db.issues import Issue

# --- members -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MembershipCounts:
    total: int
    active: int
    blocked: int
    joined_this_month: int
    per_theme: list[tuple[str, int]]


# --- feeds -------------------------------------------------------------------------------------


class FetchStatus(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not-modified"
    NOT_A_FEED = "not-a-feed"  # an answer came, but no feed in it (error page, empty, non-2xx)
    ERROR = "error"  # no usable answer (timeout, network, too large)


@dataclass(frozen=True)
class FeedReport:
    url: str
    status: FetchStatus
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    title: str | None = None  # the feed's own name, when it has given one


# --- issues ------------------------------------------------------------------------------------


class Kind(StrEnum):
    NAME = "name"
    AGE = "age or school year next to a name"
    DATE_OF_BIRTH = "date of birth"
    ADDRESS = "address"
    POSTCODE = "postcode"
    PHONE = "phone number"
    EMAIL = "email address"
    NHS_NUMBER = "NHS number"
    HANDLE = "social media handle"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    text: str
    """The words that gave it away, as the member typed them."""


@dataclass(frozen=True)
class IssueSummary:
    issue: Issue
    organisations: int
    named: tuple[str, ...]
    """Organisations that agreed to be named in a board report."""
    waiting: int | None
    """Children, young people or families waiting, added up over the organisations."""
    longest_wait_weeks: int | None
    since: tuple[str, ...]
    answers: Counter[str]
    """Follow-up answers (yes / partly / no) after a response."""
    organisation_keys: frozenset[str]
    """Who is behind it, for counting organisations across several issues."""
    affected: int | None = None
    """Affected in another way than waiting, added up; never part of ``waiting``."""

    @property
    def unnamed(self) -> int:
        return self.organisations - len(self.named)


# --- bulletins ---------------------------------------------------------------------------------

SECTOR_OPEN_RATE = 0.203
"""Average email open rate for the charity and non-profit sector, the officer's benchmark."""


@dataclass(frozen=True)
class EmailFigures:
    recipients: int
    open_rate: float
    click_rate: float
    clicks_per_url: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BulletinStats:
    bulletin: BulletinRecord
    reached: int
    readers: int
    top_by_theme: list[tuple[str, list[ArticleReads]]]
    email: EmailFigures | None
    titles_by_link: dict[str, str] = field(default_factory=dict)

    def link_title(self, url: str) -> str:
        """The article's title for a clicked link (Mailchimp reports addresses), else the
        address itself (a link in the intro, say)."""
        return self.titles_by_link.get(url) or self.titles_by_link.get(url.rstrip("/")) or url

    @property
    def read_rate(self) -> float:
        return self.readers / self.reached if self.reached else 0.0
