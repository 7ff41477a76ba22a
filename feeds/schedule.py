"""Reading the website's feeds on a timer, and telling the officer when a feed misbehaves."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from db import articles as articles_repo
from db.database import Database
from db.timeutil import Clock
from delivery.engine import DeliveryEngine, Recipient
from delivery.messages import OutgoingMessage
from feeds.ingest import IngestReport, ingest_feeds
from settings.config import Config
from wording import bulletins as texts

log = logging.getLogger(__name__)


@dataclass
class FeedService:
    db: Database
    config: Config
    delivery: DeliveryEngine
    clock: Clock

    async def fetch_now(self) -> IngestReport:
        return await ingest_feeds(self.db, self.config.feed, self.config.themes, clock=self.clock)

    async def fetch_due(self, now: datetime) -> None:
        """Due work: fetch when the oldest feed is older than ``fetch_every_minutes``."""
        if not self.config.feed.urls or not await self._due(now):
            return
        report = await self.fetch_now()
        log.info("feeds fetched: %s new, %s updated", report.new, report.updated)
        await self._alert_problems(report, now)

    async def _due(self, now: datetime) -> bool:
        every = timedelta(minutes=self.config.feed.fetch_every_minutes)
        for url in self.config.feed.urls:
            state = await articles_repo.get_feed_state(self.db, str(url))
            if state.last_fetched_at is None or now - state.last_fetched_at >= every:
                return True
        return False

    async def _alert_problems(self, report: IngestReport, now: datetime) -> None:
        """One alert per distinct problem per day: a broken feed must not flood the officer."""
        lines = texts.feed_problem_lines(report.feeds)
        if not lines or not self.config.telegram.admins:
            return
        text = "\n".join(lines)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        message = OutgoingMessage(texts.FEED_PROBLEM_ALERT.format(lines=text))
        await self.delivery.enqueue(
            f"feed-problem:{now:%Y-%m-%d}:{digest}", "feed-problem",
            [Recipient(admin, [message]) for admin in self.config.telegram.admins],
            title="Feed problem",
        )
