"""Timed messages about meetings: reminders before them, and nudges to post the notes after.

Due work, run on every tick: the database is the schedule. A reminder is due when its offset
before the meeting (or, for a board meeting, before the cut-off for issues) has passed, it was
not due before the meeting was made or moved, and ``meeting_sends`` has no row for it. After
downtime only the latest of the reminders that fell due is sent, worded for the time actually
left; the others are recorded as skipped. The dispatch key names the meeting, the offset and the
meeting's time, so each goes to each member once, across restarts, and a reschedule starts
afresh. Messages are queued before the row is written, so a crash in between repeats nothing
the engine has not already got.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from db import meetings as repo
from db import members as members_repo
from db.database import Database
from db.meetings import BOARD, NO, Meeting
from db.members import Member
from db.timeutil import to_db
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage
from meetings.messages import Cards, buttons
from meetings.rsvp import KIND
from settings.config import MeetingsConfig
from settings.offsets import Offset, parse_offsets
from wording import meetings as texts

Due = tuple[str, datetime]
"""(what, when it fell due)."""


def anchor_of(meeting: Meeting) -> datetime:
    """What reminders count back from: the start, or for a board meeting the issue cut-off."""
    if meeting.kind == BOARD:
        assert meeting.issue_cutoff_at is not None
        return meeting.issue_cutoff_at
    return meeting.starts_at


def reminder_key(meeting: Meeting, offset: str) -> str:
    return f"reminder:{meeting.id}:{offset}:{to_db(anchor_of(meeting))}"


@dataclass
class Reminders:
    db: Database
    delivery: DeliveryEngine
    cards: Cards
    settings: MeetingsConfig
    officer_chats: Sequence[int]

    def offsets(self, meeting: Meeting) -> tuple[Offset, ...]:
        chosen = meeting.reminder_offsets
        return parse_offsets(list(self.settings.reminder_offsets if chosen is None else chosen))

    def due_reminders(self, meeting: Meeting, now: datetime) -> list[Due]:
        anchor = anchor_of(meeting)
        moments = ((offset.text, offset.due(anchor, self.cards.tz, self.settings.morning_time))
                   for offset in self.offsets(meeting))
        return [(what, due) for what, due in moments
                if meeting.scheduled_at <= due <= now and due < anchor]

    async def send_due(self, now: datetime) -> None:
        for meeting in await repo.upcoming(self.db, now):
            if anchor_of(meeting) <= now:
                continue
            offset = await self._latest(meeting, self.due_reminders(meeting, now), now)
            if offset is not None:
                await self._remind(meeting, offset, now)
                await self._record(meeting, offset, now)

    async def nudge_notes(self, now: datetime) -> None:
        """Remind the officers to post a network meeting's notes, some days after it."""
        days = self.settings.notes_reminder_days
        since = now - timedelta(days=max(days) + 7)
        for meeting in await repo.ended_between(self.db, since, now):
            if meeting.notes_sent_at is not None:
                continue
            due = [(f"notes-{d}d", meeting.ends_at + timedelta(days=d)) for d in days]
            what = await self._latest(meeting, [(w, at) for w, at in due if at <= now], now)
            if what is not None:
                await self._nudge(meeting, what)
                await self._record(meeting, what, now)

    async def _latest(self, meeting: Meeting, due: list[Due], now: datetime) -> str | None:
        """The latest due message not yet dealt with; earlier ones are recorded as skipped."""
        anchor = anchor_of(meeting)
        done = await repo.sends_done(self.db, meeting.id, anchor)
        waiting = sorted((at, what) for what, at in due if what not in done)
        if not waiting:
            return None
        *superseded, (_, latest) = waiting
        for _, what in superseded:
            await repo.record_send(self.db, meeting.id, what, anchor, "skipped", now)
        return latest

    async def _record(self, meeting: Meeting, what: str, now: datetime) -> None:
        await repo.record_send(self.db, meeting.id, what, anchor_of(meeting), "sent", now)

    async def _remind(self, meeting: Meeting, offset: str, now: datetime) -> None:
        body = texts.reminder(meeting, await self.cards.body(meeting), now, self.cards.tz)
        full = await self.cards.full(meeting)
        answers = await repo.answers_by_member(self.db, meeting.id)
        recipients = [
            Recipient(member.chat_id, [OutgoingMessage(
                body, buttons=buttons(meeting, answers.get(member.id), full))], member.id)
            for member in await self.audience(meeting, answers)
        ]
        if recipients:
            key = reminder_key(meeting, offset)
            await self.delivery.enqueue(key, KIND, recipients, title=key)

    async def audience(self, meeting: Meeting, answers: dict[int, str]) -> list[Member]:
        """Everyone, or the theme's followers, who can be reached, and whoever answered Going,
        Maybe or joined the waiting list; never those who said they can't make it."""
        themes = [meeting.theme_slug] if meeting.followers_only and meeting.theme_slug else None
        reachable = {m.id: m for m in await members_repo.list_reachable(self.db, themes)}
        for member_id, answer in answers.items():
            if answer != NO and member_id not in reachable:
                member = await members_repo.get_by_id(self.db, member_id)
                if member is not None and member.active:
                    reachable[member_id] = member
        return [m for m in reachable.values() if answers.get(m.id) != NO]

    async def _nudge(self, meeting: Meeting, what: str) -> None:
        if not self.officer_chats:
            return
        days = int(what.removeprefix("notes-").removesuffix("d"))
        message = OutgoingMessage(texts.notes_due(meeting, days, self.cards.tz))
        key = f"meeting:{meeting.id}:{what}:{to_db(meeting.starts_at)}"
        await self.delivery.enqueue(key, KIND, [Recipient(chat, [message])
                                                for chat in self.officer_chats], title=key)
