"""Members' answers to a meeting, and its waiting list.

"Going" on a full meeting puts the member on the waiting list; whenever a place frees up
(someone changes their answer, is forgotten, or the officer adds places) the longest-waiting
member gets it and is told through the delivery engine, under a key per promotion so a retried
step never tells them twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from db import meetings as repo
from db.database import Database
from db.meetings import GOING, WAITING, Attendee, Meeting
from db.timeutil import Clock, to_db
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage
from meetings.messages import Cards, buttons
from wording import meetings as texts

KIND = "meeting"


@dataclass(frozen=True)
class Answered:
    answer: str
    """What was recorded: "going" on a full meeting is recorded as "waiting"."""
    position: int | None
    """Place on the waiting list (1 = next in)."""
    full: bool


@dataclass
class Rsvps:
    db: Database
    delivery: DeliveryEngine
    cards: Cards
    clock: Clock

    async def answer(self, meeting: Meeting, member_id: int, choice: str) -> Answered:
        async with self.db.transaction():
            previous = await repo.answer_of(self.db, meeting.id, member_id)
            recorded = choice
            if choice == GOING and previous in (GOING, WAITING):
                recorded = previous
            elif choice == GOING and await self.cards.full(meeting):
                recorded = WAITING
            await repo.set_answer(self.db, meeting.id, member_id, recorded, self.clock())
            gave_up_place = previous == GOING and recorded != GOING
            promoted = await self._fill(meeting) if gave_up_place else []
        await self._tell_promoted(meeting, promoted)
        position = (await repo.waiting_position(self.db, meeting.id, member_id)
                    if recorded == WAITING else None)
        return Answered(recorded, position, await self.cards.full(meeting))

    async def fill_places(self, meeting: Meeting) -> None:
        """Give free places to the waiting list (after places were added or freed)."""
        async with self.db.transaction():
            promoted = await self._fill(meeting)
        await self._tell_promoted(meeting, promoted)

    async def leave(self, meeting: Meeting, member_id: int) -> None:
        """A forgotten member's place goes to the waiting list before their answer is erased."""
        async with self.db.transaction():
            await repo.remove_answer(self.db, meeting.id, member_id)
            promoted = await self._fill(meeting)
        await self._tell_promoted(meeting, promoted)

    async def _fill(self, meeting: Meeting) -> list[Attendee]:
        promoted: list[Attendee] = []
        while not await self.cards.full(meeting):
            first = await repo.first_waiting(self.db, meeting.id)
            if first is None:
                break
            await repo.set_answer(self.db, meeting.id, first.member_id, GOING, self.clock())
            promoted.append(first)
        return promoted

    async def _tell_promoted(self, meeting: Meeting, promoted: list[Attendee]) -> None:
        if not promoted:
            return
        body = await self.cards.body(meeting)
        message = OutgoingMessage(texts.promoted(meeting, body),
                                  buttons=buttons(meeting, GOING, await self.cards.full(meeting)))
        for person in promoted:
            key = f"meeting:{meeting.id}:promoted:{person.member_id}:{to_db(person.answered_at)}"
            await self.delivery.enqueue(key, KIND, [Recipient(person.chat_id, [message],
                                                              person.member_id)], title=key)
