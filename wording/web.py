"""Wording for the public web pages: "You said, we did", meetings and the error pages.

Plain text: the templates escape everything (autoescape), so what the officer typed stays text.
Status words are honest: "no further action" is never dressed up as "resolved", and a board
that has not answered is said to have not answered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from wording.census import SUPPRESSED as SUPPRESSED
from wording.census import month_label
from wording.census import short_month as short_month
from wording.census import weeks as weeks
from wording.issues import day

NETWORK = "Linked-up network"
LANGUAGE = "en-GB"
SKIP = "Skip to the content"
NAV_LABEL = "Pages"
NAV_YOU_SAID = "You said, we did"
NAV_MEETINGS = "Meetings"
NAV_WAITING = "Waiting lists"
FOOTER = (
    "The Linked-up network is the local network of voluntary organisations working with "
    "children, young people and families. Organisations raise issues through the network's "
    "Telegram bot; the development officer takes them to the boards."
)

# --- You said, we did ---------------------------------------------------------------------------

YOU_SAID_TITLE = "You said, we did"
YOU_SAID_INTRO = (
    "What member organisations raised with the boards, what the boards answered and how fast. "
    "An issue is listed once its board has heard it and the officer has approved a public "
    "summary of it."
)
HEADLINE_HEADING = "At a glance"
HEADLINE_NOTE = (
    "These figures count every issue a board heard, including any not yet summarised on this "
    "page, so they cannot be improved by leaving issues out."
)
HEARD_THIS_YEAR = "issues heard by a board in {year}"
IN_TIME = "answered within {weeks} weeks of the meeting"
IN_TIME_OF = "of {count} issues whose {weeks} weeks have passed"
IN_TIME_NONE = "No issue has reached its {weeks}-week limit yet."
MEDIAN = "median days from raising an issue to the board's response"
MEDIAN_NONE = "No responses yet."
FILTER_HEADING = "Show issues"
FILTER_THEME = "Theme"
FILTER_BOARD = "Board"
FILTER_ALL_THEMES = "All themes"
FILTER_ALL_BOARDS = "All boards"
ISSUES_HEADING = "Issues, most recently heard first"
ISSUES_NONE = "No issue matches this choice yet."
ISSUES_COUNT = "{count} issue{s} shown."
LABEL_THEME = "Theme"
LABEL_RAISED_BY = "Raised by"
LABEL_BOARD = "Heard by"
LABEL_STATUS = "Status"
LABEL_RESPONSE = "The board's response"
LABEL_DAYS = "Time to a response"
LABEL_HELPED = "Did it help?"
NO_RESPONSE = "No response yet."
READ_MORE = "About {ref}"
BACK_TO_LIST = "All issues"

STATUS_WAITING = "Heard by the board; waiting for its response"
STATUS_OVERDUE = "Heard by the board; no response after {weeks} weeks, which is over the limit"
STATUS_RESPONDED = "The board has responded; organisations are asked whether it helped"
STATUS_REOPENED = (
    "Reopened: an organisation said the response did not solve the problem, so it goes back "
    "to the board"
)
OUTCOME_WORDS = {
    "resolved": "Closed: resolved",
    "partly-resolved": "Closed: partly resolved",
    "no-further-action": "Closed: no further action (the problem is not resolved)",
}
CLOSED = "Closed"
ANSWER_WORDS = {"yes": "yes", "partly": "partly", "no": "no"}
ANSWERS_FEW = (
    "Fewer than three organisations have answered, so their answers are not shown."
)
ANSWERS_NOT_YET = "Not asked yet."


def organisations(count: int, named: Sequence[str]) -> str:
    """"3 organisations: First Org, Second Org and 1 not named at their request"."""
    total = f"{count} organisation{'s' if count != 1 else ''}"
    if not named:
        return f"{total}, not named at their request" if count else total
    unnamed = count - len(named)
    parts = [*named, *([f"{unnamed} not named at their request"] if unnamed else [])]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{total}: {listed}"


def organisations_anonymised(count: int) -> str:
    """After retention anonymising no organisation asked to go unnamed: the names are simply
    no longer kept."""
    return f"{count} organisation{'s' if count != 1 else ''}, names no longer kept"


def heard(board: str, when: datetime, tz: ZoneInfo) -> str:
    return f"{board}, {day(when, tz)}"


def days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''} from raising it to the response"


def days_waiting(count: int) -> str:
    return f"No response yet, {count} day{'s' if count != 1 else ''} after it was raised"


def answers(counts: Counter[str]) -> str:
    return ", ".join(f"{ANSWER_WORDS[a]}: {counts[a]}" for a in ("yes", "partly", "no")
                     if counts[a])


def issues_count(count: int) -> str:
    return ISSUES_COUNT.format(count=count, s="" if count == 1 else "s")


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"


# --- meetings -----------------------------------------------------------------------------------

MEETINGS_TITLE = "Meetings"
MEETINGS_INTRO = (
    "The network's meetings are open to member organisations; answer Going, Maybe or Can't "
    "make it in the Telegram bot with /meetings. The boards' dates show until when issues can "
    "be raised for each meeting."
)
NETWORK_HEADING = "Network meetings"
NETWORK_NONE = "No network meeting is planned yet."
BOARDS_HEADING = "Board meetings and their cut-offs for issues"
BOARDS_NONE = "No board meeting is planned yet."
BOARD_COLUMNS = ("Board", "Meeting", "Issues raised by")
CALENDAR_HEADING = "Follow the meetings in your calendar"
CALENDAR_TEXT = (
    "Subscribe to this address in Outlook or Google Calendar (\u201cAdd calendar\u201d, "
    "\u201cFrom URL\u201d or \u201cSubscribe\u201d). Changes and cancellations reach your "
    "calendar by themselves."
)
CALENDAR_LINK = "Subscribe to the meetings calendar"
CALENDAR_DOWNLOAD = "Download the calendar file (.ics)"
CALENDAR_NAME = "Linked-up network meetings"
LABEL_WHEN = "When"
LABEL_SPEAKER = "Speaker"
LABEL_VENUE = "Where"
LABEL_ONLINE = "Online"
LABEL_PLACES = "Places"
LABEL_AGENDA = "Agenda"
MAP_LINK = "Map of {venue}"
ONLINE_LINK = "Join online"
PLACES_NO_LIMIT = "No limit"
PLACES_FULL = "Full: join the waiting list in the Telegram bot"
CANCELLED = "Cancelled"


def places_left(left: int, capacity: int) -> str:
    return f"{left} of {capacity} left"


# --- waiting lists ------------------------------------------------------------------------------

WAITING_TITLE = "Waiting lists"
WAITING_INTRO = (
    "Every month, member organisations tell the network how many children, young people or "
    "families are waiting for the services they run, and for how long. These are their figures "
    "added up, per type of service."
)
WAITING_RULE = (
    "A month in which fewer than three organisations reported a type of service shows no "
    "figures, so that no organisation's own list can be worked out. Each service counts the "
    "people waiting in its own way (children, young people or families)."
)
WAITING_COLUMNS = ("Month", "Waiting", "Reported by", "Median wait", "Longest wait")
WAITING_NONE = "The network's waiting-list census has not started yet."


def waiting_since(first_month: str) -> str:
    return f"The census began in {month_label(first_month)}; the table shows up to twelve months."


def waiting_latest(month: str, waiting: int | None, organisations: int | None,
                   median: float | None, longest: int | None, closed: int | None) -> str:
    """The newest month in one sentence, or why it has no figures."""
    if waiting is None or organisations is None:
        return f"{month_label(month)}: {SUPPRESSED}."
    waits = (f"; median wait {weeks(median)}, longest {weeks(longest)}"
             if median is not None else "")
    shut = (f"; {closed} of them closed to new referrals" if closed else "")
    return (f"{month_label(month)}: {waiting:,} waiting, from {organisations} organisations"
            f"{waits}{shut}.")


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:,g}"


WAITING_CHART_CAPTION = (
    "People waiting per type of service, month by month. The numbers on the points are how many "
    "organisations reported; a gap is a month in which fewer than three did."
)


def waiting_chart_alt(latest: Sequence[tuple[str, int | None]], first_month: str,
                      last_month: str) -> str:
    """The chart in words, for a screen reader: what it shows and the newest month's figure of
    each ``(service, waiting)``, None where it is withheld; the tables give every month."""
    span = (month_label(first_month) if first_month == last_month
            else f"{month_label(first_month)} to {month_label(last_month)}")
    figures = "; ".join(f"{title}, {'no figures' if waiting is None else f'{waiting:,} waiting'}"
                        for title, waiting in latest)
    return (f"Line chart of people waiting per type of service, {span}. "
            f"{month_label(last_month)}: {figures}. The tables below give every month's figures.")


def waiting_caption(title: str) -> str:
    return f"{title}, month by month, newest first (waits in weeks)"


# --- errors -------------------------------------------------------------------------------------

NOT_FOUND_TITLE = "Page not found"
NOT_FOUND = "There is no such page here. It may have moved, or the link may be mistyped."
NO_SUCH_LINK = (
    "That bulletin link is not one of ours, or it was cut short. Open the bulletin again."
)
NO_SUCH_ISSUE = "There is no published issue {ref}."
NO_SUCH_THEME = "There is no theme called \u201c{value}\u201d."
NO_SUCH_BOARD = "There is no board called \u201c{value}\u201d."
BAD_REQUEST_TITLE = "That request could not be read"
BAD_REQUEST = "The address is too long or malformed. Start again from the list of issues."
NOT_ALLOWED_TITLE = "Not possible here"
NOT_ALLOWED = "These pages can only be read."
SERVER_ERROR_TITLE = "Something went wrong"
SERVER_ERROR = "The page could not be shown just now. Please try again in a few minutes."
BACK_HOME = "Go to \u201cYou said, we did\u201d"
