"""Fixtures: a loopback fake Bot API, a test-controlled clock, and the real bot running on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from settings.config import Config
from tests.fakes.feed_site import FeedServer, serving_feeds
from tests.fakes.mailchimp_api import FakeMailchimp
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import FakeClock, make_config, running_bot


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path, tg: FakeTelegram) -> Config:
    return make_config(tmp_path, tg.base_url, scheduler={"tick_seconds": 0.05})


@pytest.fixture
async def bot(config: Config, clock: FakeClock) -> AsyncIterator[Config]:
    async with running_bot(config, clock):
        yield config


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    async with serving_feeds() as server:
        yield server


@pytest.fixture
async def mailchimp_api(clock: FakeClock) -> AsyncIterator[FakeMailchimp]:
    """The loopback Mailchimp API, on the test's clock; a bug inside the fake fails the test."""
    async with FakeMailchimp(now=clock) as fake:
        yield fake
        assert fake.internal_errors == []
