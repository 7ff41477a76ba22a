"""The bulletin as Telegram messages for one member: their themes first, then the rest.

Built to be scanned: under each theme a numbered headline and a two-line summary, so a month's
30 articles fit in two or three messages. An article is listed once, under the member's first
followed theme that it carries (or its place in the draft), its other themes named on it.

A read is counted in one tap when the bot has a public web address: the headline links to a
counting redirect (``/r/<token>``). Without one, each message ends with a compact grid of
numbered buttons, whose tap is counted before the link is shown. Telegram caps a message at
4096 characters, so messages split between items, never between a heading and its first item;
the last message carries the way out that UK rules on electronic marketing expect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from bulletins.model import Bulletin, BulletinItem
from delivery.messages import Button, CallbackData, Callbacks, OutgoingMessage
from feeds.sanitise import html_to_plain, plain_text_length, truncate_html
from wording import bulletins as texts

MESSAGE_BUDGET = 4000  # below 4096, leaving room for the separators
ENTITY_BUDGET = 90  # Telegram keeps at most 100 formatting entities in a message
ITEM_SUMMARY_LIMIT = 180  # about two lines on a phone
BUTTONS_PER_ROW = 8  # Telegram's most per row
MAX_READ_BUTTONS = 90  # Telegram allows 100 per keyboard, two go to the way out

THEMES, PAUSE, READ = Callbacks("themes"), Callbacks("pause"), Callbacks("read")
"""The theme picker (opened from the way out), pausing, and a counted read."""
ReadUrl = Callable[[int], str]
"""The counted link of an article (by id) for the member being rendered for."""


def read_callback(bulletin_id: int, article_id: int) -> CallbackData:
    return READ.data(bulletin_id, article_id)


def way_out() -> tuple[Button, ...]:
    return (
        Button(texts.BUTTON_CHANGE_THEMES, callback_data=THEMES.data("open")),
        Button(texts.BUTTON_STOP, callback_data=PAUSE.data("on")),
    )


@dataclass(frozen=True)
class _Section:
    group: str | None  # "Your themes" / "Also this month" above the first section of a group
    slug: str | None
    title: str
    items: tuple[BulletinItem, ...]


@dataclass(frozen=True)
class _Block:
    html: str
    section: str | None = None  # the heading of the section the block belongs to
    button: Button | None = None
    heads_section: bool = False
    unlinked: str | None = None  # the same visible text without the member's own link

    @property
    def length(self) -> int:
        """As Telegram counts it; the same for every member who has this item at this number."""
        return _visible_length(self.unlinked or self.html)

    @property
    def entities(self) -> int:
        return _entities(self.html)


def _home_sections(
    bulletin: Bulletin, followed: list[str]
) -> tuple[dict[str, list[BulletinItem]], list[tuple[int, BulletinItem]]]:
    """Each article once: under the member's first followed theme it carries, else left in
    its draft section (by index), in the draft's reading order."""
    mine: dict[str, list[BulletinItem]] = {slug: [] for slug in followed}
    others: list[tuple[int, BulletinItem]] = []
    seen: set[int] = set()
    for index, section in enumerate(bulletin.sections):
        for item in section.items:
            if item.article_id in seen:
                continue
            seen.add(item.article_id)
            home = next((slug for slug in followed if slug in item.themes), None)
            if home is not None:
                mine[home].append(item)
            else:
                others.append((index, item))
    return mine, others


def personal_sections(bulletin: Bulletin, followed: list[str], only_mine: bool) -> list[_Section]:
    """The member's themes (in their order), then "Also this month" in the draft's order."""
    mine, others = _home_sections(bulletin, followed)
    sections = [
        _Section(None, slug, bulletin.theme_title(slug), tuple(items))
        for slug, items in mine.items() if items
    ]
    if only_mine and sections:
        return _with_groups(sections, [])
    rest = [
        _Section(None, section.theme_slug, section.theme_title,
                 tuple(item for i, item in others if i == index))
        for index, section in enumerate(bulletin.sections)
    ]
    return _with_groups(sections, [s for s in rest if s.items])


def _with_groups(mine: list[_Section], rest: list[_Section]) -> list[_Section]:
    if not mine:
        return rest
    grouped = [_Section(texts.YOUR_THEMES if i == 0 else None, s.slug, s.title, s.items)
               for i, s in enumerate(mine)]
    return grouped + [_Section(texts.ALSO_THIS_MONTH if i == 0 and rest else None, s.slug,
                               s.title, s.items) for i, s in enumerate(rest)]


def short_summary(item: BulletinItem) -> str:
    """A plain two-line taste of the article: links in it would bypass the counted read."""
    return _short_summary(item.summary_html)


@lru_cache(maxsize=256)
def _short_summary(summary_html: str) -> str:
    """Once per article rather than once per member and article."""
    plain = " ".join(html_to_plain(summary_html).split())
    return truncate_html(escape(plain, quote=False), ITEM_SUMMARY_LIMIT)


def _blocks(bulletin: Bulletin, sections: list[_Section],
            read_url: ReadUrl | None) -> Iterator[_Block]:
    number = 0
    for section in sections:
        heading = texts.section_heading(section.title)
        leading = [texts.heading(section.group)] if section.group else []
        for position, item in enumerate(section.items):
            number += 1
            url = read_url(item.article_id) if read_url and item.link else None
            also = bulletin.also_under(item, section.slug)
            summary = short_summary(item)
            unlinked = texts.item(number, item.title, summary, None, also)
            html = texts.item(number, item.title, summary, url, also) if url else unlinked
            if position == 0:
                html, unlinked = ("\n\n".join([*leading, heading, part])
                                  for part in (html, unlinked))
            yield _Block(html, heading, _read_button(bulletin.id, number, item, url),
                         heads_section=position == 0, unlinked=unlinked if url else None)


def _read_button(bulletin_id: int, number: int, item: BulletinItem,
                 url: str | None) -> Button | None:
    if url is not None or not item.link:
        return None
    return Button(texts.read_button(number),
                  callback_data=read_callback(bulletin_id, item.article_id))


def _entities(html: str) -> int:
    return html.count("</")


_SEPARATOR_LENGTH = 2  # the "\n\n" between parts


@lru_cache(maxsize=4096)
def _visible_length(html: str) -> int:
    """Measured once per distinct block, not once per member: parsing is most of a render."""
    return plain_text_length(html)


@dataclass
class _Message:
    """A message being filled, with its visible length and entities kept as running totals:
    measuring the joined text again for every block made a bulletin for 10,000 members take
    minutes of the bot's one thread."""

    parts: list[str]
    buttons: list[Button]
    length: int = 0
    entities: int = 0

    @classmethod
    def starting(cls, html: str) -> _Message:
        return cls([html], [], _visible_length(html), _entities(html))

    def fits(self, block: _Block) -> bool:
        # Parts are whole fragments, so the joined text's length is the sum of theirs.
        separator = _SEPARATOR_LENGTH if self.parts else 0
        return (self.length + separator + block.length <= MESSAGE_BUDGET
                and self.entities + block.entities <= ENTITY_BUDGET
                and len(self.buttons) + (block.button is not None) <= MAX_READ_BUTTONS)

    def add(self, block: _Block) -> None:
        self.length += (_SEPARATOR_LENGTH if self.parts else 0) + block.length
        self.entities += block.entities
        self.parts.append(block.html)
        if block.button is not None:
            self.buttons.append(block.button)

    def render(self, closing: bool) -> OutgoingMessage:
        rows = [tuple(self.buttons[i:i + BUTTONS_PER_ROW])
                for i in range(0, len(self.buttons), BUTTONS_PER_ROW)]
        if closing:
            rows.append(way_out())
        return OutgoingMessage(html="\n\n".join(self.parts), buttons=tuple(rows))


def render_for_member(
    bulletin: Bulletin, followed: list[str], only_mine: bool,
    read_url: ReadUrl | None = None,
) -> list[OutgoingMessage]:
    """The member's messages; ``read_url`` gives counted links (else numbered buttons)."""
    intro = f"\n\n{bulletin.intro_html}" if bulletin.intro_html else ""
    current = _Message.starting(texts.heading(bulletin.title) + intro)
    done: list[_Message] = []
    sections = personal_sections(bulletin, followed, only_mine)
    for block in _blocks(bulletin, sections, read_url):
        if not current.fits(block) and len(current.parts) > 0:
            done.append(current)
            lead = texts.CONTINUED if block.heads_section else texts.continued(block.section)
            current = _Message.starting(lead)
        current.add(block)
    if not sections:
        current.add(_Block(texts.EMPTY_FOR_MEMBER))
    messages = [*done, current]
    return [m.render(closing=i == len(messages) - 1) for i, m in enumerate(messages)]
