"""The fake Telegram's JSON control API under ``/_fake/``, for benchmarks that run the fake in
another process: read stats and messages, add users, type and press as them, block, set flood
limits, inject failures, reset.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Protocol

from aiohttp import web

from tests.fakes.telegram_state import RateLimits
from tests.fakes.telegram_users import ChatServer, SimGroup, SimUser


class ControlledFake(ChatServer, Protocol):
    """What the endpoints call (FakeTelegram is one); a protocol, so this module need not
    import the class that imports it."""

    def stats(self) -> dict[str, Any]: ...
    def reset(self) -> None: ...
    def set_rate_limits(self, **changes: Any) -> RateLimits: ...
    def force_retry_after(self, seconds: int, count: int = 1) -> None: ...
    def fail_next(
        self, method: str, status: int = 500, count: int = 1, description: str | None = None
    ) -> None: ...
    def user(
        self, user_id: int | None = None, first_name: str = "Test", username: str | None = None
    ) -> SimUser: ...
    def group(self, chat_id: int) -> SimGroup: ...


class ControlApi:
    """The ``/_fake/`` endpoints, each a thin JSON wrapper over ``FakeTelegram``'s own API."""

    def __init__(self, tg: ControlledFake) -> None:
        self.tg = tg

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/_fake/stats", self.stats)
        router.add_get("/_fake/messages", self.messages)
        router.add_post("/_fake/reset", self.reset)
        router.add_post("/_fake/limits", self.limits)
        router.add_post("/_fake/users", self.users)
        router.add_post("/_fake/send", self.send)
        router.add_post("/_fake/press", self.press)
        router.add_post("/_fake/block", self.block)
        router.add_post("/_fake/unblock", self.unblock)
        router.add_post("/_fake/fail", self.fail)

    async def stats(self, request: web.Request) -> web.Response:
        return _json(self.tg.stats(), 200)

    async def messages(self, request: web.Request) -> web.Response:
        chat_id = int(request.query["chat_id"])
        items = [
            {
                "message_id": m.message_id,
                "text": m.content,
                "html": m.html,
                "buttons": m.buttons(),
                "edited": m.edit_date is not None,
                "timestamp": m.timestamp,
            }
            for m in self.tg.messages(chat_id)
        ]
        return _json({"messages": items}, 200)

    async def reset(self, request: web.Request) -> web.Response:
        self.tg.reset()
        return _json({"ok": True}, 200)

    async def limits(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        allowed = {f for f in RateLimits.__dataclass_fields__}
        unknown = set(body) - allowed
        if unknown:
            return _json({"ok": False, "description": f"unknown fields {sorted(unknown)}"}, 400)
        limits = self.tg.set_rate_limits(**body)
        return _json({"ok": True, "rate_limits": asdict(limits)}, 200)

    async def users(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.tg.user(
            body.get("user_id"), body.get("first_name", "Test"), body.get("username")
        )
        return _json({"ok": True, "user": user.to_api()}, 200)

    async def send(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.tg.user(int(body["user_id"]))
        chat_id = body.get("chat_id")
        chat = self.tg.group(int(chat_id)) if chat_id is not None and int(chat_id) < 0 else None
        msg = await user.send(str(body["text"]), chat=chat)
        return _json({"ok": True, "message_id": msg.message_id}, 200)

    async def press(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.tg.user(int(body["user_id"]))
        try:
            query_id = await user.press(str(body["button"]), body.get("message_id"))
        except AssertionError as exc:
            return _json({"ok": False, "description": str(exc)}, 400)
        return _json({"ok": True, "callback_query_id": query_id}, 200)

    async def block(self, request: web.Request) -> web.Response:
        self.tg.block(int((await _json_body(request))["user_id"]))
        return _json({"ok": True}, 200)

    async def unblock(self, request: web.Request) -> web.Response:
        self.tg.unblock(int((await _json_body(request))["user_id"]))
        return _json({"ok": True}, 200)

    async def fail(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if "retry_after" in body:
            self.tg.force_retry_after(int(body["retry_after"]), int(body.get("count", 1)))
        else:
            self.tg.fail_next(
                str(body.get("method", "*")),
                int(body.get("status", 500)),
                int(body.get("count", 1)),
                body.get("description"),
            )
        return _json({"ok": True}, 200)


def _json(payload: Any, status: int) -> web.Response:
    return web.json_response(
        payload, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="JSON object expected")
    return data
