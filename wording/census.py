"""Wording for the waiting-list census: taking part, the monthly questions, the answers, the
officer's /census, and the board report's "Waiting lists" section.

Telegram texts are HTML; service titles come from the config and organisation names from
members, so both are escaped here. The report's wording is plain text (its renderers escape it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Protocol
from zoneinfo import ZoneInfo

from db.census import Figures
from settings.config import CensusServiceConfig

SUPPRESSED = "fewer than three organisations reported"
NONE = "—"


def month_label(month: str) -> str:
    """'2026-12' → 'December 2026'."""
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def short_month(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")


def _day(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%B %Y}"


def _moment(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def weeks(value: float | None) -> str:
    if value is None:
        return NONE
    return f"{value:g} week" if value == 1 else f"{value:g} weeks"


def signed(value: int | None) -> str:
    if value is None:
        return NONE
    return f"{value:+,}" if value else "no change"


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def figures_line(figures: Figures, counts: str) -> str:
    if figures.waiting == 0:
        line = "no waiting list"
    else:
        line = f"{figures.waiting:,} {escape(counts)} waiting"
        if figures.wait_weeks is not None:
            line += f", typical wait {weeks(figures.wait_weeks)}"
    closed = "closed to new referrals" if figures.closed_to_referrals else "open to new referrals"
    return f"{line}, {closed}"


# --- taking part --------------------------------------------------------------------------------

NOT_A_MEMBER = "The waiting-list census is for members. Send /start to join the network first."
NOT_TAKING_PART_YET = "Your organisation is not taking part in the waiting-list census yet."
INVITE = (
    "<b>Waiting lists</b>\n"
    "Once a month the network counts the waiting lists of its members' services, so the boards "
    "see a series, not anecdotes. It takes under a minute: numbers only, never anything about a "
    "child or family.\n\nDoes your organisation run services that can have a waiting list?"
)
BUTTON_JOIN = "We run services that can have a waiting list"
BUTTON_NOT_FOR_US = "Not for us"
NOT_FOR_US = "No problem. If that changes, send /census."
PICK_SERVICES = (
    "<b>Which services do you run?</b> Tick each one that can have a waiting list, then "
    "press Done. You will get one short question a month for each."
)
BUTTON_DONE = "Done"
NONE_CHOSEN = "You have not ticked any service, so you will not be asked. Send /census to start."
ASK_NAMED = (
    "May board reports <b>name your organisation</b> among those reporting? Your figures are "
    "only ever shown added up with at least two other organisations'."
)
BUTTON_NAME_US = "Yes, you may name us"
BUTTON_ANONYMOUS = "No, count us anonymously"
LEFT = "You have stopped taking part in the census. The figures you gave stay in the totals."
NOT_TAKING_PART = "You are not taking part in the census for that service. Send /census."
NO_LAST_MONTH = "There are no figures from last month to repeat: please type this month's."


def joined(titles: Sequence[str], named: bool, day: int, at: str) -> str:
    services = "\n".join(f"• {escape(title)}" for title in titles)
    naming = ("Reports may name your organisation." if named
              else "Reports will not name your organisation.")
    return (f"✅ <b>You are taking part in the waiting-list census</b> for:\n{services}\n\n"
            f"The questions come on day {day} of each month at {at}. {naming} "
            "Send /census to see or correct your figures.")


# --- the monthly question -----------------------------------------------------------------------

BUTTON_SAME = "Same as last month"
BUTTON_NONE = "No waiting list now"
BUTTON_FIGURES = "Type the figures"


def ask(month: str, service: CensusServiceConfig, last: Figures | None, position: int,
        count: int, *, reminder: bool) -> str:
    head = "⏰ Reminder: " if reminder else "📋 "
    lines = [f"{head}<b>Waiting lists, {month_label(month)}</b> ({position} of {count})",
             f"<b>{escape(service.title)}</b>"]
    if last is not None:
        lines.append(f"Last month: {figures_line(last, service.counts)}.")
    lines.append(f"How many {escape(service.counts)} are waiting now, the typical wait, and is "
                 "the list closed to new referrals?")
    return "\n".join(lines)


def ask_count(service: CensusServiceConfig) -> str:
    return (f"<b>{escape(service.title)}</b>: how many {escape(service.counts)} are waiting "
            "now? Send a number (0 if none).")


def ask_weeks(service: CensusServiceConfig) -> str:
    return (f"<b>{escape(service.title)}</b>: what is the <b>typical wait</b>? Tap one or send "
            "a number of weeks (“10”, “3 months” also work).")


def ask_closed(service: CensusServiceConfig) -> str:
    return f"<b>{escape(service.title)}</b>: is the list <b>closed to new referrals</b>?"


BUTTON_CLOSED = "Yes, closed"
BUTTON_OPEN = "No, open"
BUTTON_THAT_IS_RIGHT = "Yes, {count:,} is right"
FIGURES_FIRST = "Press “Type the figures” under the service's question first."
_PROBLEMS = {
    ("count", "not-a-number"): "Please send the number waiting as a whole number, like 12 "
                               "(0 if none).",
    ("count", "negative"): "A waiting list cannot be below zero. How many are waiting now? "
                           "Send 0 if there is no waiting list.",
    ("count", "unlikely"): "Is <b>{value:,}</b> right? That is more than we would expect one "
                           "service to have waiting. Tap to confirm, or send the number again.",
    ("count", "too-many"): "{value:,} cannot be the number waiting for one service. Please "
                           "check and send the number again.",
    ("weeks", "not-a-number"): "Please send the typical wait as a number of weeks, like 8 "
                               "(or “3 months”).",
    ("weeks", "negative"): "A wait cannot be below zero. How many weeks is the typical wait?",
    ("weeks", "too-long"): "A typical wait of {value:,} weeks would be over ten years. Please "
                           "check: how many weeks is the typical wait?",
}


def problem(question: str, code: str, value: int | None) -> str:
    """The question back for a typed number that cannot be right (census.figures codes)."""
    return _PROBLEMS[(question, code)].format(value=value)


def saved(month: str, service: CensusServiceConfig, figures: Figures) -> str:
    return (f"✅ <b>{escape(service.title)}</b>, {month_label(month)}: "
            f"{figures_line(figures, service.counts)}. Thank you. (Correct it with /census.)")


def month_closed(month: str, next_opens: datetime, tz: ZoneInfo) -> str:
    return (f"The census for {month_label(month)} has closed, so its figures are fixed for the "
            f"boards. The next one opens on {_day(next_opens, tz)}.")


# --- /census for a member ------------------------------------------------------------------------

BUTTON_MY_SERVICES = "Change my services"
BUTTON_NAMING = "Naming in reports"
BUTTON_LEAVE = "Stop taking part"


def button_answer(title: str, answered: bool) -> str:
    return f"{'Correct' if answered else 'Answer'}: {title}"


def my_month(month: str, is_open: bool, closes_at: datetime, tz: ZoneInfo,
             services: Sequence[CensusServiceConfig], answers: dict[str, Figures],
             named: bool) -> str:
    lines = [f"<b>Your waiting-list census, {month_label(month)}</b>"]
    for service in services:
        given = answers.get(service.slug)
        shown = figures_line(given, service.counts) if given else "not answered yet"
        lines.append(f"• {escape(service.title)}: {shown}")
    state = (f"Open until {_moment(closes_at, tz)}: tap a service to answer or correct it."
             if is_open else "This month's census has closed; its figures are fixed.")
    naming = "Reports may name your organisation." if named else "Reports do not name you."
    return "\n".join([*lines, "", state, naming])


# --- /census for the officer ---------------------------------------------------------------------

BUTTON_CSV = "CSV of the whole series"
CHART_TITLE = "Waiting lists reported to the Linked-up census"
CHART_Y_LABEL = "Waiting (as each service counts them)"
CHART_NOTE_OFFICER = ("Numbers on the points: organisations reporting. For the officer: "
                      "includes figures from fewer than three organisations.")
CHART_NOTE_PUBLISHED = ("Numbers on the points: organisations reporting. Gaps: fewer than "
                        "three organisations reported.")
CSV_HEADER = ("month", "service", "service_title", "organisations", "waiting",
              "median_wait_weeks", "longest_wait_weeks", "closed_to_new_referrals",
              "publishable_three_or_more_organisations")
CHART_CAPTION_OFFICER = "Each month since the census began (twelve at most), per service type."


class Totals(Protocol):
    """A service's month as the census adds it up (census.totals.ServiceMonth)."""

    @property
    def organisations(self) -> int: ...

    @property
    def waiting(self) -> int: ...

    @property
    def median_wait_weeks(self) -> float | None: ...

    @property
    def longest_wait_weeks(self) -> int | None: ...

    @property
    def closed_to_referrals(self) -> int: ...

    @property
    def publishable(self) -> bool: ...


class Row(Protocol):
    """One line of the officer's view (census.service.ServiceRow)."""

    @property
    def service(self) -> CensusServiceConfig: ...

    @property
    def totals(self) -> Totals | None: ...

    @property
    def since_last_month(self) -> int | None: ...

    @property
    def since_last_year(self) -> int | None: ...


def _service_line(row: Row) -> str:
    title = escape(row.service.title)
    t = row.totals
    if t is None:
        return f"• <b>{title}</b>: no answers yet"
    few = " ⚠️ fewer than three: not for publication" if not t.publishable else ""
    return (f"• <b>{title}</b>: {t.waiting:,} waiting, {t.organisations} organisation"
            f"{'' if t.organisations == 1 else 's'}{few}\n"
            f"   median wait {weeks(t.median_wait_weeks)}, longest {weeks(t.longest_wait_weeks)}"
            f", {t.closed_to_referrals} closed to referrals\n"
            f"   change: {signed(row.since_last_month)} since last month, "
            f"{signed(row.since_last_year)} since a year ago")


def dashboard(month: str, is_open: bool, closes_at: datetime, tz: ZoneInfo,
              answered: Sequence[str], not_answered: Sequence[str], rows: Sequence[Row]) -> str:
    asked = len(answered) + len(not_answered)
    rate = f"{len(answered) / asked:.0%}" if asked else "—"
    state = f"open until {_moment(closes_at, tz)}" if is_open else "closed"
    lines = [f"<b>Waiting-list census, {month_label(month)}</b> ({state})",
             f"Answered: {len(answered)} of {asked} organisations asked ({rate})"]
    if answered:
        lines.append("✅ " + ", ".join(escape(name) for name in answered))
    if not_answered:
        lines.append("⏳ Not yet: " + ", ".join(escape(name) for name in not_answered))
    lines += ["", "<b>Per service type</b>", *(_service_line(row) for row in rows)]
    return "\n".join(lines)


def csv_caption(rows: int) -> str:
    return (f"The census series: {rows} month-and-service rows. Check the last column before "
            "passing figures on: fewer than three organisations must not be published.")


# --- the board report -----------------------------------------------------------------------------

REPORT_HEADING = "Waiting lists"
REPORT_NO_CENSUS = "The network's waiting-list census has no figures for this report yet."
REPORT_SUMMARY_HEADER = ("Service", "Waiting now", "Organisations reporting", "Median wait",
                         "Longest wait", "Closed to new referrals", "Since last month",
                         "Since a year ago")
REPORT_WHO_REPORTED = "Organisations named with their agreement"
REPORT_TREND = "Month by month (twelve months at most)"
REPORT_MONTH = "Month"
REPORT_ISSUES_WITH_FIGURES = "Issues raised with waiting-list figures"
REPORT_ISSUES_INTRO = ("Issues raised for this board in the period that carry waiting-list "
                       "figures, next to the census series for the same service and month.")
REPORT_NO_ISSUES = "No issue raised for this board in the period carried waiting-list figures."
REPORT_ISSUES_HEADER = ("Reference", "Theme", "Organisations", "Waiting", "Longest wait",
                        "Census that month")


def report_intro(month: str, cut_off: datetime, tz: ZoneInfo, organisations: int) -> str:
    return (f"From the network's monthly waiting-list census for {month_label(month)}, as it "
            f"stood at the cut-off for this report ({_day(cut_off, tz)}): {organisations} "
            f"organisation{'' if organisations == 1 else 's'} reported. Figures are added up "
            f"across organisations; a service reported by fewer than three organisations is "
            f"shown as “{SUPPRESSED}”. Each service counts children, young people or families "
            "as it works with them.")


def waiting_cell(waiting: int, organisations: int) -> str:
    return f"{waiting:,} ({organisations} organisations)"


def named_line(title: str, named: Sequence[str], organisations: int) -> str:
    others = organisations - len(named)
    if not named:
        return f"{title}: none named ({organisations} organisations)"
    tail = f" and {others} other organisation{'' if others == 1 else 's'}" if others else ""
    return f"{title}: {', '.join(named)}{tail}"


def linked_series(title: str, month: str, waiting: int | None,
                  organisations: int | None) -> str:
    if waiting is None or organisations is None:
        return f"{title}, {month_label(month)}: {SUPPRESSED}"
    return f"{title}, {month_label(month)}: {waiting_cell(waiting, organisations)}"


def chart_caption(month: str) -> str:
    return (f"Waiting per service type, month by month to {month_label(month)}; the numbers "
            "on the points are the organisations reporting.")
