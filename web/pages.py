"""The pages as HTML, the same for the running server and for ``linkedup web export``.

Every page sits at the top of the site under a name ending in ``.html``, so the very same
pages work served by the bot, copied onto another website, or opened from a folder. Two things
differ: the server links from its root (so an error page at any address still finds the style
sheet), a folder of files by relative names; and the server reads a filter from the query
string, where a folder has one file per choice (see :meth:`Links.home`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from web.public import Meetings, PublicIssue, PublicRecord, WaitingLists, YouSaid
from wording import web as texts

STYLESHEET = Path(__file__).with_name("static") / "style.css"
INDEX = "index.html"
MEETINGS = "meetings.html"
CALENDAR = "meetings.ics"
WAITING_LISTS = "waiting-lists.html"
WAITING_CHART = "waiting-lists.svg"


@dataclass(frozen=True)
class Links:
    static: bool
    """True for a folder of files: filters become file names instead of query strings."""
    public_url: str | None
    """The site's address, for the calendar subscription; None if it is not known."""
    waiting_lists: bool = False
    """Whether the census is in use, so the pages link to its page."""

    async def live(self, record: PublicRecord) -> Links:
        """These links as the record stands now (the census page appears with its first month)."""
        return replace(self, waiting_lists=await record.census_in_use())

    @property
    def root(self) -> str:
        if self.static:
            return ""
        path = urlsplit(self.public_url or "/").path
        return path if path.endswith("/") else f"{path}/"

    def href(self, name: str) -> str:
        return f"{self.root}{name}"

    def home(self, theme: str | None = None, board: str | None = None) -> str:
        if self.static:
            parts = [f"--theme-{theme}" if theme else "", f"--board-{board}" if board else ""]
            return f"index{''.join(parts)}.html"
        query = urlencode({k: v for k, v in (("theme", theme), ("board", board)) if v})
        return self.href(f"?{query}" if query else "")

    def issue(self, ref: str) -> str:
        return self.href(f"issue-{ref}.html")

    @property
    def calendar_url(self) -> str | None:
        return f"{self.public_url}/{CALENDAR}" if self.public_url else None

    @property
    def webcal_url(self) -> str | None:
        url = self.calendar_url
        return "webcal://" + url.split("://", 1)[1] if url else None


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.globals["t"] = texts
    return env


class Pages:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.env = _environment()

    def _render(self, template: str, links: Links, current: str, **context: Any) -> str:
        return self.env.get_template(template).render(
            links=links, current=current, tz=self.tz, day=texts.day, **context)

    def you_said(self, view: YouSaid, links: Links) -> str:
        return self._render("you_said.html.j2", links, INDEX, view=view)

    def issue(self, issue: PublicIssue, links: Links) -> str:
        return self._render("issue.html.j2", links, "", issue=issue)

    def meetings(self, view: Meetings, links: Links) -> str:
        return self._render("meetings.html.j2", links, MEETINGS, view=view)

    def waiting_lists(self, view: WaitingLists, links: Links) -> str:
        return self._render("waiting_lists.html.j2", links, WAITING_LISTS, view=view)

    def error(self, title: str, message: str, links: Links) -> str:
        return self._render("error.html.j2", links, "", title=title, message=message)


def stylesheet() -> bytes:
    return STYLESHEET.read_bytes()
