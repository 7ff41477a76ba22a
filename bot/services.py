"""The services the handlers call, built once per run by :mod:`bot.runtime`."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Bot

from bot.config import Config
from bot.schedule import DueWork
from bulletins.feed_schedule import FeedService
from bulletins.service import BulletinService
from bulletins.stats import EmailFiguresSource
from db.database import Database
from db.timeutil import Clock
from delivery.engine import DeliveryEngine
from members.directory import MemberDirectory


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock
    members: MemberDirectory
    delivery: DeliveryEngine
    bulletins: BulletinService
    feeds: FeedService
    sender: Bot
    """The engine's own Bot: bulk sends are paced by the engine, not by the replies' limiter."""
    due_work: list[DueWork] = field(default_factory=list)
    email_figures: EmailFiguresSource | None = None
    """Email campaign figures for /stats, when the bulletin also goes out by Mailchimp."""
