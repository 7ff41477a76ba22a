"""A stand-in for the network's website: feeds served over loopback HTTP by aiohttp.

What a path answers can change between fetches, which is how tests stage edits, outages
and 304s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class FeedServer:
    base: str
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, body: str | bytes, *, status: int = 200,
              content_type: str = "application/rss+xml; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body

        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=data, status=status, headers={
                "Content-Type": content_type, **(headers or {})})

        self.routes[path] = handler

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [headers for seen, headers in self.requests if seen == path]


@asynccontextmanager
async def serving_feeds() -> AsyncIterator[FeedServer]:
    """A web server on a free loopback port whose answers a test sets per path."""
    app = web.Application()
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    feed_server = FeedServer(base="")

    async def dispatch(request: web.Request) -> web.StreamResponse:
        feed_server.requests.append((request.path, dict(request.headers)))
        handler = feed_server.routes.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)

    app.router.add_route("GET", "/{tail:.*}", dispatch)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    feed_server.base = f"http://{host}:{port}"
    yield feed_server
    feed_server.release.set()
    await runner.cleanup()


def rss(*items: str, extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>Linked-up news</title><link>https://www.linkedup.example/news/</link>"
        f"{extra}{''.join(items)}</channel></rss>"
    )


def rss_item(guid: str | None, title: str, *, link: str | None = None,
             description: str = "", categories: tuple[str, ...] = (),
             date: str = "Mon, 02 Jun 2025 10:00:00 +0100") -> str:
    parts = [f"<title>{title}</title>", f"<pubDate>{date}</pubDate>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if description:
        parts.append(f"<description><![CDATA[{description}]]></description>")
    parts += [f"<category>{category}</category>" for category in categories]
    return f"<item>{''.join(parts)}</item>"


def atom(*entries: str, title: str = "Linked-up partners") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><link href=\"https://partners.linkedup.example/\"/>"
        "<id>tag:partners.linkedup.example,2026:feed</id>"
        f"<updated>2026-10-31T12:00:00Z</updated>{''.join(entries)}</feed>"
    )


def atom_entry(entry_id: str, title: str, *, link: str | None = None, summary: str = "",
               categories: tuple[str, ...] = (),
               published: str = "2026-10-01T10:00:00Z") -> str:
    parts = [f"<title>{title}</title>", f"<id>{entry_id}</id>",
             f"<published>{published}</published>", f"<updated>{published}</updated>"]
    if link is not None:
        parts.append(f'<link rel="alternate" href="{link.replace("&", "&amp;")}"/>')
    if summary:
        parts.append(f'<summary type="html"><![CDATA[{summary}]]></summary>')
    parts += [f'<category term="{category}"/>' for category in categories]
    return f"<entry>{''.join(parts)}</entry>"
