"""The bulletin as Telegram messages for one member: their themes first, then the rest.

Telegram caps a message at 4096 characters, so messages are split on item boundaries; every
item has a counted "read" button (the link is shown after the tap is recorded), and the last
message carries the way out that UK rules on electronic marketing expect.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bulletins.model import Bulletin, BulletinItem, BulletinSection
from delivery.messages import Button, OutgoingMessage
from feeds.sanitise import plain_text_length, truncate_html
from wording import bulletins as texts

MESSAGE_BUDGET = 4000  # below 4096, leaving room for the separators
ITEM_SUMMARY_LIMIT = 700
MAX_BUTTONS = 90  # Telegram allows 100 per keyboard


def read_callback(bulletin_id: int, article_id: int) -> str:
    return f"read:{bulletin_id}:{article_id}"


def way_out() -> tuple[Button, ...]:
    return (
        Button(texts.BUTTON_CHANGE_THEMES, callback_data="themes:open"),
        Button(texts.BUTTON_STOP, callback_data="pause:on"),
    )


@dataclass(frozen=True)
class _Block:
    html: str
    button: Button | None = None


def _personal_sections(
    bulletin: Bulletin, followed: list[str], only_mine: bool
) -> Iterator[tuple[str | None, BulletinSection]]:
    """(group heading or None, section): the member's themes, then "Also this month"."""
    mine = [s for s in bulletin.sections if s.theme_slug in followed]
    mine.sort(key=lambda s: followed.index(s.theme_slug or ""))
    others = [s for s in bulletin.sections if s.theme_slug not in followed]
    for index, section in enumerate(mine):
        yield (texts.YOUR_THEMES if index == 0 else None), section
    if only_mine and mine:
        return
    for index, section in enumerate(others):
        yield ((texts.ALSO_THIS_MONTH if mine else None) if index == 0 else None), section


def _blocks(bulletin: Bulletin, followed: list[str], only_mine: bool) -> Iterator[_Block]:
    intro = f"\n\n{bulletin.intro_html}" if bulletin.intro_html else ""
    yield _Block(texts.heading(bulletin.title) + intro)
    number = 0
    for group, section in _personal_sections(bulletin, followed, only_mine):
        if group:
            yield _Block(texts.heading(group))
        yield _Block(texts.section_heading(section.theme_title))
        for item in section.items:
            number += 1
            yield _item_block(bulletin.id, number, item)
    if number == 0:
        yield _Block(texts.EMPTY_FOR_MEMBER)


def _item_block(bulletin_id: int, number: int, item: BulletinItem) -> _Block:
    summary = truncate_html(item.summary_html, ITEM_SUMMARY_LIMIT)
    button = (
        Button(texts.read_button(number, item.title),
               callback_data=read_callback(bulletin_id, item.article_id))
        if item.link else None
    )
    return _Block(texts.item(number, item.title, summary), button)


def render_for_member(
    bulletin: Bulletin, followed: list[str], only_mine: bool
) -> list[OutgoingMessage]:
    messages: list[OutgoingMessage] = []
    parts: list[str] = []
    buttons: list[Button] = []
    for block in _blocks(bulletin, followed, only_mine):
        candidate = "\n\n".join([*parts, block.html])
        full = plain_text_length(candidate) > MESSAGE_BUDGET or len(buttons) >= MAX_BUTTONS
        if parts and full:
            messages.append(_message(parts, buttons))
            parts, buttons = [texts.CONTINUED], []
        parts.append(block.html)
        if block.button:
            buttons.append(block.button)
    messages.append(_message(parts, buttons, closing=True))
    return messages


def _message(parts: list[str], buttons: list[Button], closing: bool = False) -> OutgoingMessage:
    rows: list[tuple[Button, ...]] = [(button,) for button in buttons]
    if closing:
        rows.append(way_out())
    return OutgoingMessage(html="\n\n".join(parts), buttons=tuple(rows))
