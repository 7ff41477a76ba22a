"""What the census tests share: the config, taking part, and answering a month's questions as
a member does (taps and typed numbers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import BotMessage, SimUser
from tests.flows import join
from tests.harness import ADMIN_ID, FakeClock, make_config
from tests.issues_flows import accept, raise_issue
from tests.meetings_flows import utc

COUNSELLING, PARENTING = "Counselling and mental health", "Parenting support"
NOVEMBER, DECEMBER = "November 2026", "December 2026"
CENSUS: dict[str, Any] = {
    "services": [
        {"slug": "counselling", "title": COUNSELLING, "counts": "children or young people",
         "themes": ["early-help"]},
        {"slug": "parenting", "title": PARENTING, "counts": "families"},
        {"slug": "youth-work", "title": "Youth work", "counts": "young people"},
    ],
    "day": 1, "time": "09:30", "reminder_days": 4,
    "boards": {"Early Help Board": ["counselling", "parenting"]},
}


WEEK_BUTTONS = {"2", "4", "8", "12", "18", "26", "52"}


def census_config(tmp_path: Path, tg: FakeTelegram) -> Config:
    tg.disable_rate_limits()  # Telegram's limits are tested elsewhere
    return make_config(tmp_path, tg, census=CENSUS)


def ticked(title: str) -> Callable[[BotMessage], bool]:
    return lambda message: f"✅ {title}" in message.button_labels


async def choose_services(user: SimUser, services: Sequence[str], named: bool) -> None:
    """From the invitation's "We run services…" to the confirmation."""
    picker = (await user.wait_for_text("Which services do you run?")).message_id
    for title in services:
        await user.press(f"⬜ {title}", picker)
        await user.wait_for_message(ticked(title))
    await user.press("Done", picker)
    await user.wait_for_text("name your organisation")
    await user.press("Yes, you may name us" if named else "No, count us anonymously", picker)
    await user.wait_for_text("You are taking part in the waiting-list census")


async def take_part(user: SimUser, services: Sequence[str] = (COUNSELLING, PARENTING),
                    named: bool = True) -> None:
    """/census as a member not yet taking part, then the services."""
    await user.send("/census")
    await user.wait_for_text("not taking part")
    await user.press("We run services that can have a waiting list")
    await choose_services(user, services, named)


async def no_list_in_november(user: SimUser) -> None:
    """Joins, takes part with counselling, and answers November's question: no list."""
    await join(user)
    await take_part(user, [COUNSELLING])
    await user.press("No waiting list now", await question(user, NOVEMBER, COUNSELLING))
    await user.wait_for_text("✅")


async def question(user: SimUser, month: str, service: str) -> BotMessage:
    """The month's question about one service (it comes through the delivery engine, paced at
    one message a second per chat, so it is looked for in the whole chat, not after a cursor)."""
    heading = f"📋 Waiting lists, {month}"

    def sent() -> BotMessage | None:
        return next((m for m in user.tg.chat_events(user.chat_id) if m.event == "sent"
                     and m.content.startswith(heading) and service in m.content), None)

    try:
        return await user.tg.wait_for(sent)
    except TimeoutError:
        raise AssertionError(f"no {heading} question about {service}") from None


async def type_figures(user: SimUser, message: BotMessage, waiting: str, weeks: str,
                       closed: bool, button: str = "Type the figures") -> BotMessage:
    """"Type the figures" on a question (or "Correct: …" in /census), then how many, the
    wait, and closed or open."""
    await user.press(button, message)
    await user.wait_for_text("are waiting now?")
    await user.send(waiting)
    if waiting.strip() != "0":
        wait_question = await user.wait_for_text("typical wait")
        if weeks in WEEK_BUTTONS:
            await user.press(weeks, wait_question)
        else:
            await user.send(weeks)
    # The buttons of this question, not the newest keyboard: the month's next question (another
    # service) can arrive while this one is being answered, and it asks "... and is the list
    # closed to new referrals?" too.
    closed_question = await user.wait_for_text(": is the list closed to new referrals?")
    await user.press("Yes, closed" if closed else "No, open", closed_question)
    return await user.wait_for_text("✅")


def census_questions(user: SimUser) -> list[str]:
    """Every census question the member was sent (as sent, before any answer edited it)."""
    return [m.content for m in user.tg.chat_events(user.chat_id)
            if m.event == "sent" and m.content.startswith(("📋 Waiting lists", "⏰ Reminder"))]


async def seed_three_organisations(tg: FakeTelegram, clock: FakeClock,
                                   ) -> tuple[SimUser, str]:
    """November and December answered by three organisations (one named), a fourth taking
    part that never answers; an issue with figures raised for the Early Help Board."""
    named, quiet, small, silent = tg.user(), tg.user(), tg.user(), tg.user()
    officer = tg.user(user_id=ADMIN_ID)
    for user, organisation in ((named, "Hope Counselling"), (quiet, "Quiet Trust"),
                               (small, "Small Steps"), (silent, "Silent Org")):
        await join(user, organisation=organisation)
    await take_part(named, [COUNSELLING, PARENTING], named=True)
    await take_part(quiet, [COUNSELLING], named=False)
    await take_part(small, [COUNSELLING], named=False)
    await take_part(silent, [COUNSELLING], named=True)
    await type_figures(named, await question(named, NOVEMBER, COUNSELLING), "10", "8", False)
    await type_figures(named, await question(named, NOVEMBER, PARENTING), "5", "4", False)
    await type_figures(quiet, await question(quiet, NOVEMBER, COUNSELLING), "20", "12", False)
    await small.press("No waiting list now", await question(small, NOVEMBER, COUNSELLING))
    await small.wait_for_text("✅")
    ref = await raise_issue(named)
    await accept(officer, ref)

    clock.now = utc(2026, 12, 1, 9, 30)
    for user in (named, small):
        await user.press("Same as last month", await question(user, DECEMBER, COUNSELLING))
        await user.wait_for_text("✅")
    await type_figures(quiet, await question(quiet, DECEMBER, COUNSELLING), "30", "26", True)
    return silent, ref
