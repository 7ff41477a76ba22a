"""Fixtures: a loopback fake Bot API, a test-controlled clock, and the real bot running on both."""

from __future__ import annotations

import fcntl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from settings.config import Config
from tests.fakes.feed_site import FeedServer, serving_feeds
from tests.fakes.mailchimp_api import FakeMailchimp
from tests.fakes.telegram_api import FakeTelegram
from tests.harness import FakeClock, make_config, running_bot


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Realtime tests first: at the start no long test holds the shared lock they wait for."""
    items.sort(key=lambda item: item.get_closest_marker("realtime") is None)


@pytest.fixture(autouse=True)
def _alone_when_timed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """The suite runs in parallel (pytest-xdist), but a test marked ``realtime`` measures real
    seconds (a sending rate, a span) and must not share the two cores with other workers: it
    holds an exclusive lock that every other test holds shared. New shared holders queue behind
    a waiting realtime test at the turnstile, so it is not starved."""
    if not hasattr(request.config, "workerinput"):  # not under xdist: nothing runs beside it
        yield
        return
    shared_dir = tmp_path_factory.getbasetemp().parent
    exclusive = request.node.get_closest_marker("realtime") is not None
    with (shared_dir / "turnstile.lock").open("a") as turnstile, \
            (shared_dir / "realtime.lock").open("a") as room:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        if not exclusive:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        fcntl.flock(room, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(room, fcntl.LOCK_UN)
            fcntl.flock(turnstile, fcntl.LOCK_UN)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path, tg: FakeTelegram) -> Config:
    return make_config(tmp_path, tg)


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
