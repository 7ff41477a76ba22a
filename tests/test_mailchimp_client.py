"""The async wrapper: the real ``mailchimp_marketing`` SDK against the loopback fake, and what
the officer is told when Mailchimp fails."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import mailchimp_marketing
import pytest
import requests

from email_channel.client import (
    MAX_CONNECTIONS,
    MailchimpAuthError,
    MailchimpClient,
    MailchimpNotFound,
    MailchimpRateLimited,
    MailchimpRejected,
    MailchimpUnavailable,
    subscriber_hash,
)
from tests.fakes.mailchimp_api import API_KEY, LIST_ID, FakeMailchimp
from tests.mailchimp_support import make_client

ANN = "Ann.Lee@SureStart.example"


@pytest.fixture
async def fake() -> AsyncIterator[FakeMailchimp]:
    async with FakeMailchimp() as server:
        yield server
        assert server.internal_errors == []


@pytest.fixture
def client(fake: FakeMailchimp) -> MailchimpClient:
    return make_client(fake)


def test_subscriber_hash_is_md5_of_the_lowercased_address() -> None:
    assert subscriber_hash(" Ann.Lee@SureStart.example ") == subscriber_hash(ANN.lower())
    assert subscriber_hash("urist.mcvankab@freddiesjokes.com") == \
        "62eeb292278cc15f5817cb78f7790b08"  # Mailchimp's documented example


async def test_the_real_sdk_reaches_the_fake_through_its_host(
    fake: FakeMailchimp, client: MailchimpClient
) -> None:
    hash_ = subscriber_hash(ANN)
    assert await client.get_contact(hash_) is None
    contact = await client.upsert_contact(
        hash_, {"email_address": ANN, "status_if_new": "pending", "merge_fields": {"FNAME": "Ann"}}
    )
    assert (contact.status, contact.email, contact.merge_fields["FNAME"]) == \
        ("pending", ANN, "Ann")
    await client.set_tags(hash_, active={"theme:send"}, inactive=set())
    tagged = await client.get_contact(hash_)
    assert tagged is not None and tagged.tags == {"theme:send"}
    assert fake.calls("PUT", f"/lists/{LIST_ID}/members/{hash_}$")


async def test_a_wrong_key_says_which_setting_to_fix(fake: FakeMailchimp) -> None:
    client = MailchimpClient("0" * 32 + "-us21", "us21", LIST_ID, base_url=fake.base_url)
    with pytest.raises(MailchimpAuthError) as caught:
        await client.audience()
    assert "401" in str(caught.value) and "mailchimp.api_key" in str(caught.value)
    assert len(fake.requests) == 1  # not retried: the key will not get better


async def test_an_unknown_audience_says_which_setting_to_fix(fake: FakeMailchimp) -> None:
    client = MailchimpClient(API_KEY, "us21", "0000000000", base_url=fake.base_url)
    with pytest.raises(MailchimpNotFound) as caught:
        await client.audience()
    assert "'0000000000'" in str(caught.value) and "mailchimp.list_id" in str(caught.value)


async def test_429_is_retried_with_backoff_then_reported(
    fake: FakeMailchimp, client: MailchimpClient
) -> None:
    fake.fail_next(429, count=2)
    assert (await client.audience()).list_id == LIST_ID
    fake.fail_next(429, count=3)
    with pytest.raises(MailchimpRateLimited) as caught:
        await client.audience()
    assert "429" in str(caught.value)
    assert [r.status for r in fake.requests] == [429, 429, 200, 429, 429, 429]


async def test_5xx_is_retried_for_reads_but_a_send_is_left_to_the_caller(
    fake: FakeMailchimp, client: MailchimpClient
) -> None:
    fake.fail_next(503, count=1)
    await client.audience()
    fake.fail_next(500, match=r"^POST /campaigns/.*/actions/send$")
    with pytest.raises(MailchimpUnavailable) as caught:
        await client.send("0000000001")
    assert caught.value.ambiguous and caught.value.status == 500
    assert "500" in str(caught.value) and "try again" in str(caught.value)
    assert len(fake.calls("POST", "/actions/send$")) == 1


async def test_429_on_a_send_is_retried_because_nothing_happened(
    fake: FakeMailchimp, client: MailchimpClient
) -> None:
    fake.fail_next(429, match="/actions/send$")
    with pytest.raises(MailchimpNotFound):  # the campaign does not exist: a clean 404 after
        await client.send("0000000001")
    assert [r.status for r in fake.calls("POST", "/actions/send$")] == [429, 404]


async def test_a_timeout_is_clear_and_counts_as_ambiguous(fake: FakeMailchimp) -> None:
    client = make_client(fake, timeout=0.3)
    fake.delay_next(1.0, count=3)
    with pytest.raises(MailchimpUnavailable) as caught:
        await client.audience()
    assert "did not answer within 0.3 seconds" in str(caught.value)
    assert caught.value.ambiguous


async def test_an_error_with_an_empty_body_is_detected(
    fake: FakeMailchimp, client: MailchimpClient
) -> None:
    # The SDK itself does not raise for it: it hands back the requests.Response.
    sdk = mailchimp_marketing.Client()
    sdk.set_config({"api_key": API_KEY, "server": "us21"})
    sdk.api_client.host = fake.base_url
    fake.fail_next(500, empty_body=True)
    raw = await asyncio.to_thread(sdk.ping.get)
    assert isinstance(raw, requests.Response) and raw.status_code == 500

    fake.fail_next(502, empty_body=True, count=3)
    with pytest.raises(MailchimpUnavailable) as caught:
        await client.audience()
    assert caught.value.status == 502


async def test_a_refusal_carries_mailchimps_reason(client: MailchimpClient) -> None:
    with pytest.raises(MailchimpRejected) as caught:
        await client.upsert_contact(subscriber_hash(ANN), {"email_address": "someone@else.example",
                                                           "status_if_new": "pending"})
    assert "does not match the email address" in str(caught.value)


async def test_connections_are_capped_and_the_loop_stays_free(fake: FakeMailchimp) -> None:
    assert MAX_CONNECTIONS == 10  # Mailchimp's limit per account; 3 here to see the cap bite
    client = make_client(fake, timeout=5.0, max_connections=3)
    fake.delay_next(0.2, count=9, after_applying=False)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    await asyncio.gather(*(client.get_contact(f"{n:032x}") for n in range(9)))
    elapsed = time.monotonic() - started
    ticker.cancel()
    assert fake.max_in_flight == 3
    assert elapsed >= 0.55  # three waves of three
    assert ticks >= elapsed / 0.01 * 0.5  # the event loop kept running throughout
