"""``kill -9`` in the middle of a member's conversation, with the bot as a real process: after
the restart the member carries on at most one step back, and no answer lands in the field of
another question."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from db.database import Database
from db.members import list_all
from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import SimUser
from tests.flows import begin_joining
from tests.harness import bot_process, eventually, make_config

NAME_STEP = 2  # handlers.onboarding's NAME state


async def finish_joining(user: SimUser, name: str) -> None:
    await user.send(name)
    await user.wait_for_text("role")
    await user.send("Coordinator")
    await user.wait_for_text("by email")
    await user.press("Skip")
    await user.wait_for_text("Your themes")


async def stored(config: Config) -> list[tuple[str, str]]:
    db = await Database.open(config.database.path)
    try:
        return [(m.organisation, m.contact_name) for m in await list_all(db)]
    finally:
        await db.close()


async def test_killed_right_after_asking_the_member_answers_the_question_she_saw(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    """Today's bug: the step was saved up to a second after the question went out, so an answer
    typed after a restart was taken for the previous question."""
    config = make_config(tmp_path, tg)
    user = tg.user()
    async with bot_process(tmp_path) as bot:
        await begin_joining(user)
        await user.send("Northside Parents Forum")
        await user.wait_for_text("And your name")
        bot.process.kill()  # SIGKILL: nothing is flushed
    async with bot_process(tmp_path):
        await finish_joining(user, "Alex Reid")
    assert await stored(config) == [("Northside Parents Forum", "Alex Reid")]


async def test_killed_while_the_question_was_on_its_way_it_is_asked_again(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    """Telegram holds the question's send when the bot is killed: the step was saved with it, so
    the restarted bot asks it, and the answer goes where that question says."""
    config = make_config(tmp_path, tg)
    user = tg.user()
    async with bot_process(tmp_path) as bot:
        await begin_joining(user)
        tg.delay_responses(60, "sendMessage")
        await user.send("Northside Parents Forum")

        async def name_step_saved() -> bool:
            with sqlite3.connect(config.database.path) as db:
                row = db.execute("SELECT state FROM conversation_states"
                                 " WHERE conversation = 'onboarding'").fetchone()
            return row is not None and row[0] == str(NAME_STEP)

        await eventually(name_step_saved, timeout=10)
        bot.process.kill()
    tg.delay_responses(0, "sendMessage")
    assert not any("And your name" in m.content for m in user.messages)
    async with bot_process(tmp_path):
        await user.wait_for_text("And your name")
        await finish_joining(user, "Alex Reid")
    assert await stored(config) == [("Northside Parents Forum", "Alex Reid")]
