"""Starting the real bot, through the same :func:`bot.runtime.serve` as ``linkedup run``,
against the loopback fake Bot API, with a clock the test controls."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from bot.runtime import serve
from settings.config import Config, load_config

TOKEN = "123456789:TEST-token_for-the-loopback-fake"
ADMIN_ID = 9_000_001


@dataclass
class FakeClock:
    """Wall-clock time the test moves by hand, so schedules run without real waiting."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def free_port() -> int:
    """A loopback port nobody listens on (for the bot's webhook or web pages)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_config(tmp_path: Path, base_url: str, **sections: Any) -> Config:
    """A config as the officer would write it, pointed at the fake and a temporary database."""
    raw: dict[str, Any] = {
        "telegram": {"token": TOKEN, "base_url": base_url, "admins": [ADMIN_ID]},
        "database": {"path": str(tmp_path / "linkedup.sqlite3")},
    }
    for name, values in sections.items():
        raw[name] = {**raw.get(name, {}), **values} if isinstance(values, dict) else values
    config_file = tmp_path / "config.toml"
    config_file.write_text(tomli_w.dumps(raw), "utf-8")
    return load_config(config_file, environ={})


@contextlib.asynccontextmanager
async def running_bot(config: Config, clock: FakeClock | None = None) -> AsyncIterator[None]:
    """Run the bot until the block ends; a failure inside the bot is raised in the test."""
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(config, stop, clock or FakeClock(), ready))
    started = asyncio.create_task(ready.wait())
    await asyncio.wait({task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # start-up failed: raise it here, in the test
    started.cancel()
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = 5.0  # noqa: ASYNC109
) -> None:
    """Wait for something the bot does in the background (an update it has yet to process)."""
    try:
        async with asyncio.timeout(timeout):
            while not await check():  # noqa: ASYNC110 - polls state in another task's DB
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"condition {check.__name__} not met within {timeout}s") from None
