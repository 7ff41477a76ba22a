"""What the issues tests share: board meetings, the /raise journey, the officer's steps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from db import meetings as meetings_repo
from db.database import Database
from db.meetings import MeetingPlan
from settings.config import Config
from tests.fakes.telegram_users import BotMessage, SimUser, UploadedFile

EARLY_HELP = "Early Help Board"


async def add_board_meeting(config: Config, board: str, starts: datetime,
                            cut_off: datetime) -> None:
    """A board meeting as the officer records it with the meetings feature (no reminders)."""
    plan = MeetingPlan(kind="board", title=f"{board} meeting", board=board, starts_at=starts,
                       ends_at=starts + timedelta(hours=2), issue_cutoff_at=cut_off,
                       reminder_offsets=())
    async with database(config) as db:
        await meetings_repo.insert(db, plan, starts - timedelta(days=60))


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass(frozen=True)
class Answers:
    theme: str = "Early help"
    what: str = "Families wait 18 weeks for an early help assessment after a referral."
    impact: str = "Problems grow while they wait and more children end up needing social care."
    waiting: str | None = "45"
    weeks: str | None = "18"
    """Asked only when someone is waiting."""
    affected: str | None = None
    since: str | None = None
    ask: str | None = None
    """What the organisation asks the board; None leaves it to the officer."""
    board: str = EARLY_HELP
    named: bool = True


async def start_raise(user: SimUser, answers: Answers) -> None:
    await user.send("/raise")
    await user.wait_for_text("Which theme")
    await user.press(answers.theme)
    await user.wait_for_text("What is happening?")
    await user.send(answers.what)


async def answer_figures(user: SimUser, answers: Answers) -> None:
    asked = [(answers.waiting, "How many"),
             *([(answers.weeks, "typical wait")] if answers.waiting not in (None, "0") else []),
             (answers.affected, "more are affected"), (answers.since, "Since when")]
    for value, question in asked:
        await user.wait_for_text(question)
        if value is None:
            await user.press("Skip")
        else:
            await user.send(value)


async def answer_named(user: SimUser, answers: Answers) -> None:
    await user.wait_for_text("name")
    await user.press("Yes, name us" if answers.named else "No, keep us anonymous")
    await user.wait_for_text("Check before you confirm")


async def raise_issue(user: SimUser, answers: Answers = Answers(), *,
                      similar_shown: bool = False) -> str:
    """The whole /raise for a new issue; returns its reference."""
    await start_raise(user, answers)
    if similar_shown:
        await user.wait_for_text("Is it one of these?")
        await user.press("Mine is different, continue")
    await finish_new_issue(user, answers)
    return await confirm(user)


async def finish_new_issue(user: SimUser, answers: Answers) -> None:
    """From "what is happening" accepted (or "Mine is different") to the review screen."""
    await user.wait_for_text("What is the impact")
    await user.send(answers.impact)
    await answer_from_the_ask(user, answers)


async def answer_from_the_ask(user: SimUser, answers: Answers) -> None:
    """From the impact accepted to the review screen."""
    await user.wait_for_text("What would you like the board to do?")
    if answers.ask is None:
        await user.press("Let the officer word it")
    else:
        await user.send(answers.ask)
    await answer_figures(user, answers)
    await user.wait_for_text("Which board")
    await user.press(answers.board)
    await answer_named(user, answers)


async def confirm(user: SimUser) -> str:
    await user.press("Confirm")
    done = await user.wait_for_text("LU-")
    return next(word.strip(".,") for word in done.content.split() if word.startswith("LU-"))


async def join_issue(user: SimUser, ref: str, answers: Answers) -> None:
    """Start /raise with words close to an open issue, and add "us too" to ``ref``."""
    await start_raise(user, answers)
    await user.wait_for_text("Is it one of these?")
    await user.press(f"Us too: {ref}")
    await answer_figures(user, answers)
    await answer_named(user, answers)
    await user.press("Confirm")
    await user.wait_for_text(f"is now behind {ref}")


async def officer_opens(officer: SimUser, ref: str) -> BotMessage:
    """/queue, then the issue's card."""
    await officer.send("/queue")
    await officer.wait_for_text("Open issues")
    await officer.press(ref)
    return await officer.wait_for_text(f"{ref} (")


async def accept(officer: SimUser, ref: str, board: str = EARLY_HELP) -> None:
    await officer_opens(officer, ref)
    await officer.press(f"Accept for {board}")
    await officer.wait_for_text(f"{ref} is now accepted")


async def request_report(officer: SimUser, board: str = EARLY_HELP) -> UploadedFile:
    """/report for ``board``: the Word document (its HTML copy follows it)."""
    await officer.send("/report")
    await officer.wait_for_text("Which board")
    await officer.press(board)
    return await officer.wait_for_document(".docx")


@asynccontextmanager
async def database(config: Config) -> AsyncIterator[Database]:
    db = await Database.open(config.database.path)
    try:
        yield db
    finally:
        await db.close()


async def rows(config: Config, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    async with database(config) as db:
        return [tuple(row) for row in await db.fetch_all(sql, params)]


def tables_that_overflow(document: Any) -> list[str]:
    """Each table of a Word report that is wider than its page's text, or has a header word
    wider than its column (by character count: 0.55 em a character at the cell's type size,
    plus Word's cell margins): columns off the page, "Organisatio/ns"."""
    section = document.sections[-1]
    usable = (section.page_width - section.left_margin - section.right_margin) / 360_000
    body = document.styles["Normal"].font.size
    normal = body.pt if body else 11.0  # the template's own size
    problems = []
    for number, table in enumerate(document.tables, 1):
        widths = [column.width / 360_000 for column in table.columns]
        if sum(widths) > usable + 0.01:
            problems.append(f"table {number}: {sum(widths):.1f} cm on {usable:.1f} cm of text")
        for cell, width in zip(table.rows[0].cells, widths, strict=True):
            sizes = [r.font.size.pt for p in cell.paragraphs for r in p.runs if r.font.size]
            size = sizes[0] if sizes else normal
            for word in cell.text.split():
                if len(word) * 0.55 * size * 2.54 / 72 + 0.38 > width:
                    problems.append(f"table {number}: “{word}” at {size} pt in {width:.2f} cm")
    return problems
