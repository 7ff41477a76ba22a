"""Running the bot: open the database, build the services and the application, poll or serve a
webhook until told to stop, then shut everything down in reverse order.

``linkedup run`` and the end-to-end tests both go through :func:`serve`, so the tests exercise
exactly the start-up and shut-down the officer's server does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from urllib.parse import urlsplit

from telegram import Bot, Update

from bot.app import build_application
from bot.instance import PollingRequest, PollingWatch, running_alone
from bot.resilience import QuietRequest, wait_for_telegram
from bot.schedule import ticking
from bot.services import Services
from bot.telegram_transport import TelegramTransport
from broadcasts.service import Broadcasts
from bulletins.read_links import ReadLinks
from bulletins.service import BulletinReadsOfMember, BulletinService
from census.service import CensusService
from db import themes as themes_repo
from db.database import Database
from db.deliveries import DispatchProgress
from db.timeutil import Clock, utcnow
from delivery.engine import DeliveryEngine
from delivery.messages import OutgoingMessage
from email_channel.channel import MailchimpChannel, open_channel
from feeds.schedule import FeedService
from handlers.context import BotApplication
from handlers.help import publish_command_menus
from handlers.steps import send_waiting_questions
from issues.person_names import warm_up
from issues.service import IssueService
from issues.summary import summarise
from meetings.boards import board_calendar
from meetings.ics import calendar_feed
from meetings.service import MeetingService
from members.directory import MemberDirectory
from settings.config import Config
from web.app import PublicSite, build_app
from web.pages import Links, Pages
from web.public import PublicRecord
from web.server import serving
from web.sources import Sources
from wording import delivery as delivery_texts

log = logging.getLogger(__name__)


def telegram_sender(config: Config) -> Bot:
    """The bot the delivery engine sends with (the application has its own)."""
    return Bot(config.token, base_url=config.telegram.base_url,
               base_file_url=config.telegram.base_file_url or "https://api.telegram.org/file/bot",
               request=QuietRequest(connection_pool_size=8))


async def open_services(
    config: Config, clock: Clock = utcnow, sender: Bot | None = None
) -> Services:
    """Everything the bot and the command line work with. Nothing here calls Telegram: the
    command line only queues, and :func:`serve` connects the engine's bot when it runs."""
    db = await Database.open(config.database.path)
    try:
        return await _assemble(config, db, clock, sender or telegram_sender(config))
    except BaseException:
        await db.close()  # aiosqlite's thread would otherwise keep the process alive
        raise


def _progress_message(progress: DispatchProgress) -> OutgoingMessage:
    return OutgoingMessage(delivery_texts.progress(progress))


async def _assemble(config: Config, db: Database, clock: Clock, sender: Bot) -> Services:
    await themes_repo.sync_from_config(
        db, [themes_repo.Theme(t.slug, t.title, t.description) for t in config.themes]
    )
    timings = config.delivery
    delivery = DeliveryEngine(db, TelegramTransport(sender), clock=clock,
                              progress_renderer=_progress_message,
                              global_rate=timings.messages_per_second,
                              per_chat_interval=timings.per_chat_seconds,
                              progress_every=timings.progress_every_seconds,
                              idle_wait=timings.idle_wait_seconds)
    bulletins = BulletinService(db, delivery, clock, config.tz)
    if config.web is not None:  # headlines link to a counting redirect on the public site
        bulletins.read_links = ReadLinks.derived(config.web.base_url, config.token)
    members = MemberDirectory(db, clock, data_sources=[BulletinReadsOfMember(db)])
    feeds = FeedService(db, config, delivery, clock)
    mailchimp = _email_channel(config, db, members, clock, delivery)
    bulletins.email = mailchimp.campaigns if mailchimp else None
    issues = IssueService(db, delivery, board_calendar(db), clock, config.tz,
                              config.issues, config.telegram.admins)
    issues.attach(members)
    meetings = MeetingService(db, delivery, clock, config.tz, config.meetings,
                              config.telegram.admins, config.issues.boards)
    meetings.attach(members)
    census = CensusService(db, delivery, clock, config.tz, config.census)
    members.listeners.append(census)
    members.data_sources.append(census)
    issues.report_sections.append(census.report_blocks)
    return Services(
        config=config, db=db, clock=clock, members=members,
        delivery=delivery, bulletins=bulletins, feeds=feeds, sender=sender, issues=issues,
        meetings=meetings, census=census, broadcasts=Broadcasts(db, delivery),
        public=PublicRecord(db, Sources(summarise, calendar_feed, census.trends,
                                             census.public_chart), config, clock),
        due_work=[feeds.fetch_due, bulletins.send_due, *issues.due_work, *meetings.due_work,
                  *census.due_work,
                  *([mailchimp.audience.retry_due] if mailchimp else [])],
        mailchimp=mailchimp, email_figures=mailchimp.figures if mailchimp else None,
    )


def _email_channel(
    config: Config, db: Database, members: MemberDirectory, clock: Clock,
    delivery: DeliveryEngine,
) -> MailchimpChannel | None:
    """The email channel when ``[mailchimp]`` is configured (else the bot is Telegram only);
    its audience follows every change to a member."""
    if config.mailchimp is None:
        return None
    channel = open_channel(config.mailchimp, db, clock, config.tz, delivery)
    members.listeners.append(channel.audience)
    return channel


async def close_services(services: Services) -> None:
    if services.mailchimp is not None:
        await services.mailchimp.close()
    await services.sender.shutdown()
    await services.db.close()


@asynccontextmanager
async def running_application(
    services: Services, watch: PollingWatch, polling: PollingRequest
) -> AsyncIterator[BotApplication]:
    """The application initialised and started, with its update source, for the duration."""
    application = build_application(services, polling)
    config = services.config.telegram
    async with application:
        await publish_command_menus(application, config.admins)
        await application.start()
        await send_waiting_questions(application)  # saved by a run that was killed mid-send
        warm_up()  # the safeguarding check's names list, loaded before the first /raise
        services.delivery.start()
        updater = application.updater
        assert updater is not None
        if config.webhook_url is not None:
            # A reverse proxy usually forwards the public URL's path unchanged.
            await updater.start_webhook(
                listen=config.webhook_listen,
                port=config.webhook_port,
                url_path=urlsplit(str(config.webhook_url)).path.lstrip("/"),
                webhook_url=str(config.webhook_url),
                secret_token=config.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            await updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=10,
                                        error_callback=watch.on_error)
        mode = f"webhook at {config.webhook_url}" if config.webhook_url else "long polling"
        log.info("linkedup-bot is running as @%s (%s)", application.bot.username, mode)
        try:
            async with ticking(application, services.due_work,
                               services.config.scheduler.tick_seconds):
                yield application
        finally:
            await services.delivery.stop()
            await updater.stop()
            await application.stop()


@asynccontextmanager
async def serving_web(services: Services) -> AsyncIterator[None]:
    """The public pages on ``[web]``'s port, in this event loop; nothing without ``[web]``."""
    web = services.config.web
    if web is None:
        yield
        return
    site = PublicSite(services.public, Pages(services.config.tz),
                      Links(static=False, public_url=web.base_url),
                      services.bulletins.record_read_by_link)
    async with serving(build_app(site, web.frame_origins), web):
        yield


async def serve(
    config: Config, stop: asyncio.Event, clock: Clock = utcnow,
    ready: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set; ``ready`` is set once updates are being received (and the
    web pages served, if configured).

    Telegram is asked first, so a bot that cannot reach it (or whose token is refused) leaves
    no database behind; the database's lock comes next, so a second bot on this server stops
    before touching it."""
    sender = telegram_sender(config)
    try:
        await wait_for_telegram(sender, config.telegram.base_url,
                                config.telegram.start_retry_seconds)
        with running_alone(config.database.path):
            await _serve_connected(config, stop, clock, ready, sender)
    finally:
        await sender.shutdown()


async def _serve_connected(
    config: Config, stop: asyncio.Event, clock: Clock, ready: asyncio.Event | None, sender: Bot
) -> None:
    services = await open_services(config, clock, sender)
    polling = PollingRequest()
    watch = PollingWatch(polling)
    try:
        if services.mailchimp is not None:  # the email's /commands link to the bot's chat
            campaigns = services.mailchimp.campaigns
            campaigns.network = replace(campaigns.network, bot_username=sender.username)
        async with serving_web(services), running_application(services, watch, polling):
            if ready is not None:
                ready.set()
            await _first_of(stop, watch.displaced)
        watch.check()
        log.info("linkedup-bot stopped")  # only after a start: a failed start says why instead
    finally:
        await close_services(services)


async def _first_of(*events: asyncio.Event) -> None:
    waiting = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiting:
            task.cancel()
