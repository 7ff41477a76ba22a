"""The bulletin's email edition: rendering, the Mailchimp campaign (create, test, send or
schedule, never twice), and the report /stats reads back. The real SDK against the mailchimp_api."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bulletins.model import Bulletin, BulletinItem, BulletinSection
from bulletins.stats import EmailFigures
from db import mailchimp as repo
from db.database import Database
from email_channel.audience import AudienceSync
from email_channel.campaigns import CampaignError, EmailCampaigns, next_quarter_hour
from email_channel.channel import MailchimpChannel
from email_channel.client import MailchimpRejected, MailchimpUnavailable
from email_channel.render import NetworkDetails, render_email
from email_channel.stats import bulletin_stats
from tests.fakes.mailchimp_api import FakeCampaign, FakeMailchimp
from tests.harness import FakeClock
from tests.mailchimp_support import make_client, open_db

LONDON = ZoneInfo("Europe/London")
NETWORK = NetworkDetails("Linked-up network", "office@linkedup.example")
GUIDANCE = "https://linkedup.example/news/send-guidance?from=feed&id=1"


def bulletin(intro: str = "A busy month.<br>Thank you all.", *, number: int = 7) -> Bulletin:
    return Bulletin(
        id=number, title="Linked-up bulletin, November 2026", intro_html=intro,
        sections=(
            BulletinSection("send", "SEND", (
                BulletinItem(1, "New <SEND> guidance & you", GUIDANCE,
                             "<b>Read</b> this first.\nThen <a href=\"https://x.example\">this</a>.",
                             ("send",)),
            )),
            BulletinSection(None, "Other news", (
                BulletinItem(2, "Summer fair", "https://linkedup.example/news/fair", "", ()),
                BulletinItem(3, "No link here", "", "Just text.", ()),
            )),
        ),
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_db(str(tmp_path / "linkedup.sqlite3"))
    yield database
    await database.close()


@pytest.fixture
def campaigns(db: Database, mailchimp_api: FakeMailchimp, clock: FakeClock) -> EmailCampaigns:
    return EmailCampaigns(db, make_client(mailchimp_api, timeout=0.5), NETWORK, LONDON, clock)


def the_campaign(mailchimp_api: FakeMailchimp) -> FakeCampaign:
    assert len(mailchimp_api.campaigns) == 1, "one campaign per bulletin"
    return next(iter(mailchimp_api.campaigns.values()))


# -- the email ---------------------------------------------------------------------------------


def test_the_email_escapes_text_keeps_sanitised_html_and_has_a_way_out() -> None:
    edition = render_email(bulletin(), NETWORK)
    html = edition.html
    assert "New &lt;SEND&gt; guidance &amp; you" in html
    assert f'href="{GUIDANCE.replace("&", "&amp;")}"' in html
    assert "<b>Read</b> this first.<br>\nThen <a href=\"https://x.example\">this</a>." in html
    assert "A busy month.<br>Thank you all." in html
    assert 'href="*|UNSUB|*"' in html and "*|HTML:LIST_ADDRESS_HTML|*" in html
    assert "office@linkedup.example" in html and "Linked-up network" in html
    assert "No link here" in html and html.count("Read more") == 2
    assert edition.subject == "Linked-up bulletin, November 2026"
    assert edition.preview_text == "A busy month. Thank you all."


def test_commands_in_the_intro_link_to_the_bot_in_the_email() -> None:
    intro = ('Send /meetings to see what is on, or /raise an issue; and/or 24/7 stay as they are,'
             ' as does <a href="https://x.example/raise">/raise here</a>.')
    network = NetworkDetails("Linked-up network", None, bot_username="linkedup_test_bot")
    html = render_email(bulletin(intro), network).html
    assert ('Send <a href="https://t.me/linkedup_test_bot">/meetings</a> to see what is on, or '
            '<a href="https://t.me/linkedup_test_bot">/raise</a> an issue; and/or 24/7') in html
    assert '<a href="https://x.example/raise">/raise here</a>' in html
    assert "/meetings</a>" not in render_email(bulletin(intro), NETWORK).html


def test_the_content_hash_changes_with_what_readers_see() -> None:
    assert render_email(bulletin(), NETWORK).content_hash == \
        render_email(bulletin(), NETWORK).content_hash
    assert render_email(bulletin("Edited."), NETWORK).content_hash != \
        render_email(bulletin(), NETWORK).content_hash


def test_schedule_times_round_up_to_the_quarter_hour() -> None:
    at = datetime(2026, 11, 2, 10, 7, 30, tzinfo=LONDON)
    assert next_quarter_hour(at) == datetime(2026, 11, 2, 10, 15, tzinfo=LONDON)
    on_time = datetime(2026, 11, 2, 10, 30, tzinfo=LONDON)
    assert next_quarter_hour(on_time) == on_time
    assert next_quarter_hour(datetime(2026, 11, 2, 23, 59, tzinfo=UTC)) == \
        datetime(2026, 11, 3, 0, 0, tzinfo=UTC)


# -- the campaign ------------------------------------------------------------------------------


async def test_create_test_then_send_once(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp
) -> None:
    edition = bulletin()
    record = await campaigns.send_test(edition, ["officer@linkedup.example"])
    campaign = the_campaign(mailchimp_api)
    assert record.campaign_id == campaign.id and record.state == "draft"
    assert record.test_sent_at is not None
    assert campaign.type == "regular" and campaign.recipients == {"list_id": mailchimp_api.list_id}
    assert campaign.settings["subject_line"] == edition.title
    assert campaign.settings["reply_to"] == "office@linkedup.example"
    assert campaign.settings["title"].endswith("[linkedup bulletin #7]")
    assert campaign.html is not None and "*|UNSUB|*" in campaign.html
    assert campaign.tests == [["officer@linkedup.example"]]

    sent = await campaigns.send(edition)
    assert sent.state == "sent" and sent.sent_at is not None and campaign.sends == 1
    again = await campaigns.send(edition)  # idempotent per bulletin
    assert again.state == "sent" and campaign.sends == 1
    assert len(mailchimp_api.calls("POST", "/actions/send$")) == 1


async def test_a_send_needs_a_test_of_the_current_content(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp
) -> None:
    with pytest.raises(CampaignError, match="test email first"):
        await campaigns.send(bulletin())
    assert mailchimp_api.campaigns == {}
    await campaigns.send_test(bulletin())
    # the reply-to by default
    assert the_campaign(mailchimp_api).tests == [["office@linkedup.example"]]
    with pytest.raises(CampaignError, match="none was sent since the email last changed"):
        await campaigns.send(bulletin("An edited intro."))
    campaign = the_campaign(mailchimp_api)
    assert campaign.sends == 0 and "An edited intro." in (campaign.html or "")


async def test_followers_of_chosen_themes_are_a_tag_segment(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp
) -> None:
    mailchimp_api.add_contact("a@x.example", "subscribed", tags=("theme:send",))
    mailchimp_api.add_contact("b@x.example", "subscribed", tags=("theme:youth",))
    mailchimp_api.add_contact("c@x.example", "subscribed")
    await campaigns.send_test(bulletin(), themes=("send",))
    campaign = the_campaign(mailchimp_api)
    assert campaign.recipients["segment_opts"] == {"match": "any", "conditions": [
        {"condition_type": "StaticSegment", "field": "static_segment", "op": "static_is",
         "value": mailchimp_api.tag_ids["theme:send"]}]}
    await campaigns.send(bulletin())
    assert campaign.emails_sent == 1
    with pytest.raises(CampaignError, match="No email contact follows"):
        await campaigns.prepare(bulletin(number=8), themes=("early-years",))


async def test_scheduling_rounds_up_and_says_so(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp, clock: FakeClock
) -> None:
    await campaigns.send_test(bulletin())
    result = await campaigns.schedule(bulletin(), datetime(2026, 11, 2, 10, 7, tzinfo=LONDON))
    assert result.rounded and result.scheduled_for == datetime(2026, 11, 2, 10, 15, tzinfo=LONDON)
    campaign = the_campaign(mailchimp_api)
    assert (campaign.status, campaign.send_time) == ("schedule", "2026-11-02T10:15:00+00:00")
    record = await campaigns.record(7)
    assert record is not None and record.state == "scheduled"

    moved = await campaigns.schedule(bulletin(), datetime(2026, 11, 2, 11, 0, tzinfo=LONDON))
    assert not moved.rounded and campaign.send_time == "2026-11-02T11:00:00+00:00"
    with pytest.raises(CampaignError, match="scheduled for 02 November 2026 at 11:00"):
        await campaigns.send(bulletin())

    # Once the time has passed, the record is settled from Mailchimp's own status.
    campaign.status = "sent"
    clock.advance(hours=3)
    record = await campaigns.record(7)
    assert record is not None and record.state == "sent"


async def test_mailchimp_itself_refuses_a_time_off_the_quarter_hour(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp
) -> None:
    record = await campaigns.send_test(bulletin())
    assert record.campaign_id is not None
    with pytest.raises(MailchimpRejected, match="quarter-hour"):
        await campaigns.client.schedule(record.campaign_id,
                                        datetime(2026, 11, 2, 10, 7, tzinfo=UTC))


async def test_no_double_send_when_the_send_fails_after_taking_effect(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp
) -> None:
    await campaigns.send_test(bulletin())
    mailchimp_api.fail_next(500, after_applying=True, match="/actions/send$")
    record = await campaigns.send(bulletin())  # the status was read back: it went
    assert record.state == "sent" and "500" in (record.last_error or "")
    await campaigns.send(bulletin())
    assert the_campaign(mailchimp_api).sends == 1
    assert len(mailchimp_api.calls("POST", "/actions/send$")) == 1


async def test_no_double_send_when_the_send_times_out(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp
) -> None:
    await campaigns.send_test(bulletin())
    mailchimp_api.delay_next(1.5, match="/actions/send$")
    record = await campaigns.send(bulletin())
    assert record.state == "sent" and the_campaign(mailchimp_api).sends == 1


async def test_a_send_that_did_not_happen_can_be_retried(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp
) -> None:
    await campaigns.send_test(bulletin())
    mailchimp_api.fail_next(503, match="/actions/send$")
    with pytest.raises(MailchimpUnavailable):
        await campaigns.send(bulletin())
    record = await campaigns.record(7)
    assert record is not None and record.state == "draft"
    assert (await campaigns.send(bulletin())).state == "sent"
    assert the_campaign(mailchimp_api).sends == 1


async def test_after_a_crash_mid_send_the_status_is_read_before_sending(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp, db: Database, clock: FakeClock
) -> None:
    record = await campaigns.send_test(bulletin())
    assert record.campaign_id is not None
    await campaigns.client.send(record.campaign_id)  # went out, then the process died
    await repo.set_state(db, 7, "sending", clock())
    assert (await campaigns.send(bulletin())).state == "sent"
    assert the_campaign(mailchimp_api).sends == 1


async def test_when_the_status_cannot_be_read_nothing_is_sent_again(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp, db: Database, clock: FakeClock
) -> None:
    await campaigns.send_test(bulletin())
    await repo.set_state(db, 7, "sending", clock())
    mailchimp_api.fail_next(503, count=3, match="^GET /campaigns/")
    with pytest.raises(CampaignError, match="Nothing was sent again"):
        await campaigns.send(bulletin())
    assert mailchimp_api.calls("POST", "/actions/send$") == []
    assert (await campaigns.send(bulletin())).state == "sent"  # settles as not sent, then sends
    assert the_campaign(mailchimp_api).sends == 1


async def test_a_creation_that_failed_ambiguously_is_found_not_repeated(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp
) -> None:
    mailchimp_api.fail_next(500, after_applying=True, match="^POST /campaigns$")
    with pytest.raises(MailchimpUnavailable):
        await campaigns.prepare(bulletin())
    record = await campaigns.prepare(bulletin())
    assert record.campaign_id == the_campaign(mailchimp_api).id and record.state == "draft"


# -- the report --------------------------------------------------------------------------------


async def test_report_and_clicks_become_figures_for_stats(
    campaigns: EmailCampaigns, mailchimp_api: FakeMailchimp, db: Database
) -> None:
    for n in range(10):
        mailchimp_api.add_contact(f"p{n}@x.example", "subscribed")
    await campaigns.send_test(bulletin())
    assert await bulletin_stats(db, campaigns.client, 7) is None  # not sent yet
    await campaigns.send(bulletin())
    mailchimp_api.set_report(the_campaign(mailchimp_api).id, unique_opens=3, opens_total=5,
                             subscriber_clicks=2,
                             clicks={"https://linkedup.example/news/fair": (1, 1),
                                     GUIDANCE: (4, 2)})
    stats = await bulletin_stats(db, campaigns.client, 7)
    assert stats is not None
    assert (stats.recipients, stats.clickers, stats.click_rate) == (10, 2, 0.2)
    assert (stats.unique_opens, stats.open_rate, stats.industry_open_rate) == (3, 0.3, 0.203)
    assert [link.url for link in stats.links] == [GUIDANCE, "https://linkedup.example/news/fair"]

    channel = MailchimpChannel(campaigns.client, AudienceSync(db, campaigns.client), campaigns)
    assert await channel.figures(7) == EmailFigures(
        recipients=10, open_rate=0.3, click_rate=0.2,
        clicks_per_url={GUIDANCE: 2, "https://linkedup.example/news/fair": 1})
    assert await channel.figures(99) is None  # never emailed
    mailchimp_api.fail_next(503, count=3)
    assert await channel.figures(7) is None  # /stats carries on without the email line
