"""A strict loopback fake of the Telegram Bot API for tests and benchmarks.

Why a fake server rather than mocking ``telegram.Bot``: the bot's real HTTP stack (PTB's
request layer, its error mapping to ``RetryAfter``/``Forbidden``/``ChatMigrated``, its
rate limiter and retry logic) is exercised end to end, and the fake enforces Telegram's
rules (parameter types from ``api.json``, the HTML subset, length and button limits,
flood limits, blocked users, migrated groups) so a bug that Telegram would reject fails a
test instead of production.

Usage::

    async with FakeTelegram() as tg:
        bot = telegram.Bot("123:abc", base_url=tg.base_url, base_file_url=tg.base_file_url)
        alice = tg.user(first_name="Alice")
        await alice.send("/start")
        reply = await alice.wait_for_text("Welcome")

Standalone (benchmarks in another process)::

    python -m tests.fakes.telegram_api --port 8081

prints ``FAKE_TELEGRAM_READY <base_url>`` and serves a JSON control API under ``/_fake/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import signal
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, replace
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from tests.fakes.telegram_checks import MAX_DOCUMENT_BYTES
from tests.fakes.telegram_control import ControlApi, _json
from tests.fakes.telegram_faults import FaultInjection
from tests.fakes.telegram_html import utf16_len
from tests.fakes.telegram_messages import MessageMethods
from tests.fakes.telegram_schema import (
    ApiError,
    FilePart,
    MethodSpec,
    SchemaMismatch,
    bad_request,
    load_spec,
)
from tests.fakes.telegram_setup import SetupMethods
from tests.fakes.telegram_state import ApiRequest, FaultRates, RateLimits, _Chat, _PendingCallback
from tests.fakes.telegram_users import (
    REPLY_TIMEOUT,
    AnsweredCallback,
    BotMessage,
    SimGroup,
    SimUser,
    UploadedFile,
)

__all__ = [
    "AnsweredCallback",
    "ApiError",
    "ApiRequest",
    "BotMessage",
    "FakeTelegram",
    "FaultRates",
    "RateLimits",
    "SimGroup",
    "SimUser",
    "UploadedFile",
    "main",
]

T = TypeVar("T")
_LOG = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
_USER_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


class FakeTelegram(FaultInjection, MessageMethods, SetupMethods):
    """Loopback Bot API server plus the state tests assert on.

    Everything runs on the caller's event loop; start with ``async with`` or
    ``start()``/``stop()``. The Bot API methods, request checks and fault injection are the
    mixins named above (one module each); the ``/_fake/`` control API is ``ControlApi``.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        bot_id: int | None = None,
        bot_username: str = "linkedup_test_bot",
        bot_first_name: str = "LinkedUp Test Bot",
        rate_limits: RateLimits | None = None,
        auto_create_chats: bool = False,
        response_delay: float = 0.0,
        validate_results: bool = True,
        record_requests: bool = True,
        spec_path: str | os.PathLike[str] | None = None,
        webhook_retry_delay: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``token``: if set, only this token is accepted (others get 401).

        ``auto_create_chats``: allow sends to chats no test created (benchmarks); by default
        such sends fail like on Telegram (403 "can't initiate conversation" / "chat not found").
        ``validate_results``: check every result against api.json (catches bugs in the fake).
        """
        self.host = host
        self.port = port
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.auto_create_chats = auto_create_chats
        self.validate_results = validate_results
        self.record_requests = record_requests
        self.webhook_retry_delay = webhook_retry_delay
        self.spec = load_spec(spec_path)
        self._clock = clock
        self._configured_bot_id = bot_id
        if bot_id is None and token is not None and TOKEN_RE.fullmatch(token):
            self._configured_bot_id = int(token.split(":", 1)[0])
        self._learned_bot_id: int | None = None
        self.rate_limits = rate_limits if rate_limits is not None else RateLimits()
        self._delays: dict[str, float] = {}
        if response_delay:
            self._delays["*"] = response_delay

        self._runner: web.AppRunner | None = None
        self._closing = False
        self._changed = asyncio.Event()
        self._webhook_task: asyncio.Task[None] | None = None
        self._init_state()

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        if self._runner is not None:
            return self
        self._closing = False
        app = web.Application(client_max_size=MAX_DOCUMENT_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        ControlApi(self).add_routes(app.router)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        site = web.SockSite(runner, sock)
        await site.start()
        self.port = sock.getsockname()[1]
        self._runner = runner
        return self

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        await self._stop_webhook_task()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``Bot(token, base_url=...)``/``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # -- identities ---------------------------------------------------------------------------

    def user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> SimUser:
        """A simulated user who has started the bot (so the bot may message them).

        Asking again for an existing ``user_id`` returns the same object.
        """
        if user_id is not None and user_id in self._users:
            return self._users[user_id]
        if user_id is None:
            while self._next_user_id in self._chats:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        if user_id <= 0:
            raise ValueError("user ids are positive")
        sim = SimUser(self, user_id, first_name, username, last_name, language_code)
        self._users[user_id] = sim
        self._chats[user_id] = _Chat(id=user_id, type="private", user=sim)
        return sim

    def group(
        self,
        chat_id: int,
        title: str = "Test group",
        *,
        type: str = "supergroup",
        username: str | None = None,
    ) -> SimGroup:
        """A group chat the bot is a member of (``type`` "supergroup" or "group")."""
        if chat_id in self._groups:
            return self._groups[chat_id]
        if chat_id >= 0:
            raise ValueError("group chat ids are negative (e.g. -1001234567890)")
        if type not in {"group", "supergroup"}:
            raise ValueError("type must be 'group' or 'supergroup'")
        self._chats[chat_id] = _Chat(id=chat_id, type=type, title=title, username=username)
        sim = SimGroup(self, chat_id, title, type)
        self._groups[chat_id] = sim
        return sim

    # -- scenario controls --------------------------------------------------------------------

    def block(self, user_id: int, *, announce: bool = True) -> None:
        """The user blocks the bot: sends get 403 and a my_chat_member update is queued
        (``announce=False``: the update the bot missed, being down for more than a day)."""
        user = self.user(user_id)
        if user_id in self._blocked:
            return
        self._blocked.add(user_id)
        if announce:
            self._queue_my_chat_member(user, "member", "kicked")

    def unblock(self, user_id: int, *, announce: bool = True) -> None:
        user = self.user(user_id)
        if user_id not in self._blocked:
            return
        self._blocked.discard(user_id)
        if announce:
            self._queue_my_chat_member(user, "kicked", "member")

    def is_blocked(self, user_id: int) -> bool:
        return user_id in self._blocked

    def migrate_group(self, old_id: int, new_id: int, *, announce: bool = True) -> SimGroup:
        """Upgrade a basic group to a supergroup; sends to ``old_id`` then get 400 + migrate_to."""
        old = self._chats.get(old_id)
        if old is None:
            self.group(old_id, f"Group {old_id}", type="group")
            old = self._chats[old_id]
        old.type = "group"
        if old_id in self._groups:
            self._groups[old_id].type = "group"
        new_group = self.group(new_id, old.title or f"Group {new_id}", type="supergroup")
        old.migrated_to = new_id
        if announce:
            now = int(time.time())
            for chat_id, extra in (
                (old_id, {"migrate_to_chat_id": new_id}),
                (new_id, {"migrate_from_chat_id": old_id}),
            ):
                chat = self._chats[chat_id]
                msg = BotMessage(
                    chat_id=chat_id,
                    message_id=chat.allocate_message_id(),
                    date=now,
                    kind="service",
                    from_bot=False,
                    extra=extra,
                    timestamp=time.time(),
                )
                chat.messages[msg.message_id] = msg
                self._queue_update("message", self._message_to_api(msg))
        return new_group

    def set_rate_limits(self, limits: RateLimits | None = None, **changes: Any) -> RateLimits:
        """Replace or tweak flood limits at runtime (buckets restart full)."""
        base = limits if limits is not None else self.rate_limits
        self.rate_limits = replace(base, **changes)
        self._global_bucket = None
        self._chat_buckets.clear()
        return self.rate_limits

    def disable_rate_limits(self) -> None:
        self.set_rate_limits(enabled=False)

    def reset(self) -> None:
        """Forget traffic (messages, files, updates, counters, faults); keep users/chats/config."""
        self._reset_runtime()
        for view in [*self._users.values(), *self._groups.values()]:
            view.mark_read()
        self._notify()

    # -- assertions and inspection -----------------------------------------------------------

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[BotMessage]:
        """Bot messages in a chat (live objects reflecting edits), oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [
            m for m in chat.messages.values() if m.from_bot and (include_deleted or not m.deleted)
        ]

    def get_message(self, chat_id: int, message_id: int) -> BotMessage | None:
        chat = self._chats.get(chat_id)
        return chat.messages.get(message_id) if chat else None

    def chat_events(self, chat_id: int) -> list[BotMessage]:
        """Snapshots of every bot send/edit/delete in a chat, in order."""
        chat = self._chats.get(chat_id)
        return chat.events if chat else []

    def delivered_count(self, chat_id: int | None = None) -> int:
        """Successful send* calls to a chat (or in total)."""
        if chat_id is None:
            return sum(self._delivered.values())
        return self._delivered[chat_id]

    @property
    def delivered_per_chat(self) -> dict[int, int]:
        return dict(self._delivered)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def calls(self, method: str, *, ok_only: bool = True) -> list[dict[str, Any]]:
        """Decoded params of recorded calls of ``method`` (successful ones by default)."""
        wanted = method.lower()
        return [
            r.params
            for r in self.requests
            if r.method.lower() == wanted and (r.status == 200 or not ok_only)
        ]

    def commands(
        self, scope: Mapping[str, Any] | Any | None = None, language_code: str = ""
    ) -> list[dict[str, Any]] | None:
        """Commands set for exactly this scope+language (None if never set).

        ``scope`` may be a dict like ``{"type": "chat", "chat_id": 42}`` or a PTB
        ``BotCommandScope``.
        """
        as_dict = scope.to_dict() if scope is not None and hasattr(scope, "to_dict") else scope
        key = (self._scope_key(as_dict, strict=False), language_code)
        found = self._commands.get(key)
        return [dict(c) for c in found] if found is not None else None

    @property
    def command_sets(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """All stored command lists keyed by (scope key, language code)."""
        return {k: list(v) for k, v in self._commands.items()}

    def file(self, file_id: str) -> UploadedFile | None:
        return self._files.get(file_id)

    @property
    def uploaded_files(self) -> list[UploadedFile]:
        """Every file the bot uploaded, in upload order."""
        return list(self._files.values())

    def unanswered_callbacks(self) -> list[str]:
        """Ids of callback queries the bot never answered (clients show a spinner)."""
        return [c.id for c in self._callbacks.values() if not c.answered]

    async def wait_for(
        self,
        condition: Callable[[], T | None],
        timeout: float = REPLY_TIMEOUT,  # noqa: ASYNC109 - a deadline for re-checks, not for one await
    ) -> T:
        """Wait until ``condition()`` returns something other than None/False.

        Re-evaluated whenever the fake's state changes; raises ``TimeoutError``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            value = condition()
            if value is not None and value is not False:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_callback_answer(
        self,
        callback_query_id: str,
        timeout: float = REPLY_TIMEOUT,  # noqa: ASYNC109 - harness API mirrors SimUser.wait_for_*
    ) -> AnsweredCallback:
        def find() -> AnsweredCallback | None:
            for answer in self.answered_callbacks:
                if answer.callback_query_id == callback_query_id:
                    return answer
            return None

        try:
            return await self.wait_for(find, timeout)
        except TimeoutError:
            raise AssertionError(
                f"callback query {callback_query_id} was not answered within {timeout}s"
            ) from None

    async def wait_for_request(
        self,
        method: str,
        timeout: float = REPLY_TIMEOUT,  # noqa: ASYNC109 - harness API mirrors SimUser.wait_for_*
    ) -> dict[str, Any]:
        """Wait for the next successful call of ``method`` after now; returns its params."""
        seen = len(self.calls(method))

        def find() -> dict[str, Any] | None:
            calls = self.calls(method)
            return calls[seen] if len(calls) > seen else None

        return await self.wait_for(find, timeout)

    # -- user-side actions (used by SimUser) ---------------------------------------------------

    def queue_user_message(
        self, user: SimUser, chat_id: int, text: str, *, reply_to: int | None = None
    ) -> BotMessage:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise AssertionError(f"chat {chat_id} does not exist; create it with tg.group()")
        if chat.migrated_to is not None:
            raise AssertionError(f"chat {chat_id} migrated to {chat.migrated_to}; post there")
        if chat.type == "private" and user.id in self._blocked:
            raise AssertionError(f"user {user.id} blocked the bot; call unblock() first")
        if chat.type == "private" and chat_id != user.id:
            raise AssertionError("a user can only write in their own private chat")
        entities: list[dict[str, Any]] = []
        command = _USER_COMMAND_RE.match(text)
        if command:
            entities.append(
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))}
            )
        msg = BotMessage(
            chat_id=chat_id,
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            kind="text",
            text=text,
            entities=entities,
            from_bot=False,
            sender=user.to_api(),
            reply_to_message_id=reply_to,
            timestamp=time.time(),
        )
        chat.messages[msg.message_id] = msg
        self._queue_update("message", self._message_to_api(msg))
        return msg

    def queue_callback_query(self, user: SimUser, message: BotMessage, data: str) -> str:
        self._callback_counter += 1
        query_id = str(4_000_000_000_000_000_000 + self._callback_counter)
        self._callbacks[query_id] = _PendingCallback(
            query_id, user.id, message.chat_id, message.message_id, data
        )
        payload = {
            "id": query_id,
            "from": user.to_api(),
            "message": self._message_to_api(message),
            "chat_instance": str(-abs(message.chat_id) * 31 - 7),
            "data": data,
        }
        self._queue_update("callback_query", payload)
        return query_id

    def queue_update(self, update_type: str, payload: dict[str, Any]) -> int:
        """Queue an arbitrary update (for types the harness has no helper for)."""
        return self._queue_update(update_type, payload)

    def _queue_my_chat_member(self, user: SimUser, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": self.bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        payload = {
            "chat": self._chats[user.id].to_api(),
            "from": user.to_api(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        self._queue_update("my_chat_member", payload)

    # -- HTTP plumbing --------------------------------------------------------------------------

    def _learn_bot_id(self, token: str) -> None:
        if self._learned_bot_id is None:
            self._learned_bot_id = int(token.split(":", 1)[0])

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, FilePart], bool]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, FilePart] = {}
        json_body = False
        ctype = request.content_type
        if ctype == "application/json":
            body = await request.read()
            if body.strip():
                try:
                    data = json.loads(body)
                except ValueError:
                    raise bad_request("can't parse JSON object") from None
                if not isinstance(data, dict):
                    raise bad_request("JSON object expected")
                raw.update(data)
                json_body = True
        elif ctype == "multipart/form-data":
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    files[part.name] = FilePart(
                        part.name,
                        part.filename,
                        part.headers.get("Content-Type"),
                        bytes(await part.read()),
                    )
                else:
                    raw[part.name] = await part.text()
        elif ctype == "application/x-www-form-urlencoded":
            form = await request.post()
            raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        return raw, files, json_body

    def _check_result(self, spec: MethodSpec, result: Any) -> None:
        problems = []
        for type_name in spec.returns:
            try:
                self.spec.check_value(result, type_name, "result")
            except SchemaMismatch as exc:
                problems.append(str(exc))
            else:
                return
        raise ApiError(500, f"fake: {spec.name} built an invalid result: {'; '.join(problems)}")

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not TOKEN_RE.fullmatch(token) or (self.token is not None and token != self.token):
            return _json(ApiError(401, "Unauthorized").payload(), 401)
        spec = self.spec.method(request.match_info["method"])
        if spec is None:
            return _json(ApiError(404, "Not Found").payload(), 404)
        self._learn_bot_id(token)
        injected = self._draw_fault(spec.name)
        if injected is not None:
            return injected(request, spec.name)
        delay = self._delays.get(spec.name.lower(), self._delays.get("*", 0.0))
        if delay:
            await asyncio.sleep(delay)
        params: dict[str, Any] = {}
        try:
            raw, files, json_body = await self._read_params(request)
            handler = getattr(self, f"_m_{spec.name}", None)
            if handler is None:
                raise ApiError(400, f"fake: method {spec.name} not implemented")
            params = self.spec.decode_params(spec, raw, json_body=json_body, files=files)
            self._check_faults(spec.name)
            result = await handler(params)
            if self.validate_results:
                self._check_result(spec, result)
        except ApiError as exc:
            self._record(spec.name, params, exc.code, exc.description)
            return _json(exc.payload(), exc.code)
        except Exception as exc:
            # A bug in the fake must not masquerade as a network blip PTB would retry.
            detail = f"fake: internal error in {spec.name}: {exc!r}"
            self.internal_errors.append(traceback.format_exc())
            _LOG.exception("fake Telegram: %s", detail)
            self._record(spec.name, params, 500, detail)
            return _json(ApiError(500, detail).payload(), 500)
        self._record(spec.name, params, 200, None)
        return _json({"ok": True, "result": result}, 200)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if not TOKEN_RE.fullmatch(request.match_info["token"]):
            return _json(ApiError(401, "Unauthorized").payload(), 401)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return _json(ApiError(404, "Not Found").payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return _json(ApiError(404, "Not Found").payload(), 404)

    def stats(self) -> dict[str, Any]:
        return {
            "delivered_total": self.delivered_count(),
            "delivered": {str(k): v for k, v in self._delivered.items()},
            "requests": dict(self._method_counts),
            "errors": {str(k): v for k, v in self._error_counts.items()},
            "rejected_429": self._error_counts.get(429, 0),
            "ignored_retry_after": len(self.ignored_retry_after),
            "pending_updates": len(self._updates),
            "answered_callbacks": len(self.answered_callbacks),
            "rate_limits": asdict(self.rate_limits),
        }


# -- command line ------------------------------------------------------------------------------


def _build_arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run the fake Telegram Bot API server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=None, help="accept only this bot token")
    parser.add_argument("--no-rate-limits", action="store_true")
    parser.add_argument("--global-rate", type=float, default=30.0)
    parser.add_argument("--global-burst", type=float, default=30.0)
    parser.add_argument("--chat-rate", type=float, default=1.0)
    parser.add_argument("--chat-burst", type=float, default=5.0)
    parser.add_argument(
        "--auto-create-chats",
        action="store_true",
        help="accept sends to chats nobody created (otherwise 403/400 like Telegram)",
    )
    parser.add_argument("--delay", type=float, default=0.0, help="delay every response (s)")
    parser.add_argument(
        "--no-record", action="store_true", help="don't keep a per-request log (long runs)"
    )
    return parser


async def _serve(args: argparse.Namespace) -> None:
    limits = RateLimits(
        enabled=not args.no_rate_limits,
        global_rate=args.global_rate,
        global_burst=args.global_burst,
        chat_rate=args.chat_rate,
        chat_burst=args.chat_burst,
    )
    tg = FakeTelegram(
        host=args.host,
        port=args.port,
        token=args.token,
        rate_limits=limits,
        auto_create_chats=args.auto_create_chats,
        response_delay=args.delay,
        record_requests=not args.no_record,
    )
    await tg.start()
    print(f"FAKE_TELEGRAM_READY {tg.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await tg.stop()


def main(argv: Iterable[str] | None = None) -> None:
    args = _build_arg_parser().parse_args(list(argv) if argv is not None else None)
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
