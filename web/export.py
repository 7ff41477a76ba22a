"""``linkedup web export DIR``: the same pages as files, for the CVS's own website.

The export is rebuilt whole from the live record each time, and pages this export did not
write (an issue taken off the page, or one whose last named organisation used /forget) are
removed, so an old copy never keeps what the live pages no longer show. Only files named as
this site names them are touched: anything else in the folder is left alone.
"""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

from web.pages import CALENDAR, MEETINGS, WAITING_CHART, WAITING_LISTS, Links, Pages, stylesheet
from web.public import PublicRecord

OURS = re.compile(r"^((index(--[a-z0-9-]+)*|issue-[A-Z0-9-]+|waiting-lists)\.html"
                  r"|waiting-lists\.svg)$")


async def site_files(record: PublicRecord, pages: Pages, links: Links) -> dict[str, bytes]:
    """Every page under its file name: each combination of theme and board filters, each
    published issue, the meetings page, the waiting lists (once the census is in use), the
    calendar feed and the style sheet."""
    links = await links.live(record)
    files: dict[str, bytes] = {}
    themes = [None, *(theme.slug for theme in await record.themes())]
    boards = [None, *(board.slug for board in record.boards)]
    for theme, board in product(themes, boards):
        view = await record.you_said(theme, board)
        files[links.home(theme, board)] = pages.you_said(view, links).encode("utf-8")
    for ref in await record.published_refs():
        issue = await record.issue(ref)
        if issue is not None:
            files[links.issue(ref)] = pages.issue(issue, links).encode("utf-8")
    files[MEETINGS] = pages.meetings(await record.meetings(), links).encode("utf-8")
    waiting = await record.waiting_lists()
    chart = await record.waiting_chart()
    if waiting is not None and chart is not None:
        files[WAITING_LISTS] = pages.waiting_lists(waiting, links).encode("utf-8")
        files[WAITING_CHART] = chart
    files[CALENDAR] = await record.calendar()
    files["style.css"] = stylesheet()
    return files


def write_site(files: dict[str, bytes], folder: Path) -> int:
    """Write the site into ``folder``; returns how many files were written."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.is_file() and OURS.match(stale.name) and stale.name not in files:
            stale.unlink()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return len(files)
