"""One draft, two channels: the officer's /bulletin also drives the Mailchimp edition, with the
real SDK against the loopback fake Mailchimp API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.cli_options import CliContext
from settings.config import Config
from tests.fakes.feed_site import FeedServer, rss, rss_item
from tests.fakes.mailchimp_api import API_KEY, LIST_ID, FakeMailchimp
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import join, open_fetched_draft
from tests.harness import ADMIN_ID, FakeClock, make_config, running_bot


@pytest.fixture
def email_config(tmp_path: Path, tg: FakeTelegram, mailchimp_api: FakeMailchimp,
                 feed_server: FeedServer) -> Config:
    feed_server.serve("/feed.xml", rss(rss_item(
        "e1", "Training for volunteers", link="https://linkedup.example/t/1",
        description="<p>Book a place</p>", categories=("Training and events",),
        date="Fri, 30 Oct 2026 10:00:00 +0000")))
    return make_config(
        tmp_path, tg,
        feed={"urls": [feed_server.url("/feed.xml")]},
        mailchimp={"api_key": API_KEY, "server": "us21", "list_id": LIST_ID,
                   "base_url": mailchimp_api.base_url, "reply_to": "office@linkedup.example"},
    )


async def test_send_needs_a_test_email_then_goes_on_both_channels_once(
    tg: FakeTelegram, mailchimp_api: FakeMailchimp, email_config: Config, clock: FakeClock
) -> None:
    async with running_bot(email_config, clock):
        member = tg.user()
        await join(member, email="member@example.org")
        admin = tg.user(user_id=ADMIN_ID)
        await open_fetched_draft(admin, 1)
        await admin.press("Send now")
        await admin.wait_for_text("Telegram: 1 members")
        await admin.press("Yes, send it")
        refused = await admin.wait_for_text("Not sent, on either channel")
        assert "test email first" in refused.content
        assert not any("Linked-up bulletin" in m.content for m in member.messages)

        await admin.press("Send a test to me")
        await admin.wait_for_text("test email of the same edition is on its way to "
                                  "office@linkedup.example")
        [campaign] = mailchimp_api.campaigns.values()
        assert campaign.tests == [["office@linkedup.example"]]
        assert "Training for volunteers" in (campaign.html or "")

        await admin.send("/bulletin")
        await admin.wait_for_text("Draft:")
        await admin.press("Send now")
        confirm = await admin.wait_for_text("Telegram: 1 members")
        assert "Email: 0 addresses on the Mailchimp list" in confirm.content  # still pending
        await admin.press("Yes, send it")
        await admin.wait_for_text("Finished: 1 of 1 sent")
        await member.wait_for_text("Linked-up bulletin")
        assert campaign.sends == 1 and campaign.status == "sent"

        mailchimp_api.set_report(campaign.id, unique_opens=1, opens_total=2,
                                 subscriber_clicks=1,
                                 clicks={"https://linkedup.example/t/1": (3, 1)})
        await admin.send("/stats")
        stats = await admin.wait_for_text("Email:")
        assert "Training for volunteers (1)" in stats.content  # the article, not its URL
        assert stats.content.index("clicked") < stats.content.index("opened")


async def linkedup(folder: Path, clock: FakeClock, *args: str) -> Result:
    """The command as the officer types it, with the config make_config wrote in folder, on
    the test's clock (it runs its own loop)."""
    return await asyncio.to_thread(
        CliRunner().invoke, main, [*args, "--config", str(folder / "config.toml")],
        obj=CliContext(clock=clock))


async def test_the_command_line_sends_the_test_it_asks_for(
    tmp_path: Path, tg: FakeTelegram, mailchimp_api: FakeMailchimp, email_config: Config,
    clock: FakeClock,
) -> None:
    """From the shell: the refused send names the command, which tests both channels."""
    fetched = await linkedup(tmp_path, clock, "feed", "fetch")
    assert fetched.exit_code == 0, fetched.output
    refused = await linkedup(tmp_path, clock, "bulletin", "send", "--yes")
    assert refused.exit_code == 1
    assert "Send a test email first" in refused.output
    assert "Send one with `linkedup bulletin test`" in refused.output

    tested = await linkedup(tmp_path, clock, "bulletin", "test")
    assert tested.exit_code == 0, tested.output
    telegram, email = tested.output.strip().splitlines()
    assert telegram.startswith("Telegram: the test (1 message(s)")
    assert f"queued for {ADMIN_ID}" in telegram
    assert email == ("Email: A test email of the same edition is on its way to "
                     "office@linkedup.example.")
    [campaign] = mailchimp_api.campaigns.values()
    assert campaign.tests == [["office@linkedup.example"]]

    admin = tg.user(user_id=ADMIN_ID)
    async with running_bot(email_config, clock):
        await admin.wait_for_text("Training for volunteers")
        outcome = await admin.wait_for_text("Test sent")
        assert "on its way to office@linkedup.example" in outcome.content
    sent = await linkedup(tmp_path, clock, "bulletin", "send", "--yes")
    assert sent.exit_code == 0, sent.output
    assert "Queued for 0 members" in sent.output and campaign.sends == 1


async def test_a_test_from_the_command_line_needs_an_admin_to_go_to(
    tmp_path: Path, tg: FakeTelegram, clock: FakeClock
) -> None:
    make_config(tmp_path, tg, telegram={"admins": []})
    refused = await linkedup(tmp_path, clock, "bulletin", "test")
    assert refused.exit_code == 1
    assert "add your Telegram user id to [telegram] admins" in refused.output


async def test_the_preview_says_what_the_email_makes_of_commands_in_the_intro(
    tg: FakeTelegram, mailchimp_api: FakeMailchimp, email_config: Config, clock: FakeClock
) -> None:
    async with running_bot(email_config, clock):
        admin = tg.user(user_id=ADMIN_ID)
        await open_fetched_draft(admin, 1)
        await admin.press("Intro")
        await admin.wait_for_text("Send the introduction")
        await admin.send("Send /meetings for dates and /raise for the boards.")
        await admin.wait_for_text("Intro: Send /meetings")
        await admin.press("Preview")
        note = await admin.wait_for_text("Preview: exactly what")
        assert ("In the email, /meetings and /raise cannot be typed: they become links that "
                "open the bot's chat (@linkedup_test_bot)") in note.content
        tg.set_rate_limits(chat_rate=2.0, chat_burst=1.0)  # her chat's own limit, tightly
        await admin.press("Send a test to me")
        outcome = await admin.wait_for_text("Test sent", timeout=10)
        assert "Telegram: the 1 message(s) above" in outcome.content
        assert "Email: A test email of the same edition is on its way to office@" in \
            outcome.content
        assert not any("went wrong" in m.content for m in admin.messages)
        [campaign] = mailchimp_api.campaigns.values()
        assert '<a href="https://t.me/linkedup_test_bot">/meetings</a>' in (campaign.html or "")


async def test_mailchimp_answering_with_an_html_error_page_is_one_sentence(
    tg: FakeTelegram, mailchimp_api: FakeMailchimp, email_config: Config, clock: FakeClock
) -> None:
    async with running_bot(email_config, clock):
        member = tg.user()
        await join(member)
        admin = tg.user(user_id=ADMIN_ID)
        await open_fetched_draft(admin, 1)
        mailchimp_api.fail_next(502, html_body=True, match="/actions/test$")
        await admin.press("Send a test to me")
        test = await admin.wait_for_text("Test sent")
        assert ("The test email could not be sent: Mailchimp had a problem on its side "
                "(HTTP 502) when asked to send a test email; try again in a few minutes."
                ) in test.content
        clock.advance(minutes=1)  # she tries again a minute later
        await admin.send("/bulletin")
        await admin.wait_for_text("Draft:")
        await admin.press("Send a test to me")
        await admin.wait_for_text("test email of the same edition is on its way")

        mailchimp_api.fail_next(502, html_body=True, match="/actions/send$")
        await admin.send("/bulletin")
        await admin.wait_for_text("Draft:")
        await admin.press("Send now")
        await admin.wait_for_text("Telegram: 1 members")
        await admin.press("Yes, send it")
        refused = await admin.wait_for_text("Not sent, on either channel")
        assert ("Not sent, on either channel: Mailchimp had a problem on its side (HTTP 502) "
                "when asked to send the email campaign; try again in a few minutes.\nNothing "
                "went out") in refused.content
        assert not any("nginx" in m.content or "&lt;" in m.content or "<html" in m.content
                       for m in admin.messages)
        assert not any("Linked-up bulletin" in m.content for m in member.messages)


async def test_a_scheduled_email_names_the_day_and_mailchimps_quarter_hour(
    tg: FakeTelegram, mailchimp_api: FakeMailchimp, email_config: Config, clock: FakeClock
) -> None:
    async with running_bot(email_config, clock):
        admin = tg.user(user_id=ADMIN_ID)
        await open_fetched_draft(admin, 1)
        await admin.press("Send a test to me")
        await admin.wait_for_text("test email of the same edition is on its way")
        await admin.send("/bulletin")
        await admin.wait_for_text("Draft:")
        await admin.press("Schedule")
        await admin.wait_for_text("When should it go?")
        await admin.send("2027-01-02 10:07")
        said = await admin.wait_for_text("Scheduled for")
        assert said.content.startswith("Scheduled for Saturday 02 January 2027, 10:15.")
        assert "Mailchimp sends only on the quarter hour" in said.content
        [campaign] = mailchimp_api.campaigns.values()
        assert campaign.send_time.startswith("2027-01-02T10:15")
