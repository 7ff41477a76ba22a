"""The bulletin as Telegram messages: split on item boundaries, valid HTML, personalised."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bulletins.model import Bulletin, BulletinItem, BulletinSection
from bulletins.telegram_render import render_for_member
from feeds.sanitise import plain_text_length
from tests.fakes.telegram_html import parse_html, plain_text

SUMMARY = "<p>" + "Places at the holiday scheme are filling fast. " * 14 + "</p>"


def bulletin(items_per_theme: int) -> Bulletin:
    sections = tuple(
        BulletinSection(slug, slug.title(), tuple(
            BulletinItem(article_id=index * 100 + n, title=f"{slug} item {n}",
                         link=f"https://linkedup.example/{slug}/{n}",
                         summary_html=SUMMARY.replace("<p>", "").replace("</p>", ""),
                         themes=(slug,))
            for n in range(items_per_theme)
        ))
        for index, slug in enumerate(["youth", "funding", "training"])
    )
    return Bulletin(7, "Linked-up bulletin, December 2026", "Welcome <b>all</b>.", sections,
                    datetime(2026, 12, 1, tzinfo=UTC))


def test_a_long_bulletin_splits_on_item_boundaries_below_the_limit() -> None:
    messages = render_for_member(bulletin(10), followed=["funding"], only_mine=False)
    assert len(messages) == 2  # 30 headlines with a short summary each: two messages
    numbers: list[int] = []
    for message in messages:
        assert plain_text_length(message.html) <= 4096
        parse_html(message.html)  # raises on anything Telegram would refuse
        numbers += [int(n) for n in re.findall(r"<b>(\d+)\. ", message.html)]
        items_here = re.findall(r"<b>(\d+)\. ", message.html)
        read_buttons = [b.label for row in message.buttons for b in row
                        if b.callback_data and b.callback_data.startswith("read:")]
        assert [label.removeprefix("📖 ") for label in read_buttons] == items_here
        assert all(len(row) <= 8 for row in message.buttons)
    assert numbers == list(range(1, 31))  # every item once, in order, none cut in half
    assert sum(len(m.buttons) for m in messages) <= 8  # rows of numbered buttons, not 30 rows
    assert "Your themes" in messages[0].html
    assert messages[0].html.index("Funding") < messages[0].html.index("Your themes") + 40
    closing = [b.label for b in messages[-1].buttons[-1]]
    assert closing == ["Change my themes", "Stop these"]
    assert all(len((b.callback_data or "").encode()) <= 64 for m in messages
               for row in m.buttons for b in row)


def test_a_heading_is_never_left_at_the_bottom_of_a_message() -> None:
    for per_theme in range(1, 16):
        messages = render_for_member(bulletin(per_theme), followed=["training"],
                                     only_mine=False)
        for message in messages:
            lines = [line for line in plain_text(message.html).split("\n") if line.strip()]
            assert not lines[-1].startswith("▸"), lines[-3:]
            assert lines[-1] not in ("Your themes", "Also this month")
        for later in messages[1:]:
            lead, first, *_ = plain_text(later.html).split("\n\n")
            if lead == "(continued)":
                assert first.startswith(("▸", "Also this month")), first
            else:  # a theme carried on from the last message is named again
                assert lead.startswith("▸") and lead.endswith("(continued)"), lead


def test_summaries_are_short_and_plain() -> None:
    [first, *_] = render_for_member(bulletin(1), followed=[], only_mine=False)
    item = plain_text(first.html).split("\n\n")[3]
    assert len(item.split("\n")[1]) <= 180 and item.endswith("…")


def test_an_article_with_several_themes_is_listed_once_with_its_other_themes_named() -> None:
    shared = BulletinItem(article_id=999, title="Holiday fund for youth clubs",
                          link="https://linkedup.example/shared", summary_html="Apply now.",
                          themes=("funding", "youth"))
    base = bulletin(1)
    sections = tuple(
        BulletinSection(s.theme_slug, s.theme_title, (*s.items, shared)) for s in base.sections
    )  # as the draft would list it under each theme, were it careless
    twice = Bulletin(base.id, base.title, "", sections, base.created_at,
                     theme_titles={"youth": "Youth", "funding": "Funding"})
    for followed, home, other in ((["youth"], "Youth", "Funding"),
                                  (["training", "funding"], "Funding", "Youth"),
                                  ([], "Youth", "Funding")):
        text = "\n".join(plain_text(m.html) for m in render_for_member(twice, followed, False))
        assert text.count("Holiday fund for youth clubs") == 1
        block = text[text.index("Holiday fund"):]
        assert block.split("\n")[2] == f"Also under {other}"
        assert text.rindex(f"▸ {home}", 0, text.index("Holiday fund")) >= 0
        heading_before = [line for line in text[:text.index("Holiday fund")].split("\n")
                          if line.startswith("▸")][-1]
        assert heading_before == f"▸ {home}"


def test_with_counted_links_the_headlines_are_links_and_no_read_buttons() -> None:
    def counted(article_id: int) -> str:
        return f"https://bot.linkedup.example/r/t{article_id}"

    messages = render_for_member(bulletin(10), ["funding"], False, counted)
    links = [href for m in messages for href in re.findall(r'href="([^"]+)"', m.html)]
    assert len(links) == 30 and links[0] == "https://bot.linkedup.example/r/t100"
    assert [[b.label for b in row] for m in messages for row in m.buttons] == [
        ["Change my themes", "Stop these"]]
    for message in messages:
        parse_html(message.html)


def test_only_my_themes_leaves_out_the_rest() -> None:
    [message, *_] = render_for_member(bulletin(1), followed=["training"], only_mine=True)
    assert "training item 0" in message.html
    assert "youth item 0" not in message.html and "Also this month" not in message.html


def test_a_member_with_no_themes_gets_everything_without_headings() -> None:
    messages = render_for_member(bulletin(1), followed=[], only_mine=True)
    text = "".join(m.html for m in messages)
    assert "Your themes" not in text and "Also this month" not in text
    assert all(f"{slug} item 0" in text for slug in ("youth", "funding", "training"))
