"""The census as one service: taking part, the monthly asks and the reminder (due work), answers,
the officer's view, the CSV, and what /mydata and /forget reach.

Due work, run on every tick: the month's row holds its due times. Each participant is asked once
per month: the messages are queued under the month's dispatch key before the ask rows are
written, so a crash in between repeats nothing the engine has not already got, and a restart
asks no one twice. A month stays open until the next one opens or a board meeting's cut-off
after its reminder comes first (the report for that meeting uses it, so its figures never
change); asks and the reminder go late after downtime only while the month is open.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from census import messages
from census.chart import Line, trend_chart
from census.months import latest_opened, planned, series_months, shift
from census.report_section import waiting_list_blocks
from census.totals import ServiceMonth, add_up, change
from census.trends import TrendPoint, trends
from db import census as repo
from db.census import CensusMonth, Figures, Participant
from db.database import Database
from db.members import Member
from db.timeutil import Clock, DueWork, to_db
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage
from settings.config import CensusConfig, CensusServiceConfig
from wording import census as texts
from wording.document import Block

KIND = "census"


@dataclass(frozen=True)
class MonthState:
    month: CensusMonth
    closes_at: datetime
    """The next month's opening, or a board meeting's cut-off if that comes first."""
    open: bool


@dataclass(frozen=True)
class Saved:
    month: str
    service: CensusServiceConfig
    figures: Figures


@dataclass(frozen=True)
class MonthClosed:
    month: str
    next_opens_at: datetime


@dataclass(frozen=True)
class Refused:
    """Not taking part in this service, or no figures last month to repeat."""

    reason: str


AnswerOutcome = Saved | MonthClosed | Refused


@dataclass(frozen=True)
class MyMonth:
    state: MonthState
    participant: Participant
    answers: dict[str, Figures]
    """Service slug → this month's figures so far."""


@dataclass(frozen=True)
class ServiceRow:
    service: CensusServiceConfig
    totals: ServiceMonth | None
    since_last_month: int | None
    since_last_year: int | None


@dataclass(frozen=True)
class Dashboard:
    state: MonthState
    answered: list[str]
    not_answered: list[str]
    rows: list[ServiceRow]


class CensusService:
    def __init__(self, db: Database, delivery: DeliveryEngine, clock: Clock, tz: ZoneInfo,
                 settings: CensusConfig) -> None:
        self.db = db
        self.delivery = delivery
        self.clock = clock
        self.tz = tz
        self.settings = settings
        self.name = "waiting_list_census"
        """Its key in /mydata."""

    @property
    def due_work(self) -> list[DueWork]:
        return [self.run]

    @property
    def services(self) -> list[CensusServiceConfig]:
        return list(self.settings.services)

    def service(self, slug: str) -> CensusServiceConfig | None:
        return next((s for s in self.settings.services if s.slug == slug), None)

    # --- taking part ----------------------------------------------------------------------------

    async def participant(self, member: Member) -> Participant | None:
        return await repo.participant(self.db, member.id)

    async def toggle_service(self, member: Member, slug: str) -> Participant:
        """Tick or untick a service type; the first tick makes the member a participant."""
        await repo.join(self.db, member.id, self.clock())
        current = await repo.participant(self.db, member.id)
        assert current is not None
        chosen = set(current.services) ^ {slug}
        await repo.replace_services(self.db, member.id,
                                    [s.slug for s in self.services if s.slug in chosen])
        changed = await repo.participant(self.db, member.id)
        assert changed is not None
        return changed

    async def set_named(self, member: Member, named: bool) -> None:
        await repo.set_named(self.db, member.id, named, self.clock())

    async def leave(self, member: Member) -> None:
        """No more asks; the figures already given stay (with the member, until /forget)."""
        await repo.leave(self.db, member.id)

    # --- months -----------------------------------------------------------------------------------

    async def month_state(self, now: datetime) -> MonthState:
        key = latest_opened(now, self.settings, self.tz)
        month = await repo.ensure_month(self.db, planned(key, self.settings, self.tz))
        closes = await self._closes_at(month)
        return MonthState(month, closes, now < closes)

    async def _closes_at(self, month: CensusMonth) -> datetime:
        """A cut-off before the reminder leaves the month open: its report uses the month before
        (see :func:`census.months.report_month`)."""
        cut_off = await repo.first_board_cut_off(self.db, month.remind_at, month.closes_at)
        return min(month.closes_at, cut_off) if cut_off else month.closes_at

    # --- due work ---------------------------------------------------------------------------------

    async def run(self, now: datetime) -> None:
        state = await self.month_state(now)
        await self._record_closed(now)
        if not state.open:
            return
        await self._ask(state.month, now)
        if now >= state.month.remind_at:
            await self._remind(state.month.month, now)

    async def _record_closed(self, now: datetime) -> None:
        for month in await repo.unclosed_months(self.db):
            closes = await self._closes_at(month)
            if closes <= now:
                await repo.close_month(self.db, month.month, closes)

    def _asks(self, month: str, participant: Participant, slugs: Sequence[str],
              last: dict[tuple[int | None, str], Figures], *, reminder: bool,
              ) -> list[OutgoingMessage]:
        services = [s for s in self.services if s.slug in slugs]
        return [messages.ask(month, service, last.get((participant.member.id, service.slug)),
                             position, len(services), reminder=reminder)
                for position, service in enumerate(services, start=1)]

    async def _last_figures(self, month: str) -> dict[tuple[int | None, str], Figures]:
        previous = await repo.answers_in(self.db, [shift(month, -1)])
        return {(a.member_id, a.service_slug): a.figures for a in previous}

    async def _ask(self, month: CensusMonth, now: datetime) -> None:
        people = [p for p in await repo.participants(self.db, not_asked_in=month.month)
                  if p.member.active]
        if not people:
            return
        last = await self._last_figures(month.month)
        for person in people:
            await self._send(f"census:{month.month}:{person.member.id}", person,
                             self._asks(month.month, person, person.services, last,
                                        reminder=False))
        await repo.record_asks(self.db, month.month, [p.member.id for p in people], now,
                               remind=now < month.remind_at)

    async def _send(self, key: str, person: Participant, asks: list[OutgoingMessage]) -> None:
        """One dispatch per member and month: the key makes a repeat after a crash harmless,
        and someone who starts taking part mid-month gets a dispatch of their own (a finished
        dispatch is never reopened)."""
        if asks:
            await self.delivery.enqueue(key, KIND, [Recipient(person.member.chat_id, asks,
                                                              person.member.id)], title=key)

    async def _remind(self, month: str, now: datetime) -> None:
        due = await repo.due_reminders(self.db, month)
        if not due:
            return
        answered = {(a.member_id, a.service_slug) for a in await repo.answers_in(self.db, [month])}
        people = {p.member.id: p for p in await repo.participants(self.db) if p.member.active}
        last = await self._last_figures(month)
        for member_id in due:
            person = people.get(member_id)
            if person is not None:
                missing = [s for s in person.services if (member_id, s) not in answered]
                await self._send(f"census:{month}:reminder:{member_id}", person,
                                 self._asks(month, person, missing, last, reminder=True))
        await repo.record_reminded(self.db, month, due, now)

    # --- answers ----------------------------------------------------------------------------------

    async def answer(self, member: Member, month: str, slug: str, figures: Figures,
                     ) -> AnswerOutcome:
        """Save (or correct) one service's figures while the month is open."""
        participant = await repo.participant(self.db, member.id)
        service = self.service(slug)
        if participant is None or service is None:
            return Refused(texts.NOT_TAKING_PART)
        now = self.clock()
        state = await self.month_state(now)
        if state.month.month != month or not state.open:
            return MonthClosed(month, planned(shift(state.month.month, 1), self.settings,
                                              self.tz).opens_at)
        await repo.save_answer(self.db, month, slug, member, participant.named, figures, now)
        return Saved(month, service, figures)

    async def last_figures(self, member: Member, month: str, slug: str) -> Figures | None:
        previous = await repo.answers_of_member(self.db, member.id, shift(month, -1))
        return next((a.figures for a in previous if a.service_slug == slug), None)

    async def same_as_last_month(self, member: Member, month: str, slug: str) -> AnswerOutcome:
        last = await self.last_figures(member, month, slug)
        if last is None:
            return Refused(texts.NO_LAST_MONTH)
        return await self.answer(member, month, slug, last)

    async def my_month(self, member: Member) -> MyMonth | None:
        participant = await repo.participant(self.db, member.id)
        if participant is None or not participant.ready or not participant.services:
            return None
        state = await self.month_state(self.clock())
        answers = await repo.answers_of_member(self.db, member.id, state.month.month)
        return MyMonth(state, participant, {a.service_slug: a.figures for a in answers})

    # --- the officer's view -----------------------------------------------------------------------

    async def dashboard(self) -> Dashboard:
        state = await self.month_state(self.clock())
        month = state.month.month
        year_ago, last = shift(month, -12), shift(month, -1)
        answers = await repo.answers_in(self.db, [month, last, year_ago])
        totals = add_up(answers)
        answered_ids = {a.member_id for a in answers if a.month == month}
        asked = await repo.asked_members(self.db, month)
        people = {p.member.id: p.member.organisation for p in await repo.participants(self.db)}
        rows = [ServiceRow(s, totals.get((month, s.slug)),
                           change(totals.get((month, s.slug)), totals.get((last, s.slug)),
                                  published=False),
                           change(totals.get((month, s.slug)), totals.get((year_ago, s.slug)),
                                  published=False))
                for s in self.services]
        return Dashboard(
            state,
            sorted(people[i] for i in answered_ids if i in people),
            sorted(people[i] for i in asked - answered_ids if i in people),
            rows,
        )

    async def chart(self) -> bytes:
        """The last twelve months for the officer (from the census's first): every figure, with
        organisations counted."""
        month = latest_opened(self.clock(), self.settings, self.tz)
        keys = series_months(month, await repo.first_answered_month(self.db))
        totals = add_up(await repo.answers_in(self.db, keys))
        lines = [Line(s.title, [(t.waiting, t.organisations) if (t := totals.get((k, s.slug)))
                                else (None, None) for k in keys])
                 for s in self.services]
        return trend_chart([texts.short_month(k) for k in keys], lines, texts.CHART_TITLE,
                           texts.CHART_Y_LABEL, texts.CHART_NOTE_OFFICER)

    async def public_chart(self) -> bytes:
        """The web page's chart (SVG): the published series of :meth:`trends` from the census's
        first month, so the same suppression as the page's tables and the board report: a
        month from fewer than three organisations is a gap in its line, never a zero."""
        first = await repo.first_answered_month(self.db)
        points = [p for p in await self.trends() if first is not None and p.month >= first]
        keys = sorted({p.month for p in points})
        shown = {(p.month, p.service_slug): p for p in points if not p.suppressed}
        lines = [Line(s.title, [(t.waiting, t.organisations) if (t := shown.get((k, s.slug)))
                                else (None, None) for k in keys])
                 for s in self.services]
        return await asyncio.to_thread(  # matplotlib draws for a while: not on the event loop
            trend_chart, [texts.short_month(k) for k in keys], lines, texts.CHART_TITLE,
            texts.CHART_Y_LABEL, texts.CHART_NOTE_PUBLISHED, "svg")

    async def csv(self) -> tuple[bytes, int]:
        """Every month and service type since the census began, with the three-organisation
        rule shown as a column, so the officer knows what may be passed on."""
        months = [m.month for m in await repo.months_up_to(self.db, self.clock())]
        totals = add_up(await repo.answers_in(self.db, months)) if months else {}
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(texts.CSV_HEADER)
        rows = 0
        for month in months:
            for service in self.services:
                t = totals.get((month, service.slug))
                writer.writerow([month, service.slug, service.title, t.organisations if t else 0,
                                 t.waiting if t else "", _blank(t.median_wait_weeks if t else None),
                                 _blank(t.longest_wait_weeks if t else None),
                                 t.closed_to_referrals if t else "",
                                 texts.yes_no(bool(t and t.publishable))])
                rows += 1
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), rows

    async def trends(self, months: int = 12, services: Sequence[str] | None = None,
                     ) -> list[TrendPoint]:
        """The published series (suppressed where fewer than three organisations reported)."""
        return await trends(self.db, self.settings, self.tz, self.clock(), months=months,
                            services=services)

    async def report_blocks(self, board: str, since: datetime | None, cut_off: datetime,
                            ) -> list[Block]:
        """The board report's "Waiting lists" section, frozen at the meeting's cut-off."""
        return await waiting_list_blocks(self.db, self.settings, self.tz, board, since, cut_off)

    # --- /mydata and /forget ----------------------------------------------------------------------

    async def member_changed(self, member: Member, themes: list[str]) -> None:
        """Nothing to do: an answer keeps the organisation's name as it was when given."""

    async def member_forgotten(self, member: Member) -> None:
        await repo.forget_member(self.db, member.id)

    async def personal_data(self, member: Member) -> list[dict[str, Any]]:
        participant = await repo.participant(self.db, member.id)
        taking_part: list[dict[str, Any]] = [] if participant is None else [{
            "taking_part": True, "services": list(participant.services),
            "organisation_named_in_reports": participant.named,
        }]
        return taking_part + [
            {"month": a.month, "service": a.service_slug, "waiting": a.figures.waiting,
             "typical_wait_weeks": a.figures.wait_weeks,
             "closed_to_new_referrals": a.figures.closed_to_referrals,
             "answered_at": to_db(a.answered_at)}
            for a in await repo.answers_of_member(self.db, member.id)
        ]


def _blank(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
