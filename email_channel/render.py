"""The bulletin as an HTML email: the same draft the Telegram channel renders, for Mailchimp.

One edition goes to everyone (Mailchimp personalises only through merge tags), so sections keep
the draft's order: most-read themes first. Summaries and the intro are already sanitised to
Telegram's HTML subset, which is valid HTML too; Telegram keeps typed line breaks where HTML
collapses them, so they become ``<br>`` here. Everything else is escaped by Jinja2.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bulletins.model import Bulletin
from feeds.sanitise import html_to_plain

TEMPLATE = "bulletin_email.html.j2"
PREVIEW_LIMIT = 150
"""Inboxes show roughly this much of the preview text beside the subject."""
_PRE = re.compile(r"(<pre>.*?</pre>)", re.DOTALL)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"(<[^>]*>)")
COMMAND = re.compile(r"(?<![\w/.:])/([a-z][a-z0-9_]{1,31})\b")
"""A bot command as members type it in Telegram: "/meetings", not "and/or" or "24/7"."""


@dataclass(frozen=True)
class NetworkDetails:
    """Who the email is from, for its header and footer (the postal address and the
    unsubscribe link come from the Mailchimp audience, as merge tags)."""

    name: str
    reply_to: str | None = None
    bot_username: str | None = None
    """Known once the bot has met Telegram; the intro's /commands then link to the bot."""


@dataclass(frozen=True)
class EmailEdition:
    subject: str
    preview_text: str
    html: str

    @property
    def content_hash(self) -> str:
        """Changes whenever what a recipient would see changes, so a test can be voided."""
        parts = (self.subject, self.preview_text, self.html)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def email_html(telegram_html: str) -> Markup:
    """Sanitised Telegram HTML as email HTML: line breaks kept, except inside ``<pre>``."""
    parts = _PRE.split(telegram_html)
    return Markup("".join(
        part if part.startswith("<pre>") else part.replace("\n", "<br>\n") for part in parts
    ))


def commands_as_links(html: str, bot_username: str | None) -> str:
    """In an email a "/raise" means nothing: it becomes a link that opens the bot's chat.

    Only text outside tags and outside existing links is touched.
    """
    if not bot_username:
        return html
    out, in_link = [], False
    for part in _TAG.split(html):
        if part.startswith("<"):
            in_link = part.startswith("<a") or (in_link and part != "</a>")
            out.append(part)
            continue
        out.append(part if in_link else COMMAND.sub(
            lambda m: f'<a href="https://t.me/{bot_username}">{m.group(0)}</a>', part))
    return "".join(out)


def commands_in(html: str) -> list[str]:
    """The /commands a text mentions, once each, for the officer's preview."""
    text = "".join(part for part in _TAG.split(html) if not part.startswith("<"))
    return list(dict.fromkeys(match.group(0) for match in COMMAND.finditer(text)))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["email_html"] = email_html
    return env


_ENV = _environment()


def preview_text(bulletin: Bulletin) -> str:
    """The intro's opening, or else the first headlines."""
    text = html_to_plain(_BR.sub(" ", bulletin.intro_html)).strip()
    if not text:
        text = "; ".join(item.title for section in bulletin.sections for item in section.items)
    text = " ".join(text.split())
    if len(text) <= PREVIEW_LIMIT:
        return text
    return text[: PREVIEW_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def render_email(bulletin: Bulletin, network: NetworkDetails) -> EmailEdition:
    html = _ENV.get_template(TEMPLATE).render(
        bulletin=bulletin, network=network,
        intro=email_html(commands_as_links(bulletin.intro_html, network.bot_username)),
    )
    return EmailEdition(subject=bulletin.title, preview_text=preview_text(bulletin), html=html)
