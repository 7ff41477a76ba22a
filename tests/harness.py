"""Starting the real bot, through the same :func:`bot.runtime.serve` as ``linkedup run``,
against the loopback fake Bot API, with a clock the test controls."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from bot.runtime import serve
from settings.config import Config, load_config
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
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


# Telegram's pace (one message a second per chat, 30 a second in all) made twenty times quicker,
# on both sides: the engine spaces a chat's messages by per_chat_seconds and keeps to
# messages_per_second, and the fake refuses anything quicker.
SPEED_UP = 20
QUICK_DELIVERY = {"per_chat_seconds": 1 / SPEED_UP, "messages_per_second": 29.4 * SPEED_UP,
                  "progress_every_seconds": 0.25, "idle_wait_seconds": 0.1}


def free_port() -> int:
    """A loopback port nobody listens on (for the bot's webhook or web pages)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_config(tmp_path: Path, tg: FakeTelegram, **sections: Any) -> Config:
    """A config as the officer would write it, pointed at the fake and a temporary database,
    with the scheduler ticking and the engine pacing at test speed."""
    raw: dict[str, Any] = {
        "telegram": {"token": TOKEN, "base_url": tg.base_url, "admins": [ADMIN_ID]},
        "database": {"path": str(tmp_path / "linkedup.sqlite3")},
        "scheduler": {"tick_seconds": 0.05},
        "delivery": QUICK_DELIVERY,
    }
    for name, values in sections.items():
        raw[name] = {**raw.get(name, {}), **values} if isinstance(values, dict) else values
    config_file = tmp_path / "config.toml"
    config_file.write_text(tomli_w.dumps(raw), "utf-8")
    config = load_config(config_file, environ={})
    if config.delivery.per_chat_seconds > 0:
        tg.set_rate_limits(chat_rate=1 / config.delivery.per_chat_seconds,
                           global_rate=30.0 * SPEED_UP)
    return config


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


async def ticks(count: int = 6) -> None:
    """Let the bot's scheduler tick ``count`` times and the engine send what they queued, to
    show that something does NOT happen (make_config's tick is 0.05 s, a chat's spacing 0.05 s)."""
    await asyncio.sleep(0.05 * count)


@dataclass
class BotProcess:
    """``linkedup run`` as the server runs it: a process of its own, that ``kill -9`` can end."""

    process: asyncio.subprocess.Process
    log: list[str]


@contextlib.asynccontextmanager
async def bot_process(cwd: Path, clock: FakeClock | None = None) -> AsyncIterator[BotProcess]:
    """``linkedup run --config config.toml`` in ``cwd``, yielded once its ready line is out;
    ended by SIGTERM afterwards unless the test killed it. With ``clock``, the process's clock
    stands at the clock's time (see tests/stopped_clock.py)."""
    command = ["tests.stopped_clock", clock.now.isoformat()] if clock else ["bot"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", *command, "run", "--config", "config.toml", cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LINKEDUP_TELEGRAM_TOKEN": TOKEN},
    )
    assert process.stderr is not None
    running = BotProcess(process, [])
    try:
        while not any("is running as" in line for line in running.log):
            line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
            assert line, "the bot exited before it was ready:\n" + "".join(running.log)
            running.log.append(line.decode())
        yield running
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.communicate(), timeout=30)
