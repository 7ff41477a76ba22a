"""``kill -9`` in the middle of a member's conversation, with the bot as a real process: after
the restart the member carries on at most one step back, and no answer lands in the field of
another question."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

from db.database import Database
from db.members import list_all
from handlers import census
from settings.config import Config
from tests.census_flows import COUNSELLING, NOVEMBER, census_config, question, take_part
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import SimUser
from tests.flows import begin_joining, join
from tests.harness import FakeClock, bot_process, eventually, make_config
from tests.issues_flows import Answers, answer_from_the_ask, confirm, rows, start_raise

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


def step_saved(config: Config, conversation: str, step: int) -> Callable[[], Awaitable[bool]]:
    """Whether the bot's database holds ``step`` as the person's step in ``conversation``."""
    async def saved() -> bool:
        found = await rows(config, "SELECT state FROM conversation_states"
                                   " WHERE conversation = ?", (conversation,))
        return found == [(str(step),)]

    saved.__name__ = f"{conversation}_step_{step}_saved"
    return saved


async def test_raise_killed_right_after_asking_the_impact_takes_the_impact_as_impact(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    config = make_config(tmp_path, tg)
    member, answers = tg.user(), Answers()
    async with bot_process(tmp_path, FakeClock()) as bot:
        await join(member)
        await start_raise(member, answers)
        await member.wait_for_text("What is the impact")
        bot.process.kill()
    async with bot_process(tmp_path, FakeClock()):
        await member.send(answers.impact)
        await answer_from_the_ask(member, answers)  # the next question: not asked "what" again
        review = next(m.content for m in reversed(member.messages)
                      if "Check before you confirm" in m.content)
        ref = await confirm(member)
    assert f"What is happening: {answers.what}\nImpact: {answers.impact}\n" in review
    assert await rows(config, "SELECT ref, what_happening, impact FROM issues") == [
        (ref, answers.what, answers.impact)]


async def test_census_killed_while_the_wait_question_was_on_its_way_asks_it_again(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    """The number typed after the restart is the wait it was asked for, not another count."""
    config, clock = census_config(tmp_path, tg), FakeClock()
    member = tg.user()
    async with bot_process(tmp_path, clock) as bot:
        await join(member)
        await take_part(member, [COUNSELLING])
        await member.press("Type the figures", await question(member, NOVEMBER, COUNSELLING))
        await member.wait_for_text("are waiting now?")
        tg.delay_responses(60, "sendMessage")
        await member.send("12")
        await eventually(step_saved(config, census.CONVERSATION, census.WEEKS), timeout=10)
        bot.process.kill()
    tg.delay_responses(0, "sendMessage")
    assert not any("what is the typical wait?" in m.content for m in member.messages)
    async with bot_process(tmp_path, clock):
        await member.wait_for_text("what is the typical wait?")
        await member.send("6")
        await member.press("No, open", await member.wait_for_text("closed to new referrals?"))
        saved = await member.wait_for_text("✅")
    assert "12 children or young people waiting, typical wait 6 weeks" in saved.content
    assert await rows(config, "SELECT waiting, wait_weeks, closed_to_referrals"
                              " FROM census_answers") == [(12, 6, 0)]


async def test_killed_after_the_census_asked_the_raise_it_left_takes_nothing(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    """Leaving /raise for the census was only in memory when the bot was killed; the census's
    step, saved before its question, ended /raise in the same write."""
    config, clock = census_config(tmp_path, tg), FakeClock()
    member = tg.user()
    async with bot_process(tmp_path, clock) as bot:
        await join(member)
        await take_part(member, [COUNSELLING])
        census_question = await question(member, NOVEMBER, COUNSELLING)
        await start_raise(member, Answers())  # up to "what is happening", answered
        await member.wait_for_text("What is the impact")
        await member.press("Type the figures", census_question)
        await member.wait_for_text("are waiting now?")
        bot.process.kill()
    async with bot_process(tmp_path, clock):
        await member.send("12")
        await member.wait_for_text("what is the typical wait?")  # "12": a count, not the impact
    assert await rows(config, "SELECT conversation FROM conversation_states") == [
        (census.CONVERSATION,)]
