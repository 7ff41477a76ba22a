"""The meetings feature as one service: what handlers, the command line and the timers use.

Built once per run by :mod:`bot.runtime`. It registers with the member directory, so /mydata
shows a member's answers and /forget hands their place to the waiting list before the answers
go (with the member, by ON DELETE CASCADE).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db import meetings as repo
from db import members as members_repo
from db import themes as themes_repo
from db.database import Database
from db.meetings import GOING, MAYBE, NETWORK, WAITING, Attendee, Meeting, MeetingPlan
from db.members import Member
from db.timeutil import Clock, DueWork, to_db
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage
from meetings.ics import calendar_file, event_changed
from meetings.messages import Cards, buttons
from meetings.reminders import Reminders, anchor_of, reminder_key
from meetings.rsvp import KIND, Rsvps
from meetings.schedule import PlanRules
from members.directory import MemberDirectory
from members.reports import spreadsheet_safe
from settings.config import MeetingsConfig
from wording import meetings as texts

TOLD_OF_CHANGES = [GOING, MAYBE, WAITING]
RECENT = timedelta(days=30)


class MeetingService:
    name = texts.DATA_SOURCE

    def __init__(
        self, db: Database, delivery: DeliveryEngine, clock: Clock, tz: ZoneInfo,
        settings: MeetingsConfig, officer_chats: Sequence[int], boards: Sequence[str],
    ) -> None:
        self.db = db
        self.delivery = delivery
        self.clock = clock
        self.tz = tz
        self.settings = settings
        self.boards = tuple(boards)
        self.cards = Cards(db, tz)
        self.rsvps = Rsvps(db, delivery, self.cards, clock)
        self.reminders = Reminders(db, delivery, self.cards, settings, officer_chats)

    def attach(self, members: MemberDirectory) -> None:
        members.listeners.append(self)
        members.data_sources.append(self)

    @property
    def due_work(self) -> list[DueWork]:
        return [self.reminders.send_due, self.reminders.nudge_notes]

    async def rules(self) -> PlanRules:
        themes = {t.slug: t.title for t in await themes_repo.list_active(self.db)}
        return PlanRules(self.tz, self.clock(), themes, self.boards,
                         self.settings.issue_cutoff_days)

    # --- finding meetings ---------------------------------------------------------------------

    async def get(self, meeting_id: int) -> Meeting | None:
        return await repo.get(self.db, meeting_id)

    async def upcoming(self) -> list[Meeting]:
        return await repo.upcoming(self.db, self.clock())

    async def ended(self, within: timedelta) -> list[Meeting]:
        """Network meetings that ended within ``within``, latest first."""
        now = self.clock()
        return await repo.ended_between(self.db, now - within, now)

    async def for_attendance(self) -> list[Meeting]:
        """Network meetings under way or coming up, then those of the last 30 days."""
        return await repo.not_ended(self.db, self.clock(), repo.NETWORK) + await self.ended(RECENT)

    # --- the officer's changes ----------------------------------------------------------------

    async def create(self, plan: MeetingPlan, source_uid: str | None = None) -> Meeting:
        meeting_id = await repo.insert(self.db, plan, self.clock(), source_uid)
        return await self._reload(meeting_id)

    async def announce(self, meeting: Meeting) -> int:
        """Tell everyone (or the theme's followers) of a new network meeting, with the answer
        buttons, through the delivery engine: members should not first hear of it from a
        reminder. Returns how many it goes to."""
        if meeting.kind != NETWORK:
            return 0
        body = texts.announcement(await self.cards.body(meeting))
        full = await self.cards.full(meeting)
        recipients = [
            Recipient(member.chat_id, [OutgoingMessage(body, buttons=buttons(meeting, None, full))],
                      member.id)
            for member in await self.reminders.audience(meeting, {})
        ]
        if recipients:
            key = f"meeting:{meeting.id}:announced"
            await self.delivery.enqueue(key, KIND, recipients, title=key)
        return len(recipients)

    async def update(self, meeting: Meeting, plan: MeetingPlan) -> tuple[Meeting, int]:
        """Save the plan; if its time changed, reminders move and those who answered Going,
        Maybe or joined the waiting list are told. Returns the meeting and how many were told."""
        moved = (plan.starts_at, plan.ends_at) != (meeting.starts_at, meeting.ends_at)
        anchor_moved = moved or plan.issue_cutoff_at != meeting.issue_cutoff_at
        await repo.update(self.db, meeting.id, plan, self.clock(), rescheduled=anchor_moved,
                          revised=event_changed(meeting.plan, plan))
        updated = await self._reload(meeting.id)
        await self.rsvps.fill_places(updated)
        if anchor_of(updated) != anchor_of(meeting):
            # Reminders count back from the start (or a board's cut-off): stop the old ones.
            await self._stop_reminders(meeting)
        if not moved:
            return updated, 0
        told = await self._tell(updated, f"meeting:{meeting.id}:moved:{updated.sequence}",
                                lambda body: texts.rescheduled(updated, meeting, body, self.tz))
        return updated, told

    async def cancel(self, meeting: Meeting) -> int:
        await repo.cancel(self.db, meeting.id, self.clock())
        await self._stop_reminders(meeting)
        cancelled = await self._reload(meeting.id)
        return await self._tell(cancelled, f"meeting:{meeting.id}:cancelled",
                                lambda body: texts.cancelled(cancelled, self.tz), answers=False)

    async def affected(self, meeting: Meeting) -> list[Attendee]:
        """Who is told of a change: Going, Maybe, or on the waiting list."""
        return await repo.attendees(self.db, meeting.id, TOLD_OF_CHANGES)

    async def _stop_reminders(self, meeting: Meeting) -> None:
        """Reminders for the old time that are still being sent stop where they are."""
        for offset in self.reminders.offsets(meeting):
            await self.delivery.cancel(reminder_key(meeting, offset.text))

    async def _tell(
        self, meeting: Meeting, key: str, wording: Callable[[str], str], *,
        answers: bool = True,
    ) -> int:
        body = await self.cards.body(meeting)
        full = await self.cards.full(meeting)
        people = await self.affected(meeting)
        recipients = [
            Recipient(p.chat_id, [OutgoingMessage(
                wording(body), buttons=buttons(meeting, p.answer, full) if answers else ())],
                p.member_id)
            for p in people
        ]
        if recipients:
            await self.delivery.enqueue(key, KIND, recipients, title=key)
        return len(recipients)

    async def _reload(self, meeting_id: int) -> Meeting:
        meeting = await repo.get(self.db, meeting_id)
        assert meeting is not None, "the meeting was just written"
        return meeting

    # --- answers, attendance, notes -----------------------------------------------------------

    async def attendance(self, meeting: Meeting) -> dict[str, list[Attendee]]:
        people = await repo.attendees(self.db, meeting.id)
        return {answer: [p for p in people if p.answer == answer] for answer in repo.ANSWERS}

    async def answers_csv(self, meeting: Meeting) -> tuple[bytes, int]:
        """Every answer as CSV (UTF-8 with BOM, so Excel reads names right) and how many."""
        people = await repo.attendees(self.db, meeting.id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(texts.CSV_HEADER)
        day = meeting.starts_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        for p in people:
            writer.writerow([spreadsheet_safe(meeting.title), day, texts.ANSWER_LABELS[p.answer],
                             spreadsheet_safe(p.organisation), spreadsheet_safe(p.contact_name),
                             spreadsheet_safe(p.role),
                             p.answered_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")])
        return ("\ufeff" + out.getvalue()).encode("utf-8"), len(people)

    async def notes_audience(self, meeting: Meeting) -> list[Member]:
        """Those who said they were going, and the followers of the meeting's theme."""
        audience: dict[int, Member] = {}
        for person in await repo.attendees(self.db, meeting.id, [GOING]):
            member = await members_repo.get_by_id(self.db, person.member_id)
            if member is not None and member.active:
                audience[member.id] = member
        if meeting.theme_slug:
            for member in await members_repo.list_reachable(self.db, [meeting.theme_slug]):
                audience[member.id] = member
        return list(audience.values())

    async def post_notes(self, meeting: Meeting, notes: str, report_chat_id: int | None) -> int:
        """Queue the notes once per meeting; a second attempt adds nobody."""
        message = OutgoingMessage(texts.notes_message(meeting, notes, self.tz))
        audience = await self.notes_audience(meeting)
        await self.delivery.enqueue(
            f"meeting:{meeting.id}:notes", KIND,
            [Recipient(m.chat_id, [message], m.id) for m in audience],
            title=f"Notes: {meeting.title}", report_chat_id=report_chat_id,
        )
        await repo.set_notes(self.db, meeting.id, notes, self.clock())
        return len(audience)

    def calendar(self, meeting: Meeting) -> bytes:
        return calendar_file(meeting, self.tz, self.clock())

    # --- the member directory's hooks ---------------------------------------------------------

    async def personal_data(self, member: Member) -> list[dict[str, Any]]:
        return [
            {"meeting": a.meeting_title, "starts_at": to_db(a.starts_at),
             "answer": texts.ANSWER_LABELS[a.answer], "answered_at": to_db(a.answered_at)}
            for a in await repo.answers_of_member(self.db, member.id)
        ]

    async def member_changed(self, member: Member, themes: list[str]) -> None:
        """Nothing to do: reminders read members' themes when they go."""

    async def member_forgotten(self, member: Member) -> None:
        for meeting_id in await repo.going_meetings_of(self.db, member.id, self.clock()):
            await self.rsvps.leave(await self._reload(meeting_id), member.id)
