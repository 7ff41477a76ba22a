"""The officer's queue: an issue's life from submitted to closed, each step told to the
organisations behind it in plain words.

submitted → accepted (for a board's next report) / merged / declined (with a reason) /
referred (to a named person or group) → reported (the board met with it in its pack) →
responded → closed (resolved, partly resolved, or no further action). A "no" to the follow-up
question puts a responded issue back to accepted, for the next report.

Each step is one guarded update plus its history line (who, when), so a double tap or a tap
racing a timer changes the issue once; a step that is not allowed from the current status
returns None and changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from db import issues as repo
from db import themes as themes_repo
from db.database import Database
from db.issues import (
    ACCEPTED,
    CLOSED,
    DECLINED,
    JOINABLE_STATUSES,
    MERGED,
    OPEN_STATUSES,
    REFERRED,
    REPORTED,
    RESPONDED,
    SUBMITTED,
    Actor,
    Issue,
)
from db.members import Member
from db.timeutil import Clock
from delivery.messages import Button, Callbacks, OutgoingMessage
from issues.board_dates import BoardCalendar, BoardMeeting
from issues.notify import Notifier
from issues.similar import similar_issues
from issues.summary import IssueSummary, summarise, summarise_all
from wording import issues as texts

MY_ISSUES = Callbacks("myissues")
"""The button under an issue's news that lists the member's issues."""
ACCEPT_FROM = (SUBMITTED, REFERRED)
MERGE_FROM = (SUBMITTED, ACCEPTED, REFERRED)
DECLINE_FROM = (SUBMITTED, ACCEPTED, REFERRED)
REFER_FROM = (SUBMITTED, ACCEPTED)
RESPOND_FROM = (ACCEPTED, REFERRED, REPORTED)
CLOSE_FROM = (REFERRED, REPORTED, RESPONDED)
OUTCOMES = ("resolved", "partly-resolved", "no-further-action")
ANSWERS = ("yes", "partly", "no")


@dataclass(frozen=True)
class ThemeGroup:
    theme_title: str
    summaries: list[IssueSummary]

    @property
    def organisations(self) -> int:
        return len(frozenset().union(*(s.organisation_keys for s in self.summaries)))


@dataclass
class IssueQueue:
    db: Database
    notifier: Notifier
    calendar: BoardCalendar
    clock: Clock
    tz: ZoneInfo
    boards: Sequence[str]

    # --- what the officer sees ------------------------------------------------------------

    async def overview(self) -> list[ThemeGroup]:
        """Open issues by theme, in the themes' menu order."""
        issues = await repo.list_by_status(self.db, OPEN_STATUSES)
        titles = await themes_repo.titles(self.db)
        order = {t.slug: i for i, t in enumerate(await themes_repo.list_active(self.db))}
        groups: dict[str, list[Issue]] = {}
        for issue in sorted(issues, key=lambda i: (order.get(i.theme_slug, len(order)), i.id)):
            groups.setdefault(issue.theme_slug, []).append(issue)
        return [ThemeGroup(titles.get(slug, slug), await summarise_all(self.db, members))
                for slug, members in groups.items()]

    async def merge_candidates(self, issue: Issue) -> list[Issue]:
        """Open issues of the same theme it could be merged into."""
        return [other for other in await repo.joinable_in_theme(self.db, issue.theme_slug)
                if other.id != issue.id]

    async def possible_duplicates(self, issue: Issue) -> list[Issue]:
        """Open issues of the same theme that read like this one, for the officer to merge."""
        candidates = await self.merge_candidates(issue)
        matches = await asyncio.to_thread(similar_issues, issue.what_happening, candidates)
        return [match.issue for match in matches]

    async def next_after(self, issue: Issue) -> Issue | None:
        """The issue after this one in the queue's order, so triage goes on without the list."""
        order = [s.issue for group in await self.overview() for s in group.summaries]
        ids = [i.id for i in order]
        later = (order[ids.index(issue.id) + 1:] if issue.id in ids
                 else [i for i in order if i.id > issue.id])  # it has just left the queue
        return later[0] if later else None

    async def next_meeting(self, board: str) -> BoardMeeting | None:
        return await self.calendar.next_meeting(board, self.clock())

    # --- the officer's steps --------------------------------------------------------------

    async def accept(self, issue: Issue, board: str, officer_id: int) -> Issue | None:
        if board not in self.boards:
            return None
        now = self.clock()
        return await self._change(issue, ACCEPT_FROM, ACCEPTED, Actor("officer", officer_id),
                                  board, board=board, accepted_at=now)

    async def merge(self, issue: Issue, into: Issue, officer_id: int) -> Issue | None:
        if into.id == issue.id or into.status not in JOINABLE_STATUSES:
            return None
        return await self._change(issue, MERGE_FROM, MERGED, Actor("officer", officer_id),
                                  into.ref, merged_into=into.id)

    async def decline(self, issue: Issue, reason: str, officer_id: int) -> Issue | None:
        return await self._change(issue, DECLINE_FROM, DECLINED, Actor("officer", officer_id),
                                  reason, status_note=reason)

    async def refer(self, issue: Issue, to: str, officer_id: int) -> Issue | None:
        return await self._change(issue, REFER_FROM, REFERRED, Actor("officer", officer_id),
                                  to, status_note=to)

    async def respond(self, issue: Issue, response: str, officer_id: int) -> Issue | None:
        return await self._change(issue, RESPOND_FROM, RESPONDED, Actor("officer", officer_id),
                                  response, response=response, responded_at=self.clock())

    async def close(self, issue: Issue, outcome: str, actor: Actor) -> Issue | None:
        if outcome not in OUTCOMES:
            return None
        return await self._change(issue, CLOSE_FROM, CLOSED, actor, outcome, outcome=outcome)

    async def redact(self, issue: Issue, words: str, officer_id: int) -> int:
        """Take words (a name that slipped past the safeguarding check) out of the issue's
        text, in every message and report from now on."""
        return await repo.redact(self.db, issue.id, words, texts.REDACTED, Actor("officer",
                                 officer_id), self.clock(), texts.REDACTION_NOTE)

    async def mark_reported(self, issue: Issue, meeting_at: datetime) -> Issue | None:
        if issue.status == "responded":  # answered before the meeting, heard at it
            await repo.record_heard(self.db, issue.id, meeting_at)
            return await repo.get(self.db, issue.id)
        return await self._change(issue, (ACCEPTED,), REPORTED, repo.SYSTEM, None,
                                  reported_at=meeting_at)

    # --- the organisations' answer to the follow-up question ------------------------------

    async def answer_follow_up(self, issue: Issue, member: Member, answer: str) -> bool:
        """Record one organisation's answer; a "no" reopens the issue for the next report, and
        once every organisation still in touch has answered without a "no" it is closed as
        resolved or partly resolved. False if the question no longer applies."""
        if issue.status != RESPONDED or answer not in ANSWERS:
            return False
        family = await repo.family_ids(self.db, issue.id)
        if not await repo.record_answer(self.db, family, member.id, answer):
            return False
        await repo.add_event(self.db, issue.id, Actor("member", member_id=member.id),
                             "follow-up", answer, self.clock())
        if answer == "no":
            await self._reopen(issue)
        else:
            await self._close_if_all_answered(issue)
        return True

    async def _reopen(self, issue: Issue) -> None:
        reopened = await self._change(issue, (RESPONDED,), ACCEPTED, repo.SYSTEM,
                                      texts.REOPENED_NOTE, accepted_at=self.clock())
        if reopened is not None:
            family = await repo.family_ids(self.db, issue.id)
            await repo.clear_answers(self.db, family)
            await repo.reset_follow_up(self.db, issue.id)

    async def _close_if_all_answered(self, issue: Issue) -> None:
        summary = await summarise(self.db, issue)
        if sum(summary.answers.values()) < await self.audience(issue):
            return
        outcome = "resolved" if set(summary.answers) == {"yes"} else "partly-resolved"
        await self.close(issue, outcome, repo.SYSTEM)

    # --- one step -------------------------------------------------------------------------

    async def _change(
        self, issue: Issue, from_statuses: Sequence[str], to_status: str, actor: Actor,
        note: str | None, **changes: object,
    ) -> Issue | None:
        event_id = await repo.transition(self.db, issue.id, from_statuses, to_status, actor,
                                         self.clock(), note, **changes)
        if event_id is None:
            return None
        changed = await repo.get(self.db, issue.id)
        assert changed is not None
        await self._announce(changed, event_id)
        return changed

    async def _announce(self, issue: Issue, event_id: int) -> None:
        titles = await themes_repo.titles(self.db)
        meeting = (await self.next_meeting(issue.board)
                   if issue.status == ACCEPTED and issue.board else None)
        merged_into = await repo.get(self.db, issue.merged_into) if issue.merged_into else None
        news = texts.IssueNews(issue, titles.get(issue.theme_slug, issue.theme_slug), self.tz,
                               meeting.starts_at if meeting else None,
                               merged_into.ref if merged_into else None)
        await self.notifier.organisations(
            issue.id, f"issue:{issue.id}:event:{event_id}",
            OutgoingMessage(texts.status_news(news), buttons=((Button(
                texts.BUTTON_MY_ISSUES, callback_data=MY_ISSUES.data()),),)),
        )

    async def summary(self, issue: Issue) -> IssueSummary:
        """The issue with its organisations and figures, as the officer and members see it."""
        return await summarise(self.db, issue)

    async def find(self, ref_or_id: str | int) -> Issue | None:
        if isinstance(ref_or_id, int):
            return await repo.get(self.db, ref_or_id)
        return await repo.get_by_ref(self.db, ref_or_id)

    async def history(self, issue: Issue) -> list[repo.Event]:
        return await repo.events(self.db, issue.id)

    async def audience(self, issue: Issue) -> int:
        """How many members hear about the issue: everyone behind it and behind merged ones."""
        return len(await self.notifier.members_behind(issue.id))

