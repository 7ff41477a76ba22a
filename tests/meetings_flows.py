"""What the meetings tests share: meetings put in place before a test, the member's answer
taps and reading the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.runtime import close_services, open_services
from db.database import Database
from db.meetings import NETWORK, Meeting
from meetings.schedule import plan_from_answers
from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import BotMessage, SimUser
from tests.flows import join
from tests.harness import FakeClock

FORUM = {"title": "Early help forum", "theme": "early-help", "speaker": "Dr Amy Shah",
         "venue": "St James Centre", "address": "1 Church Road, Birkenhead",
         "online": "https://meet.example/forum", "date": "2026-11-19", "start": "10:00",
         "end": "12:00"}
"""Thursday 19 November 2026, 10:00 to 12:00 (GMT), a fortnight after the test clock starts."""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def seed(config: Config, clock: FakeClock, answers: dict[str, str],
               kind: str = NETWORK) -> Meeting:
    """A meeting as the officer would have made it, written through the meetings service."""
    services = await open_services(config, clock)
    try:
        plan = plan_from_answers(kind, answers, await services.meetings.rules())
        return await services.meetings.create(plan)
    finally:
        await close_services(services)


async def rows(config: Config, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    db = await Database.open(config.database.path)
    try:
        return [tuple(row) for row in await db.fetch_all(sql, params)]
    finally:
        await db.close()


async def answer(tg: FakeTelegram, user: SimUser, label: str,
                 message: BotMessage | None = None) -> str:
    """Tap an answer and return what the bot showed on the member's screen."""
    query_id = await user.press(label, message)
    shown = await tg.wait_for_callback_answer(query_id)
    return shown.text or ""


async def open_card(user: SimUser, title: str) -> BotMessage:
    """/meetings, and the card of the meeting called ``title``."""
    await user.send("/meetings")
    await user.wait_for_text("Coming up")
    return await user.wait_for_text(title)


def reminders(user: SimUser) -> list[str]:
    return [m.content for m in user.messages if m.content.startswith("⏰")]


async def start_meeting(officer: SimUser, title: str) -> None:
    """/meeting and a title typed at the menu, up to the date question."""
    await officer.send("/meeting")
    await officer.wait_for_text("Create a meeting")
    await officer.send(title)
    await officer.wait_for_text("What date?")


async def answer_in_turn(officer: SimUser, *steps: tuple[str, str]) -> BotMessage:
    """Type each answer and wait for what it brings (a question, a problem); returns the last."""
    shown: BotMessage | None = None
    for typed, expected in steps:
        await officer.send(typed)
        shown = await officer.wait_for_text(expected)
    assert shown is not None
    return shown


async def change_detail(officer: SimUser, field: str, question: str, typed: str,
                        shown: str) -> BotMessage:
    """On the review, tap ``field``, answer its question, and wait for ``shown``."""
    await officer.press(field)
    await officer.wait_for_text(question)
    await officer.send(typed)
    return await officer.wait_for_text(shown)


async def follower_and_other(tg: FakeTelegram) -> tuple[SimUser, SimUser]:
    """Two members: one who follows Early help, and one who does not."""
    follower, other = tg.user(), tg.user()
    await join(follower, organisation="Follower Org")
    await follower.press("⬜ Early help")
    await follower.wait_for_message()
    await join(other, organisation="Other Org")
    return follower, other


async def theme_for_followers(officer: SimUser) -> None:
    """On the full review: Early help, with reminders only to its followers."""
    await officer.press("Theme")
    await officer.wait_for_text("Which theme")
    await officer.press("Early help")
    await officer.wait_for_text("Who should get the reminders?")
    await officer.press("Only the theme's followers")
    await officer.wait_for_text("Reminded: Only the theme's followers")
