"""Wording for meetings: the cards members see, reminders and notices, the officer's /meeting
conversation, /attendees and /notes, and the problems with what the officer typed.

Telegram texts are HTML: whatever the officer typed (titles, venues, notes) is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from html import escape
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from db.meetings import BOARD, GOING, MAYBE, NO, WAITING, Attendee, Meeting, MeetingPlan

# --- dates and times --------------------------------------------------------------------------


def long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def clock(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


def when(meeting: Meeting, tz: ZoneInfo) -> str:
    """"Tuesday 30 March 2027, 10:00–12:00", in local time."""
    start = meeting.starts_at.astimezone(tz)
    return f"{long_day(start.date())}, {clock(meeting.starts_at, tz)}–{clock(meeting.ends_at, tz)}"


def time_left(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """How far off ``moment`` is, for a reminder sent on time or late: "in 3 hours, at 10:00"."""
    days = (moment.astimezone(tz).date() - now.astimezone(tz).date()).days
    at = clock(moment, tz)
    if days >= 2:
        return f"in {days} days, on {long_day(moment.astimezone(tz).date())} at {at}"
    if days == 1:
        return f"tomorrow at {at}"
    minutes = round((moment - now).total_seconds() / 60)
    if minutes >= 90:
        return f"in {round(minutes / 60)} hours, at {at}"
    if minutes >= 60:
        return f"in 1 hour, at {at}"
    return f"in {max(minutes, 1)} minutes, at {at}"


# --- what members see -------------------------------------------------------------------------

BUTTON_GOING = "Going"
BUTTON_MAYBE = "Maybe"
BUTTON_NO = "Can't make it"
BUTTON_WAITLIST = "Join the waiting list"
BUTTON_ON_WAITLIST = "On the waiting list"
BUTTON_CALENDAR = "Add to calendar"
CHOSEN = "✓ "
ANSWER_LABELS = {GOING: "Going", MAYBE: "Maybe", NO: "Can't make it", WAITING: "Waiting list"}

NOT_A_MEMBER = "Meetings are for members of the network. Send /start to join first."
NONE_PLANNED = "No meetings are planned at the moment. You will hear when one is."
UPCOMING_HEADER = "<b>Coming up</b> ({count}). Tap an answer so the officer can plan."
MEETING_GONE = "This meeting has been cancelled or has already taken place."


def calendar_caption(meeting: Meeting) -> str:
    return f"Open this file to add <b>{escape(meeting.title)}</b> to your calendar."


def map_link(meeting: Meeting) -> str | None:
    """The officer's map link, else a map search for the address."""
    if meeting.map_url:
        return meeting.map_url
    place = ", ".join(part for part in (meeting.venue, meeting.address) if part)
    return f"https://www.google.com/maps/search/?api=1&query={quote_plus(place)}" if place else None


def _link(url: str, label: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{label}</a>'


def place_lines(meeting: Meeting) -> list[str]:
    lines = []
    place = ", ".join(escape(part) for part in (meeting.venue, meeting.address) if part)
    if place:
        link = map_link(meeting)
        lines.append(f"📍 {place}" + (f" ({_link(link, 'map')})" if link else ""))
    if meeting.online_url:
        lines.append(f"💻 Online: {_link(meeting.online_url, escape(meeting.online_url))}")
    return lines


def card(meeting: Meeting, tz: ZoneInfo, theme_title: str | None,
         going: int | None = None) -> str:
    """Everything about a meeting a member needs: what, when, where, and for board meetings the
    cut-off for issues. ``going`` is shown against the capacity."""
    if meeting.kind == BOARD:
        return _board_card(meeting, tz)
    lines = [f"<b>{escape(meeting.title)}</b>"]
    if theme_title:
        lines.append(f"Theme: {escape(theme_title)}")
    if meeting.speaker:
        lines.append(f"Speaker: {escape(meeting.speaker)}")
    lines.append(f"🗓 {when(meeting, tz)}")
    lines += place_lines(meeting)
    if meeting.capacity is not None and going is not None:
        lines.append(_places(meeting.capacity, going))
    if meeting.agenda:
        lines.append(f"\n{escape(meeting.agenda)}")
    return "\n".join(lines)


def _places(capacity: int, going: int) -> str:
    if going >= capacity:
        return f"Places: all {capacity} taken; there is a waiting list."
    return f"Places: {capacity - going} of {capacity} left."


def _board_card(meeting: Meeting, tz: ZoneInfo) -> str:
    assert meeting.issue_cutoff_at is not None
    cutoff = long_day(meeting.issue_cutoff_at.astimezone(tz).date())
    return "\n".join([
        f"<b>{escape(meeting.title)}</b> (board meeting)",
        f"🗓 {when(meeting, tz)}",
        *place_lines(meeting),
        f"📝 Issues for this meeting: raise them by the end of {cutoff} with /raise.",
    ])


def reminder(meeting: Meeting, body: str, now: datetime, tz: ZoneInfo) -> str:
    """A reminder sent on time or late, worded for the time actually left."""
    if meeting.kind == BOARD:
        assert meeting.issue_cutoff_at is not None
        heading = (f"⏰ <b>Reminder:</b> the cut-off for issues for the {escape(meeting.title)} "
                   f"is {time_left(meeting.issue_cutoff_at, now, tz)}.")
    else:
        heading = (f"⏰ <b>Reminder:</b> {escape(meeting.title)} starts "
                   f"{time_left(meeting.starts_at, now, tz)}.")
    note = f"\n\n<i>{escape(meeting.reminder_note)}</i>" if meeting.reminder_note else ""
    return f"{heading}\n\n{body}{note}"


def rescheduled(meeting: Meeting, previous: Meeting, body: str, tz: ZoneInfo) -> str:
    return (f"🔁 <b>Moved:</b> {escape(meeting.title)} is no longer on {when(previous, tz)}. "
            f"The new date and time:\n\n{body}\n\nCan you still make it?")


def cancelled(meeting: Meeting, tz: ZoneInfo) -> str:
    return (f"❌ <b>Cancelled:</b> {escape(meeting.title)} on {when(meeting, tz)} will not take "
            "place. Sorry for any inconvenience.")


def promoted(meeting: Meeting, body: str) -> str:
    return (f"🎉 <b>A place came up:</b> you are now going to {escape(meeting.title)}. "
            f"If you can no longer make it, tap “{BUTTON_NO}” so someone else can come.\n\n{body}")


def notes_message(meeting: Meeting, notes: str, tz: ZoneInfo) -> str:
    day = long_day(meeting.starts_at.astimezone(tz).date())
    return (f"📝 <b>Notes and actions: {escape(meeting.title)}</b> ({day})\n\n"
            f"{escape(notes)}")


def answered(answer: str, position: int | None = None) -> str:
    """The short confirmation shown on the member's screen after a tap (≤200 characters)."""
    if answer == WAITING:
        return (f"The meeting is full: you are number {position} on the waiting list. "
                "We will tell you if a place comes up.")
    return {GOING: "Thanks: you are going. See you there!",
            MAYBE: "Thanks: noted as maybe.",
            NO: "Thanks for letting us know. You will get no more reminders for it."}[answer]


# --- the officer: /attendees ------------------------------------------------------------------

NO_MEETINGS_TO_COUNT = "There are no meetings coming up or held in the last 30 days."
BUTTON_CSV = "CSV of answers"
NAMES_SHOWN = 30


def attendance(meeting: Meeting, tz: ZoneInfo, groups: dict[str, list[Attendee]]) -> str:
    lines = [f"<b>{escape(meeting.title)}</b>", f"🗓 {when(meeting, tz)}"]
    if meeting.capacity is not None:
        lines.append(f"Places: {len(groups[GOING])} of {meeting.capacity} taken")
    for answer in (GOING, MAYBE, WAITING, NO):
        people = groups[answer]
        if not people:
            continue
        names = ", ".join(f"{escape(p.contact_name)} ({escape(p.organisation)})"
                          for p in people[:NAMES_SHOWN])
        more = f" and {len(people) - NAMES_SHOWN} more" if len(people) > NAMES_SHOWN else ""
        lines.append(f"\n<b>{ANSWER_LABELS[answer]}: {len(people)}</b>\n{names}{more}")
    if not any(groups.values()):
        lines.append("\nNobody has answered yet.")
    return "\n".join(lines)


def csv_caption(meeting: Meeting, count: int) -> str:
    return (f"Answers for {escape(meeting.title)} ({count} members). This file holds personal "
            "data: keep it safe.")


CSV_HEADER = ["meeting", "date", "answer", "organisation", "name", "role", "answered"]


# --- the officer: reminders to post the notes, and /notes -------------------------------------


def notes_due(meeting: Meeting, days: int, tz: ZoneInfo) -> str:
    day = long_day(meeting.starts_at.astimezone(tz).date())
    return (f"📝 {escape(meeting.title)} ({day}) was {days} days ago and its notes and actions "
            "have not been sent yet. Send /notes to post them to those who went and the "
            "theme's followers.")


NOTES_NONE = ("No network meeting has taken place in the last 60 days, so there are no notes "
              "to post.")
NOTES_PICK = "Which meeting are the notes and actions for?"
NOTES_TOO_LONG = "That is {length} characters; please keep it to {limit}."
NOTES_NOBODY = ("Nobody would get these notes: nobody said they were going and the meeting has "
                "no theme.")
NOTES_SENT = "Queued for {count} members. You will see the progress here."
NOTES_STOPPED = "Stopped: the notes were not sent."
BUTTON_SEND_NOTES = "Send the notes"
BUTTON_CHANGE_NOTES = "Change the text"
BUTTON_STOP = "Cancel"


def notes_ask(meeting: Meeting, limit: int) -> str:
    return (f"Send the notes and actions for <b>{escape(meeting.title)}</b> as one message (up "
            f"to {limit} characters). /cancel stops.")


def notes_already(meeting: Meeting, tz: ZoneInfo) -> str:
    assert meeting.notes_sent_at is not None
    return (f"The notes for {escape(meeting.title)} were already sent on "
            f"{long_day(meeting.notes_sent_at.astimezone(tz).date())}.")


def notes_confirm(count: int, theme: str | None) -> str:
    followers = f" and the followers of {escape(theme)}" if theme else ""
    return (f"Above is what members will get. It goes to {count} members: those who said they "
            f"were going{followers}. Send it?")


# --- the officer: /meeting --------------------------------------------------------------------

MENU = ("<b>Meetings</b>\nCreate a meeting: send the title of a new network meeting, or tap "
        "below. Or choose a meeting to change, move or cancel. /cancel stops at any time.")
BUTTON_NEW_NETWORK = "New network meeting"
BUTTON_NEW_BOARD = "New board meeting"
BUTTON_SKIP = "Skip"
BUTTON_NO_THEME = "No theme"
BUTTON_SAVE = "Save"
BUTTON_MORE = "More details"
MORE_DETAILS = {
    "network": "theme, speaker, address, online link, places, agenda, reminders",
    "board": "issues cut-off, venue, online link, reminders",
}
BUTTON_DISCARD = "Discard changes"
BUTTON_RESCHEDULE = "Reschedule"
BUTTON_CANCEL_MEETING = "Cancel the meeting"
BUTTON_YES_CANCEL = "Yes, cancel it"
BUTTON_NO_KEEP = "No, keep it"
AUDIENCE_LABELS = {"all": "Everyone", "followers": "Only the theme's followers"}
DEFAULT_REMINDERS = "the usual ones"

QUESTIONS = {
    "title": "What is the meeting called? (up to 100 characters)",
    "theme": "Which theme is it about?",
    "audience": "Who should get the reminders?",
    "board": "Which board is meeting?",
    "speaker": "Who is the key speaker?",
    "venue": "Where is it? Send the venue's name.",
    "address": "What is the venue's address?",
    "map": "A map link for the venue? If you skip, members get a map search for the address.",
    "online": "A link to join online?",
    "date": "What date? (for example 19/11, 30/03/2027 or Thursday 19 November)",
    "time": ("{day}What time? For example 10:00, or 10:00–12:00 with the end (without one it "
             "lasts two hours)."),
    "place": "Where is it? Send the venue's name, or the link if it is online.",
    "start": "What time does it start? (24-hour clock, for example 10:00)",
    "end": "What time does it end?",
    "cutoff": ("Cut-off date for members' issues? Skip for the default: {days} days before the "
               "meeting."),
    "capacity": "How many places are there? Skip if there is no limit.",
    "agenda": "Agenda notes for members?",
    "reminders": ("When should reminders go? Send offsets before the meeting such as "
                  "<code>7d, 1d, morning</code> (days, <code>h</code> hours, <code>m</code> "
                  "minutes, <code>morning</code> = {morning} on the day), or <code>none</code>. "
                  "Skip for the usual: {default}."),
    "note": "A note to add to every reminder (for example “bring your ID”)?",
}
FIELD_LABELS = {
    "title": "Title", "theme": "Theme", "audience": "Reminded", "board": "Board",
    "speaker": "Speaker", "venue": "Venue", "address": "Address", "map": "Map link",
    "online": "Online link", "date": "Date", "time": "Time", "place": "Place",
    "start": "Start", "end": "End",
    "cutoff": "Issues cut-off", "capacity": "Places", "agenda": "Agenda",
    "reminders": "Reminders", "note": "Reminder note",
}
REVIEW_HEADER = "<b>Check the meeting</b>, then save it or tap what to change."
NOT_SET = "–"
KEPT = "The meeting stays as it is."
DISCARDED = "Nothing was changed."
STOPPED = "Stopped: nothing was saved. Send /meeting to start again."
USE_BUTTONS = "Please choose with the buttons above, or send /cancel to stop."
MEETING_NOT_FOUND = "That meeting no longer exists or has been cancelled."


def menu_button(meeting: Meeting, tz: ZoneInfo) -> str:
    start = meeting.starts_at.astimezone(tz)
    return f"{start.day} {start:%b} · {meeting.title}"[:60]


def with_current(question: str, current: str | None) -> str:
    return f"{question}\nNow: <i>{escape(current)}</i>" if current else question


def shown_answer(field: str, value: str, plan: MeetingPlan, themes: dict[str, str],
                 tz: ZoneInfo) -> str:
    """An answer as the review shows it (plain text; :func:`review` escapes it)."""
    if field == "theme":
        return themes.get(value, value)
    if field == "audience":
        return AUDIENCE_LABELS[value or "all"]
    if field == "date":
        return long_day(plan.starts_at.astimezone(tz).date())
    if field == "cutoff" and plan.issue_cutoff_at is not None:
        return f"end of {long_day(plan.issue_cutoff_at.astimezone(tz).date())}"
    if field == "reminders" and not value:
        return DEFAULT_REMINDERS
    return value


def review(lines: Sequence[tuple[str, str]], more: str | None = None) -> str:
    """The answers; ``more`` names what “More details” holds, in the quick path."""
    rows = "\n".join(f"<b>{escape(label)}:</b> {escape(value) if value else NOT_SET}"
                     for label, value in lines)
    details = f"\n\n<i>{BUTTON_MORE}: {more}.</i>" if more else ""
    return f"{REVIEW_HEADER}\n\n{rows}{details}"


def on_day(iso_day: str | None) -> str:
    """The date just given, weekday first, before the time question: a wrong day shows."""
    return f"{long_day(date.fromisoformat(iso_day))}. " if iso_day else ""


def saved_new(meeting: Meeting, tz: ZoneInfo, announced: int = 0) -> str:
    told = (f" It is being announced to {announced} member(s), with Going / Maybe / Can't make "
            "it buttons." if announced else "")
    return (f"Saved: {escape(meeting.title)}, {when(meeting, tz)}.{told} Members see it in "
            "/meetings and reminders go automatically.")


ANNOUNCEMENT = "📣 <b>New network meeting</b>\n\n{card}\n\nWill you come?"


def announcement(card_html: str) -> str:
    return ANNOUNCEMENT.format(card=card_html)


def saved_edit(meeting: Meeting, before: Meeting, told: int, tz: ZoneInfo) -> str:
    if meeting.starts_at == before.starts_at and meeting.ends_at == before.ends_at:
        return f"Saved the changes to {escape(meeting.title)}."
    return (f"Moved {escape(meeting.title)} to {when(meeting, tz)}. Reminders follow the new "
            f"time; {told} members who said Going or Maybe, or are on the waiting list, are "
            "being told.")


def confirm_cancel(meeting: Meeting, count: int, tz: ZoneInfo) -> str:
    return (f"Cancel <b>{escape(meeting.title)}</b>, {when(meeting, tz)}? The {count} members "
            "who said Going or Maybe, or are on the waiting list, will be told.")


def meeting_cancelled(meeting: Meeting, told: int) -> str:
    return f"Cancelled {escape(meeting.title)}. {told} members are being told."


# --- problems with what the officer typed -----------------------------------------------------

TITLE_TOO_SHORT = "That title is too short: give at least 3 characters."
NOT_A_DATE = ("Please send a date, day before month, for example 19/11, 30/03/2027 or "
              "Thursday 19 November.")
NOT_A_TIME = "Please send a time on the 24-hour clock, for example 10:00 or 18:30."
NOT_A_LINK = "That is not a web link: send one starting with https://"
BAD_CAPACITY = "Please send the number of places as a whole number from 1 to {maximum:,}."
BAD_REMINDERS = ("Those are not reminder offsets. Send for example <code>7d, 1d, morning</code>, "
                 "<code>2h</code>, or <code>none</code>.")
REQUIRED = "This one is needed: please answer it."
NEED_PLACE = "A network meeting needs a venue or an online link: please give the venue."
FOLLOWERS_NEED_THEME = "Only a meeting with a theme can go to the theme's followers."
END_BEFORE_START = "The end time must be after the start time. What time does it end?"
CUTOFF_AFTER_MEETING = "The cut-off for issues must be before the day of the meeting."


def too_long(length: int, limit: int) -> str:
    return f"That is {length} characters; please keep it to {limit} or fewer."


def no_such_date(day: int, month: int, year: int) -> str:
    if 1 <= month <= 12:
        return (f"There is no {day} {date(2000, month, 1):%B} {year}. "
                "Please check the date and send it again.")
    return f"There is no month {month}. Please send the date as day/month/year."


def wrong_weekday(day: date, weekday: str) -> str:
    return (f"{day.day} {day:%B %Y} is a {day:%A}, not a {weekday.capitalize()}. Please check "
            "the date and send it again.")


def date_passed(day: date) -> str:
    return f"{long_day(day)} has passed. Please give a date from today on."


def no_such_time(text: str) -> str:
    return (f"{escape(text)} is not a time of day. Please use the 24-hour clock, from 00:00 to "
            "23:59, for example 10:00.")


def skipped_time(at: time) -> str:
    return (f"{at:%H:%M} does not exist on that day: the clocks go forward. "
            "Please choose another time.")


def starts_in_past() -> str:
    return "That start time has already passed. Please give a time later than now."


def unknown_choice(text: str, options: Sequence[str]) -> str:
    return f"“{escape(text)}” is not one of: {escape(', '.join(options))}."


# --- /mydata and the calendar file ------------------------------------------------------------

DATA_SOURCE = "meeting_answers"
ICS_DESCRIPTION_BOARD = "Issues for this meeting: raise them by the end of {cutoff} with /raise."
