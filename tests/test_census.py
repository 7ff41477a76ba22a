"""The waiting-list census end to end over HTTP against the fake Bot API, with the clock moved by
hand: taking part at join and from /census, the month's questions answered in a few taps, typed
figures with questions back for impossible ones, the one reminder, nothing asked twice across a
restart, the officer's /census (rate, totals, chart, CSV), the board report's "Waiting lists"
section read back from the Word file, and /mydata and /forget."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from docx import Document

from census.months import planned
from db import census as repo
from db import members as members_repo
from db.census import Figures
from settings.config import Config
from tests.census_flows import (
    COUNSELLING,
    DECEMBER,
    NOVEMBER,
    PARENTING,
    census_config,
    census_questions,
    choose_services,
    no_list_in_november,
    question,
    seed_three_organisations,
    take_part,
    type_figures,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import SimUser
from tests.flows import join
from tests.harness import ADMIN_ID, FakeClock, running_bot, ticks
from tests.issues_flows import (
    EARLY_HELP,
    add_board_meeting,
    database,
    request_report,
    rows,
    tables_that_overflow,
)
from tests.meetings_flows import utc


async def december_for_the_board(config: Config, tg: FakeTelegram, clock: FakeClock,
                                  ) -> tuple[SimUser, str]:
    """Three organisations' November and December (see ``seed_three_organisations``) before
    the Early Help Board's meeting on 15 December, whose cut-off is the 10th."""
    await add_board_meeting(config, EARLY_HELP, utc(2026, 12, 15, 10), utc(2026, 12, 10, 17))
    return await seed_three_organisations(tg, clock)


@pytest.fixture
def config(tmp_path: Path, tg: FakeTelegram) -> Config:
    return census_config(tmp_path, tg)


async def test_two_services_in_a_few_taps_once_a_month_across_a_restart(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
        invitation = next(m for m in member.messages if "Waiting lists" in m.content)
        await member.press("We run services that can have a waiting list", invitation)
        await choose_services(member, [COUNSELLING, PARENTING], named=True)

        # Joined on 2 November: November's census is open, so its questions come at once.
        first = await question(member, NOVEMBER, COUNSELLING)
        second = await question(member, NOVEMBER, PARENTING)
        assert "(1 of 2)" in first.content and "(2 of 2)" in second.content
        assert first.button_labels == ["No waiting list now", "Type the figures"]
        before = member.actions
        saved = await type_figures(member, first, "12", "8", closed=False)
        assert saved.content.startswith("✅ Counselling and mental health, November 2026: 12 "
                                        "children or young people waiting, typical wait 8 weeks,"
                                        " open to new referrals")
        await member.press("No waiting list now", second)
        assert "no waiting list" in (await member.wait_for_text("✅ Parenting")).content
        # The first month: one list typed (how many, a weeks button, open or closed) and one
        # "no list" in five actions, well under a minute.
        assert member.actions - before == 5

        clock.now = utc(2026, 12, 1, 9, 30)  # 09:30 in London on the 1st
        december = [await question(member, DECEMBER, s) for s in (COUNSELLING, PARENTING)]
        assert "Last month: 12 children or young people waiting, typical wait 8 weeks" in \
            december[0].content
        before = member.actions
        for message in december:  # two taps for the whole census
            await member.press("Same as last month", message)
            await member.wait_for_text("✅")
        assert member.actions - before == 2
        await ticks()
    async with running_bot(config, clock):
        clock.advance(days=10)  # past the reminder's day: everything was answered
        await ticks()
        await member.send("/census")
        mine = await member.wait_for_text("Your waiting-list census, December 2026")
        assert "Counselling and mental health: 12 children or young people waiting" in \
            mine.content
        corrected = await type_figures(member, mine, "15", "10", closed=True,
                                       button="Correct: Counselling and mental health")
        assert "15 children or young people waiting, typical wait 10 weeks, closed" in \
            corrected.content
    assert len(census_questions(member)) == 4
    answers = await rows(config, "SELECT month, service_slug, waiting, wait_weeks FROM "
                                 "census_answers ORDER BY month, service_slug")
    assert answers == [("2026-11", "counselling", 12, 8), ("2026-11", "parenting", 0, None),
                       ("2026-12", "counselling", 15, 10), ("2026-12", "parenting", 0, None)]


async def test_one_reminder_to_those_who_have_not_answered_and_nothing_twice(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    clock.now = utc(2026, 11, 25, 9, 0)
    prompt, slow = tg.user(), tg.user()
    async with running_bot(config, clock):
        for user, organisation in ((prompt, "Prompt Org"), (slow, "Slow Org")):
            await join(user, organisation=organisation)
            await take_part(user)
            await question(user, NOVEMBER, PARENTING)
        clock.now = utc(2026, 12, 1, 9, 30)
        for message in [await question(prompt, DECEMBER, s) for s in (COUNSELLING, PARENTING)]:
            await prompt.press("No waiting list now", message)
            await prompt.wait_for_text("✅")
        slow_december = await question(slow, DECEMBER, COUNSELLING)
        await type_figures(slow, slow_december, "7", "3 months", closed=True)
    async with running_bot(config, clock):  # a restart before the reminder is due
        clock.now = utc(2026, 12, 5, 9, 30)
        reminder = await slow.wait_for_text("⏰ Reminder")
        assert PARENTING in reminder.content and "(1 of 1)" in reminder.content
        clock.advance(days=20)
        await ticks()
    assert [len(census_questions(u)) for u in (prompt, slow)] == [4, 5]
    assert await rows(config, "SELECT wait_weeks, closed_to_referrals FROM census_answers WHERE"
                              " waiting = 7") == [(13, 1)]


async def test_after_downtime_a_month_is_asked_late_only_while_it_is_open(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    member = tg.user()
    async with running_bot(config, clock):
        await add_board_meeting(config, EARLY_HELP, utc(2026, 12, 15, 10), utc(2026, 12, 10, 17))
        await no_list_in_november(member)
    clock.now = utc(2026, 12, 11, 9)  # down all of December's census: its cut-off has passed
    async with running_bot(config, clock):
        await ticks()
    assert not any(DECEMBER in q for q in census_questions(member))
    clock.now = utc(2027, 1, 3, 12)  # down when January's opened: asked late, it is still open
    async with running_bot(config, clock):
        await question(member, "January 2027", COUNSELLING)
        await ticks()
    async with running_bot(config, clock):
        await ticks()
    assert [q.splitlines()[0] for q in census_questions(member)] == [
        "📋 Waiting lists, November 2026 (1 of 1)", "📋 Waiting lists, January 2027 (1 of 1)"]


async def test_a_cut_off_just_after_the_census_opens_leaves_the_month_open(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    member, officer = tg.user(), tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        # December's census opens on the 1st, its reminder is due on the 5th; the cut-off is
        # on the 3rd, so that report takes November (complete) and December stays open.
        await add_board_meeting(config, EARLY_HELP, utc(2026, 12, 8, 10), utc(2026, 12, 3, 17))
        await no_list_in_november(member)
        clock.now = utc(2026, 12, 4, 9)
        await member.press("Same as last month", await question(member, DECEMBER, COUNSELLING))
        saved = await member.wait_for_message(lambda m: m.content.startswith("✅")
                                              or "has closed" in m.content)
        assert saved.content.startswith(f"✅ {COUNSELLING}, {DECEMBER}"), saved.content
        report = await request_report(officer)
    text = "\n".join(p.text for p in Document(io.BytesIO(report.data)).paragraphs)
    assert "census for November 2026, as it stood at the cut-off" in text


async def test_impossible_figures_get_a_clear_question_back(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    member = tg.user()
    async with running_bot(config, clock):
        await join(member)
        await take_part(member, [COUNSELLING])
        ask = await question(member, NOVEMBER, COUNSELLING)
        await member.press("Type the figures", ask)
        await member.wait_for_text("are waiting now?")
        for typed, answer in (("-3", "cannot be below zero"), ("lots", "whole number"),
                              ("250000", "cannot be the number waiting"),
                              ("12 children", "whole number")):
            await member.send(typed)
            await member.wait_for_text(answer)
        await member.send("6,000")
        await member.wait_for_text("Is 6,000 right?")
        await member.press("Yes, 6,000 is right")
        await member.wait_for_text("typical wait")
        for typed, answer in (("11 years", "over ten years"), ("-2", "below zero"),
                              ("soon", "number of weeks")):
            await member.send(typed)
            await member.wait_for_text(answer)
        await member.send("2 years")
        await member.wait_for_text("closed to new referrals?")
        await member.send("/census")  # another command in the middle ends the figures, and runs
        await member.wait_for_text("Your waiting-list census")
        await member.send("5")
        await member.wait_for_text("Press “Type the figures”")
    assert await rows(config, "SELECT * FROM census_answers") == []


async def test_officer_census_and_the_board_report_section(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        silent, ref = await december_for_the_board(config, tg, clock)

        clock.now = utc(2026, 12, 11, 9)  # after the cut-off: December's census has closed
        late = await question(silent, DECEMBER, COUNSELLING)
        await silent.press("No waiting list now", late)
        assert "has closed" in (await silent.wait_for_text("census for December")).content

        await officer.send("/census")
        view = await officer.wait_for_text("Waiting-list census, December 2026")
        assert "Answered: 3 of 4 organisations asked (75%)" in view.content
        assert "Not yet: Silent Org" in view.content
        assert ("Counselling and mental health: 40 waiting, 3 organisations\n"
                "   median wait 17 weeks, longest 26 weeks, 1 closed to referrals\n"
                "   change: +10 since last month") in view.content
        assert "Parenting support: no answers yet" in view.content
        chart = await officer.wait_for_document()
        assert chart.data.startswith(b"\x89PNG")
        await officer.press("CSV of the whole series")
        series = list(csv.DictReader(io.StringIO(
            (await officer.wait_for_document(".csv")).text())))
        november = {r["service"]: r for r in series if r["month"] == "2026-11"}
        assert november["counselling"]["waiting"] == "30"
        assert november["parenting"]["publishable_three_or_more_organisations"] == "no"

        reports = []
        for _ in range(2):  # made twice: the figures are frozen at the cut-off
            reports.append(await request_report(officer))
            html = (await officer.wait_for_document(".html")).text()
    assert reports[0].data != b"" and "data:image/png;base64," in html
    assert ("<tr><td>Parenting support</td><td>fewer than three organisations reported</td>"
            in html) and "5 (1 organisation)" not in html  # the HTML withholds it too

    document = Document(io.BytesIO(reports[1].data))
    text = "\n".join(p.text for p in document.paragraphs)
    section = text[text.index("Waiting lists"):]
    assert "census for December 2026" in section and "3 organisations reported" in section
    assert "Counselling and mental health: Hope Counselling and 2 other organisations" in section
    assert "Quiet Trust" not in text and "Small Steps" not in text
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    summary = next(t for t in tables if t[0][0] == "Service")
    assert summary[1] == [COUNSELLING, "40", "3", "17 weeks", "26 weeks", "1", "+10", "—"]
    assert summary[2][:2] == [PARENTING, "fewer than three organisations reported"]
    trend = next(t for t in tables if t[0][0] == "Month")
    assert trend[0] == ["Month", COUNSELLING, PARENTING]
    # From the census's first month, not twelve rows of months before anyone was asked.
    assert [row[0] for row in trend] == ["Month", "November 2026", "December 2026"]
    assert trend[-2] == ["November 2026", "30 (3 organisations)",
                         "fewer than three organisations reported"]
    issues = next(t for t in tables if t[0][0] == "Reference")
    assert issues[1] == [ref, "Early help", "1", "45", "18 weeks",
                         "Counselling and mental health, November 2026: 30 (3 organisations)"]
    assert len(document.inline_shapes) == 1
    assert tables_that_overflow(document) == []  # eight columns on an A4 page
    earlier = [[[c.text for c in row.cells] for row in t.rows]
               for t in Document(io.BytesIO(reports[0].data)).tables]
    assert earlier == tables


async def test_the_change_since_the_same_month_last_year(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    officer = tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        await december_for_the_board(config, tg, clock)
        async with database(config) as db:  # December 2025, as the census had it a year ago
            await repo.ensure_month(db, planned("2025-12", config.census, config.tz))
            for organisation, waiting in (("Hope Counselling", 5), ("Quiet Trust", 10),
                                          ("Small Steps", 0)):
                [(member_id,)] = await rows(config, "SELECT id FROM members WHERE "
                                                    "organisation = ?", (organisation,))
                member = await members_repo.get_by_id(db, member_id)
                assert member is not None
                await repo.save_answer(db, "2025-12", "counselling", member, False,
                                       Figures(waiting, 4, False), utc(2025, 12, 2))
        await officer.send("/census")
        view = await officer.wait_for_text("Waiting-list census, December 2026")
        assert "change: +10 since last month, +25 since a year ago" in view.content
        clock.now = utc(2026, 12, 11, 9)
        report = await request_report(officer)
    tables = [[[c.text for c in row.cells] for row in t.rows]
              for t in Document(io.BytesIO(report.data)).tables]
    summary = next(t for t in tables if t[0][0] == "Service")
    assert summary[0][-1] == "Since a year ago" and summary[1][-2:] == ["+10", "+25"]


async def test_mydata_lists_the_figures_and_forget_keeps_them_anonymous(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> None:
    member, officer = tg.user(), tg.user(user_id=ADMIN_ID)
    async with running_bot(config, clock):
        await join(member, organisation="Forgetful Trust")
        await take_part(member, [COUNSELLING], named=True)
        await type_figures(member, await question(member, NOVEMBER, COUNSELLING), "9", "52",
                           closed=True)
        await member.send("/mydata")
        data = json.loads((await member.wait_for_document(".json")).text())
        census = data["waiting_list_census"]
        assert census[0] == {"taking_part": True, "services": ["counselling"],
                             "organisation_named_in_reports": True}
        assert census[1]["month"] == "2026-11" and census[1]["waiting"] == 9
        assert census[1]["typical_wait_weeks"] == 52 and census[1]["closed_to_new_referrals"]

        await member.send("/forget")
        confirm = await member.wait_for_message(lambda m: "Yes, erase everything" in
                                                m.button_labels)
        await member.press("Yes, erase everything", confirm)
        await member.wait_for_text("everything about you has been erased")
        await officer.send("/census")
        view = await officer.wait_for_text("Waiting-list census")
        assert "9 waiting, 1 organisation" in view.content
        assert "Forgetful Trust" not in view.content
    assert await rows(config, "SELECT member_id, organisation, named, waiting FROM "
                              "census_answers") == [(None, None, 0, 9)]
    assert await rows(config, "SELECT * FROM census_participants") == []
