"""The bulletin as Telegram messages: split on item boundaries, valid HTML, personalised."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bulletins.model import Bulletin, BulletinItem, BulletinSection
from bulletins.telegram_render import render_for_member
from feeds.sanitise import plain_text_length
from tests.fakes.telegram_html import parse_html

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
    assert len(messages) > 2
    numbers: list[int] = []
    for message in messages:
        assert plain_text_length(message.html) <= 4096
        parse_html(message.html)  # raises on anything Telegram would refuse
        numbers += [int(n) for n in re.findall(r"<b>(\d+)\. ", message.html)]
        items_here = re.findall(r"<b>(\d+)\. ", message.html)
        read_buttons = [row[0].label for row in message.buttons if row[0].callback_data
                        and row[0].callback_data.startswith("read:")]
        assert [label.split(".")[0].removeprefix("📖 ") for label in read_buttons] == items_here
    assert numbers == list(range(1, 31))  # every item once, in order, none cut in half
    assert "Your themes" in messages[0].html
    assert messages[0].html.index("Funding") < messages[0].html.index("Your themes") + 40
    closing = [b.label for b in messages[-1].buttons[-1]]
    assert closing == ["Change my themes", "Stop these"]
    assert all(len((b.callback_data or "").encode()) <= 64 for m in messages
               for row in m.buttons for b in row)


def test_only_my_themes_leaves_out_the_rest() -> None:
    [message, *_] = render_for_member(bulletin(1), followed=["training"], only_mine=True)
    assert "training item 0" in message.html
    assert "youth item 0" not in message.html and "Also this month" not in message.html


def test_a_member_with_no_themes_gets_everything_without_headings() -> None:
    messages = render_for_member(bulletin(1), followed=[], only_mine=True)
    text = "".join(m.html for m in messages)
    assert "Your themes" not in text and "Also this month" not in text
    assert all(f"{slug} item 0" in text for slug in ("youth", "funding", "training"))
