"""The email channel as one object for :class:`bot.services.Services`: the Mailchimp client, the
audience kept in step with the members, the bulletin's campaign, and its figures for /stats.

It exists only when the config has a ``[mailchimp]`` section; without one the bot is Telegram
only and nothing here is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bulletins.stats import EmailFigures
from db.database import Database
from db.timeutil import Clock
from delivery.engine import DeliveryEngine
from email_channel.audience import AudienceSync
from email_channel.campaigns import EmailCampaigns
from email_channel.client import MailchimpClient
from email_channel.render import NetworkDetails
from email_channel.stats import bulletin_stats
from settings.config import MailchimpConfig


@dataclass
class MailchimpChannel:
    client: MailchimpClient
    audience: AudienceSync
    campaigns: EmailCampaigns

    async def figures(self, bulletin_id: int) -> EmailFigures | None:
        """An :data:`bulletins.stats.EmailFiguresSource`."""
        stats = await bulletin_stats(self.campaigns.db, self.client, bulletin_id)
        return stats.figures() if stats else None

    async def close(self) -> None:
        await self.audience.close()


def open_channel(
    config: MailchimpConfig, db: Database, clock: Clock, tz: ZoneInfo, delivery: DeliveryEngine
) -> MailchimpChannel:
    client = MailchimpClient.from_config(config)
    network = NetworkDetails(config.from_name, str(config.reply_to) if config.reply_to else None)
    return MailchimpChannel(
        client=client,
        audience=AudienceSync(db, client, clock, delivery),
        campaigns=EmailCampaigns(db, client, network, tz, clock),
    )
