"""Shared set-up for the Mailchimp tests: a real database and member directory, the real SDK
pointed at the loopback fake, and members made the way onboarding makes them."""

from __future__ import annotations

from db import themes as themes_repo
from db.database import Database
from db.members import Member, MemberDetails
from email_channel.audience import AudienceSync
from email_channel.client import MAX_CONNECTIONS, MailchimpClient
from members.directory import MemberDirectory
from tests.fakes.mailchimp_api import API_KEY, LIST_ID, FakeMailchimp
from tests.harness import FakeClock

THEMES = [
    themes_repo.Theme("early-years", "Early years", ""),
    themes_repo.Theme("send", "SEND", ""),
    themes_repo.Theme("youth", "Youth work", ""),
]


def make_client(fake: FakeMailchimp, *, timeout: float = 1.0,
                max_connections: int = MAX_CONNECTIONS) -> MailchimpClient:
    """Quick retries and a short timeout, so fault tests run in well under a second."""
    return MailchimpClient(API_KEY, "us21", LIST_ID, base_url=fake.base_url, timeout=timeout,
                           backoff=0.01, max_connections=max_connections)


async def open_db(path: str) -> Database:
    db = await Database.open(path)
    await themes_repo.sync_from_config(db, THEMES)
    return db


def directory_with(db: Database, audience: AudienceSync, clock: FakeClock) -> MemberDirectory:
    return MemberDirectory(db, clock, listeners=[audience])


async def join(
    directory: MemberDirectory, telegram_id: int, email: str | None, *,
    name: str = "Ann Lee", organisation: str = "Sure Start North", themes: tuple[str, ...] = (),
) -> Member:
    """A member as onboarding registers them: the email kept only with consent."""
    details = MemberDetails(organisation, name, "Manager", email)
    registration = await directory.register(telegram_id, telegram_id, details,
                                            email_consent=email is not None)
    if themes:
        await directory.set_themes(registration.member, list(themes))
    return registration.member
