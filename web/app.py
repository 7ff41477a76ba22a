"""The public site as an ASGI application (Starlette): its routes, headers and error pages.

:func:`routes` is the one place where addresses are registered; a feature that needs an
address of its own (say a counting redirect for bulletin links) adds its route there.
Whatever the address or query string, the answer is a page: 404 for what does not exist, 400
for what cannot be read, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.pages import WAITING_CHART, Links, Pages, stylesheet
from web.public import PublicRecord, UnknownChoice
from wording import web as texts

ReadCounter = Callable[[str], Awaitable[str | None]]
"""Counts a bulletin read from its link's token and gives the article's address (None: no such
link); the bulletin feature provides it, so the site needs no knowledge of bulletins."""
MAX_QUERY = 256
"""Bytes of query string: a filter needs a few dozen; anything longer is refused with 400."""
MAX_PATH = 256
FILTERS = ("theme", "board")
REF = re.compile(r"^[A-Z]{2}-\d{4}-\d{3,6}$")
NO_STORE = {"Cache-Control": "no-cache"}
"""Pages are read live: a forgotten member's name must not linger in a cache."""


class PublicSite:
    """The endpoints, over the live public record."""

    def __init__(self, record: PublicRecord, pages: Pages, links: Links,
                 count_read: ReadCounter | None = None) -> None:
        self.record = record
        self.pages = pages
        self.links = links
        self.count_read = count_read

    def page(self, html: str, status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(html, status_code=status_code, headers=NO_STORE)

    async def error(self, status_code: int, message: str | None = None) -> HTMLResponse:
        """The error page, with the site's own links (what is not found is never a crash)."""
        return self.error_page(status_code, message, await self.links.live(self.record))

    def error_page(self, status_code: int, message: str | None, links: Links) -> HTMLResponse:
        title, default = {
            400: (texts.BAD_REQUEST_TITLE, texts.BAD_REQUEST),
            404: (texts.NOT_FOUND_TITLE, texts.NOT_FOUND),
            405: (texts.NOT_ALLOWED_TITLE, texts.NOT_ALLOWED),
        }.get(status_code, (texts.SERVER_ERROR_TITLE, texts.SERVER_ERROR))
        return self.page(self.pages.error(title, message or default, links), status_code)

    async def you_said(self, request: Request) -> Response:
        chosen: dict[str, str] = {}
        for name in FILTERS:
            values = request.query_params.getlist(name)
            if len(values) > 1:
                return await self.error(400)
            if values and values[0]:
                chosen[name] = values[0]
        try:
            view = await self.record.you_said(chosen.get("theme"), chosen.get("board"))
        except UnknownChoice as unknown:
            return await self.error(404, unknown.message)
        return self.page(self.pages.you_said(view, await self.links.live(self.record)))

    async def issue(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        issue = await self.record.issue(ref) if REF.match(ref) else None
        if issue is None:
            return await self.error(404, texts.NO_SUCH_ISSUE.format(ref=ref[:40]))
        return self.page(self.pages.issue(issue, await self.links.live(self.record)))

    async def meetings(self, request: Request) -> Response:
        return self.page(self.pages.meetings(await self.record.meetings(),
                                             await self.links.live(self.record)))

    async def waiting_lists(self, request: Request) -> Response:
        view = await self.record.waiting_lists()
        if view is None:
            return await self.error(404, texts.WAITING_NONE)
        return self.page(self.pages.waiting_lists(view, await self.links.live(self.record)))

    async def waiting_chart(self, request: Request) -> Response:
        chart = await self.record.waiting_chart()
        if chart is None:
            return await self.error(404, texts.WAITING_NONE)
        return Response(chart, media_type="image/svg+xml", headers=NO_STORE)

    async def calendar(self, request: Request) -> Response:
        return Response(await self.record.calendar(), media_type="text/calendar; charset=utf-8",
                        headers={**NO_STORE,
                                 "Content-Disposition": 'inline; filename="meetings.ics"'})

    async def read(self, request: Request) -> Response:
        """A bulletin headline's counted link: count the read, then go to the article."""
        token = request.path_params["token"]
        target = await self.count_read(token) if self.count_read and len(token) <= 64 else None
        if target is None:
            return await self.error(404, texts.NO_SUCH_LINK)
        return RedirectResponse(target, status_code=302, headers=NO_STORE)

    async def stylesheet(self, request: Request) -> Response:
        return Response(stylesheet(), media_type="text/css; charset=utf-8",
                        headers={"Cache-Control": "max-age=3600"})


def routes(site: PublicSite) -> list[BaseRoute]:
    """Every address the site answers, in one list."""
    return [
        Route("/", site.you_said, methods=["GET"]),
        Route("/index.html", site.you_said, methods=["GET"]),
        Route("/issue-{ref}.html", site.issue, methods=["GET"]),
        Route("/meetings.html", site.meetings, methods=["GET"]),
        Route("/meetings.ics", site.calendar, methods=["GET"]),
        Route("/waiting-lists.html", site.waiting_lists, methods=["GET"]),
        Route(f"/{WAITING_CHART}", site.waiting_chart, methods=["GET"]),
        Route("/style.css", site.stylesheet, methods=["GET"]),
        Route("/r/{token}", site.read, methods=["GET"]),
    ]


def security_headers(frame_origins: list[str]) -> dict[str, str]:
    """No scripts, no plugins, styles only from here, framed only by the configured sites."""
    ancestors = " ".join(frame_origins) if frame_origins else "'none'"
    headers = {
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
            f"form-action 'none'; frame-ancestors {ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if not frame_origins:
        headers["X-Frame-Options"] = "DENY"
    return headers


class Guard:
    """Outermost layer: refuses overlong addresses before any routing, and puts the security
    headers on every answer, error pages and the server's own 500 included."""

    def __init__(self, app: ASGIApp, site: PublicSite, headers: dict[str, str]) -> None:
        self.app = app
        self.site = site
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        if len(scope.get("query_string", b"")) > MAX_QUERY or len(
                scope.get("raw_path", b"")) > MAX_PATH:
            page = await self.site.error(400)
            await page(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)


def build_app(site: PublicSite, frame_origins: list[str]) -> ASGIApp:
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return await site.error(error.status_code)

    async def server_error(request: Request, error: Exception) -> Response:
        # the server logs the exception itself; the page must not need the database
        return site.error_page(500, None, site.links)

    app = Starlette(routes=routes(site),
                    exception_handlers={HTTPException: http_error, Exception: server_error})
    return Guard(app, site, security_headers(frame_origins))
