"""The Mailchimp audience kept in step with the member directory.

Members who gave an email address (which onboarding only keeps with their consent to the email
bulletin) are contacts in the audience, identified by subscriber hash, with their themes as tags
``theme:<slug>``. Only those tags and the name fields are the bot's: the officer's own tags, and
contacts who are not bot members, are never touched.

* A new contact is added as ``pending``: Mailchimp sends its confirmation email (double opt-in),
  so the audience holds proof of each address's consent.
* Theme changes are applied with the tags endpoint (active/inactive), because tags sent with an
  upsert only apply when the contact is created.
* A changed address: the old contact is archived (reversible, keeps its history), the new one
  added; the archived contact's hash is kept, so ``/forget`` erases it too. Consent withdrawn:
  the contact is unsubscribed, which is Mailchimp's way of honouring an opt-out (it also stops
  an import from re-adding the address).
* Someone who unsubscribed through Mailchimp's link cannot be re-subscribed through the API, and
  should not be: they are left alone and reported. A member who gives consent again in the bot
  after unsubscribing (through Mailchimp's link, or by withdrawing consent in the bot) is set
  back to ``pending``: Mailchimp's double opt-in is the only way back, so Mailchimp asks them to
  confirm, and the bot tells them to look for that email.
* ``/forget`` deletes the contact, and any archived for an older address, permanently
  (Mailchimp's GDPR erasure: the contact and its history go, and Mailchimp refuses to re-add the
  address through the API; the person can still sign up again through a Mailchimp form).
  Archiving would keep their data, which is what /forget promises not to do.

A change is recorded in SQLite first (``needs_sync``) and pushed by a background task, so the
member's Telegram conversation never waits for Mailchimp and never fails because of it; what
fails is retried with backoff by :meth:`AudienceSync.retry_due` (a DueWork).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from db import mailchimp as repo
from db import members as members_repo
from db.database import Database
from db.mailchimp import MemberSync
from db.members import EMAIL_BULLETIN, Member
from db.timeutil import Clock, utcnow
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage
from email_channel.client import (
    Contact,
    MailchimpAuthError,
    MailchimpClient,
    MailchimpError,
    MailchimpNotFound,
    MailchimpRejected,
    subscriber_hash,
)
from wording import members as member_texts

log = logging.getLogger(__name__)

TAG_PREFIX = "theme:"
WITHDRAWN = "withdrawn"
MAX_BACKOFF = timedelta(hours=6)
MAILABLE = ("subscribed", "pending")
"""Statuses of a contact that Mailchimp may still email."""
RE_ADDABLE = ("archived", "transactional")
"""Contacts that an upsert must explicitly set back to ``pending``: status_if_new skips them."""


class Outcome(StrEnum):
    ADDED = "added, waiting for them to confirm"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    EMAIL_CHANGED = "changed address (old one archived)"
    WITHDRAWN = "unsubscribed (consent withdrawn in the bot)"
    RECONFIRM = "asked to confirm again (consent given again in the bot)"
    UNSUBSCRIBED = "left alone: unsubscribed through Mailchimp"
    CLEANED = "left alone: address bounced (cleaned)"
    REJECTED = "refused by Mailchimp"
    FAILED = "failed; will be retried"


@dataclass(frozen=True)
class MemberResult:
    member_id: int
    who: str
    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True)
class AudienceReport:
    results: list[MemberResult] = field(default_factory=list)
    erased: int = 0
    erasures_pending: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def changes(self) -> list[MemberResult]:
        return [r for r in self.results if r.outcome is not Outcome.UNCHANGED]

    @property
    def failed(self) -> bool:
        return self.erasures_pending > 0 or any(
            r.outcome in (Outcome.FAILED, Outcome.REJECTED) for r in self.results
        )


@dataclass(frozen=True)
class _Synced:
    """What to remember about the member's contact after a successful push."""

    subscriber_hash: str | None
    status: str | None
    tags: frozenset[str] = frozenset()


def theme_tags(themes: list[str]) -> frozenset[str]:
    return frozenset(TAG_PREFIX + slug for slug in themes)


def merge_fields(member: Member) -> dict[str, str]:
    first, _, last = member.contact_name.strip().partition(" ")
    return {"FNAME": first, "LNAME": last.strip()}


def retry_at(now: datetime, attempts: int) -> datetime:
    return now + min(timedelta(minutes=2**attempts), MAX_BACKOFF)


@dataclass
class AudienceSync:
    """A :class:`members.directory.MemberListener` that mirrors members into the audience."""

    db: Database
    client: MailchimpClient
    clock: Clock = utcnow
    delivery: DeliveryEngine | None = None
    """Tells a member on Telegram what Mailchimp will ask of them (confirming again)."""
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _wanted: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _worker: asyncio.Task[None] | None = field(default=None, init=False)
    _closed: bool = field(default=False, init=False)

    async def member_changed(self, member: Member, themes: list[str]) -> None:
        """Record that the member needs syncing; the push reads the latest state from the
        database, so quick successive changes cannot be applied out of order."""
        if member.email is None and await repo.get_member_sync(self.db, member.id) is None:
            return  # never in the audience: nothing to add or undo
        await repo.mark_needs_sync(self.db, member.id)
        self._kick()

    async def member_forgotten(self, member: Member) -> None:
        """Remember which contacts to erase before the member row (and its sync row) goes."""
        row = await repo.get_member_sync(self.db, member.id)
        hashes = await repo.archived_of(self.db, member.id)
        if row and row.subscriber_hash:
            hashes.add(row.subscriber_hash)
        if member.email:
            hashes.add(subscriber_hash(member.email))
        if hashes:
            await repo.request_erasure(self.db, hashes, self.clock())
            self._kick()

    async def retry_due(self, now: datetime) -> None:
        """DueWork: wake the background push for whatever failed earlier and is due again (it
        reads the clock itself, so a push that starts later still sees what is due then)."""
        self._kick()

    async def sync_due(self, now: datetime) -> AudienceReport:
        """Push every recorded change whose backoff has passed, and owed erasures."""
        async with self._lock:
            results = await self._sync_members(await repo.due_members(self.db, now), now)
            erased, pending = await self._erase(await repo.due_erasures(self.db, now), now)
        return AudienceReport(results, erased, pending)

    async def reconcile(self) -> AudienceReport:
        """Bring the whole audience in line with the directory (``linkedup mailchimp sync``).

        A wrong key or audience id raises at once (:class:`MailchimpAuthError`,
        :class:`MailchimpNotFound`), rather than failing once per member."""
        async with self._lock:
            await self.client.audience()
            now = self.clock()
            ids = [m.id for m in await members_repo.list_all(self.db)
                   if m.email or await repo.get_member_sync(self.db, m.id)]
            results = await self._sync_members(ids, now)
            erased, pending = await self._erase(await repo.due_erasures(self.db, None), now)
        return AudienceReport(results, erased, pending)

    async def idle(self) -> None:
        """Wait for the background push to finish what it has been given."""
        while self._worker is not None and not self._worker.done():
            await asyncio.wait({self._worker})

    async def close(self, grace: float = 10.0) -> None:
        """Stop pushing; what is unfinished stays flagged in the database for the next start."""
        self._closed = True
        if self._worker is not None and not self._worker.done():
            await asyncio.wait({self._worker}, timeout=grace)
            self._worker.cancel()

    def _kick(self) -> None:
        if self._closed:
            return
        self._wanted.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="mailchimp-audience")

    async def _work(self) -> None:
        while self._wanted.is_set() and not self._closed:
            self._wanted.clear()
            try:
                report = await self.sync_due(self.clock())
            except MailchimpError as error:
                log.warning("Mailchimp audience sync stopped: %s", error)
                continue
            except Exception:
                log.exception("Mailchimp audience sync failed; it will be retried")
                continue
            for result in report.changes:
                log.info("Mailchimp: member %s %s %s", result.member_id, result.outcome,
                         result.detail)

    async def _sync_members(self, member_ids: list[int], now: datetime) -> list[MemberResult]:
        """Sync concurrently (the client caps connections); a wrong key or audience is raised."""
        outcomes = await asyncio.gather(
            *(self._sync_one(member_id, now) for member_id in member_ids), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return [outcome for outcome in outcomes if isinstance(outcome, MemberResult)]

    async def _sync_one(self, member_id: int, now: datetime) -> MemberResult | None:
        member = await members_repo.get_by_id(self.db, member_id)
        if member is None:
            return None  # forgotten since it was flagged; its erasure is queued separately
        row = await repo.get_member_sync(self.db, member_id)
        who = f"{member.contact_name} ({member.organisation})"
        try:
            themes = await members_repo.themes_of(self.db, member.id)
            outcome, synced = await self._push(member, themes, row)
        except MailchimpRejected as error:
            await repo.record_sync_failure(self.db, member.id, str(error), None)
            return MemberResult(member.id, who, Outcome.REJECTED, str(error))
        except MailchimpError as error:
            attempts = row.attempts if row else 0
            await repo.record_sync_failure(self.db, member.id, str(error),
                                           retry_at(now, attempts))
            if isinstance(error, MailchimpAuthError | MailchimpNotFound):
                raise  # the config is wrong: every member would fail the same way
            return MemberResult(member.id, who, Outcome.FAILED, str(error))
        await repo.record_synced(self.db, member.id, synced.subscriber_hash, synced.status,
                                 synced.tags, now)
        if outcome is Outcome.RECONFIRM:
            await self._tell_to_confirm(member, now)
        return MemberResult(member.id, who, outcome)

    async def _tell_to_confirm(self, member: Member, now: datetime) -> None:
        if self.delivery is None or member.email is None:
            return
        message = OutgoingMessage(member_texts.email_reconfirm(member.email))
        await self.delivery.enqueue(f"mailchimp-reconfirm:{member.id}:{now.isoformat()}",
                                    "mailchimp", [Recipient(member.chat_id, [message], member.id)],
                                    title="Email bulletin: confirm again")

    async def _push(
        self, member: Member, themes: list[str], row: MemberSync | None
    ) -> tuple[Outcome, _Synced]:
        new_hash = subscriber_hash(member.email) if member.email else None
        old = row.subscriber_hash if row else None
        old_status = row.status if row else None
        if new_hash is None:
            if old is None or old_status == WITHDRAWN:
                return Outcome.UNCHANGED, _Synced(old, old_status)
            return await self._withdraw(old)
        moved = old is not None and old != new_hash and old_status in MAILABLE
        if moved and old is not None:
            await self.client.archive_contact(old)
            await repo.record_archived(self.db, member.id, old, self.clock())
        reconsented = old == new_hash and old_status == WITHDRAWN
        consented_at = await self._consented_at(member)
        outcome, synced = await self._upsert(member, new_hash, theme_tags(themes),
                                             reconsented, consented_at)
        if moved and outcome in (Outcome.ADDED, Outcome.UPDATED, Outcome.UNCHANGED):
            outcome = Outcome.EMAIL_CHANGED
        return outcome, synced

    async def _withdraw(self, hash_: str) -> tuple[Outcome, _Synced]:
        contact = await self.client.get_contact(hash_)
        if contact is not None and contact.status in MAILABLE:
            await self.client.update_contact(hash_, {"status": "unsubscribed"})
        return Outcome.WITHDRAWN, _Synced(hash_, WITHDRAWN)

    async def _consented_at(self, member: Member) -> datetime | None:
        """When the member last said yes to the email bulletin in the bot."""
        given = [c.recorded_at for c in await members_repo.consents_of(self.db, member.id)
                 if c.purpose == EMAIL_BULLETIN and c.granted]
        return max(given, default=None)

    async def _upsert(
        self, member: Member, hash_: str, tags: frozenset[str], reconsented: bool,
        consented_at: datetime | None,
    ) -> tuple[Outcome, _Synced]:
        assert member.email is not None
        current = await self.client.get_contact(hash_)
        body: dict[str, object] = {
            "email_address": member.email, "status_if_new": "pending", "email_type": "html",
            "merge_fields": merge_fields(member),
        }
        if current is None or current.status in RE_ADDABLE:
            contact = await self.client.upsert_contact(hash_, {**body, "status": "pending"})
            outcome = Outcome.ADDED
        elif current.status == "unsubscribed":
            if not (reconsented or _consented_since(consented_at, current)):
                return Outcome.UNSUBSCRIBED, _Synced(hash_, current.status, _ours(current))
            contact = await self.client.update_contact(hash_, {"status": "pending"})
            outcome = Outcome.RECONFIRM
        elif current.status == "cleaned":
            return Outcome.CLEANED, _Synced(hash_, current.status, _ours(current))
        elif any(current.merge_fields.get(k) != v for k, v in merge_fields(member).items()):
            contact = await self.client.upsert_contact(hash_, body)
            outcome = Outcome.UPDATED
        else:
            contact, outcome = current, Outcome.UNCHANGED
        if await self._retag(hash_, _ours(contact), tags) and outcome is Outcome.UNCHANGED:
            outcome = Outcome.UPDATED
        return outcome, _Synced(hash_, contact.status, tags)

    async def _retag(self, hash_: str, current: frozenset[str], wanted: frozenset[str]) -> bool:
        if current == wanted:
            return False
        await self.client.set_tags(hash_, active=wanted - current, inactive=current - wanted)
        return True

    async def _erase(self, erasures: list[repo.Erasure], now: datetime) -> tuple[int, int]:
        """Delete forgotten members' contacts; returns (erased, still owed)."""
        erased = 0
        for erasure in erasures:
            try:
                await self.client.erase_contact(erasure.subscriber_hash)
            except MailchimpError as error:
                log.warning("Mailchimp: could not erase a forgotten member's contact: %s", error)
                await repo.erasure_failed(self.db, erasure.subscriber_hash, str(error),
                                          retry_at(now, erasure.attempts))
                continue
            await repo.erasure_done(self.db, erasure.subscriber_hash)
            erased += 1
        return erased, len(erasures) - erased


def _consented_since(consented_at: datetime | None, contact: Contact) -> bool:
    """A yes in the bot after the contact last changed in Mailchimp (their unsubscribe)."""
    return (consented_at is not None and contact.last_changed is not None
            and consented_at > contact.last_changed)


def _ours(contact: Contact) -> frozenset[str]:
    return frozenset(tag for tag in contact.tags if tag.startswith(TAG_PREFIX))
