"""The bulletin's life: draft, preview, test, send now or on schedule, reads, archive.

Sending goes through the delivery engine (one ledger row per member per message part), so a
restart mid-send resumes without resending, and a scheduled bulletin is found by the due-work
tick after any downtime.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bulletins import drafts, stats
from bulletins.drafts import DraftEditor, EditableDraft
from bulletins.model import Bulletin
from bulletins.read_links import ReadLinks, ReadTarget
from bulletins.stats import BulletinStats, EmailFiguresSource
from bulletins.telegram_render import ReadUrl, render_for_member
from db import articles as articles_repo
from db import bulletins as bulletins_repo
from db import members as members_repo
from db.bulletins import BulletinRecord
from db.database import Database
from db.deliveries import DispatchProgress
from db.members import Member
from db.timeutil import Clock
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage
from email_channel.campaigns import CampaignError, EmailCampaigns, NoTestEmail
from email_channel.client import MailchimpError
from wording import bulletins as texts

log = logging.getLogger(__name__)
KIND = "bulletin"
THEMES_PAGE = 500
"""Members whose themes are read at a time while a bulletin is planned."""


def dispatch_key(bulletin_id: int) -> str:
    return f"bulletin:{bulletin_id}"


class SendRefused(Exception):
    """The bulletin was not sent on any channel; the message says why and what to do."""

    def __init__(self, reason: str, *, needs_test: bool = False) -> None:
        super().__init__(reason)
        self.needs_test = needs_test  # the email waits for a test of its current content


def _refusal(error: CampaignError | MailchimpError) -> SendRefused:
    return SendRefused(str(error), needs_test=isinstance(error, NoTestEmail))


@dataclass(frozen=True)
class TestSent:
    """What a test did on each channel, for whoever asked for it to say."""

    messages: int  # queued for the officer's chat, the outcome line not counted
    email: str  # one line: sent to whom, refused and why, or no email edition
    email_refused: bool


@dataclass
class BulletinService:
    db: Database
    delivery: DeliveryEngine
    clock: Clock
    tz: ZoneInfo
    email: EmailCampaigns | None = None
    """The Mailchimp edition of the same draft, when the config has ``[mailchimp]``."""
    read_links: ReadLinks | None = None
    """Counted links through the bot's public web server, when the config has ``[web]``."""
    editor: DraftEditor = field(init=False)
    """The officer's changes to the open draft."""

    def __post_init__(self) -> None:
        self.editor = DraftEditor(self.db, self.clock)
        self.delivery.on_done(KIND, self._finished)

    async def open_draft(self) -> EditableDraft:
        return await drafts.open_draft(self.db, self.clock(), self.tz)

    async def preview(self, bulletin: Bulletin, member: Member | None) -> list[OutgoingMessage]:
        """Exactly what ``member`` will receive; without a member, the unpersonalised edition."""
        if member is None:
            return render_for_member(bulletin, [], False, self._read_url(bulletin.id, None))
        followed = await members_repo.themes_of(self.db, member.id)
        return render_for_member(bulletin, followed, member.only_my_themes,
                                 self._read_url(bulletin.id, member.id))

    def _read_url(self, bulletin_id: int, member_id: int | None) -> ReadUrl | None:
        links = self.read_links
        if links is None:
            return None
        return lambda article_id: links.url(ReadTarget(bulletin_id, article_id, member_id))

    async def recent_stats(self, email: EmailFiguresSource | None) -> list[BulletinStats]:
        """The last bulletins' reads, newest first, with their email figures when there are."""
        return await stats.recent_stats(self.db, email)

    async def telegram_audience(self) -> int:
        """How many members the Telegram edition goes to: everyone reachable."""
        return len(await members_repo.audience(self.db))

    async def email_audience(self) -> int | None:
        """How many addresses the email goes to; None without Mailchimp or when it cannot say."""
        if self.email is None:
            return None
        try:
            return (await self.email.client.audience()).member_count
        except MailchimpError:
            log.warning("could not read the Mailchimp audience's size", exc_info=True)
            return None

    async def send_test(self, draft: EditableDraft, chat_id: int, member: Member | None
                        ) -> TestSent:
        """The member's edition to the officer's chat, then one message saying what each
        channel did, all in one paced dispatch (her chat has Telegram's per-chat limit too)."""
        messages = await self.preview(draft.bulletin, member)
        refused = False
        try:
            address = await self.send_test_email(draft)
            email = texts.test_email_outcome(address, None)
        except SendRefused as error:
            email, refused = texts.test_email_outcome(None, str(error)), True
        outcome = OutgoingMessage(texts.test_outcome(len(messages), email))
        await self.delivery.enqueue(
            f"bulletin-test:{draft.record.id}:{self.clock().isoformat()}", "bulletin-test",
            [Recipient(chat_id, [*messages, outcome], member.id if member else None)],
            title=f"Test of {draft.record.title}",
        )
        return TestSent(len(messages), email, refused)

    async def send_test_email(self, draft: EditableDraft) -> str | None:
        """The email edition's test, to the reply-to address; None without Mailchimp."""
        if self.email is None:
            return None
        try:
            await self.email.send_test(draft.bulletin)
        except (CampaignError, MailchimpError) as error:
            raise _refusal(error) from error
        return await self.email.reply_to()

    async def send_now(self, draft: EditableDraft, report_chat_id: int | None) -> int:
        """Email first: if Mailchimp refuses (no test yet, a bad key), nothing has gone out and
        the officer can fix it and press Send again; a second press never sends twice."""
        drafts.require_content(draft)
        await self._send_email(draft)
        return await self._deliver(draft.record, report_chat_id)

    async def schedule(self, draft: EditableDraft, when: datetime) -> tuple[EditableDraft,
                                                                            datetime]:
        """Both channels at one time: Mailchimp's quarter-hour slot when email is on."""
        if self.email is not None:
            try:
                when = (await self.email.schedule(draft.bulletin, when)).scheduled_for
            except (CampaignError, MailchimpError) as error:
                raise _refusal(error) from error
        return await drafts.schedule(self.db, draft, when, self.clock()), when

    async def cancel(self, draft: EditableDraft) -> None:
        """Cancel on both channels: a scheduled email campaign is unscheduled first."""
        email = await self.email.record(draft.record.id) if self.email else None
        if self.email is not None and email is not None and email.state == "scheduled":
            try:
                await self.email.unschedule(draft.record.id)
            except (CampaignError, MailchimpError) as error:
                raise _refusal(error) from error
        await drafts.cancel(self.db, draft)

    async def _send_email(self, draft: EditableDraft) -> None:
        if self.email is None:
            return
        try:
            await self.email.send(draft.bulletin)
        except (CampaignError, MailchimpError) as error:
            raise _refusal(error) from error

    async def send_due(self, now: datetime) -> None:
        """Due work: send scheduled bulletins whose time has come (also after downtime)."""
        for record in await bulletins_repo.list_due(self.db, now):
            log.info("sending scheduled bulletin %s", record.id)
            await self._deliver(record, report_chat_id=None)

    async def _deliver(self, record: BulletinRecord, report_chat_id: int | None) -> int:
        bulletin = await drafts.load_bulletin(self.db, record)
        # Enqueue first: the key makes a repeat after a crash harmless, and the status change
        # after it means a bulletin is never marked as sending without its ledger.
        dispatch_id = await self.delivery.enqueue(
            dispatch_key(record.id), KIND, self._recipients(bulletin), title=record.title,
            report_chat_id=report_chat_id,
        )
        await bulletins_repo.set_status(self.db, record.id, "sending", sent_at=self.clock())
        return dispatch_id

    async def _recipients(self, bulletin: Bulletin) -> AsyncIterator[Recipient]:
        """Every reachable member with their edition, rendered as the ledger takes them.

        Without counted links a member's edition depends only on their themes and their "only
        my themes" choice, so each such edition is rendered once (a few dozen for thousands of
        members); counted links carry the member, so then each is rendered for its member.
        """
        members = list(await members_repo.audience(self.db))
        editions: dict[tuple[tuple[str, ...], bool], list[OutgoingMessage]] = {}
        for start in range(0, len(members), THEMES_PAGE):
            page = members[start:start + THEMES_PAGE]
            themes = await members_repo.themes_of_members(self.db, [m.member_id for m in page])
            for member in page:
                followed = themes.get(member.member_id, [])
                if self.read_links is not None:
                    yield Recipient(member.chat_id, render_for_member(
                        bulletin, followed, member.only_my_themes,
                        self._read_url(bulletin.id, member.member_id)), member.member_id)
                    continue
                edition = (tuple(followed), member.only_my_themes)
                if edition not in editions:
                    editions[edition] = render_for_member(bulletin, followed,
                                                          member.only_my_themes)
                yield Recipient(member.chat_id, editions[edition], member.member_id)

    async def _finished(self, progress: DispatchProgress) -> None:
        bulletin_id = int(progress.key.removeprefix("bulletin:"))
        await bulletins_repo.set_status(self.db, bulletin_id, "sent")

    async def latest(self) -> Bulletin | None:
        record = await bulletins_repo.last_sent(self.db)
        return await drafts.load_bulletin(self.db, record) if record else None

    async def archive(self) -> list[BulletinRecord]:
        return await bulletins_repo.list_sent(self.db)

    async def sent_bulletin(self, bulletin_id: int) -> Bulletin | None:
        record = await bulletins_repo.get(self.db, bulletin_id)
        if record is None or record.status not in ("sending", "sent"):
            return None
        return await drafts.load_bulletin(self.db, record)

    async def record_read(
        self, bulletin_id: int, article_id: int, member: Member | None
    ) -> tuple[str, str] | None:
        """Count the tap, then give (title, link) to show; None if the article is gone.

        Taps on a draft's preview show the link but are not counted: they are the officer's.
        """
        return await self._count_read(bulletin_id, article_id, member.id if member else None)

    async def record_read_by_link(self, token: str) -> str | None:
        """A headline's counted link was opened: count it, give the article's address (None
        for a forged or stale token, or an article gone from the bulletin)."""
        target = self.read_links.target(token) if self.read_links else None
        if target is None:
            return None
        member_id = target.member_id
        if member_id is not None and await members_repo.get_by_id(self.db, member_id) is None:
            member_id = None  # forgotten since: the read counts, without a person
        found = await self._count_read(target.bulletin_id, target.article_id, member_id)
        return found[1] if found else None

    async def _count_read(
        self, bulletin_id: int, article_id: int, member_id: int | None
    ) -> tuple[str, str] | None:
        record = await bulletins_repo.get(self.db, bulletin_id)
        if record is None:
            return None
        bulletin = await drafts.load_bulletin(self.db, record)
        article_id = await articles_repo.current_id(self.db, article_id)
        item = next((i for i in bulletin.items() if i.article_id == article_id and i.link), None)
        if item is None:
            return None
        if record.status in ("sending", "sent"):
            await bulletins_repo.record_read(
                self.db, bulletin_id, article_id, member_id, self.clock()
            )
        return item.title, item.link


@dataclass
class BulletinReadsOfMember:
    """The member's "read" taps, for ``/mydata``; ``/forget`` cuts them loose from the member
    (the count survives, the link to the person does not)."""

    db: Database
    name: str = "bulletin_reads"

    async def personal_data(self, member: Member) -> list[dict[str, object]]:
        return [
            {"bulletin": bulletin_id, "article": article_id, "read_at": read_at}
            for bulletin_id, article_id, read_at in await bulletins_repo.reads_by_member(
                self.db, member.id)
        ]
