"""What makes two feed items one story: a canonical link, and a title compared loosely.

A website commonly publishes one story on several feeds (the main RSS, a partners' Atom feed),
each with its own GUID and its link dressed differently: tracking parameters added by a mailing
tool, a ``#fragment``, ``http`` or ``https``, ``www.`` or not, a trailing slash, the query in
another order. :func:`link_key` strips all of that, so equal keys mean one page.

A link alone is not a story, though: several events may point at one booking page, and a feed may
point every item at the site's home page. So a story is the canonical link *and* the normalised
title (:func:`title_key`), and an item whose link names no page of its own is matched by title
alone, within :data:`SAME_TITLE_WINDOW` of the other copy.

These keys live in ``db/`` because the schema stores them and migration 0014 computes them for
articles stored before it, through the SQL functions :func:`register_sql_functions` adds.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import aiosqlite
from yarl import URL

SAME_TITLE_WINDOW = timedelta(days=3)
"""Copies of a story without a usable link are one story when published this close together:
wide enough for a partner's feed that republishes a day or two late, narrow enough that a
monthly "Network update" stays one article per month."""

TRACKING_PARAMETERS = frozenset({"mc_cid", "mc_eid", "fbclid", "gclid", "ref"})
TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WORDS = re.compile(r"\w+")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _parse(link: str | None) -> URL | None:
    if not link:
        return None
    try:
        url = URL(link.strip())
    except (ValueError, TypeError):
        return None
    if url.scheme.lower() not in _DEFAULT_PORTS or not url.host:
        return None
    return url


def clean_link(link: str | None) -> str | None:
    """The link as the feed gave it, less the tracking parameters: what a reader is sent to."""
    url = _parse(link)
    if url is None:
        return link
    kept = [(name, value) for name, value in url.query.items() if not _is_tracking(name)]
    if len(kept) == len(url.query):
        return link
    return str(url.with_query(kept))


def link_key(link: str | None) -> str | None:
    """The page a link names, however it is dressed; None for no link or only a site's home.

    The home page is not a story's own page (some feeds point every item there), so such
    items are matched by title and date instead.
    """
    url = _parse(link)
    if url is None or url.host is None:
        return None
    host = url.host.lower().removeprefix("www.")
    port = url.explicit_port
    if port == _DEFAULT_PORTS.get(url.scheme.lower()):
        port = None
    path = url.path.rstrip("/")
    query = sorted((name, value) for name, value in url.query.items() if not _is_tracking(name))
    if not path and not query:
        return None
    canonical = URL.build(scheme="https", host=host, port=port, path=path or "/", query=query)
    return str(canonical)


def title_key(title: str) -> str:
    """A title compared loosely: case, accents, punctuation and spacing do not count."""
    folded = unicodedata.normalize("NFKD", title.casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_WORDS.findall(bare))


async def register_sql_functions(conn: aiosqlite.Connection) -> None:
    """``story_link_key``, ``story_title_key`` and ``story_clean_link`` for migrations' SQL."""
    await conn.create_function("story_link_key", 1, link_key, deterministic=True)
    await conn.create_function("story_title_key", 1, title_key, deterministic=True)
    await conn.create_function("story_clean_link", 1, clean_link, deterministic=True)
