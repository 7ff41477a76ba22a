"""The public pages end to end: the real bot serving ``[web]`` on loopback, issues raised and
heard through the fake Bot API, and the pages read in Debian's Chromium (content, links,
filters, the calendar feed parsed back, an accessibility check, phone-sized screenshots), the
static export, and bad addresses answered with proper pages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import pytest_asyncio
from click.testing import CliRunner
from icalendar import Calendar, Component
from playwright.async_api import Browser, Page, async_playwright

from bot.cli import main
from bot.cli_options import CliContext
from bot.runtime import close_services, open_services
from settings.config import Config, ConfigError, DatabaseConfig
from tests.census_flows import CENSUS, seed_three_organisations
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_users import SimUser
from tests.flows import join
from tests.harness import ADMIN_ID, FakeClock, eventually, running_bot
from tests.issues_flows import (
    EARLY_HELP,
    Answers,
    accept,
    add_board_meeting,
    at,
    join_issue,
    officer_opens,
    raise_issue,
    request_report,
)
from tests.meetings_flows import FORUM, answer, open_card, seed
from tests.web_support import (
    launch,
    phone,
    require_chromium,
    screenshot,
    serious_violations,
    site,
    web_config,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

YOUTH = Answers(theme="Youth provision", what="The Friday youth club in Seacombe closed for "
                "lack of funding last spring.", impact="Young people have nowhere safe to go on "
                "Friday nights.", waiting=None, weeks=None)
SEND = Answers(theme="SEND and the Local Offer", what="Parents cannot find out what the Local "
               "Offer includes for autistic teenagers.", impact="Families miss support they are "
               "entitled to.", waiting=None, weeks=None)
SUMMARY = "Families wait around 18 weeks for an early help assessment after a referral."
RESPONSE = "The board funds two more early help workers from January."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the module: starting it is the slow part of a browser test."""
    require_chromium()
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        fake.disable_rate_limits()
        yield fake


async def text_of(page: Page, selector: str = "main") -> str:
    return " ".join((await page.inner_text(selector)).split())


async def write_summary(officer: SimUser, ref: str) -> None:
    await officer_opens(officer, ref)
    await officer.press("Write a public summary")
    await officer.wait_for_text("public summary")


async def heard_and_answered(
    tg: FakeTelegram, config: Config, clock: FakeClock
) -> tuple[list[str], list[SimUser]]:
    """Three issues heard by the Early Help Board on 10 November 2026: A (three organisations,
    published in the officer's words, answered, closed partly resolved), B (published in the
    organisation's words, unanswered) and C (never published). The clock ends on 25 November."""
    await add_board_meeting(config, EARLY_HELP, at(2026, 11, 10), at(2026, 11, 6))
    first, second, third = tg.user(), tg.user(), tg.user()
    officer = tg.user(user_id=ADMIN_ID)
    for user, organisation in ((first, "First Org"), (second, "Second Org"),
                               (third, "Third Org")):
        await join(user, organisation=organisation)
    a = await raise_issue(first)
    await join_issue(second, a, Answers(what="Early help assessments: families wait 20 weeks "
                                             "after referral.", named=False))
    await join_issue(third, a, Answers(what="Families wait 18 weeks for an early help "
                                            "assessment here too.", waiting="12"))
    b = await raise_issue(first, YOUTH)
    c = await raise_issue(first, SEND)
    for ref in (a, b, c):
        await accept(officer, ref)

    await write_summary(officer, a)
    await officer.send("Jake Smith's family waits; ring 07700 900123.")
    refused = await officer.wait_for_text("looks like personal details")
    assert "07700 900123" in refused.content
    await officer.send(SUMMARY)
    approved = await officer.wait_for_text(f"public summary of {a} is approved")
    assert "once the board has heard it" in approved.content
    await officer_opens(officer, b)  # one tap on the card
    await officer.press("Publish their words as written")
    await officer.wait_for_text(f"public summary of {b} is approved")

    await request_report(officer)
    clock.advance(days=8, hours=3)  # 10 November, 12:00: the board has met
    await first.wait_for_text(f"{a} (Early help")
    await first.wait_for_text("went to the Early Help Board meeting on 10 November 2026")
    await officer.send(f"/respond {a}")
    await officer.wait_for_text("Send the response")
    await officer.send(RESPONSE)
    await officer.wait_for_text(f"{a} is now answered by the board")

    clock.advance(weeks=1, days=1)  # the follow-up question goes a week after the response
    for user, label in ((first, "Yes"), (second, "Partly"), (third, "Yes")):
        await user.wait_for_text("Has it addressed the problem")
        await user.press(label)
    await first.wait_for_text("is now closed: partly resolved")
    clock.advance(days=7)  # 25 November: B and C are over the two weeks without a response
    return [a, b, c], [first, second, third]


async def forget(user: SimUser) -> None:
    await user.send("/forget")
    await user.wait_for_text("Erase it?")
    await user.press("Yes, erase everything")
    await user.wait_for_text("erased")


async def export(config: Config, clock: FakeClock, folder: Path) -> None:
    args = ["web", "export", "--config", str(config.database.path.parent / "config.toml"),
            str(folder)]
    result = await asyncio.to_thread(  # it runs its own loop, on the test's clock
        CliRunner().invoke, main, args, obj=CliContext(clock=clock))
    assert result.exit_code == 0, result.output


async def test_you_said_we_did_from_telegram_to_the_page_and_the_export(
    tg: FakeTelegram, browser: Browser, clock: FakeClock, tmp_path: Path
) -> None:
    config = web_config(tmp_path, tg,
                        issues={"overdue_weeks": 2, "follow_up_weeks": 1})
    async with running_bot(config, clock):
        (a, b, c), (_, _, third) = await heard_and_answered(tg, config, clock)
        context = await phone(browser)
        page = await context.new_page()
        response = await page.goto(site(config) + "/")
        assert response is not None and response.status == 200
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src" not in headers["content-security-policy"]  # default-src 'none'
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert await page.title() == "You said, we did | Linked-up network"

        glance = await text_of(page, "section[aria-labelledby=glance]")
        assert "3 issues heard by a board in 2026" in glance
        assert "33% answered within 2 weeks of the meeting (of 3 issues" in glance
        assert "8 median days from raising an issue to the board's response" in glance
        first = await text_of(page, f"article[aria-labelledby='{a}']")
        for expected in (SUMMARY, "3 organisations: First Org, Third Org and 1 not named at "
                         "their request", "Early Help Board, 10 November 2026",
                         "Closed: partly resolved", RESPONSE,
                         "8 days from raising it to the response", "yes: 2, partly: 1"):
            assert expected in first, expected
        second = await text_of(page, f"article[aria-labelledby='{b}']")
        for expected in (YOUTH.what, "1 organisation: First Org", "no response after 2 weeks",
                         "No response yet, 23 days after it was raised", "Not asked yet."):
            assert expected in second, expected
        main_text = await text_of(page)
        assert c not in main_text and SEND.what not in main_text  # heard, never approved
        assert Answers().what not in main_text and Answers().impact not in main_text
        assert "Second Org" not in main_text and "Sam Patel" not in main_text
        assert main_text.index(b) < main_text.index(a)  # heard the same day: newest raised first
        assert await serious_violations(page) == []
        await screenshot(page, "you-said-we-did", tmp_path)

        await page.get_by_role("link", name="Youth provision").click()
        assert page.url.endswith("/?theme=youth")
        filtered = await text_of(page)
        assert b in filtered and a not in filtered and "1 issue shown" in filtered
        assert "0% answered within 2 weeks" in filtered
        await page.get_by_role("link", name="Children's Trust Board").click()
        assert page.url.endswith("/?theme=youth&board=children-s-trust-board")
        assert "0 issues shown" in await text_of(page) and b not in await text_of(page)
        await page.get_by_role("link", name="All themes").click()
        await page.get_by_role("link", name=EARLY_HELP).click()
        assert page.url.endswith("/?board=early-help-board")
        assert "2 issues shown" in await text_of(page)
        await page.get_by_role("link", name="Youth provision").click()
        await page.get_by_role("link", name=b).click()
        assert page.url.endswith(f"/issue-{b}.html")
        assert await text_of(page, "h1") == f"{b} Youth provision"
        assert await serious_violations(page) == []
        await screenshot(page, "issue-page", tmp_path)
        unpublished = await page.goto(f"{site(config)}/issue-{c}.html")
        assert unpublished is not None and unpublished.status == 404

        folder = tmp_path / "site"
        await export(config, clock, folder)
        await page.goto((folder / "index.html").as_uri())
        assert "Third Org" in await text_of(page)
        await page.get_by_role("link", name="Youth provision").click()
        assert page.url.endswith("/index--theme-youth.html")
        assert a not in await text_of(page) and b in await text_of(page)
        await page.get_by_role("link", name="Meetings").click()
        assert page.url.endswith("/meetings.html")
        assert not (folder / f"issue-{c}.html").exists()

        await forget(third)  # the third organisation agreed to be named
        await page.goto(site(config) + "/")
        assert "Third Org" not in await text_of(page)
        assert "3 organisations: First Org and 2 not named" in await text_of(page)
        officer = tg.user(user_id=ADMIN_ID)
        await officer_opens(officer, b)
        await officer.press("Take off the web page")
        await officer.wait_for_text(f"{b} is no longer on the web page")
        gone = await page.goto(f"{site(config)}/issue-{b}.html")
        assert gone is not None and gone.status == 404
        await export(config, clock, folder)
        exported = "".join(path.read_text("utf-8") for path in folder.glob("*.html"))
        assert "Third Org" not in exported and "First Org" in exported
        assert not (folder / f"issue-{b}.html").exists() and (folder / f"issue-{a}.html").exists()

        clock.advance(days=365 * 3 + 31)  # retention: untouched for retention_months

        async def anonymised() -> bool:
            await page.goto(site(config) + "/")
            return "First Org" not in await text_of(page)

        await eventually(anonymised)
        assert "3 organisations, names no longer kept" in await text_of(page)
        await export(config, clock, folder)
        exported = "".join(path.read_text("utf-8") for path in folder.glob("*.html"))
        assert "First Org" not in exported and SUMMARY in exported
        await context.close()


async def feed_event(page: Page, config: Config, meeting_id: int) -> Component:
    """The meeting's event as a calendar following the feed reads it now."""
    feed = Calendar.from_ical(await (await page.request.get(
        site(config) + "/meetings.ics")).body())
    return next(e for e in feed.walk("VEVENT")
                if str(e["UID"]) == f"meeting-{meeting_id}@linkedup-bot")


async def test_meetings_page_and_calendar_feed_follow_changes(
    tg: FakeTelegram, browser: Browser, clock: FakeClock, tmp_path: Path
) -> None:
    config = web_config(tmp_path, tg)
    forum = await seed(config, clock, {**FORUM, "capacity": "2",
                                       "agenda": "Waiting times\nFamily hubs"})
    dropped = await seed(config, clock, {**FORUM, "title": "Youth work lunch",
                                         "date": "2026-11-26", "online": ""})
    await add_board_meeting(config, EARLY_HELP, at(2026, 12, 1), at(2026, 11, 20))
    services = await open_services(config, clock)
    try:
        await services.meetings.cancel(dropped)
    finally:
        await close_services(services)
    member = tg.user()
    async with running_bot(config, clock):
        await join(member, organisation="First Org")
        await open_card(member, "Early help forum")
        assert await answer(tg, member, "Going") == "Thanks: you are going. See you there!"

        context = await phone(browser)
        page = await context.new_page()
        await page.goto(site(config) + "/")
        await page.get_by_role("link", name="Meetings").click()
        assert page.url.endswith("/meetings.html")
        card = page.locator(f"article[aria-labelledby=meeting-{forum.id}]")
        forum_card = " ".join((await card.inner_text()).split())
        for expected in ("Thursday 19 November 2026, 10:00–12:00", "Early help",
                         "Dr Amy Shah", "St James Centre, 1 Church Road, Birkenhead",
                         "1 of 2 left", "Waiting times Family hubs"):
            assert expected in forum_card, expected
        map_link = card.get_by_role("link", name="Map of St James Centre")
        assert "query=St+James+Centre" in (await map_link.get_attribute("href") or "")
        online = card.get_by_role("link", name="Join online")
        assert await online.get_attribute("href") == "https://meet.example/forum"
        assert "Cancelled Youth work lunch" in await text_of(
            page, f"article[aria-labelledby=meeting-{dropped.id}]")
        boards = await text_of(page, "section[aria-labelledby=boards]")
        assert ("Early Help Board Tuesday 1 December 2026, 10:00–12:00 Friday 20 November 2026"
                in boards)
        subscribe = page.get_by_role("link", name="Subscribe to the meetings calendar")
        assert await subscribe.get_attribute("href") == (
            site(config).replace("http://", "webcal://") + "/meetings.ics")
        assert await serious_violations(page) == []
        await screenshot(page, "meetings", tmp_path)

        feed = await page.request.get(site(config) + "/meetings.ics")
        assert feed.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(await feed.body())
        assert calendar["X-WR-CALNAME"] == "Linked-up network meetings"
        events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == {f"meeting-{i}@linkedup-bot" for i in (forum.id, dropped.id,
                                                                      forum.id + 2)}
        cancelled = events[f"meeting-{dropped.id}@linkedup-bot"]
        assert str(cancelled["STATUS"]) == "CANCELLED"
        assert cancelled["SEQUENCE"] == 1  # a calendar applies a cancellation only if it is newer
        assert events[f"meeting-{forum.id}@linkedup-bot"]["SEQUENCE"] == 0

        services = await open_services(config, clock)
        try:
            await services.meetings.update(forum, replace(
                forum.plan, starts_at=forum.starts_at + timedelta(days=1),
                ends_at=forum.ends_at + timedelta(days=1)))
        finally:
            await close_services(services)
        event = await feed_event(page, config, forum.id)
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART").day == 20

        # A new venue is a change too: a calendar keeps the old place unless SEQUENCE counts it.
        clock.advance(hours=2)
        services = await open_services(config, clock)
        try:
            current = await services.meetings.get(forum.id)
            assert current is not None
            revised_meeting, _ = await services.meetings.update(current, replace(
                current.plan, venue="Birkenhead Library", address="Borough Road"))
            # Saved again as it is: nothing a calendar shows changed, so nothing is counted.
            await services.meetings.update(revised_meeting, revised_meeting.plan)
        finally:
            await close_services(services)
        event = await feed_event(page, config, forum.id)
        assert event["SEQUENCE"] == 2
        assert str(event["LOCATION"]) == "Birkenhead Library, Borough Road"
        assert event.decoded("LAST-MODIFIED") == clock.now
        await context.close()


async def test_waiting_lists_page_shows_the_trend_and_withholds_small_numbers(
    tg: FakeTelegram, browser: Browser, clock: FakeClock, tmp_path: Path
) -> None:
    config = web_config(tmp_path, tg, census=CENSUS)
    async with running_bot(config, clock):
        await add_board_meeting(config, EARLY_HELP, at(2027, 1, 12), at(2027, 1, 5))
        await seed_three_organisations(tg, clock)
        context = await phone(browser)
        page = await context.new_page()
        await page.goto(site(config) + "/")
        await page.get_by_role("link", name="Waiting lists").click()
        assert page.url.endswith("/waiting-lists.html")
        assert await page.title() == "Waiting lists | Linked-up network"
        assert "The census began in November 2026" in await text_of(page)

        counselling = await text_of(page, "section[aria-labelledby=service-counselling]")
        assert ("December 2026: 40 waiting, from 3 organisations; median wait 17 weeks, "
                "longest 26 weeks; 1 of them closed to new referrals.") in counselling
        table = page.get_by_role("table", name="Counselling and mental health, month by month, "
                                 "newest first (waits in weeks)")
        rows = [" ".join((await row.inner_text()).split())
                for row in await table.get_by_role("row").all()]
        assert rows == ["Month Waiting Reported by Median wait Longest wait",
                        "Dec 2026 40 3 17 26", "Nov 2026 30 3 10 12"]
        parenting = await text_of(page, "section[aria-labelledby=service-parenting]")
        assert "December 2026: fewer than three organisations reported." in parenting
        assert "Nov 2026 fewer than three organisations reported" in parenting
        assert "5 " not in parenting.replace("2026", "")  # one organisation's 5 families
        shown = await text_of(page)
        for name in ("Hope Counselling", "Quiet Trust", "Small Steps"):
            assert name not in shown
        assert "Oct 2026" not in shown  # no census then: no empty months
        chart = page.locator("figure.chart img")
        alt = await chart.get_attribute("alt") or ""
        assert "Counselling and mental health, 40 waiting" in alt
        assert "Parenting support, no figures" in alt
        await page.wait_for_load_state("load")
        assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
        drawn = await page.request.get(site(config) + "/waiting-lists.svg")
        assert drawn.headers["content-type"] == "image/svg+xml"
        assert "content-security-policy" in drawn.headers
        svg = ElementTree.fromstring(await drawn.body())
        points = {group.get("id"): len(group.findall(".//{http://www.w3.org/2000/svg}use"))
                  for group in svg.iter("{http://www.w3.org/2000/svg}g")
                  if (group.get("id") or "").startswith("series-")}
        assert points == {"series-0": 2, "series-1": 0, "series-2": 0}  # withheld: gaps
        assert await serious_violations(page) == []
        overflow = await page.evaluate(  # the tables fit a phone's width: no sideways scrolling
            "[...document.querySelectorAll('.table-wrap')]"
            ".map(w => w.scrollWidth - w.clientWidth)")
        assert overflow == [0, 0, 0]
        await screenshot(page, "waiting-lists", tmp_path)

        refused = await page.goto(site(config) + "/?theme=" + "x" * 5000)
        assert refused is not None and refused.status == 400
        assert await page.get_by_role("link", name="Waiting lists").count() == 1  # as elsewhere

        folder = tmp_path / "site"
        await export(config, clock, folder)
        exported = (folder / "waiting-lists.html").read_text("utf-8")
        assert "40 waiting, from 3 organisations" in exported
        assert "December 2026: fewer than three organisations reported." in exported
        await page.goto((folder / "meetings.html").as_uri())
        await page.get_by_role("link", name="Waiting lists").click()
        assert page.url.endswith("/waiting-lists.html")
        # The exported page shows its chart from the folder, as the live page does.
        assert await page.locator("figure.chart img").evaluate(
            "img => img.complete && img.naturalWidth > 0 && img.src.endsWith('/waiting-lists.svg')")
        assert (folder / "waiting-lists.svg").read_bytes() == await drawn.body()
        await context.close()


async def test_bad_addresses_get_pages_and_embedding_follows_the_config(
    tg: FakeTelegram, browser: Browser, clock: FakeClock, tmp_path: Path
) -> None:
    config = web_config(tmp_path, tg)
    async with running_bot(config, clock):
        context = await browser.new_context()
        page = await context.new_page()
        for address, status, words in (
            ("/issue-LU-1999-999.html", 404, "There is no published issue LU-1999-999."),
            ("/issue-<script>x.html", 404, "There is no published issue <script>x."),
            ("/?theme=<script>alert(1)</script>", 404,
             "There is no theme called “<script>alert(1)</script>”."),
            ("/?board=no-such-board", 404, "There is no board called “no-such-board”."),
            ("/?theme=" + "x" * 5000, 400, "The address is too long or malformed."),
            ("/?theme=youth&theme=early-help", 400, "The address is too long or malformed."),
            ("/no/such/page", 404, "There is no such page here."),
            ("/waiting-lists.html", 404, "The network's waiting-list census has not started"),
        ):
            response = await page.goto(site(config) + address)
            assert response is not None and response.status == status, address
            shown = await text_of(page)
            assert words in shown, address
            assert "Traceback" not in await page.content()
            assert response.headers["x-content-type-options"] == "nosniff"
            assert await page.locator("link[rel=stylesheet]").count() == 1
            style = await page.evaluate("getComputedStyle(document.body).fontFamily")
            assert "DejaVu Sans" in style, address  # the style sheet loads on every page
            assert await page.get_by_role("link", name="Waiting lists").count() == 0
        posted = await page.request.post(site(config) + "/", data="x")
        assert posted.status == 405
        assert await serious_violations(page) == []
        await context.close()

    embedding = web_config(tmp_path, tg)
    assert embedding.web is not None
    embedding = embedding.model_copy(update={"web": embedding.web.model_copy(
        update={"embed_origins": ["https://www.example-cvs.org.uk"]})})
    async with running_bot(embedding, clock):
        context = await browser.new_context()
        page = await context.new_page()
        response = await page.goto(site(embedding) + "/meetings.html")
        assert response is not None
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors https://www.example-cvs.org.uk" in policy
        assert "x-frame-options" not in response.headers
        await context.close()


async def test_a_busy_web_port_stops_start_up_with_one_line(
    tg: FakeTelegram, clock: FakeClock, tmp_path: Path
) -> None:
    config = web_config(tmp_path, tg)
    assert config.web is not None
    # Another bot with a database of its own: one sharing the database stops before the web
    # server starts (only one instance may hold a database).
    other = config.model_copy(update={"database": DatabaseConfig(path=tmp_path / "other.sqlite3")})
    async with running_bot(config, clock):
        busy = re.escape(f"web.port: cannot listen on 127.0.0.1:{config.web.port}")
        with pytest.raises(ConfigError, match=busy):
            async with running_bot(other, clock):
                pass
