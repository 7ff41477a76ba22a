"""The board report's "Waiting lists" section, in the report's own blocks.

Everything here leaves the officer's hands, so it is built from suppressed figures only: a
service type reported by fewer than three organisations says so instead of giving numbers, and
organisations are named only where they agreed. The month shown is the one the meeting's cut-off
closes (:func:`census.months.report_month`), counted from answers given by then, so the section
reads the same whenever it is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from census.chart import Line, trend_chart
from census.months import report_month, series_months, shift
from census.totals import ServiceMonth, add_up, change, organisations_reporting
from census.trends import point
from db import census as repo
from db import themes as themes_repo
from db.census import IssueFigures
from db.database import Database
from settings.config import CensusConfig, CensusServiceConfig
from wording import census as texts
from wording.document import Block, Heading, Paragraph, Picture, Table

Totals = dict[tuple[str, str], ServiceMonth]


def _published(totals: Totals, month: str, slug: str) -> ServiceMonth | None:
    found = totals.get((month, slug))
    return found if found is not None and found.publishable else None


def _summary_row(service: CensusServiceConfig, month: str, totals: Totals) -> tuple[str, ...]:
    now = _published(totals, month, service.slug)
    if now is None:
        return (service.title, texts.SUPPRESSED, *([texts.NONE] * 6))
    return (
        service.title, f"{now.waiting:,}", str(now.organisations),
        texts.weeks(now.median_wait_weeks), texts.weeks(now.longest_wait_weeks),
        str(now.closed_to_referrals),
        texts.signed(change(now, totals.get((shift(month, -1), service.slug)), published=True)),
        texts.signed(change(now, totals.get((shift(month, -12), service.slug)), published=True)),
    )


def _trend_table(services: Sequence[CensusServiceConfig], keys: Sequence[str],
                 totals: Totals) -> Table:
    rows = []
    for month in keys:
        cells = []
        for service in services:
            shown = _published(totals, month, service.slug)
            cells.append(texts.SUPPRESSED if shown is None
                         else texts.waiting_cell(shown.waiting, shown.organisations))
        rows.append((texts.month_label(month), *cells))
    return Table((texts.REPORT_MONTH, *(s.title for s in services)), rows)


def _chart(services: Sequence[CensusServiceConfig], keys: Sequence[str], totals: Totals) -> bytes:
    lines = []
    for service in services:
        points = [point(month, service, totals.get((month, service.slug))) for month in keys]
        lines.append(Line(service.title, [(p.waiting, p.organisations) for p in points]))
    return trend_chart([texts.short_month(k) for k in keys], lines, texts.CHART_TITLE,
                       texts.CHART_Y_LABEL, texts.CHART_NOTE_PUBLISHED)


def _named(services: Sequence[CensusServiceConfig], month: str, totals: Totals) -> list[Block]:
    lines = []
    for service in services:
        shown = _published(totals, month, service.slug)
        if shown is not None:
            lines.append(texts.named_line(service.title, shown.named, shown.organisations))
    return [Paragraph("\n".join(lines), texts.REPORT_WHO_REPORTED)] if lines else []


def _series_for(issue: IssueFigures, services: Sequence[CensusServiceConfig], month: str,
                totals: Totals) -> str:
    linked = [s for s in services if issue.theme_slug in s.themes]
    if not linked:
        return texts.NONE
    parts = []
    for service in linked:
        shown = _published(totals, month, service.slug)
        parts.append(texts.linked_series(service.title, month, shown.waiting if shown else None,
                                         shown.organisations if shown else None))
    return "; ".join(parts)


async def _issue_table(db: Database, issues: Sequence[IssueFigures],
                       services: Sequence[CensusServiceConfig], tz: ZoneInfo,
                       totals: Totals) -> Table:
    titles = await themes_repo.titles(db)
    rows = []
    for issue in issues:
        local = issue.created_at.astimezone(tz)
        month = f"{local.year:04d}-{local.month:02d}"
        rows.append((issue.ref, titles.get(issue.theme_slug, issue.theme_slug),
                     str(issue.organisations), f"{issue.waiting:,}",
                     texts.weeks(issue.longest_wait_weeks),
                     _series_for(issue, services, month, totals)))
    return Table(texts.REPORT_ISSUES_HEADER, rows)


async def waiting_list_blocks(db: Database, settings: CensusConfig, tz: ZoneInfo, board: str,
                              since: datetime | None, cut_off: datetime) -> list[Block]:
    services = settings.services_for(board)
    blocks: list[Block] = [Heading(texts.REPORT_HEADING, 1)]
    if not services or not await repo.months_up_to(db, cut_off):
        return [*blocks, Paragraph(texts.REPORT_NO_CENSUS)]
    month = report_month(cut_off, settings, tz)
    keys = series_months(month, await repo.first_answered_month(db))
    answers = await repo.answers_in(db, [shift(month, -12), *keys], cut_off)
    totals = add_up(answers)
    slugs = {s.slug for s in services}
    reporting = organisations_reporting([a for a in answers if a.service_slug in slugs], month)
    blocks += [
        Paragraph(texts.report_intro(month, cut_off, tz, reporting)),
        Table(texts.REPORT_SUMMARY_HEADER,
              [_summary_row(service, month, totals) for service in services]),
        *_named(services, month, totals),
        Heading(texts.REPORT_TREND, 2),
        _trend_table(services, keys, totals),
        Picture(_chart(services, keys, totals), texts.chart_caption(month)),
        Heading(texts.REPORT_ISSUES_WITH_FIGURES, 2),
    ]
    issues = await repo.issues_with_figures(db, board, since or cut_off - relativedelta(months=12),
                                            cut_off)
    if not issues:
        return [*blocks, Paragraph(texts.REPORT_NO_ISSUES)]
    return [*blocks, Paragraph(texts.REPORT_ISSUES_INTRO),
            await _issue_table(db, issues, services, tz, totals)]
