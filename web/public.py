"""What the public may see, read live from the database on every request and every export.

Reading live is what makes ``/forget`` and retention anonymising reach the pages at once: an
organisation's name is shown only while its supporter row still says it may be named. Only
issues a board has heard and the officer has approved are listed, and only with the approved
summary; the headline figures count every heard issue, so leaving one off the page cannot make
the boards look quicker.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db import census as census_repo
from db import issues as issues_repo
from db import meetings as meetings_repo
from db import themes as themes_repo
from db.database import Database
from db.issues import ACCEPTED, CLOSED, REPORTED, RESPONDED, Issue, Publication
from db.meetings import BOARD, GOING, NETWORK, Meeting
from db.timeutil import Clock
from settings.config import Config
from web.sources import Sources, Trend
from wording import meetings as meeting_texts
from wording import web as texts

FEWEST_ANSWERS = 3
"""Published figures from fewer organisations than this are suppressed."""
CALENDAR_HISTORY = timedelta(days=90)
"""How long past meetings stay in the feed, so a calendar keeps what it had."""
SLUG = re.compile(r"[^a-z0-9]+")


def board_slug(board: str) -> str:
    return SLUG.sub("-", board.casefold()).strip("-")


@dataclass(frozen=True)
class Choice:
    slug: str
    title: str


@dataclass(frozen=True)
class PublicIssue:
    ref: str
    theme: Choice
    board: Choice
    summary: str
    raised_at: datetime
    heard_at: datetime
    response: str | None
    status: str
    organisations: str
    days_to_response: int | None
    days_waiting: int | None
    answers: str
    """The "did it help?" answers, or why they are not shown."""


@dataclass(frozen=True)
class Headline:
    year: int
    heard_this_year: int
    overdue_weeks: int
    in_time: int
    decided: int
    """Issues answered, or whose time to answer has run out."""
    median_days: float | None


@dataclass(frozen=True)
class YouSaid:
    issues: list[PublicIssue]
    headline: Headline
    themes: list[Choice]
    boards: list[Choice]
    theme: Choice | None
    board: Choice | None


@dataclass(frozen=True)
class PublicMeeting:
    meeting: Meeting
    theme_title: str | None
    when: str
    map_url: str | None
    places: str


@dataclass(frozen=True)
class BoardDate:
    board: str
    when: str
    cut_off: str
    cancelled: bool


@dataclass(frozen=True)
class Meetings:
    network: list[PublicMeeting]
    boards: list[BoardDate]


@dataclass(frozen=True)
class ServiceTrend:
    title: str
    slug: str
    latest: Trend
    months: list[Trend]
    """Newest first, from the month the census began (at most twelve)."""


@dataclass(frozen=True)
class WaitingLists:
    services: list[ServiceTrend]
    first_month: str
    """The first month anyone answered: the series starts there, not with empty months."""

    @property
    def last_month(self) -> str:
        return self.services[0].latest.month if self.services else self.first_month

    @property
    def latest_figures(self) -> list[tuple[str, int | None]]:
        """Each service's newest figure, None where it is withheld: the chart's text."""
        return [(s.title, None if s.latest.suppressed else s.latest.waiting)
                for s in self.services]


class UnknownChoice(Exception):
    """A theme or board in the address that does not exist: the page says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _answered(issue: Issue) -> bool:
    """Answered after this hearing (a reopened issue's old response does not count)."""
    return (issue.responded_at is not None and issue.reported_at is not None
            and issue.responded_at >= issue.reported_at)


def _days(start: datetime, end: datetime) -> int:
    return max(0, (end - start).days)


class PublicRecord:
    """The read side of the public pages; one per running bot (or export)."""

    def __init__(self, db: Database, sources: Sources, config: Config, clock: Clock) -> None:
        self.db = db
        self.sources = sources
        self.clock = clock
        self.tz: ZoneInfo = config.tz
        self.boards = [Choice(board_slug(b), b) for b in config.issues.boards]
        self.overdue = timedelta(weeks=config.issues.overdue_weeks)
        self.overdue_weeks = config.issues.overdue_weeks

    # --- You said, we did -----------------------------------------------------------------

    async def themes(self) -> list[Choice]:
        return [Choice(t.slug, t.title) for t in await themes_repo.list_active(self.db)]

    async def choose(self, theme: str | None, board: str | None) -> tuple[Choice | None,
                                                                         Choice | None]:
        """The filters named in the address, or :class:`UnknownChoice`."""
        titles = await themes_repo.titles(self.db)
        if theme is not None and theme not in titles:
            raise UnknownChoice(texts.NO_SUCH_THEME.format(value=theme))
        boards = {choice.slug: choice for choice in self.boards}
        if board is not None and board not in boards:
            raise UnknownChoice(texts.NO_SUCH_BOARD.format(value=board))
        return (Choice(theme, titles[theme]) if theme else None,
                boards[board] if board else None)

    async def you_said(self, theme: str | None = None, board: str | None = None) -> YouSaid:
        chosen_theme, chosen_board = await self.choose(theme, board)
        heard = [issue for issue in await issues_repo.heard(self.db)
                 if (chosen_theme is None or issue.theme_slug == chosen_theme.slug)
                 and (chosen_board is None or issue.board == chosen_board.title)]
        return YouSaid(
            issues=await self._published(heard), headline=self._headline(heard),
            themes=await self.themes(), boards=self.boards, theme=chosen_theme,
            board=chosen_board,
        )

    async def issue(self, ref: str) -> PublicIssue | None:
        found = await issues_repo.get_by_ref(self.db, ref)
        if found is None:
            return None
        shown = await self._published([found])
        return shown[0] if shown else None

    async def published_refs(self) -> list[str]:
        return [issue.ref for issue in await self._published(await issues_repo.heard(self.db))]

    async def _published(self, heard: Sequence[Issue]) -> list[PublicIssue]:
        approved = await issues_repo.publications(self.db, [issue.id for issue in heard])
        titles = await themes_repo.titles(self.db)
        return [await self._public(issue, approved[issue.id], titles)
                for issue in heard if issue.id in approved and issue.reported_at is not None
                and issue.status != issues_repo.MERGED]

    async def _public(self, issue: Issue, approval: Publication,
                      titles: dict[str, str]) -> PublicIssue:
        assert issue.reported_at is not None and issue.board is not None
        behind = await self.sources.behind(self.db, issue)
        answered = _answered(issue)
        now = self.clock()
        return PublicIssue(
            ref=issue.ref,
            theme=Choice(issue.theme_slug, titles.get(issue.theme_slug, issue.theme_slug)),
            board=Choice(board_slug(issue.board), issue.board),
            summary=approval.summary, raised_at=issue.created_at, heard_at=issue.reported_at,
            response=issue.response, status=self._status(issue, now),
            organisations=(texts.organisations_anonymised(behind.organisations)
                           if issue.anonymised_at is not None and not behind.named
                           else texts.organisations(behind.organisations, behind.named)),
            days_to_response=(_days(issue.created_at, issue.responded_at)
                              if answered and issue.responded_at else None),
            days_waiting=None if answered else _days(issue.created_at, now),
            answers=self._answers(issue, behind.answers),
        )

    def _status(self, issue: Issue, now: datetime) -> str:
        if issue.status == CLOSED:
            return texts.OUTCOME_WORDS.get(issue.outcome or "", texts.CLOSED)
        if issue.status == RESPONDED:
            return texts.STATUS_RESPONDED
        if issue.status == ACCEPTED:
            return texts.STATUS_REOPENED
        assert issue.reported_at is not None
        if issue.status == REPORTED and now - issue.reported_at > self.overdue:
            return texts.STATUS_OVERDUE.format(weeks=self.overdue_weeks)
        return texts.STATUS_WAITING

    @staticmethod
    def _answers(issue: Issue, answers: Counter[str]) -> str:
        if issue.follow_up_sent_at is None and not answers:
            return texts.ANSWERS_NOT_YET
        if sum(answers.values()) < FEWEST_ANSWERS:
            return texts.ANSWERS_FEW
        return texts.answers(answers)

    def _headline(self, heard: Sequence[Issue]) -> Headline:
        now = self.clock()
        year = now.astimezone(self.tz).year
        this_year = [i for i in heard if i.reported_at and i.reported_at.astimezone(
            self.tz).year == year]
        answered = [i for i in heard if _answered(i)]
        in_time = [i for i in answered
                   if i.responded_at and i.reported_at
                   and i.responded_at - i.reported_at <= self.overdue]
        ran_out = [i for i in heard if not _answered(i) and i.reported_at
                   and now - i.reported_at > self.overdue]
        days = [_days(i.created_at, i.responded_at) for i in answered if i.responded_at]
        return Headline(
            year=year, heard_this_year=len(this_year), overdue_weeks=self.overdue_weeks,
            in_time=len(in_time), decided=len(answered) + len(ran_out),
            median_days=statistics.median(days) if days else None,
        )

    # --- waiting lists ---------------------------------------------------------------------

    async def census_in_use(self) -> bool:
        return await census_repo.first_answered_month(self.db) is not None

    async def waiting_lists(self) -> WaitingLists | None:
        """The census's published series per service type; None until someone has answered."""
        first = await census_repo.first_answered_month(self.db)
        if first is None:
            return None
        by_service: dict[str, list[Trend]] = {}
        for trend in await self.sources.waiting_lists():
            if trend.month >= first:  # '2026-11' keys sort as months do
                by_service.setdefault(trend.service_slug, []).append(trend)
        return WaitingLists(
            services=[ServiceTrend(series[0].service_title, slug, series[-1], series[::-1])
                      for slug, series in by_service.items()],
            first_month=first,
        )

    async def waiting_chart(self) -> bytes | None:
        """The waiting lists' chart; None, like the page, until someone has answered."""
        if not await self.census_in_use():
            return None
        return await self.sources.waiting_chart()

    # --- meetings -------------------------------------------------------------------------

    async def meetings(self) -> Meetings:
        now = self.clock()
        titles = await themes_repo.titles(self.db)
        upcoming = [m for m in await meetings_repo.ending_after(self.db, now)
                    if m.starts_at > now]
        return Meetings(
            network=[await self._network(m, titles) for m in upcoming if m.kind == NETWORK],
            boards=[self._board(m) for m in upcoming if m.kind == BOARD],
        )

    async def _network(self, meeting: Meeting, titles: dict[str, str]) -> PublicMeeting:
        return PublicMeeting(
            meeting=meeting,
            theme_title=titles.get(meeting.theme_slug) if meeting.theme_slug else None,
            when=meeting_texts.when(meeting, self.tz),
            map_url=meeting_texts.map_link(meeting),
            places=await self._places(meeting),
        )

    async def _places(self, meeting: Meeting) -> str:
        if meeting.capacity is None:
            return texts.PLACES_NO_LIMIT
        left = meeting.capacity - (await meetings_repo.counts(self.db, meeting.id))[GOING]
        if left <= 0:
            return texts.PLACES_FULL
        return texts.places_left(left, meeting.capacity)

    def _board(self, meeting: Meeting) -> BoardDate:
        assert meeting.board is not None and meeting.issue_cutoff_at is not None
        return BoardDate(meeting.board, meeting_texts.when(meeting, self.tz),
                         meeting_texts.long_day(meeting.issue_cutoff_at.astimezone(self.tz).date()),
                         meeting.cancelled)

    async def calendar(self) -> bytes:
        now = self.clock()
        meetings = await meetings_repo.ending_after(self.db, now - CALENDAR_HISTORY)
        return self.sources.calendar_feed(meetings, self.tz, now, texts.CALENDAR_NAME)
