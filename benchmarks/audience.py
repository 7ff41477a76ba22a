"""Who a send goes to, with a network of 100,000 members, measured against SQLite itself.

- Adding the members one by one as onboarding does (``insert`` and ``replace_themes``, each its
  own commit), on a sample scaled up since 100,000 separate commits take minutes, against the
  same rows written raw in one transaction. Printed as a ratio, without a target: a member who
  joins must be stored when the bot says so, and nothing in the product adds members in bulk.
- A theme's audience: ``members.audience`` against the query it was first written as (the
  members whose id is in the theme's list), run raw on the same connection, where the issue
  measured 32 ms; the target is at most 20 ms. The repository now walks the theme's index in
  member order and takes plain tuples, so the ratio is below 1.

Members follow one to three of the ten example themes at random (seeded), so a theme's
audience is about a fifth of the network. Timings are the best of a few rounds.

    uv run python benchmarks/audience.py [--members 100000] [--one-by-one 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db import members as members_repo  # noqa: E402
from db.database import Database  # noqa: E402
from db.members import MemberDetails  # noqa: E402
from db.timeutil import to_db  # noqa: E402
from settings.config import default_themes  # noqa: E402

AUDIENCE_TARGET_MS = 20.0
THEME = "funding"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FIRST_USER = 600_000_000
RAW_SQL = (
    "SELECT id, chat_id, only_my_themes FROM members"
    " WHERE status = 'active' AND broadcasts_paused = 0"
    " AND id IN (SELECT member_id FROM member_themes"
    " WHERE theme_slug IN (SELECT value FROM json_each(?)))"
    " ORDER BY id"
)


@dataclass(frozen=True)
class NewMember:
    telegram_id: int
    details: MemberDetails
    themes: tuple[str, ...]


def network(count: int, slugs: list[str], first: int = FIRST_USER) -> list[NewMember]:
    chooser = random.Random(count)
    return [
        NewMember(first + n,
                  MemberDetails(f"Organisation {n}", f"Contact {n}", "Manager", None),
                  tuple(chooser.sample(slugs, chooser.randint(1, 3))))
        for n in range(count)
    ]


async def open_with_themes(path: Path) -> tuple[Database, list[str]]:
    db = await Database.open(path)
    themes = default_themes()
    await db.execute_many(
        "INSERT INTO themes (slug, title, position) VALUES (?, ?, ?)",
        [(theme["slug"], theme["title"], n) for n, theme in enumerate(themes)])
    return db, [theme["slug"] for theme in themes]


async def in_one_transaction(db: Database, members: list[NewMember]) -> None:
    """The baseline: the same rows as onboarding writes, in two statements and one commit."""
    stamp = to_db(NOW)
    async with db.transaction():
        await db.execute_many(
            "INSERT INTO members (telegram_id, chat_id, organisation, contact_name, role, email,"
            " joined_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(m.telegram_id, m.telegram_id, m.details.organisation, m.details.contact_name,
              m.details.role, m.details.email, stamp, stamp) for m in members])
        await db.execute_many(
            "INSERT INTO member_themes (member_id, theme_slug)"
            " SELECT id, ? FROM members WHERE telegram_id = ?",
            [(slug, m.telegram_id) for m in members for slug in m.themes])


async def one_by_one(db: Database, members: list[NewMember]) -> float:
    started = time.perf_counter()
    for member in members:
        member_id = await members_repo.insert(
            db, member.telegram_id, member.telegram_id, member.details, NOW)
        await members_repo.replace_themes(db, member_id, list(member.themes))
    return time.perf_counter() - started


async def best_ms(rounds: int, run: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(rounds):
        started = time.perf_counter()
        result = await run()
        best = min(best, time.perf_counter() - started)
    return best * 1000, result


async def raw_rows(db: Database) -> list[Any]:
    async with db.connection.execute(RAW_SQL, (f'["{THEME}"]',)) as cursor:
        return list(await cursor.fetchall())


async def main(count: int, sample: int, rounds: int) -> int:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bulk.sqlite3"
        db, slugs = await open_with_themes(path)
        members = network(count, slugs)
        try:
            started = time.perf_counter()
            await in_one_transaction(db, members)
            bulk = time.perf_counter() - started
            # The bot asks long after the import, its write-ahead log written back by then:
            # reopening does that, rather than every read looking for pages in the log.
            await db.close()
            db = await Database.open(path)
            raw_ms, rows = await best_ms(rounds, lambda: raw_rows(db))
            repo_ms, audience = await best_ms(
                rounds, lambda: members_repo.audience(db, [THEME]))
            assert len(audience) == len(rows) and next(iter(audience)).member_id == rows[0][0]
        finally:
            await db.close()
        single_db, _ = await open_with_themes(Path(directory) / "single.sqlite3")
        try:
            sampled = await one_by_one(single_db, network(sample, slugs))
        finally:
            await single_db.close()
    single = sampled * count / sample
    print(f"members: {count:,}; audience of theme {THEME!r}: {len(audience):,} members; "
          f"best of {rounds}")
    print(f"add all in one transaction (raw SQL): {bulk:.2f} s")
    print(f"add one by one as onboarding does: {single:.1f} s ({sample:,} took {sampled:.2f} s, "
          f"scaled to {count:,}) = {single / bulk:.0f} x one transaction (no target: each join "
          "is its own commit)")
    print(f"audience through the repository: {repo_ms:.1f} ms (target <= "
          f"{AUDIENCE_TARGET_MS:.0f} ms) {'PASS' if repo_ms <= AUDIENCE_TARGET_MS else 'FAIL'}")
    print(f"the first query, raw: {raw_ms:.1f} ms; repository / raw = {repo_ms / raw_ms:.2f}")
    return 0 if repo_ms <= AUDIENCE_TARGET_MS else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--one-by-one", type=int, default=5_000, dest="sample")
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.members, arguments.sample, arguments.rounds)))
