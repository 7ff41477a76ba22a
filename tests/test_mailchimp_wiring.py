"""The email channel wired into the bot: a member joining on Telegram lands in the Mailchimp
audience, ``linkedup mailchimp sync`` reports from a shell, and no ``[mailchimp]`` section means
Telegram only."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.runtime import close_services, open_services
from db.database import Database
from email_channel.audience import AudienceSync
from members.directory import MemberDirectory
from settings.config import Config
from tests.fakes.mailchimp_api import API_KEY, LIST_ID, FakeMailchimp
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import join
from tests.harness import TOKEN, FakeClock, eventually, make_config, running_bot
from tests.mailchimp_support import join as register

ROOT = Path(__file__).resolve().parents[1]
LEE = "lee@example.org"


def with_mailchimp(tmp_path: Path, tg: FakeTelegram, mailchimp_api: FakeMailchimp) -> Config:
    return make_config(tmp_path, tg, mailchimp={
        "api_key": API_KEY, "server": "us21", "list_id": LIST_ID,
        "base_url": mailchimp_api.base_url,
        "reply_to": "office@linkedup.example"})


async def test_joining_choosing_themes_and_forgetting_reach_the_audience(
    tmp_path: Path, tg: FakeTelegram, mailchimp_api: FakeMailchimp, clock: FakeClock
) -> None:
    async with running_bot(with_mailchimp(tmp_path, tg, mailchimp_api), clock):
        user = tg.user()
        await join(user, email=LEE)

        async def pending() -> bool:
            contact = mailchimp_api.contact(LEE)
            return contact is not None and contact.status == "pending"

        await eventually(pending)
        await user.press("⬜ Safeguarding")
        await user.wait_for_message()

        async def tagged() -> bool:
            contact = mailchimp_api.contact(LEE)
            return contact is not None and contact.tags == {"theme:safeguarding"}

        await eventually(tagged)
        await user.send("/forget")
        await user.wait_for_text("removes lee@example.org from the mailing list")
        await user.press("Yes, erase everything")
        await user.wait_for_text("everything about you has been erased")

        async def erased() -> bool:
            return mailchimp_api.contact(LEE) is None and LEE in mailchimp_api.forgotten

        await eventually(erased)


async def test_consent_given_again_after_unsubscribing_in_mailchimp_asks_to_confirm(
    tmp_path: Path, tg: FakeTelegram, mailchimp_api: FakeMailchimp, clock: FakeClock
) -> None:
    async with running_bot(with_mailchimp(tmp_path, tg, mailchimp_api), clock):
        user = tg.user()
        await join(user, email=LEE)

        async def added() -> bool:
            return mailchimp_api.contact(LEE) is not None

        await eventually(added)
        clock.advance(days=20)
        contact = mailchimp_api.unsubscribe(LEE)  # the link at the foot of a bulletin
        clock.advance(days=20)
        reads = len(mailchimp_api.calls("GET", "/members/"))
        await user.press("⬜ Safeguarding")  # a change that is not a new consent
        await user.wait_for_message()

        async def synced() -> bool:
            return len(mailchimp_api.calls("GET", "/members/")) > reads

        await eventually(synced)
        assert contact.status == "unsubscribed"

        clock.advance(days=1)
        await user.send("/start")
        await user.wait_for_text("update your details")
        await user.press("Update my details")
        await user.wait_for_text("organisation")
        await user.send("Riverside Youth Trust")
        await user.wait_for_text("your name")
        await user.send("Sam Patel")
        await user.wait_for_text("role")
        await user.send("Manager")
        await user.wait_for_text("by email")
        await user.send(LEE)
        await user.wait_for_text("mailing list")
        await user.press("Yes, email me")
        told = await user.wait_for_text("confirmation email")
        assert "You had unsubscribed from the email bulletin" in told.content
        assert LEE in told.content
        assert contact.status == "pending" and contact.confirmations_sent == 2


async def test_without_a_mailchimp_section_the_bot_is_telegram_only(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    services = await open_services(make_config(tmp_path, tg))
    try:
        assert services.mailchimp is None and services.email_figures is None
        assert not any(isinstance(listener, AudienceSync)
                       for listener in services.members.listeners)
    finally:
        await close_services(services)


async def test_the_channel_is_built_from_the_config(
    tmp_path: Path, tg: FakeTelegram, mailchimp_api: FakeMailchimp
) -> None:
    services = await open_services(with_mailchimp(tmp_path, tg, mailchimp_api))
    try:
        assert services.mailchimp is not None
        assert services.mailchimp.audience in services.members.listeners
        assert services.mailchimp.audience.retry_due in services.due_work
        assert services.email_figures == services.mailchimp.figures
        assert services.mailchimp.client.host == mailchimp_api.base_url
    finally:
        await close_services(services)


async def linkedup(cwd: Path, *args: str, key: str = API_KEY) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LINKEDUP_TELEGRAM_TOKEN": TOKEN,
             "LINKEDUP_MAILCHIMP_API_KEY": key},
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_mailchimp_sync_from_the_command_line(
    tmp_path: Path, mailchimp_api: FakeMailchimp, clock: FakeClock
) -> None:
    db = await Database.open(tmp_path / "linkedup.sqlite3")
    try:
        directory = MemberDirectory(db, clock)  # joined before Mailchimp was set up
        await register(directory, 1, LEE)
        await register(directory, 2, "gone@example.org", name="Max Roe")
        await register(directory, 3, None, name="No Email")
    finally:
        await db.close()
    mailchimp_api.add_contact("gone@example.org", "unsubscribed")
    config = (tmp_path / "config.toml")
    config.write_text('[mailchimp]\nserver = "us21"\nlist_id = "a1b2c3d4e5"\n'
                      f'base_url = "{mailchimp_api.base_url}"\n', "utf-8")

    code, out, err = await linkedup(tmp_path, "mailchimp", "sync", "--config", "config.toml")
    assert code == 0, err
    assert "2 member(s) with an email address checked" in out
    assert "added, waiting for them to confirm: 1" in out
    assert "Max Roe (Sure Start North): left alone: unsubscribed through Mailchimp" in out
    assert mailchimp_api.contact(LEE) is not None

    code, out, err = await linkedup(tmp_path, "mailchimp", "sync", "--config", "config.toml",
                                    key="0" * 32 + "-us21")
    assert code == 1 and "Mailchimp refused the API key (401)" in err
    assert "Traceback" not in err

    config.write_text("", "utf-8")
    code, out, err = await linkedup(tmp_path, "mailchimp", "sync", "--config", "config.toml")
    assert code == 1 and "no [mailchimp] section" in err
