"""Bulletin delivery to many members, measured against Telegram's limits.

The loopback fake Bot API runs in this process and enforces Telegram's flood control (30
messages/s per bot, ~1/s per chat, 429 with retry_after). The bot runs as a real subprocess
(`python -m bot run`), exactly as on the server, and sends a scheduled bulletin to N members.

Figures are printed as ratios against baselines measured in this same process:
- Telegram's ceiling of 30 msg/s (the target is at least 0.95);
- a bare python-telegram-bot loop sending through the same fake as fast as it is allowed.

Run 1 sends to everyone undisturbed. Run 2 kills the bot (SIGKILL) at about half-way and
starts it again: nothing may be lost, and duplicates may not exceed the messages that were in
flight at the kill.

    uv run python benchmarks/broadcast.py [--members 10000] [--skip-kill]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import tomli_w
from telegram import Bot
from telegram.error import RetryAfter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db import articles as articles_repo  # noqa: E402
from db import bulletins as bulletins_repo  # noqa: E402
from db import members as members_repo  # noqa: E402
from db.articles import ArticleDraft  # noqa: E402
from db.database import Database  # noqa: E402
from db.members import MemberDetails  # noqa: E402
from db.timeutil import utcnow  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TOKEN = "123456789:BENCH-token_for-the-loopback-fake"
TELEGRAM_LIMIT = 30.0
FIRST_USER = 500_000_000
MARKER = "Linked-up bulletin"


@dataclass
class RunResult:
    delivered: int
    seconds: float
    lost: int
    duplicates: int
    in_flight_at_kill: int | None = None

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0


async def prepare_database(path: Path, members: int) -> None:
    """Members, one article and a bulletin due now: what the bot finds at start-up."""
    db = await Database.open(path)
    now = utcnow()
    try:
        async with db.transaction():
            for i in range(members):
                user_id = FIRST_USER + i
                await members_repo.insert(
                    db, user_id, user_id,
                    MemberDetails(f"Organisation {i}", f"Member {i}", "Manager", None), now,
                )
        await articles_repo.upsert_article(db, ArticleDraft(
            guid="bench-1", link="https://linkedup.example/news/1", title="Network news",
            summary_html="<b>Short</b> summary.", published_at=now - timedelta(days=1),
            feed_url="https://linkedup.example/feed",
        ), [], now)
        [article] = await articles_repo.list_published_since(db, now - timedelta(days=2))
        bulletin_id = await bulletins_repo.create(
            db, f"{MARKER}, benchmark", now - timedelta(days=31), [article.id], now
        )
        await bulletins_repo.set_status(db, bulletin_id, "scheduled", scheduled_for=now)
    finally:
        await db.close()


def write_config(directory: Path, base_url: str) -> Path:
    config = {
        "telegram": {"token": TOKEN, "base_url": base_url},
        "database": {"path": str(directory / "bench.sqlite3")},
        "scheduler": {"tick_seconds": 1.0},
    }
    path = directory / "config.toml"
    path.write_text(tomli_w.dumps(config), "utf-8")
    return path


async def start_bot(config: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def bulletin_counts(tg: FakeTelegram) -> dict[int, int]:
    counts: dict[int, int] = {}
    for message in tg.sent_messages:
        if (message.text or "").startswith(MARKER):
            counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
    return counts


def bulletin_times(tg: FakeTelegram) -> list[float]:
    return [m.timestamp for m in tg.sent_messages if (m.text or "").startswith(MARKER)]


async def wait_for_deliveries(tg: FakeTelegram, target: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    # A coarse poll: counting is O(messages), too costly to redo on every delivery.
    while len(bulletin_counts(tg)) < target and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.5)


async def rows_in_flight(path: Path) -> int:
    db = await Database.open(path, migrate=False)
    try:
        return int(await db.fetch_value("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"))
    finally:
        await db.close()


def summarise(tg: FakeTelegram, members: int, in_flight: int | None = None) -> RunResult:
    counts = bulletin_counts(tg)
    times = bulletin_times(tg)
    seconds = max(times) - min(times) if len(times) > 1 else 0.0
    return RunResult(
        delivered=sum(counts.values()),
        seconds=seconds,
        lost=members - len(counts),
        duplicates=sum(n - 1 for n in counts.values()),
        in_flight_at_kill=in_flight,
    )


async def bulletin_run(members: int, kill_at: float | None) -> RunResult:
    async with FakeTelegram(token=TOKEN, record_requests=False) as tg:
        for i in range(members):
            tg.user(user_id=FIRST_USER + i)
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            await prepare_database(directory / "bench.sqlite3", members)
            config = write_config(directory, tg.base_url)
            limit = members / TELEGRAM_LIMIT * 2 + 60
            bot = await start_bot(config)
            in_flight = None
            if kill_at is not None:
                await wait_for_deliveries(tg, int(members * kill_at), limit)
                bot.kill()
                await bot.wait()
                in_flight = await rows_in_flight(directory / "bench.sqlite3")
                print(f"  killed the bot after {len(bulletin_counts(tg)):,} deliveries; "
                      f"{in_flight} rows were in flight", flush=True)
                bot = await start_bot(config)
            await wait_for_deliveries(tg, members, limit)
            bot.terminate()
            await bot.wait()
            return summarise(tg, members, in_flight)


async def bare_ptb_baseline(messages: int) -> float:
    """A plain PTB loop through the same fake: send, and on 429 wait as told. Messages/s."""
    async with FakeTelegram(token=TOKEN, record_requests=False) as tg:
        for i in range(messages):
            tg.user(user_id=FIRST_USER + i)
        async with Bot(TOKEN, base_url=tg.base_url) as bot:
            started = time.monotonic()
            for i in range(messages):
                while True:
                    try:
                        await bot.send_message(FIRST_USER + i, "baseline")
                        break
                    except RetryAfter as error:
                        delay = error.retry_after
                        await asyncio.sleep(delay if isinstance(delay, (int, float))
                                            else delay.total_seconds())
            return messages / (time.monotonic() - started)


def report(name: str, result: RunResult, baseline: float) -> None:
    print(f"{name}:")
    print(f"  delivered {result.delivered:,} in {result.seconds:.1f} s = {result.rate:.2f} msg/s")
    print(f"  ratio to Telegram's 30 msg/s limit: {result.rate / TELEGRAM_LIMIT:.3f}"
          " (target >= 0.95)")
    print(f"  ratio to a bare PTB loop through the same fake: {result.rate / baseline:.3f}")
    print(f"  lost: {result.lost}   duplicated: {result.duplicates}")
    if result.in_flight_at_kill is not None:
        verdict = "ok" if result.duplicates <= result.in_flight_at_kill else "TOO MANY"
        allowed = result.in_flight_at_kill
        print(f"  duplicates allowed (in flight at the kill): {allowed} -> {verdict}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--baseline-messages", type=int, default=600)
    parser.add_argument("--skip-kill", action="store_true")
    args = parser.parse_args()

    baseline = await bare_ptb_baseline(args.baseline_messages)
    print(f"baseline: a bare PTB loop sends {baseline:.2f} msg/s through the fake "
          f"({baseline / TELEGRAM_LIMIT:.3f} of 30/s)", flush=True)
    report(f"run 1: bulletin to {args.members:,} members",
           await bulletin_run(args.members, kill_at=None), baseline)
    if not args.skip_kill:
        report(f"run 2: bulletin to {args.members:,} members, bot killed at half-way",
               await bulletin_run(args.members, kill_at=0.5), baseline)


if __name__ == "__main__":
    asyncio.run(main())
