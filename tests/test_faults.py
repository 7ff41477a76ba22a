"""Telegram on a bad day: its front end answers 502 with an HTML page, connections are reset,
a group becomes a supergroup mid-answer. Members carry on where they were and the log says one
line per fault, never a traceback."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.runtime import serve
from db import members
from db.database import Database
from db.members import MemberDetails
from db.timeutil import utcnow
from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram, FaultRates
from tests.fakes.telegram_users import SimUser
from tests.flows import join
from tests.harness import FakeClock, eventually, free_port, make_config

JOIN_CALLS = frozenset({"sendMessage", "editMessageReplyMarkup", "answerCallbackQuery",
                        "getUpdates"})


async def joined_without_repeating(user: SimUser, number: int) -> bool:
    """The member answers each question once; False if a question never came."""
    try:
        await join(user, organisation=f"Organisation {number}", name=f"Person {number}",
                   role=f"Role {number}")
    except AssertionError:
        return False
    questions = [m.content for m in user.messages]
    return len(questions) == len(set(questions))  # no question had to be asked twice


def tracebacks(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for record in caplog.records if record.exc_info)


async def test_thirty_members_join_through_bad_gateways_and_resets(
    tg: FakeTelegram, bot: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    tg.inject_faults(FaultRates(bad_gateway=0.05, connection_reset=0.02, methods=JOIN_CALLS,
                                seed=10))
    users = [tg.user() for _ in range(30)]
    finished = await asyncio.gather(*(
        joined_without_repeating(user, number) for number, user in enumerate(users)))

    faults = sum(tg.injected_faults.values())
    retried = [r for r in caplog.records if "trying again" in r.getMessage()]
    print(f"fault run: {sum(finished)} of 30 finished without repeating a step; "
          f"{faults} faults injected ({dict(tg.injected_faults)}); "
          f"{len(retried)} one-line retries; {tracebacks(caplog)} tracebacks in the log")
    assert faults >= 10  # the run did meet Telegram's bad day
    assert sum(finished) == 30
    assert tracebacks(caplog) == 0
    assert len(retried) == faults  # each fault said in one line
    db = await Database.open(bot.database.path)
    try:
        stored = {(m.organisation, m.contact_name, m.role) for m in await members.list_all(db)}
    finally:
        await db.close()
    assert stored == {(f"Organisation {n}", f"Person {n}", f"Role {n}") for n in range(30)}
    assert tg.internal_errors == []


async def test_the_bot_waits_for_telegram_to_answer_then_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """After a reboot the network may come up after the bot: it keeps asking, one line a try."""
    caplog.set_level(logging.WARNING)
    tg = FakeTelegram(port=free_port())  # nothing listens there yet
    config = make_config(tmp_path, tg)
    stop, ready = asyncio.Event(), asyncio.Event()
    bot = asyncio.create_task(serve(config, stop, FakeClock(), ready))

    async def said_it_cannot_reach_telegram() -> bool:
        return any("cannot reach Telegram" in r.getMessage() for r in caplog.records)

    await eventually(said_it_cannot_reach_telegram)
    assert not config.database.path.exists()
    async with tg:
        await asyncio.wait_for(ready.wait(), timeout=30)
        await join(tg.user())
        stop.set()
        await asyncio.wait_for(bot, timeout=30)
    [attempt, *_] = [r.getMessage() for r in caplog.records if "cannot reach" in r.getMessage()]
    assert f"cannot reach Telegram at {tg.base_url}" in attempt and "trying again" in attempt
    assert tracebacks(caplog) == 0


async def test_a_group_that_became_a_supergroup_is_answered_there(
    tg: FakeTelegram, bot: Config
) -> None:
    """The upgrade happens between a /help and its answer: the answer follows the group, and
    so does everything the bot keeps for it (a member whose chat it is, a queued bulletin)."""
    tg.group(-4002, "Parents' forum", type="group")
    db = await Database.open(bot.database.path)
    try:
        group_member = await members.insert(
            db, 4002, -4002, MemberDetails("Parents' forum", "Ann", "Chair", None), utcnow())
        await tg.user().send("/help", tg.group(-4002))
        supergroup = tg.migrate_group(-4002, -100_4002, announce=False)  # before the bot answers
        await supergroup.wait_for_text("message me privately")
        member = await members.get_by_id(db, group_member)
    finally:
        await db.close()
    assert member is not None and member.chat_id == -100_4002
    assert [r.status for r in tg.requests if r.method == "sendMessage"] == [400, 200]
