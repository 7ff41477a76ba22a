"""Joining, updating details, and resuming after a restart, end to end over HTTP."""

from __future__ import annotations

import asyncio

from db import members as members_repo
from db.database import Database
from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import begin_joining, join
from tests.harness import FakeClock, running_bot


async def stored_members(config: Config) -> list[members_repo.Member]:
    db = await Database.open(config.database.path)
    try:
        return await members_repo.list_all(db)
    finally:
        await db.close()


async def consents(config: Config, member_id: int) -> list[members_repo.Consent]:
    db = await Database.open(config.database.path)
    try:
        return await members_repo.consents_of(db, member_id)
    finally:
        await db.close()


async def test_a_new_member_joins_with_email_consent(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user(first_name="Sam")
    await join(user, organisation="Riverside <Youth> & Co", email="Sam@Example.org")
    welcome = next(m for m in user.messages if "joined the network" in m.content)
    assert "Riverside <Youth> & Co" in welcome.content  # shown as typed, escaped in HTML
    [member] = await stored_members(bot)
    assert (member.organisation, member.contact_name, member.role) == (
        "Riverside <Youth> & Co", "Sam Patel", "Manager")
    assert member.email == "Sam@example.org"
    purposes = {(c.purpose, c.granted) for c in await consents(bot, member.id)}
    assert purposes == {("privacy_notice", True), ("email_bulletin", True)}


async def test_email_without_consent_is_not_stored(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user()
    await join(user, email="sam@example.org", email_consent=False)
    [member] = await stored_members(bot)
    assert member.email is None
    assert ("email_bulletin", False) in {
        (c.purpose, c.granted) for c in await consents(bot, member.id)}


async def test_declining_the_privacy_notice_stores_nothing(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user()
    await user.send("/start")
    await user.wait_for_text("Your data")
    await user.press("No thanks")
    await user.wait_for_text("nothing has been stored")
    assert await stored_members(bot) == []


async def test_bad_answers_get_clear_replies_and_are_asked_again(
    tg: FakeTelegram, bot: Config
) -> None:
    user = tg.user()
    await begin_joining(user)
    await user.send("x")
    await user.wait_for_text("at least 2 characters")
    await user.send("A" * 500)
    await user.wait_for_text("under 120 characters (that was 500)")
    await user.send("Hope Family Centre")
    await user.wait_for_text("your name")
    await user.send("Jo")
    await user.wait_for_text("role")
    await user.send("Lead <b>worker</b>")
    await user.wait_for_text("by email")
    await user.send("not an email")
    await user.wait_for_text("does not look like an email")
    await user.press("Skip")
    await user.wait_for_text("Your themes")
    [member] = await stored_members(bot)
    assert member.role == "Lead <b>worker</b>"


async def test_start_again_offers_an_update_and_never_registers_twice(
    tg: FakeTelegram, bot: Config
) -> None:
    user = tg.user()
    await join(user)
    await user.send("/start")
    await user.wait_for_text("You are registered as")
    await user.press("Update my details")
    await user.wait_for_text("organisation")
    await user.send("Renamed Trust")
    await user.wait_for_text("your name")
    await user.send("Sam Patel")
    await user.wait_for_text("role")
    await user.send("Chair")
    await user.wait_for_text("by email")
    await user.press("Skip")
    await user.wait_for_text("details are updated")
    [member] = await stored_members(bot)
    assert (member.organisation, member.role) == ("Renamed Trust", "Chair")

    await user.send("/start")
    await user.wait_for_text("You are registered as")
    await user.press("Keep them")
    await user.wait_for_text("Nothing changed")
    assert len(await stored_members(bot)) == 1


async def test_cancel_leaves_the_conversation(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user()
    await begin_joining(user)
    await user.send("/cancel")
    await user.wait_for_text("Stopped. Nothing more was saved")
    await user.send("Some Organisation")
    await user.wait_for_text("did not understand")
    assert await stored_members(bot) == []


async def test_a_restart_mid_conversation_resumes_where_the_member_was(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    user = tg.user()
    async with running_bot(config, clock):
        await begin_joining(user)
        await user.send("Northside Parents Forum")
        await user.wait_for_text("your name")
    async with running_bot(config, clock):
        await user.send("Alex Reid")
        await user.wait_for_text("role")
        await user.send("Coordinator")
        await user.wait_for_text("by email")
        await user.press("Skip")
        await user.wait_for_text("Your themes")
    [member] = await stored_members(config)
    assert (member.organisation, member.contact_name) == ("Northside Parents Forum", "Alex Reid")


async def test_fifty_members_join_at_once(tg: FakeTelegram, bot: Config) -> None:
    tg.disable_rate_limits()
    users = [tg.user() for _ in range(50)]
    await asyncio.gather(*(
        join(user, organisation=f"Organisation {i}", name=f"Person {i}")
        for i, user in enumerate(users)
    ))
    members = await stored_members(bot)
    assert sorted(m.organisation for m in members) == sorted(f"Organisation {i}" for i in range(50))
    assert len({m.telegram_id for m in members}) == 50
