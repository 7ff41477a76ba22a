"""Themes, the member's data rights, admin commands and reachability, end to end over HTTP."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db import members as members_repo
from db.database import Database
from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import broadcast_to_everyone, join
from tests.harness import ADMIN_ID, FakeClock, eventually, running_bot


async def member_state(config: Config, telegram_id: int) -> tuple[members_repo.Member | None,
                                                                  list[str]]:
    db = await Database.open(config.database.path)
    try:
        member = await members_repo.get_by_telegram_id(db, telegram_id)
        themes = await members_repo.themes_of(db, member.id) if member else []
        return member, themes
    finally:
        await db.close()


async def wait_for_status(config: Config, telegram_id: int, status: str) -> None:
    async def has_status() -> bool:
        member, _ = await member_state(config, telegram_id)
        return member is not None and member.status == status

    await eventually(has_status)


def ticked(user_message_buttons: list[list[tuple[str, str | None]]]) -> list[str]:
    return [label[2:] for row in user_message_buttons for label, _ in row
            if label.startswith("✅")]


async def test_themes_toggle_in_place_with_all_none_and_done(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user()
    await join(user)
    picker = user.last_message
    assert picker is not None
    message_id = picker.message_id
    await user.press("⬜ Safeguarding")
    await user.wait_for_message()
    await user.press("⬜ Domestic abuse")
    edited = await user.wait_for_message()
    assert edited.message_id == message_id  # the same message, edited
    assert ticked(user.keyboard(message_id)) == ["Safeguarding", "Domestic abuse"]
    assert (await member_state(bot, user.id))[1] == ["safeguarding", "domestic-abuse"]

    await user.press("✅ Safeguarding")
    await user.wait_for_message()
    assert (await member_state(bot, user.id))[1] == ["domestic-abuse"]

    await user.press("All")
    await user.wait_for_message()
    assert len(ticked(user.keyboard(message_id))) == len(bot.themes)
    await user.press("None")
    await user.wait_for_message()
    assert ticked(user.keyboard(message_id)) == []
    await user.press("Bulletin: everything, mine first")
    await user.wait_for_message()
    member, _ = await member_state(bot, user.id)
    assert member is not None and member.only_my_themes
    await user.press("⬜ Funding")
    await user.wait_for_message()
    await user.press("Done")
    done = await user.wait_for_text("Saved. You follow: Funding")
    assert done.message_id == message_id and not user.keyboard(message_id)
    assert tg.unanswered_callbacks() == []


async def test_themes_needs_registration(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user()
    await user.send("/themes")
    await user.wait_for_text("You have not joined yet")


async def test_mydata_returns_everything_stored(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user()
    await join(user, organisation="Bright <Futures>", email="lee@example.org")
    await user.press("⬜ Funding")
    await user.wait_for_message()
    await user.send("/mydata")
    summary = await user.wait_for_text("What we store about you")
    assert "Bright <Futures>" in summary.content and "Funding" in summary.content
    await user.wait_for_message(lambda m: m.kind == "document")
    [document] = user.documents
    data = json.loads(document.data)
    assert data["member"]["organisation"] == "Bright <Futures>"
    assert data["member"]["email"] == "lee@example.org"
    assert data["member"]["telegram_user_id"] == user.id
    assert data["themes"] == ["funding"]
    assert {c["purpose"] for c in data["consents"]} == {"privacy_notice", "email_bulletin"}


async def test_forget_erases_after_confirmation(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user()
    await join(user, email="lee@example.org")
    await user.send("/forget")
    await user.wait_for_text("It cannot be undone")
    await user.press("No, keep me")
    await user.wait_for_text("Nothing was erased")
    assert (await member_state(bot, user.id))[0] is not None

    await user.send("/forget")
    await user.wait_for_text("removes lee@example.org from the mailing list")
    await user.press("Yes, erase everything")
    await user.wait_for_text("everything about you has been erased")
    assert await member_state(bot, user.id) == (None, [])
    db = await Database.open(bot.database.path)
    try:
        assert await db.fetch_value("SELECT COUNT(*) FROM consents") == 0
    finally:
        await db.close()
    await user.send("/mydata")
    await user.wait_for_text("We store nothing about you")


async def test_admin_commands_are_refused_to_members_and_logged(
    tg: FakeTelegram, bot: Config, caplog: pytest.LogCaptureFixture
) -> None:
    user = tg.user()
    await join(user)
    for command in ("/members", "/export"):
        await user.send(command)
        await user.wait_for_text(f"Sorry, {command} is for the network officer")
    assert not user.documents
    assert "refused /members to non-admin user" in caplog.text


async def test_admin_sees_membership_figures_and_exports_csv(
    tg: FakeTelegram, bot: Config
) -> None:
    first, second = tg.user(), tg.user()
    await join(first, organisation="=HYPERLINK(\"evil\")", email="a@example.org")
    await first.press("⬜ Safeguarding")
    await first.wait_for_message()
    await join(second, organisation="Second Org")
    await second.block()
    await wait_for_status(bot, second.id, "blocked")
    admin = tg.user(user_id=ADMIN_ID, first_name="Officer")
    await admin.send("/members")
    figures = await admin.wait_for_text("Total: 2")
    assert "Blocked the bot: 1" in figures.content and "Safeguarding: 1" in figures.content
    assert "Joined this month: 2" in figures.content
    await admin.send("/export")
    await admin.wait_for_message(lambda m: m.kind == "document")
    [document] = admin.documents
    rows = list(csv.DictReader(io.StringIO(document.text())))
    assert [r["organisation"] for r in rows] == ["'=HYPERLINK(\"evil\")", "Second Org"]
    assert rows[0]["email"] == "a@example.org" and rows[0]["themes"] == "safeguarding"
    assert rows[1]["status"] == "blocked"


async def test_help_lists_commands_and_admin_ones_only_for_admins(
    tg: FakeTelegram, bot: Config
) -> None:
    user = tg.user()
    await user.send("/help")
    member_help = await user.wait_for_text("What you can do")
    assert "/themes" in member_help.content and "/export" not in member_help.content
    admin = tg.user(user_id=ADMIN_ID)
    await admin.send("/help")
    admin_help = await admin.wait_for_text("For the network officer")
    assert "/export" in admin_help.content


async def test_command_menus_are_published_with_an_admin_scope(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    tg.user(user_id=ADMIN_ID)  # the officer has started the bot before
    async with running_bot(config, clock):
        private = tg.commands({"type": "all_private_chats"})
        admin = tg.commands({"type": "chat", "chat_id": ADMIN_ID})
    assert private is not None and admin is not None
    assert "export" not in {c["command"] for c in private}
    assert {"export", "members", "themes"} <= {c["command"] for c in admin}


async def test_blocking_marks_inactive_and_writing_again_reactivates(
    tg: FakeTelegram, bot: Config
) -> None:
    user = tg.user()
    await join(user)
    await user.block()
    await wait_for_status(bot, user.id, "blocked")
    await user.unblock()
    await wait_for_status(bot, user.id, "active")
    # Telegram's word of the block and the unblock missed (the bot was down for days): a 403
    # during a broadcast marks the member blocked, and their next message shows they can be
    # reached again.
    await user.block(announce=False)
    admin = tg.user(user_id=ADMIN_ID)
    await broadcast_to_everyone(admin, "Hall closed on Friday", members=1)
    await admin.wait_for_text("1 blocked")
    await wait_for_status(bot, user.id, "blocked")
    await user.unblock(announce=False)
    await user.send("/help")
    await user.wait_for_text("What you can do")
    await wait_for_status(bot, user.id, "active")


async def test_group_chats_get_help_and_a_pointer_to_a_private_chat(
    tg: FakeTelegram, bot: Config
) -> None:
    group = tg.group(-1001234567890, "Linked-up members")
    user = tg.user()
    await user.send("/help", chat=group)
    answer = await group.wait_for_text("message me privately")
    assert "?start=join" in (answer.html or "")
    await user.send("/start", chat=group)
    await group.wait_for_text("private chat with me")


async def test_unknown_text_gets_a_helpful_answer(tg: FakeTelegram, bot: Config) -> None:
    user = tg.user()
    await user.send("what's on next week?")
    await user.wait_for_text("did not understand")
    await user.send("/nonsense")
    await user.wait_for_text("Send /help")


async def test_a_photo_gets_the_help_line_and_a_service_message_gets_nothing(
    tg: FakeTelegram, bot: Config
) -> None:
    """Whatever a person sends that no step takes is answered; Telegram's own note in the chat
    (a message was pinned) is not the person talking, and gets no answer."""
    user = tg.user()
    sender = user.to_api()
    chat = {"id": user.id, "type": "private", "first_name": sender["first_name"]}
    pinned = {"chat": chat, "message_id": 1, "date": 0}
    tg.queue_update("message", {"message_id": 9001, "date": 1_790_000_000, "chat": chat,
                                "from": sender, "pinned_message": pinned})
    tg.queue_update("message", {"message_id": 9002, "date": 1_790_000_001, "chat": chat,
                                "from": sender, "photo": [
                                    {"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90,
                                     "height": 60}]})
    await user.send("/help")
    await user.wait_for_text("What you can do")
    # One chat's updates are answered in order: the answers to all three are in by now.
    answers = [m.content for m in user.messages]
    assert ["did not understand" in answer for answer in answers] == [True, False]


async def test_a_themes_audience_leaves_out_the_paused_and_the_blocked(tmp_path: Path) -> None:
    """A theme's audience gives each member's chat and choice as the full member record would,
    without the member who paused updates or the one who blocked the bot."""
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    db = await Database.open(tmp_path / "network.sqlite3")
    try:
        await db.execute_many("INSERT INTO themes (slug, title) VALUES (?, ?)",
                              [("funding", "Funding"), ("youth", "Youth provision")])
        ids = []
        for n in range(40):
            details = members_repo.MemberDetails(f"Organisation {n}", f"Contact {n}", "Manager",
                                                 None)
            ids.append(await members_repo.insert(db, 7_000 + n, 9_000 + n, details, now))
            await members_repo.replace_themes(
                db, ids[-1], ["funding", "youth"] if n % 3 == 0 else ["youth"])
        await members_repo.set_broadcasts_paused(db, ids[0], True)
        await members_repo.set_status(db, ids[3], "blocked", now)
        await members_repo.set_only_my_themes(db, ids[6], True)

        funding = list(await members_repo.audience(db, ["funding"]))
        full = await members_repo.list_reachable(db, ["funding"])
        assert [(m.member_id, m.chat_id, m.only_my_themes) for m in funding] == [
            (m.id, m.chat_id, m.only_my_themes) for m in full]
        assert [m.chat_id for m in funding] == [9_000 + n for n in range(6, 40, 3)]
        assert funding[0].only_my_themes and not funding[1].only_my_themes
        assert len(await members_repo.audience(db)) == 38
        both = ["funding", "youth"]  # a member following both themes is in it once
        assert [m.member_id for m in await members_repo.audience(db, both)] == [
            m.id for m in await members_repo.list_reachable(db, both)] == [
            member_id for n, member_id in enumerate(ids) if n not in (0, 3)]
    finally:
        await db.close()


async def test_who_is_blocked_is_read_once_and_kept_right_by_every_change(
    tmp_path: Path,
) -> None:
    """The contact check asks on every update whether the person is marked blocked; the answer
    comes from one read of the blocked members, and every change of status after it."""
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    db = await Database.open(tmp_path / "network.sqlite3")
    try:
        first, second = [
            await members_repo.insert(db, telegram_id, telegram_id, members_repo.MemberDetails(
                f"Organisation {telegram_id}", "Contact", "Manager", None), now)
            for telegram_id in (501, 502)]
        await members_repo.set_status(db, first, "blocked", now)  # before the read: found by it
        assert [await members_repo.is_blocked(db, t) for t in (501, 502, 999)] == [
            True, False, False]
        await members_repo.set_status(db, second, "blocked", now)
        await members_repo.set_status(db, first, "active", now)
        assert [await members_repo.is_blocked(db, t) for t in (501, 502)] == [False, True]
    finally:
        await db.close()


async def test_a_member_and_their_themes_come_in_one_read_in_the_themes_order(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    db = await Database.open(tmp_path / "network.sqlite3")
    try:
        await db.execute_many("INSERT INTO themes (slug, title, position) VALUES (?, ?, ?)",
                              [("youth", "Youth provision", 2), ("funding", "Funding", 1),
                               ("send", "SEND", 3)])
        follower, _ = [
            await members_repo.insert(db, telegram_id, telegram_id, members_repo.MemberDetails(
                f"Organisation {telegram_id}", "Contact", "Manager", None), now)
            for telegram_id in (601, 602)]
        await members_repo.replace_themes(db, follower, ["send", "youth", "funding"])
        found = await members_repo.get_with_themes(db, 601)
        assert found is not None
        member, themes = found
        assert (member.id, themes) == (follower, ["funding", "youth", "send"])
        assert themes == await members_repo.themes_of(db, follower)
        assert await members_repo.get_with_themes(db, 602) == (
            await members_repo.get_by_telegram_id(db, 602), [])
        assert await members_repo.get_with_themes(db, 999) is None
    finally:
        await db.close()
