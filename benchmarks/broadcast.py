"""A month's bulletin to many members at Telegram's pace, while members keep talking to the bot.

The loopback fake Bot API runs in this process and enforces Telegram's flood control (30
messages/s per bot, ~1/s per chat with a short burst, 429 with retry_after), and notes every send
made before a 429's retry_after had passed. The bot runs as a real subprocess (`python -m bot
run`), exactly as on the server. The bulletin is a real month's shape: 36 articles over six
themes, personalised per member, three messages each (counted per chat on the fake).

Run 1, one bot process: members send /themes at a steady rate while the bot is idle (the idle
p99 reply time), then the bulletin goes out while they keep doing so (the p99 during the
broadcast). Run 2 sends the same bulletin and kills the bot (SIGKILL) half-way: nothing may be
lost, and duplicates may not exceed the calls that were in flight at the kill. Baselines, run
in this same process: Telegram's 30 msg/s, PTB's own AIORateLimiter sending the same bulletin
messages through a fresh fake (on at most --baseline-members members), and the idle p99.

Every target prints PASS or FAIL, and the script exits 1 if any failed.

    uv run python benchmarks/broadcast.py [--members 300] [--skip-kill]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import tomli_w
from telegram.ext import AIORateLimiter, ExtBot

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.telegram_transport import TelegramTransport  # noqa: E402
from bulletins.drafts import load_bulletin  # noqa: E402
from bulletins.telegram_render import render_for_member  # noqa: E402
from db import articles as articles_repo  # noqa: E402
from db import bulletins as bulletins_repo  # noqa: E402
from db import members as members_repo  # noqa: E402
from db import themes as themes_repo  # noqa: E402
from db.articles import ArticleDraft  # noqa: E402
from db.database import Database  # noqa: E402
from db.members import MemberDetails  # noqa: E402
from db.timeutil import utcnow  # noqa: E402
from delivery.messages import OutgoingMessage  # noqa: E402
from delivery.transport import Sent  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TOKEN = "123456789:BENCH-token_for-the-loopback-fake"
TELEGRAM_LIMIT = 30.0
ENGINE_RATE = 29.4  # the engine's default budget ([delivery] messages_per_second)
FIRST_USER = 500_000_000
ARTICLES = 36
PARTS = 3
THEMES = [
    ("safeguarding", "Safeguarding"), ("early-help", "Early help"),
    ("send", "SEND and the Local Offer"), ("mental-health", "Mental health and wellbeing"),
    ("youth", "Youth provision"), ("funding", "Funding"),
]
SUMMARY = ("The partnership met this month to agree the next steps for families waiting for "
           "support, with new training dates, a revised referral form and a call for views")

RATE_TARGET = 0.97
LATENCY_TARGET = 1.5
SHARE_429_TARGET = 0.005


# --- the bulletin: database, expected messages --------------------------------------------------


def followed_by(i: int) -> list[str]:
    """Members follow none, one or two themes, so bulletins differ as they do in a network."""
    slugs = [slug for slug, _ in THEMES]
    return [slugs[(i + k * 2) % len(slugs)] for k in range(i % 3)]


@dataclass
class Plan:
    """Each member's chat and the bulletin messages it must receive, in order."""

    bulletin_id: int
    messages: dict[int, list[OutgoingMessage]]
    parts: dict[int, dict[int, int]] = field(default_factory=dict)  # chat -> {hash: part}

    def __post_init__(self) -> None:
        self.parts = {chat: {hash(m.html): i for i, m in enumerate(messages)}
                      for chat, messages in self.messages.items()}

    @property
    def total(self) -> int:
        return sum(len(messages) for messages in self.messages.values())

    def part_counts(self) -> Counter[int]:
        return Counter(len(messages) for messages in self.messages.values())


async def prepare_database(path: Path, members: int) -> Plan:
    """Members with their themes, a month of articles, and a bulletin drafted from them."""
    db = await Database.open(path)
    now = utcnow()
    try:
        await themes_repo.sync_from_config(
            db, [themes_repo.Theme(slug, title, title) for slug, title in THEMES])
        chats: dict[int, int] = {}  # member id -> chat
        async with db.transaction():
            for i in range(members):
                user_id = FIRST_USER + i
                member_id = await members_repo.insert(
                    db, user_id, user_id,
                    MemberDetails(f"Organisation {i}", f"Member {i}", "Manager", None), now,
                )
                await members_repo.replace_themes(db, member_id, followed_by(i))
                chats[member_id] = user_id
        for n in range(ARTICLES):
            themes = [THEMES[n % len(THEMES)][0], *([THEMES[(n + 1) % len(THEMES)][0]]
                                                    if n % 4 == 0 else [])]
            await articles_repo.upsert_article(db, ArticleDraft(
                guid=f"bench-{n}", link=f"https://linkedup.example/news/{n}",
                title=f"Network news item {n}: what changes for families this month",
                summary_html=f"<p>{SUMMARY} ({n}).</p>", published_at=now - timedelta(hours=n + 1),
                feed_url="https://linkedup.example/feed",
            ), themes, now)
        articles = await articles_repo.list_published_since(db, now - timedelta(days=3))
        bulletin_id = await bulletins_repo.create(
            db, "Linked-up bulletin, benchmark", now - timedelta(days=31),
            [a.id for a in articles], now)
        record = await bulletins_repo.get(db, bulletin_id)
        assert record is not None
        bulletin = await load_bulletin(db, record)
        # in the order the bot reads them
        followed = await members_repo.themes_of_members(db, list(chats))
        return Plan(bulletin_id, {chat: render_for_member(bulletin, followed.get(member, []),
                                                          False)
                                  for member, chat in chats.items()})
    finally:
        await db.close()


async def schedule_now(path: Path, bulletin_id: int) -> None:
    db = await Database.open(path, migrate=False)
    try:
        await bulletins_repo.set_status(db, bulletin_id, "scheduled", scheduled_for=utcnow())
    finally:
        await db.close()


async def rows_in_flight(path: Path) -> int:
    db = await Database.open(path, migrate=False)
    try:
        return int(await db.fetch_value("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"))
    finally:
        await db.close()


# --- reading the fake as messages arrive --------------------------------------------------------


class Tally:
    """Reads the fake's sent messages as they come: bulletin parts by content, and the replies
    to members' messages (timed from the member's update to the stored reply)."""

    def __init__(self, tg: FakeTelegram, plan: Plan) -> None:
        self._tg = tg
        self.plan = plan
        self._seen = 0
        self.received: Counter[tuple[int, int]] = Counter()  # (chat, part) -> copies
        self.per_chat: Counter[int] = Counter()  # bulletin sendMessages per chat
        self.part_times: list[float] = []
        self.reply_times: list[float] = []
        self.waiting: dict[int, tuple[float, str]] = {}  # chat -> (update sent at, phase)
        self.latencies: dict[str, list[float]] = {"idle": [], "planning": [], "broadcast": []}

    def scan(self) -> None:
        messages = self._tg.sent_messages
        for message in messages[self._seen:]:
            part = self.plan.parts.get(message.chat_id, {}).get(hash(message.html or ""))
            if part is not None:
                self.received[message.chat_id, part] += 1
                self.per_chat[message.chat_id] += 1
                self.part_times.append(message.timestamp)
            elif message.chat_id in self.waiting:
                asked_at, phase = self.waiting.pop(message.chat_id)
                self.latencies[phase].append(message.timestamp - asked_at)
                self.reply_times.append(message.timestamp)
        self._seen = len(messages)

    @property
    def delivered(self) -> int:
        return len(self.received)

    def lost(self) -> int:
        return self.plan.total - self.delivered

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.received.values())

    def window(self) -> tuple[float, float]:
        return (min(self.part_times), max(self.part_times)) if self.part_times else (0.0, 0.0)

    async def until(self, parts: int, limit: float) -> None:
        deadline = time.monotonic() + limit
        while self.delivered < parts and time.monotonic() < deadline:
            self.scan()
            await asyncio.sleep(0.05)
        self.scan()

    async def until_answered(self, limit: float) -> None:
        deadline = time.monotonic() + limit
        while self.waiting and time.monotonic() < deadline:
            self.scan()
            await asyncio.sleep(0.05)


async def members_talk(tg: FakeTelegram, tally: Tally, rate: float, phase: str,
                       count: int | None, stop: asyncio.Event | None = None) -> None:
    """Members (a different one each time) send /themes at a steady ``rate`` per second."""
    draw = random.Random(phase)
    chats = list(tally.plan.messages)
    started = time.monotonic()
    sent = 0
    while (count is None or sent < count) and not (stop and stop.is_set()):
        chat = draw.choice(chats)
        if chat in tally.waiting:
            continue
        tally.scan()
        tally.waiting[chat] = (time.time(), phase)
        tg.queue_user_message(tg.user(chat), chat, "/themes")
        sent += 1
        await asyncio.sleep(max(0.0, started + sent / rate - time.monotonic()))


# --- the bot as a subprocess --------------------------------------------------------------------


def write_config(directory: Path, base_url: str) -> Path:
    config = {
        "telegram": {"token": TOKEN, "base_url": base_url},
        "database": {"path": str(directory / "bench.sqlite3")},
        "scheduler": {"tick_seconds": 1.0},
        "themes": [{"slug": slug, "title": title, "description": title}
                   for slug, title in THEMES],
    }
    path = directory / "config.toml"
    path.write_text(tomli_w.dumps(config), "utf-8")
    return path


async def start_bot(config: Path, tg: FakeTelegram) -> asyncio.subprocess.Process:
    """The bot, once it is polling for updates."""
    polls = tg.stats()["requests"].get("getUpdates", 0)
    log = (config.parent / "bot.log").open("ab")
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        cwd=ROOT, stdout=log, stderr=log,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    async with asyncio.timeout(60):
        while tg.stats()["requests"].get("getUpdates", 0) <= polls:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return bot


async def stop_bot(bot: asyncio.subprocess.Process) -> None:
    bot.terminate()
    await bot.wait()


# --- the runs -----------------------------------------------------------------------------------


@dataclass
class Flood:
    sends: int
    refused_429: int
    ignored_retry_after: int

    @classmethod
    def of(cls, tg: FakeTelegram) -> Flood:
        stats = tg.stats()
        return cls(stats["requests"].get("sendMessage", 0), stats["rejected_429"],
                   stats["ignored_retry_after"])

    @property
    def share(self) -> float:
        return self.refused_429 / self.sends if self.sends else 0.0


@dataclass
class Run1:
    tally: Tally
    flood: Flood
    replies_in_window: int
    unanswered: int
    planning_seconds: float


@dataclass
class Run2:
    tally: Tally
    flood: Flood
    in_flight: int
    rate_before_kill: float


def limit_for(plan: Plan) -> float:
    return plan.total / ENGINE_RATE * 2 + 120


@dataclass
class Stage:
    """A run's database, fake Telegram with one user per member, and the tally watching it."""

    folder: Path
    path: Path
    plan: Plan
    tg: FakeTelegram
    tally: Tally


@asynccontextmanager
async def staged(members: int) -> AsyncIterator[Stage]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        plan = await prepare_database(path, members)
        async with FakeTelegram(token=TOKEN, record_requests=False) as tg:
            for chat in plan.messages:
                tg.user(user_id=chat)
            yield Stage(Path(tmp), path, plan, tg, Tally(tg, plan))


async def run_with_members_talking(members: int, rate: float, idle_samples: int,
                                   seconds: float | None = None) -> Run1:
    """``seconds``: stop the broadcast after that long (its whole ledger is queued from the
    start, so the replies meet a full-size ledger at once)."""
    async with staged(members) as stage:
        path, plan, tg, tally = stage.path, stage.plan, stage.tg, stage.tally
        bot = await start_bot(write_config(stage.folder, tg.base_url), tg)
        await members_talk(tg, tally, rate, "idle", idle_samples)
        await tally.until_answered(30)
        # From the moment the bulletin is due: its planning (every member's edition into the
        # ledger) is part of the broadcast for a member who writes meanwhile.
        await schedule_now(path, plan.bulletin_id)
        scheduled = time.time()
        stop = asyncio.Event()
        talking = asyncio.create_task(members_talk(tg, tally, rate, "planning", None, stop))
        await tally.until(1, 300)
        stop.set()
        await talking
        planning_seconds = min(tally.part_times, default=scheduled) - scheduled
        stop = asyncio.Event()
        talking = asyncio.create_task(members_talk(tg, tally, rate, "broadcast", None, stop))
        await tally.until(plan.total, seconds or limit_for(plan))
        stop.set()
        await talking
        await tally.until_answered(30)
        await stop_bot(bot)
        first, last = tally.window()
        in_window = sum(first <= t <= last for t in tally.reply_times)
        return Run1(tally, Flood.of(tg), in_window, len(tally.waiting), planning_seconds)


async def run_with_kill(members: int) -> Run2:
    async with staged(members) as stage:
        path, plan, tg, tally = stage.path, stage.plan, stage.tg, stage.tally
        config = write_config(stage.folder, tg.base_url)
        bot = await start_bot(config, tg)
        await schedule_now(path, plan.bulletin_id)
        await tally.until(plan.total // 2, limit_for(plan))
        bot.kill()
        await bot.wait()
        tally.scan()
        first, last = tally.window()
        rate_before = (len(tally.part_times) - 1) / (last - first) if last > first else 0.0
        in_flight = await rows_in_flight(path)
        print(f"  killed the bot after {tally.delivered:,} of {plan.total:,} parts; "
              f"{in_flight} rows were in flight", flush=True)
        bot = await start_bot(config, tg)
        await tally.until(plan.total, limit_for(plan))
        await stop_bot(bot)
        return Run2(tally, Flood.of(tg), in_flight, rate_before)


@dataclass
class Baseline:
    rate: float
    sent: int
    lost: int
    flood: Flood


async def aio_rate_limiter_baseline(members: int) -> Baseline:
    """PTB's own AIORateLimiter (with 3 retries on 429) sending the same bulletin messages:
    every member's parts in order, all members at once, through a fresh fake."""
    with tempfile.TemporaryDirectory() as tmp:
        plan = await prepare_database(Path(tmp) / "bench.sqlite3", members)
    async with FakeTelegram(token=TOKEN, record_requests=False) as tg:
        for chat in plan.messages:
            tg.user(user_id=chat)
        bot = ExtBot(TOKEN, base_url=tg.base_url, rate_limiter=AIORateLimiter(max_retries=3))
        async with bot:
            transport = TelegramTransport(bot)

            async def one_member(chat: int, messages: list[OutgoingMessage]) -> int:
                outcomes = [await transport.send(chat, message) for message in messages]
                return sum(isinstance(outcome, Sent) for outcome in outcomes)

            started = time.monotonic()
            sent = sum(await asyncio.gather(
                *(one_member(chat, messages) for chat, messages in plan.messages.items())))
            seconds = time.monotonic() - started
        return Baseline(sent / seconds, sent, plan.total - sent, Flood.of(tg))


# --- the verdicts -------------------------------------------------------------------------------


class Verdicts:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, name: str, passed: bool, figure: str) -> None:
        print(f"  {'PASS' if passed else 'FAIL'}  {name}: {figure}", flush=True)
        if not passed:
            self.failed.append(name)


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def flood_checks(verdicts: Verdicts, flood: Flood) -> None:
    verdicts.check("429 share <= 0.5%", flood.share <= SHARE_429_TARGET,
                   f"{flood.refused_429} of {flood.sends:,} sendMessage calls = "
                   f"{flood.share:.2%}")
    verdicts.check("no call ignores retry_after", flood.ignored_retry_after == 0,
                   f"{flood.ignored_retry_after} sends before a 429's retry_after had passed")


def report_run1(verdicts: Verdicts, run: Run1, members: int, baseline: Baseline,
                *, whole: bool = True) -> None:
    """``whole=False``: the broadcast was stopped early, so only its pace and replies count."""
    tally = run.tally
    first, last = tally.window()
    seconds = last - first
    bulletin_rate = (tally.delivered - 1) / seconds if seconds else 0.0
    budget_rate = (tally.delivered + run.replies_in_window - 1) / seconds if seconds else 0.0
    print(f"run 1: bulletin to {members:,} members while members send /themes", flush=True)
    print(f"  {tally.delivered:,} bulletin parts in {seconds:.1f} s = {bulletin_rate:.2f} msg/s "
          f"({bulletin_rate / TELEGRAM_LIMIT:.3f} x 30), plus {run.replies_in_window} replies "
          f"in that time")
    print(f"  ratio to PTB's AIORateLimiter on the same bulletin: "
          f"{bulletin_rate / baseline.rate:.3f}")
    counts = Counter(tally.per_chat[chat] for chat in tally.plan.messages)
    if whole:
        verdicts.check(f"every member's bulletin is {PARTS} sendMessage calls",
                       set(counts) == {PARTS},
                       ", ".join(f"{n} parts to {chats:,} members"
                                 for n, chats in sorted(counts.items())))
    verdicts.check(f"the bot's budget (parts + replies) >= {RATE_TARGET} x 30",
                   budget_rate >= RATE_TARGET * TELEGRAM_LIMIT,
                   f"{budget_rate:.2f} msg/s = {budget_rate / TELEGRAM_LIMIT:.3f} x 30")
    planning = tally.latencies["planning"]
    print(f"  planning (due to first part): {run.planning_seconds:.1f} s, reply p99 meanwhile "
          f"{p99(planning) * 1000:.0f} ms over {len(planning)} replies")
    during = planning + tally.latencies["broadcast"]
    idle, busy = p99(tally.latencies["idle"]), p99(during)
    verdicts.check(f"reply p99 during the broadcast (its planning too) <= {LATENCY_TARGET} x idle",
                   busy <= LATENCY_TARGET * idle,
                   f"{busy * 1000:.0f} ms over {len(during)} replies "
                   f"against {idle * 1000:.0f} ms idle over {len(tally.latencies['idle'])} "
                   f"= {busy / idle:.2f} x")
    verdicts.check("every member's /themes answered", run.unanswered == 0,
                   f"{run.unanswered} unanswered")
    flood_checks(verdicts, run.flood)
    if whole:
        verdicts.check("lost 0, duplicated 0", tally.lost() == 0 and tally.duplicates() == 0,
                       f"lost {tally.lost()}, duplicated {tally.duplicates()}")


def report_run2(verdicts: Verdicts, run: Run2, members: int) -> None:
    tally = run.tally
    print(f"run 2: bulletin to {members:,} members, bot killed (SIGKILL) half-way", flush=True)
    verdicts.check(f"bulletin alone, up to the kill, >= {RATE_TARGET} x 30",
                   run.rate_before_kill >= RATE_TARGET * TELEGRAM_LIMIT,
                   f"{run.rate_before_kill:.2f} msg/s = "
                   f"{run.rate_before_kill / TELEGRAM_LIMIT:.3f} x 30")
    flood_checks(verdicts, run.flood)
    verdicts.check("lost 0", tally.lost() == 0, f"lost {tally.lost()}")
    verdicts.check("duplicated <= in flight at the kill", tally.duplicates() <= run.in_flight,
                   f"duplicated {tally.duplicates()}, in flight {run.in_flight}")


def estimate_minutes(args: argparse.Namespace) -> float:
    """Telegram's pace decides: 3 parts a member at 29.4/s, plus the idle phase and start-ups."""
    bulletin = args.seconds or args.members * PARTS / ENGINE_RATE
    runs = bulletin + args.idle_samples / args.rate + 20
    if not args.skip_kill:
        runs += bulletin + 20
    baseline = min(args.baseline_members, args.members) * PARTS / TELEGRAM_LIMIT + 5
    return (runs + baseline) / 60


def report_baseline(baseline: Baseline, members: int) -> None:
    print(f"baseline: PTB's AIORateLimiter sends the same bulletin to {members:,} members at "
           f"{baseline.rate:.2f} msg/s ({baseline.rate / TELEGRAM_LIMIT:.3f} x 30), "
           f"{baseline.flood.refused_429} x 429 ({baseline.flood.share:.2%}), "
           f"{baseline.flood.ignored_retry_after} sends ignoring retry_after, "
           f"{baseline.lost} lost", flush=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--baseline-members", type=int, default=1000,
                        help="members for the AIORateLimiter baseline (at most --members)")
    parser.add_argument("--rate", type=float, default=2.0,
                        help="members' /themes per second, idle and during the broadcast")
    parser.add_argument("--idle-samples", type=int, default=120)
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--seconds", type=float,
                        help="stop the broadcast after this many seconds and judge only its pace "
                             "and replies (no kill run): the reply figures on a full-size ledger "
                             "in minutes rather than an hour")
    args = parser.parse_args()
    if args.seconds:
        args.skip_kill = True

    print(f"{args.members:,} members x {PARTS} parts; this takes about "
          f"{estimate_minutes(args):.0f} minutes", flush=True)
    baseline_members = min(args.baseline_members, args.members)
    baseline = await aio_rate_limiter_baseline(baseline_members)
    report_baseline(baseline, baseline_members)
    verdicts = Verdicts()
    run1 = await run_with_members_talking(args.members, args.rate, args.idle_samples,
                                          args.seconds)
    report_run1(verdicts, run1, args.members, baseline, whole=not args.seconds)
    if not args.skip_kill:
        report_run2(verdicts, await run_with_kill(args.members), args.members)
    print(f"{'FAIL: ' + ', '.join(verdicts.failed) if verdicts.failed else 'PASS: every target'}")
    return 1 if verdicts.failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
