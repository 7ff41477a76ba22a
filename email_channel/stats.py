"""What the email edition achieved, from Mailchimp's report, for ``/stats``.

Clicks come first: since mail privacy protection, mail clients fetch images (and so "open"
emails) on their owners' behalf, inflating opens. Opens are kept for the officer's comparison
with the sector average.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bulletins.stats import EmailFigures
from db import mailchimp as repo
from db.database import Database
from email_channel.client import (
    LinkClicks,
    MailchimpClient,
    MailchimpError,
    MailchimpNotFound,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmailStats:
    campaign_id: str
    recipients: int
    clickers: int
    """People who clicked at least one link."""
    click_rate: float
    links: tuple[LinkClicks, ...]
    """Most clicked (by people) first."""
    unique_opens: int
    open_rate: float
    industry_open_rate: float | None

    def figures(self) -> EmailFigures:
        """The shape ``/stats`` combines with Telegram reads: people per link, like readers."""
        return EmailFigures(
            recipients=self.recipients, open_rate=self.open_rate, click_rate=self.click_rate,
            clicks_per_url={link.url: link.unique_clicks for link in self.links},
        )


async def campaign_stats(client: MailchimpClient, campaign_id: str) -> EmailStats:
    report = await client.report(campaign_id)
    links = sorted(await client.link_clicks(campaign_id),
                   key=lambda link: (-link.unique_clicks, -link.total_clicks, link.url))
    return EmailStats(
        campaign_id=campaign_id, recipients=report.emails_sent, clickers=report.clickers,
        click_rate=report.click_rate, links=tuple(links), unique_opens=report.unique_opens,
        open_rate=report.open_rate, industry_open_rate=report.industry_open_rate,
    )


async def bulletin_stats(
    db: Database, client: MailchimpClient, bulletin_id: int
) -> EmailStats | None:
    """The bulletin's email figures; None if it was not emailed (or has not gone out yet)."""
    record = await repo.get_campaign(db, bulletin_id)
    if record is None or record.campaign_id is None or record.state not in ("sent", "scheduled"):
        return None
    try:
        return await campaign_stats(client, record.campaign_id)
    except MailchimpNotFound:
        return None  # scheduled, and not gone out yet: Mailchimp has no report
    except MailchimpError as error:
        # /stats still shows the Telegram side; the email line says it was not available.
        log.warning("Mailchimp report for bulletin %s unavailable: %s", bulletin_id, error)
        return None
