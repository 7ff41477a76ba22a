"""The bulletin's email edition as a Mailchimp campaign: create, fill, test, then send or schedule.

One campaign per bulletin, recorded in SQLite (:mod:`db.mailchimp`) before every call that
changes it, so each step is idempotent and a campaign is never sent twice:

* the state becomes ``sending`` (``scheduling``) before the send (schedule) call; if the call
  fails ambiguously (a timeout, a 5xx) or the process dies, the campaign's status is read back
  from Mailchimp before anything is tried again;
* a campaign whose creation failed ambiguously is looked for (by the bulletin number in its
  internal title) before another is created.

Mailchimp only schedules on the quarter hour, so a requested time is rounded up and the result
says so. A test email must go out after the last change to the content: what the officer saw in
her inbox is what the audience gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bulletins.model import Bulletin
from db import mailchimp as repo
from db.database import Database
from db.mailchimp import CampaignRecord
from db.timeutil import Clock, utcnow
from email_channel.audience import TAG_PREFIX
from email_channel.client import CampaignInfo, MailchimpClient, MailchimpError
from email_channel.render import EmailEdition, NetworkDetails, render_email

QUARTER_HOUR = timedelta(minutes=15)
EDITABLE = ("creating", "draft")
_STATES = {"save": "draft", "paused": "draft", "schedule": "scheduled"}
"""Mailchimp campaign status -> our state; anything else has (at least partly) gone out."""


class CampaignError(Exception):
    """Something the officer asked of the email that cannot be done now, worded for her."""


class NoTestEmail(CampaignError):
    """The email cannot go before a test of its current content: where she asked, she is
    told how to send one (a button in the bot, a command in the shell)."""


@dataclass(frozen=True)
class ScheduleResult:
    requested: datetime
    scheduled_for: datetime

    @property
    def rounded(self) -> bool:
        return self.scheduled_for != self.requested


def next_quarter_hour(moment: datetime) -> datetime:
    """``moment`` rounded up to :00, :15, :30 or :45 (every time zone's offset is a whole number
    of quarter hours, so this holds in UTC and in local time alike)."""
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return floor if floor == moment else floor + QUARTER_HOUR


def marker(bulletin_id: int) -> str:
    """Ends the campaign's name in Mailchimp's list (recipients never see it), to find it again."""
    return f"[linkedup bulletin #{bulletin_id}]"


@dataclass
class EmailCampaigns:
    db: Database
    client: MailchimpClient
    network: NetworkDetails
    tz: ZoneInfo
    clock: Clock = utcnow

    async def record(self, bulletin_id: int) -> CampaignRecord | None:
        """The campaign's state, after settling any call whose outcome was unknown."""
        record = await repo.get_campaign(self.db, bulletin_id)
        return await self._settle(record) if record else None

    async def prepare(self, bulletin: Bulletin, themes: tuple[str, ...] = ()) -> CampaignRecord:
        """Create the campaign (to followers of ``themes``, or everyone) and bring its content up
        to date with the draft. Changed content voids an earlier test."""
        now = self.clock()
        record = await self._settle(await repo.start_campaign(self.db, bulletin.id, themes, now))
        if record.state not in EDITABLE:
            raise CampaignError(_not_editable(record, self.tz))
        edition = render_email(bulletin, self.network)
        if record.campaign_id is None:
            campaign_id = await self._create(bulletin, edition, themes)
        else:
            campaign_id = record.campaign_id
            if edition.content_hash != record.content_hash or themes != record.segment:
                await self.client.update_campaign(
                    campaign_id, await self._body(bulletin, edition, themes))
        await repo.record_created(self.db, bulletin.id, campaign_id, themes, now)
        if edition.content_hash != record.content_hash:
            await self.client.set_content(campaign_id, edition.html)
            await repo.record_content(self.db, bulletin.id, edition.content_hash, now)
        return await self._get(bulletin.id)

    async def send_test(
        self, bulletin: Bulletin, emails: list[str] | None = None, themes: tuple[str, ...] = ()
    ) -> CampaignRecord:
        """Prepare, then send a test to ``emails`` (by default the reply-to address)."""
        record = await self.prepare(bulletin, themes)
        assert record.campaign_id is not None
        await self.client.send_test(record.campaign_id, emails or [await self.reply_to()])
        await repo.record_test(self.db, bulletin.id, self.clock())
        return await self._get(bulletin.id)

    async def send(self, bulletin: Bulletin) -> CampaignRecord:
        """Send now; a bulletin already sent is left as it is (and reported as sent)."""
        record = await self.record(bulletin.id)
        if record is not None and record.state == "sent":
            return record
        if record is not None and record.state == "scheduled":
            raise CampaignError(_not_editable(record, self.tz))
        campaign_id = await self._tested(bulletin, record)
        await repo.set_state(self.db, bulletin.id, "sending", self.clock())
        try:
            await self.client.send(campaign_id)
        except MailchimpError as error:
            await self._after_failure(bulletin.id, error)
        else:
            now = self.clock()
            await repo.set_state(self.db, bulletin.id, "sent", now, sent_at=now)
        return await self._get(bulletin.id)

    async def schedule(self, bulletin: Bulletin, when: datetime) -> ScheduleResult:
        """Schedule for ``when`` rounded up to the quarter hour (moving an earlier schedule)."""
        slot = next_quarter_hour(when)
        if slot <= self.clock():
            raise CampaignError("That time has passed: choose a time in the future.")
        record = await self.record(bulletin.id)
        if record is not None and record.state == "scheduled":
            if record.scheduled_for == slot:
                return ScheduleResult(when, slot)
            await self.unschedule(bulletin.id)
        elif record is not None and record.state == "sent":
            raise CampaignError(_not_editable(record, self.tz))
        campaign_id = await self._tested(bulletin, record)
        await repo.set_state(self.db, bulletin.id, "scheduling", self.clock(),
                             scheduled_for=slot)
        try:
            await self.client.schedule(campaign_id, slot)
        except MailchimpError as error:
            await self._after_failure(bulletin.id, error)
        else:
            await repo.set_state(self.db, bulletin.id, "scheduled", self.clock(),
                                 scheduled_for=slot)
        return ScheduleResult(when, slot)

    async def unschedule(self, bulletin_id: int) -> CampaignRecord:
        record = await self.record(bulletin_id)
        if record is None or record.state != "scheduled" or record.campaign_id is None:
            raise CampaignError("The email edition is not scheduled.")
        await self.client.unschedule(record.campaign_id)
        await repo.set_state(self.db, bulletin_id, "draft", self.clock())
        return await self._get(bulletin_id)

    async def _tested(self, bulletin: Bulletin, record: CampaignRecord | None) -> str:
        """The campaign id, once its content is current and a test of that content went out."""
        if record is None:
            raise NoTestEmail("Send a test email first, to check how the email looks.")
        record = await self.prepare(bulletin, record.segment)
        if record.test_sent_at is None:
            raise NoTestEmail("Send a test email first: none was sent since the email last "
                                "changed.")
        assert record.campaign_id is not None
        return record.campaign_id

    async def _after_failure(self, bulletin_id: int, error: MailchimpError) -> None:
        """After a failed send or schedule: settle what happened, then raise unless it went."""
        now = self.clock()
        if not error.ambiguous:
            await repo.set_state(self.db, bulletin_id, "draft", now, error=str(error))
            raise error
        await repo.record_error(self.db, bulletin_id, str(error), now)
        record = await self._settle(await self._get(bulletin_id))
        if record.state not in ("sent", "scheduled"):
            raise error

    async def _settle(self, record: CampaignRecord) -> CampaignRecord:
        """Read back a campaign whose last call's outcome is unknown (or whose schedule time has
        passed) and record what Mailchimp says it is."""
        due = record.state == "scheduled" and record.scheduled_for is not None \
            and record.scheduled_for <= self.clock()
        if record.campaign_id is None or not (due or record.state in ("sending", "scheduling")):
            return record
        try:
            info = await self.client.get_campaign(record.campaign_id)
        except MailchimpError as error:
            raise CampaignError(
                f"Could not check whether the email edition went out ({error}). Nothing was "
                "sent again; try again in a few minutes.") from error
        await self._record_status(record, info)
        return await self._get(record.bulletin_id)

    async def _record_status(self, record: CampaignRecord, info: CampaignInfo) -> None:
        state, now = _STATES.get(info.status, "sent"), self.clock()
        await repo.set_state(
            self.db, record.bulletin_id, state, now, error=record.last_error,
            sent_at=(info.send_time or now) if state == "sent" else None,
            scheduled_for=info.send_time if state == "scheduled" else None,
        )

    async def _create(
        self, bulletin: Bulletin, edition: EmailEdition, themes: tuple[str, ...]
    ) -> str:
        """Create the campaign, unless an earlier attempt did so without our hearing back."""
        record = await self._get(bulletin.id)
        since = record.created_at - timedelta(hours=1)
        for campaign in await self.client.draft_campaigns(since):
            if campaign.title.endswith(marker(bulletin.id)):
                return campaign.campaign_id
        body = {"type": "regular", **await self._body(bulletin, edition, themes)}
        return (await self.client.create_campaign(body)).campaign_id

    async def _body(
        self, bulletin: Bulletin, edition: EmailEdition, themes: tuple[str, ...]
    ) -> dict[str, object]:
        recipients: dict[str, object] = {"list_id": self.client.list_id}
        if themes:
            recipients["segment_opts"] = await self._segment(themes)
        return {
            "recipients": recipients,
            "settings": {
                "subject_line": edition.subject, "preview_text": edition.preview_text,
                "title": f"{bulletin.title} {marker(bulletin.id)}",
                "from_name": self.network.name,
                "reply_to": await self.reply_to(),
            },
            # Clicks are what the stats lead with; opens are kept but inflated by mail privacy.
            "tracking": {"opens": True, "html_clicks": True, "text_clicks": True},
        }

    async def _segment(self, themes: tuple[str, ...]) -> dict[str, object]:
        """Contacts tagged with any of the themes (tags are static segments in Mailchimp)."""
        ids = await self.client.tag_ids(TAG_PREFIX + slug for slug in themes)
        if not ids:
            raise CampaignError("No email contact follows those themes yet.")
        conditions = [{"condition_type": "StaticSegment", "field": "static_segment",
                       "op": "static_is", "value": tag_id} for tag_id in ids.values()]
        return {"match": "any", "conditions": conditions}

    async def reply_to(self) -> str:
        return self.network.reply_to or (await self.client.audience()).from_email

    async def _get(self, bulletin_id: int) -> CampaignRecord:
        record = await repo.get_campaign(self.db, bulletin_id)
        assert record is not None, "the campaign record is written before any call"
        return record


def _not_editable(record: CampaignRecord, tz: ZoneInfo) -> str:
    if record.state == "scheduled" and record.scheduled_for is not None:
        when = record.scheduled_for.astimezone(tz)
        return (f"The email edition is scheduled for {when:%d %B %Y at %H:%M}; "
                "unschedule it first to change it.")
    return "The email edition has already been sent."
