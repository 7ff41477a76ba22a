"""Issues and challenges end to end over HTTP: /raise with its safeguarding check, "us too",
the officer's queue, merging and responding, the board report, timers and retention."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from bot.cli import main
from bot.cli_options import CliContext
from db import meetings as meetings_repo
from settings.config import Config
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import join
from tests.harness import ADMIN_ID, FakeClock, eventually, make_config, running_bot, ticks
from tests.issues_flows import (
    EARLY_HELP,
    Answers,
    accept,
    add_board_meeting,
    answer_figures,
    at,
    confirm,
    database,
    join_issue,
    officer_opens,
    raise_issue,
    request_report,
    rows,
    start_raise,
    tables_that_overflow,
)


@pytest.fixture
def issues_config(tmp_path: Path, tg: FakeTelegram) -> Config:
    tg.disable_rate_limits()  # Telegram's flood limits are the delivery tests' business
    return make_config(tmp_path, tg,
                       issues={"overdue_weeks": 6, "follow_up_weeks": 8,
                               "retention_months": 24, "officer_name": "Jo Rivers",
                               "officer_contact": "jo@cvs.example"})


@pytest.fixture
async def running(issues_config: Config, clock: FakeClock) -> AsyncIterator[Config]:
    async with running_bot(issues_config, clock):
        yield issues_config


async def test_raising_checks_for_people_keeps_places_and_escapes_html(
    tg: FakeTelegram, running: Config
) -> None:
    member, officer = tg.user(), tg.user(user_id=ADMIN_ID)
    await join(member, organisation="Riverside <Youth> Trust")
    answers = Answers(what="A boy called Jake (DOB 12/03/2015) of 12 Acacia Avenue, CH41 6AB "
                           "waits; ring his mum on 07700 900123.")
    await start_raise(member, answers)
    warning = await member.wait_for_text("Please take out personal details")
    for found in ("boy called Jake", "DOB 12/03/2015", "12 Acacia Avenue", "CH41 6AB",
                  "07700 900123"):
        assert found in warning.content
    assert await rows(running, "SELECT * FROM issues") == []
    assert "Jake" not in str(await rows(running, "SELECT data FROM persisted_data"))

    places = ("Families in Wirral wait 18 weeks for the Early Help assessment at the "
              "St James Centre, <b>every</b> time.")
    await member.send(places)
    await member.wait_for_text("What is the impact")
    await member.send("Children & parents give up <script>alert(1)</script>")
    await member.wait_for_text("What would you like the board to do?")
    await member.send("Fund two more early help workers at the St James Centre.")
    await answer_figures(member, Answers(since="since September 2025", affected="120"))
    await member.wait_for_text("Which board")
    await member.press(EARLY_HELP)
    await member.wait_for_text("Riverside <Youth> Trust")
    await member.press("Yes, name us")
    review = await member.wait_for_text("Check before you confirm")
    assert "<script>alert(1)</script>" in review.content  # shown as text...
    assert "&lt;script&gt;" in (review.html or "")  # ...because it was escaped
    assert ("45 waiting; typical wait 18 weeks; 120 more affected, not waiting; since: since "
            "September 2025") in review.content
    assert ("What we ask the board: Fund two more early help workers at the St James Centre."
            in review.content)
    await member.press("Change something")
    await member.wait_for_text("What would you like to change?")
    await member.press("What is happening")
    await member.wait_for_text("What is happening?")
    await member.send("Families wait 18 weeks; email jo.bloggs@example.org for the list.")
    await member.wait_for_text("an email address: “jo.bloggs@example.org”")
    await member.send(places)
    await member.wait_for_text("Check before you confirm")  # straight back to the review
    ref = await confirm(member)
    assert ref == "LU-2026-001"

    stored = await rows(running, "SELECT what_happening, impact, board, status, board_ask FROM"
                                 " issues")
    assert stored == [(places, "Children & parents give up <script>alert(1)</script>",
                       EARLY_HELP, "submitted",
                       "Fund two more early help workers at the St James Centre.")]
    assert await rows(running, "SELECT waiting_count, affected_count FROM issue_supporters") \
        == [(45, 120)]
    new = await officer.wait_for_text("New issue LU-2026-001")
    assert "Riverside <Youth> Trust" in new.content
    await member.send("/myissues")
    mine = await member.wait_for_text("Your issues")
    assert "LU-2026-001" in mine.content and "waiting for the officer" in mine.content


async def everything_stored(config: Config) -> str:
    """Every table's contents as one string: what the bot keeps anywhere in its database."""
    tables = await rows(config, "SELECT name FROM sqlite_master WHERE type = 'table'")
    return str([await rows(config, f'SELECT * FROM "{name}"') for (name,) in tables])


async def test_a_full_name_with_an_age_or_an_email_is_quoted_back_and_never_kept(
    tg: FakeTelegram, running: Config
) -> None:
    member = tg.user()
    await join(member, organisation="Hope House")
    await start_raise(member, Answers(
        what="We support Mia Thompson (14) who has waited 40 weeks for CAMHS."))
    warning = await member.wait_for_text("Please take out personal details")
    assert "In your answer to “What is happening”" in warning.content
    assert "a name with an age or school year: “Mia Thompson (14)”" in warning.content
    assert "Nothing has been saved" in warning.content
    await member.send("Kacper Nowak has had no school place since the family moved to Wallasey.")
    await member.wait_for_text("a person's name: “Kacper Nowak”")
    clean = "A girl of 14 has waited 40 weeks for CAMHS; Hope House and the Family Hub agree."
    await member.send(clean)
    await member.wait_for_text("What is the impact")
    await member.send("She is out of school. Her mum asks for replies to mum.t@example.org.")
    impact = await member.wait_for_text("In your answer to “What is the impact”")
    assert "an email address: “mum.t@example.org”" in impact.content
    stored = await everything_stored(running)
    for fragment in ("Mia", "Thompson", "Kacper", "Nowak", "mum.t@example.org"):
        assert fragment not in stored
    await member.send("She is out of school and her mum has had to give up work.")
    await member.wait_for_text("What would you like the board to do?")
    await member.send("Ask CAMHS why Mia Thompson waits so long.")
    ask = await member.wait_for_text("In your answer to “What would you like the board to do”")
    assert "“Mia Thompson”" in ask.content
    await member.send("Ask CAMHS to say how long girls of her age wait.")
    await answer_figures(member, Answers())
    await member.wait_for_text("Which board")
    await member.press(EARLY_HELP)
    await member.wait_for_text("May the report")
    await member.press("Yes, name us")
    await member.wait_for_text("Check before you confirm")
    await confirm(member)
    assert await rows(running, "SELECT what_happening, impact FROM issues") == [
        (clean, "She is out of school and her mum has had to give up work.")]


async def test_too_short_text_and_a_bad_number_are_asked_again(
    tg: FakeTelegram, running: Config
) -> None:
    member = tg.user()
    await join(member)
    await start_raise(member, Answers(what="Too short"))
    await member.wait_for_text("at least 20 characters")
    await member.send(Answers().what)
    await member.wait_for_text("What is the impact")
    await member.send(Answers().impact)
    await member.wait_for_text("What would you like the board to do?")
    await member.send("Fund it")
    await member.wait_for_text("at least 10 characters")
    await member.press("Let the officer word it")
    await member.wait_for_text("How many")
    await member.send("lots")
    await member.wait_for_text("whole number")
    await member.send("1,200")
    await member.wait_for_text("typical wait")
    await member.press("Skip")
    await member.wait_for_text("more are affected")
    await member.send("-4")
    await member.wait_for_text("whole number")
    await member.press("Skip")
    await member.wait_for_text("Since when")
    await member.send("/cancel")
    await member.wait_for_text("nothing was saved")
    assert await rows(running, "SELECT * FROM issues") == []


async def test_us_too_merge_and_response_reach_every_organisation(
    tg: FakeTelegram, running: Config, clock: FakeClock
) -> None:
    await add_board_meeting(running, EARLY_HELP, at(2026, 12, 1), at(2026, 11, 20))
    first, second, third = tg.user(), tg.user(), tg.user()
    officer = tg.user(user_id=ADMIN_ID)
    await join(first, organisation="First Org")
    await join(second, organisation="Second Org")
    await join(third, organisation="Third Org")
    ref = await raise_issue(first)
    await join_issue(second, ref, Answers(
        what="Early help assessments: families wait 20 weeks after referral.", waiting="30",
        weeks=None, named=False))
    other = await raise_issue(third, Answers(
        what="Our families cannot get an early help worker; the assessment waits are long.",
        waiting="10"), similar_shown=True)
    await officer.wait_for_text(f"New issue {other}")

    card = await officer_opens(officer, ref)
    assert "Organisations: 2" in card.content
    assert "First Org" in card.content and "Second Org" not in card.content  # named only
    await officer.press("Back to the queue")
    other_card = await officer_opens(officer, other)
    assert f"Possible duplicate of {ref}" in other_card.content  # reworded, still found
    await officer.press("Merge into…")
    await officer.wait_for_text("into which issue")
    await officer.press(next(label for row in officer.keyboard() for label, _ in row
                             if label.startswith(ref)))
    await officer.wait_for_text(f"{other} is now combined with {ref}.")
    await third.wait_for_text(f"same problem as {ref}")

    await officer.send("/queue")
    queue = await officer.wait_for_text("Open issues")
    assert "3 organisations, 85 waiting" in queue.content

    await accept(officer, ref)
    accepted = await first.wait_for_text("has been accepted")
    assert "meeting on 1 December 2026" in accepted.content
    await officer.send(f"/respond {ref}")
    await officer.wait_for_text("Send the response")
    await officer.send("The board funds two more early help workers from January.")
    await officer.wait_for_text(f"{ref} is now answered by the board.")
    acted_on = [m for m in officer.messages if m.content.startswith(f"{ref} (")][-1]
    assert acted_on.content.startswith(f"{ref} (Early help): answered by the board")
    await officer.press("Next issue")
    await officer.wait_for_text("That was the last open issue in the queue.")
    for user in (first, second, third):
        news = await user.wait_for_text("has a response")
        assert "two more early help workers" in news.content

    clock.advance(weeks=8, days=1)
    for user in (first, second, third):
        await user.wait_for_text("Has it addressed the problem")
    await second.press("Yes")
    await second.wait_for_text("answer is recorded")
    await third.press("No")
    await third.wait_for_text("goes back on the list")
    await first.wait_for_text("is back on the list")
    history = await rows(running, "SELECT e.action, e.actor FROM issue_events e"
                                  " JOIN issues i ON i.id = e.issue_id WHERE i.ref = ?", (ref,))
    assert [a for a, _ in history] == ["submitted", "us-too", "accepted", "responded",
                                       "follow-up", "follow-up", "accepted"]
    assert history[2][1] == "officer" and history[-1][1] == "system"


async def test_report_cut_off_roll_over_you_said_we_did_and_overdue(
    tg: FakeTelegram, running: Config, clock: FakeClock
) -> None:
    await add_board_meeting(running, EARLY_HELP, at(2026, 12, 1), at(2026, 11, 20))
    await add_board_meeting(running, EARLY_HELP, at(2027, 2, 2), at(2027, 1, 20))
    early, late = tg.user(), tg.user()
    officer = tg.user(user_id=ADMIN_ID)
    await join(early, organisation="Early Org")
    await join(late, organisation="Late Org")
    first = await raise_issue(early, Answers(
        affected="120", ask="Fund two more early help workers from January."))
    await accept(officer, first)
    clock.advance(days=20)  # 22 November: after the first meeting's cut-off
    second = await raise_issue(late, Answers(
        theme="Youth provision", what="The Friday youth club in Seacombe closed for lack of "
        "funding.", impact="Young people have nowhere safe to go on Friday nights.",
        waiting=None, weeks=None, named=False))
    await accept(officer, second)

    report = await request_report(officer)
    await officer.wait_for_document(".html")
    document = Document(io.BytesIO(report.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert first in text and second not in text
    summary = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert summary[0] == ["Theme", "Issues", "Organisations", "Waiting", "Longest typical wait",
                          "Affected, not waiting"]
    assert summary[1:] == [["Early help", "1", "1", "45", "18 weeks", "120"],
                           ["Total", "1", "1", "45", "18 weeks", "120"]]
    assert ("1 issue from 1 organisation. Between them they report 45 waiting and 120 affected "
            "without being on a waiting list") in text  # two numbers, never one sum
    assert "Figures: 45 waiting; typical waits up to 18 weeks; 120 more affected, not " \
        "waiting" in text
    assert "What we ask the board: Fund two more early help workers from January." in text
    assert "Early Org" in text
    assert "Prepared by Jo Rivers (jo@cvs.example), Linked-up network, on 22 November 2026" \
        in text
    headings = [p.text for p in document.paragraphs
                if p.style is not None and (p.style.name or "").startswith("Heading")]
    assert f"{first}: Families wait 18 weeks for an early help assessment after a referral" \
        in headings
    properties = document.core_properties
    assert properties.author == "Jo Rivers" and properties.created == clock.now
    assert properties.title == "Issues from the Linked-up network: Early Help Board"
    footer = document.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("Page ") and 'w:instr="PAGE"' in footer._p.xml
    assert tables_that_overflow(document) == []

    clock.advance(days=10)  # 2 December: the board has met
    await early.wait_for_text("went to the Early Help Board meeting on 1 December 2026")
    clock.advance(weeks=6)
    overdue = await officer.wait_for_text("Overdue:")
    assert first in overdue.content

    await request_report(officer)
    html = (await officer.wait_for_document(".html")).text()
    assert second in html and "1 organisation, not named at its request" in html
    you_said = html[html.index("You said, we did"):]
    assert first in you_said and "waiting for a response" in you_said
    assert "Early help<br>1 organisation" in you_said and "45 waiting" in you_said


async def test_csv_export_and_cli_report(
    tg: FakeTelegram, issues_config: Config, clock: FakeClock,
    tmp_path: Path,
) -> None:
    member, officer = tg.user(), tg.user(user_id=ADMIN_ID)
    async with running_bot(issues_config, clock):
        await add_board_meeting(issues_config, EARLY_HELP, at(2026, 12, 1), at(2026, 11, 20))
        await join(member, organisation="=Formula Org")
        ref = await raise_issue(member)
        await accept(officer, ref)
        await officer.send("/queue")
        await officer.wait_for_text("Open issues")
        await officer.press("CSV of all issues")
        exported = (await officer.wait_for_document(".csv")).text()
    assert ref in exported and "'=Formula Org" in exported

    out = tmp_path / "pack.docx"
    args = ["report", "--config", str(tmp_path / "config.toml"), "--board", EARLY_HELP,
            "--out", str(out)]
    result = await asyncio.to_thread(  # it runs its own loop, on the test's clock
        CliRunner().invoke, main, args, obj=CliContext(clock=clock))
    assert result.exit_code == 0, result.output
    table = Document(str(out)).tables[0]
    assert [c.text for c in table.rows[1].cells][:3] == ["Early help", "1", "1"]
    assert ref in out.with_suffix(".html").read_text("utf-8")


async def test_forget_keeps_the_issue_anonymised_and_retention_anonymises_the_rest(
    tg: FakeTelegram, running: Config, clock: FakeClock
) -> None:
    leaving, staying = tg.user(), tg.user()
    await join(leaving, organisation="Leaving Org")
    await join(staying, organisation="Staying Org")
    ref = await raise_issue(leaving)
    await join_issue(staying, ref, Answers(what="Families wait 18 weeks for an early help "
                                                "assessment after referral here too."))
    await leaving.send("/mydata")
    await leaving.wait_for_document(".json")
    assert ref in leaving.documents[-1].text()
    await leaving.send("/forget")
    confirm_forget = await leaving.wait_for_text("Erase it?")
    assert "Issues you raised for the boards stay" in confirm_forget.content
    await leaving.press("Yes, erase everything")
    await leaving.wait_for_text("erased")
    supporters = await rows(running, "SELECT organisation, member_id IS NULL FROM"
                                     " issue_supporters ORDER BY id")
    assert supporters == [(None, 1), ("Staying Org", 0)]
    assert await rows(running, "SELECT ref FROM issues") == [(ref,)]

    clock.advance(days=365 * 2 + 30)

    async def anonymised() -> bool:
        return await rows(running, "SELECT COUNT(*) FROM issues WHERE anonymised_at IS NOT NULL"
                          ) == [(1,)]

    await eventually(anonymised)
    assert await rows(running, "SELECT organisation, member_id FROM issue_supporters") == [
        (None, None), (None, None)]
    assert await rows(running, "SELECT COUNT(*) FROM issue_events WHERE member_id IS NOT NULL"
                      ) == [(0,)]


async def test_decline_refer_respond_close_and_steps_that_no_longer_apply(
    tg: FakeTelegram, running: Config
) -> None:
    member, officer = tg.user(), tg.user(user_id=ADMIN_ID)
    await join(member)
    declined = await raise_issue(member)
    referred = await raise_issue(member, Answers(
        theme="SEND and the Local Offer", what="Parents cannot find out what the Local Offer "
        "includes for autistic teenagers.", impact="Families miss support they are entitled to."))

    await member.send("/queue")
    await member.wait_for_text("/queue is for the network officer")

    await officer_opens(officer, declined)
    await officer.press("Decline…")
    await officer.wait_for_text("Why is")
    await officer.send("Already on the board's <agenda> via the council's own review.")
    await officer.wait_for_text(f"{declined} is now not taken forward")
    news = await member.wait_for_text("will not be taken to a board")
    assert "<agenda>" in news.content and "&lt;agenda&gt;" in (news.html or "")

    await officer_opens(officer, referred)
    await officer.press("Refer…")
    await officer.wait_for_text("referred to?")
    await officer.send("the SEND Information Service")
    await member.wait_for_text("has been passed to the SEND Information Service")
    await officer.send(f"/respond {referred}")
    await officer.wait_for_text("Send the response")
    await officer.send("A new Local Offer page for teenagers goes live in March.")
    await member.wait_for_text("Local Offer page for teenagers")
    card = await officer_opens(officer, referred)
    assert "referred by officer 9000001: the SEND Information Service" in card.content
    await officer.press("Close: no further action (not resolved)")
    await officer.wait_for_text(f"{referred} is now closed: no further action")
    await member.wait_for_text("closed: no further action (not resolved)")

    await officer.send(f"/respond {declined}")
    await officer.wait_for_text(f"{declined} is not taken forward now")
    await officer.send("/respond LU-1999-999")
    await officer.wait_for_text("There is no issue LU-1999-999")
    await member.send("/myissues")
    mine = await member.wait_for_text("Your issues")
    assert "Reason: Already on the board's <agenda>" in mine.content
    assert "Response: A new Local Offer page" in mine.content


async def test_a_pack_for_a_cancelled_board_meeting_goes_to_the_next_one(
    tg: FakeTelegram, running: Config, clock: FakeClock
) -> None:
    await add_board_meeting(running, EARLY_HELP, at(2026, 12, 1), at(2026, 11, 20))
    await add_board_meeting(running, EARLY_HELP, at(2027, 2, 2), at(2027, 1, 20))
    member, officer = tg.user(), tg.user(user_id=ADMIN_ID)
    await join(member, organisation="Early Org")
    issue = await raise_issue(member)
    await accept(officer, issue)
    await request_report(officer)
    async with database(running) as db:
        cancelled = await meetings_repo.next_board_meeting(db, EARLY_HELP, at(2026, 11, 30))
        assert cancelled is not None
        await meetings_repo.cancel(db, cancelled.id, clock())
    clock.advance(days=31)  # 3 December: the cancelled meeting's date has passed
    await ticks(10)
    assert not any("went to the Early Help Board" in m.content for m in member.messages)
    await request_report(officer)
    html = (await officer.wait_for_document(".html")).text()
    assert issue in html and "2 February 2027" in html


async def test_an_issue_answered_before_its_meeting_is_in_that_report_with_its_response(
    tg: FakeTelegram, running: Config, clock: FakeClock
) -> None:
    await add_board_meeting(running, EARLY_HELP, at(2026, 11, 10), at(2026, 11, 5))
    await add_board_meeting(running, EARLY_HELP, at(2026, 12, 1), at(2026, 11, 20))
    await add_board_meeting(running, EARLY_HELP, at(2027, 2, 2), at(2027, 1, 20))
    member, officer = tg.user(), tg.user(user_id=ADMIN_ID)
    await join(member, organisation="Early Org")

    async def report_html() -> str:
        await request_report(officer)
        return (await officer.wait_for_document(".html")).text()

    empty = await report_html()  # the 10 November meeting: nothing accepted for it
    assert "No issues were accepted" in empty
    clock.advance(days=9)  # 11 November: it has met
    ref = await raise_issue(member, Answers(since="since September 2025"))
    await accept(officer, ref)
    await officer.send(f"/respond {ref}")
    await officer.wait_for_text("Send the response")
    await officer.send("The board funds two more early help workers from January.")
    await officer.wait_for_text(f"{ref} is now answered by the board.")

    html = await report_html()  # for 1 December, after the response came
    issues = html[html.index("The issues"):html.index("You said, we did")]
    assert ref in issues and "since September 2025" in issues and "since since" not in html
    assert "Answered before the meeting:</strong> The board funds two more" in issues
    assert ("What we ask the board:</strong> To note the problem and say, by its next meeting, "
            "what it will do about it.") in issues  # the member left the ask to the officer
    you_said = html[html.index("You said, we did"):]
    you_said = you_said[:you_said.find("<h2", 10) if "<h2" in you_said[10:] else None]
    assert "Nothing was reported at the meeting on 10 November 2026, so there is nothing new." \
        in you_said and "<table>" not in you_said

    clock.advance(days=21)  # 2 December: the board has met
    await asyncio.sleep(0.3)
    later = await report_html()  # for 2 February: heard already, so only in "You said"
    assert ref not in later[later.index("The issues"):later.index("You said, we did")]
    assert ref in later[later.index("You said, we did"):]


async def test_the_officer_redacts_what_slipped_through_and_members_see_only_the_title(
    tg: FakeTelegram, running: Config
) -> None:
    member, officer = tg.user(), tg.user(user_id=ADMIN_ID)
    await join(member, organisation="Brook Org")
    ref = await raise_issue(member, Answers(
        what="Families wait 18 weeks for an early help assessment. At Brook Street hub the "
             "Okafor household waited 30.",
        impact="Problems grow while they wait; the Okafor children missed school."))
    await officer_opens(officer, ref)
    await officer.press("Redact…")
    await officer.wait_for_text("Send the words to take out")
    await officer.send("okafor")
    done = await officer.wait_for_text("place(s) now read [removed]")
    assert "2 place(s)" in done.content
    card = [m for m in officer.messages if m.content.startswith(f"{ref} (")][-1]
    assert "Okafor" not in card.content and "the [removed] household" in card.content
    [(what, impact)] = await rows(running, "SELECT what_happening, impact FROM issues")
    assert "Okafor" not in what + impact
    notes = await rows(running, "SELECT action, note FROM issue_events WHERE action = 'redacted'")
    assert notes == [("redacted", "2 place(s) in the text replaced by [removed]")]

    await officer.press("Back to the queue")
    await accept(officer, ref)
    news = await member.wait_for_text("has been accepted")
    assert "“Families wait 18 weeks for an early help assessment”" in news.content
    assert "Brook Street" not in news.content  # the title only, never the whole text
