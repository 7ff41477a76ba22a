"""The services the handlers call, built once per run by :mod:`bot.runtime`."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Bot

from broadcasts.service import Broadcasts
from bulletins.service import BulletinService
from bulletins.stats import EmailFiguresSource
from census.service import CensusService
from db.database import Database
from db.timeutil import Clock, DueWork
from delivery.engine import DeliveryEngine
from email_channel.channel import MailchimpChannel
from feeds.schedule import FeedService
from issues.service import IssueService
from meetings.service import MeetingService
from members.directory import MemberDirectory
from settings.config import Config
from web.public import PublicRecord


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
    issues: IssueService
    """Members' issues for the boards: raising, the officer's queue, reports, timers."""
    meetings: MeetingService
    """Network and board meetings: answers, waiting lists, reminders, notes."""
    census: CensusService
    """The monthly waiting-list census: asks, answers, the officer's view, report section."""
    broadcasts: Broadcasts
    """The officer's urgent updates, to everyone or to the followers of chosen themes."""
    public: PublicRecord
    """What the public web pages show, read live (served with ``[web]``, or exported)."""
    due_work: list[DueWork] = field(default_factory=list)
    email_figures: EmailFiguresSource | None = None
    """Email campaign figures for /stats, when the bulletin also goes out by Mailchimp."""
    mailchimp: MailchimpChannel | None = None
    """The email channel (audience sync, campaigns), when the config has ``[mailchimp]``."""
