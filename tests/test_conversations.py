"""Nobody has to say it twice: a command sent in the middle of a conversation ends it and runs
at once, and a conversation left half-way never takes text meant for the next one."""

from __future__ import annotations

from pathlib import Path

from settings.config import Config
from tests.census_flows import COUNSELLING, census_config, question, take_part
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import SimUser
from tests.flows import join
from tests.harness import ADMIN_ID, FakeClock, running_bot


def said(user: SimUser, words: str) -> int:
    """How many of the bot's messages in the chat say ``words``."""
    return sum(words in message.content for message in user.messages)


async def test_each_command_in_the_middle_of_a_conversation_runs_at_once_and_once(
    tg: FakeTelegram, bot: Config
) -> None:
    officer = tg.user(user_id=ADMIN_ID)
    await officer.send("/broadcast")
    await officer.wait_for_text("Who should get it?")
    await officer.press("Everyone")
    await officer.wait_for_text("Now send the message")  # the broadcast waits for its text
    await officer.send("/bulletin")
    await officer.wait_for_text("Draft:")
    await officer.press("Intro")
    await officer.wait_for_text("Send the introduction")  # the draft waits for its intro
    await officer.send("/queue")
    await officer.wait_for_text("No open issues")
    await officer.send("Hall closed on Friday")  # neither the broadcast's text nor the intro
    await officer.wait_for_text("I did not understand")
    await officer.send("/bulletin")
    intro = await officer.wait_for_text("Intro:")
    assert "Hall closed" not in intro.content
    assert [said(officer, words) for words in ("Draft:", "No open issues", "again")] == [2, 1, 0]
    assert said(officer, "No member would receive this yet") == 0  # no broadcast preview


async def test_a_button_that_starts_a_conversation_ends_the_one_waiting_for_text(
    tg: FakeTelegram, tmp_path: Path, clock: FakeClock
) -> None:
    member = tg.user()
    async with running_bot(census_config(tmp_path, tg), clock):
        await join(member)
        await take_part(member, [COUNSELLING])
        ask = await question(member, "November 2026", COUNSELLING)
        await member.send("/raise")
        await member.wait_for_text("Which theme")
        await member.press("Youth provision")
        await member.wait_for_text("What is happening?")  # /raise waits for text
        await member.press("Type the figures", ask)
        await member.wait_for_text("are waiting now?")
        await member.send("12")  # the census's answer, not what is happening
        await member.wait_for_text("typical wait")
        await member.send("2 years")
        await member.wait_for_text("closed to new referrals?")
        await member.press("No, open")
        await member.wait_for_text("✅")
        await member.send("Young people wait months for a counsellor at school.")
        await member.wait_for_text("I did not understand")  # /raise was left, not resumed
    assert said(member, "Is it one of these?") + said(member, "What is the impact") == 0
