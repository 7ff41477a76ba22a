"""The messages about a meeting that members get: its card and its buttons.

One card and one set of buttons serve /meetings, reminders and notices, so every message about
a meeting states its date, time and place the same way and carries the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from db import meetings as repo
from db import themes as themes_repo
from db.database import Database
from db.meetings import BOARD, GOING, MAYBE, NO, WAITING, Meeting
from delivery.messages import Button, CallbackData, Callbacks, OutgoingMessage
from wording import meetings as texts

Buttons = tuple[tuple[Button, ...], ...]
RSVP, CALENDAR = Callbacks("rsvp"), Callbacks("ics")


def rsvp_data(meeting_id: int, answer: str) -> CallbackData:
    return RSVP.data(meeting_id, answer)


def buttons(meeting: Meeting, answer: str | None, full: bool) -> Buttons:
    """Going / Maybe / Can't make it (the member's answer ticked), and the calendar file. On a
    full meeting "Going" becomes the waiting list, unless the member already has a place."""
    calendar = (Button(texts.BUTTON_CALENDAR, callback_data=CALENDAR.data(meeting.id)),)
    if meeting.kind == BOARD:
        return (calendar,)
    first = texts.BUTTON_GOING
    if answer == WAITING:
        first = texts.BUTTON_ON_WAITLIST
    elif full and answer != GOING:
        first = texts.BUTTON_WAITLIST
    chosen = GOING if answer == WAITING else answer

    def button(label: str, value: str) -> Button:
        mark = texts.CHOSEN if value == chosen else ""
        return Button(mark + label, callback_data=rsvp_data(meeting.id, value))

    answers = (button(first, GOING), button(texts.BUTTON_MAYBE, MAYBE),
               button(texts.BUTTON_NO, NO))
    return (answers, calendar)


@dataclass
class Cards:
    """Renders what members see about a meeting, with its theme's title and places left."""

    db: Database
    tz: ZoneInfo

    async def body(self, meeting: Meeting) -> str:
        going = await self.going(meeting) if meeting.capacity is not None else None
        return texts.card(meeting, self.tz, await self.theme_title(meeting), going)

    async def theme_title(self, meeting: Meeting) -> str | None:
        if meeting.theme_slug is None:
            return None
        titles = await themes_repo.titles(self.db)
        return titles.get(meeting.theme_slug, meeting.theme_slug)

    async def going(self, meeting: Meeting) -> int:
        return (await repo.counts(self.db, meeting.id))[GOING]

    async def full(self, meeting: Meeting) -> bool:
        return meeting.capacity is not None and await self.going(meeting) >= meeting.capacity

    async def for_member(self, meeting: Meeting, member_id: int) -> OutgoingMessage:
        """The card as /meetings shows it to one member."""
        answer = await repo.answer_of(self.db, meeting.id, member_id)
        return OutgoingMessage(await self.body(meeting),
                               buttons=buttons(meeting, answer, await self.full(meeting)))
