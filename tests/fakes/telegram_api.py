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
import ipaddress
import json
import logging
import math
import mimetypes
import os
import random
import re
import signal
import socket
import struct
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.fakes.telegram_html import (
    HtmlParseError,
    ParsedText,
    parse_html,
    trim_text,
    utf16_len,
)
from tests.fakes.telegram_schema import (
    ApiError,
    ApiSpec,
    FilePart,
    MethodSpec,
    SchemaMismatch,
    bad_request,
    load_spec,
)
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
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
#: update types Telegram leaves out unless explicitly listed in allowed_updates
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BUTTON_NON_ACTION_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_USER_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")


# -- configuration and small state holders --------------------------------------------------


@dataclass
class RateLimits:
    """Flood-control settings; rates are tokens per second, bursts are bucket capacities.

    ``group_rate``/``group_burst`` override the per-chat bucket for group chats (Telegram
    allows ~20 messages per minute there); ``None`` means "same as private chats".
    """

    enabled: bool = True
    global_rate: float = 30.0
    global_burst: float = 30.0
    chat_rate: float = 1.0
    chat_burst: float = 5.0
    group_rate: float | None = None
    group_burst: float | None = None

    @classmethod
    def off(cls) -> RateLimits:
        return cls(enabled=False)


class _TokenBucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait_time(self) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        if self.tokens >= 1:
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (1 - self.tokens) / self.rate


@dataclass
class _Chat:
    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    username: str | None = None
    user: SimUser | None = None
    migrated_to: int | None = None
    next_message_id: int = 1
    messages: dict[int, BotMessage] = field(default_factory=dict)
    events: list[BotMessage] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            chat.update(
                {
                    k: v
                    for k, v in self.user.to_api().items()
                    if k in {"first_name", "last_name", "username"}
                }
            )
        else:
            chat["title"] = self.title or str(self.id)
            if self.username:
                chat["username"] = self.username
        return chat

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class _Fault:
    method: str  # lower-case method name or "*"
    status: int
    remaining: int
    description: str
    parameters: dict[str, Any] | None = None


@dataclass(frozen=True)
class FaultRates:
    """The share of calls Telegram's front end loses, drawn from a seeded generator so a run
    that fails can be replayed: ``bad_gateway`` is answered 502 with nginx's HTML page (not
    JSON), ``connection_reset`` has its connection reset before Telegram saw the request."""

    bad_gateway: float = 0.0
    connection_reset: float = 0.0
    methods: frozenset[str] = frozenset({"sendMessage"})
    seed: int = 0


BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass
class _PendingCallback:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class _Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class ApiRequest:
    """One Bot API call as the fake saw it (decoded params; files as ``FilePart``)."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    timestamp: float


# -- the server ------------------------------------------------------------------------------


class FakeTelegram:
    """Loopback Bot API server plus the state tests assert on.

    Everything runs on the caller's event loop; start with ``async with`` or
    ``start()``/``stop()``.
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
        self.spec: ApiSpec = load_spec(spec_path)
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

    def _init_state(self) -> None:
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._blocked: set[int] = set()
        self._next_user_id = 100_000_001
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._webhook: _Webhook | None = None
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._reset_runtime()

    def _reset_runtime(self) -> None:
        """State that ``reset()`` clears: traffic, files, counters, queues, faults."""
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._files: dict[str, UploadedFile] = {}
        self._files_by_path: dict[str, UploadedFile] = {}
        self._file_counter = 0
        self._callbacks: dict[str, _PendingCallback] = {}
        self._callback_counter = 0
        self.answered_callbacks: list[AnsweredCallback] = []
        self.sent_messages: list[BotMessage] = []
        self.chat_actions: list[tuple[int, str, float]] = []
        self.requests: list[ApiRequest] = []
        self.internal_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self._delivered: Counter[int] = Counter()
        self._method_counts: Counter[str] = Counter()
        self._error_counts: Counter[int] = Counter()
        self._faults: list[_Fault] = []
        self._fault_rates = FaultRates()
        self._fault_draws = random.Random(0)
        self.injected_faults: Counter[str] = Counter()
        self._forced_retry_after: list[list[int]] = []
        self._global_bucket: _TokenBucket | None = None
        self._chat_buckets: dict[int, _TokenBucket] = {}
        # When each 429's retry_after ends: bot-wide when the bot's budget (or a forced 429)
        # refused the call, else for the one chat whose bucket did.
        self._bot_quiet_until = -math.inf
        self._chat_quiet_until: dict[int, float] = {}
        self.ignored_retry_after: list[tuple[int, float]] = []
        """(chat id, seconds early) of every send made before a 429's retry_after had passed."""
        for chat in self._chats.values():
            chat.messages.clear()
            chat.events.clear()
            chat.next_message_id = 1

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        if self._runner is not None:
            return self
        self._closing = False
        app = web.Application(client_max_size=MAX_DOCUMENT_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_get("/_fake/stats", self._ctl_stats)
        app.router.add_get("/_fake/messages", self._ctl_messages)
        app.router.add_post("/_fake/reset", self._ctl_reset)
        app.router.add_post("/_fake/limits", self._ctl_limits)
        app.router.add_post("/_fake/users", self._ctl_users)
        app.router.add_post("/_fake/send", self._ctl_send)
        app.router.add_post("/_fake/press", self._ctl_press)
        app.router.add_post("/_fake/block", self._ctl_block)
        app.router.add_post("/_fake/unblock", self._ctl_unblock)
        app.router.add_post("/_fake/fail", self._ctl_fail)
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

    @property
    def bot_id(self) -> int:
        return self._configured_bot_id or self._learned_bot_id or 7_000_000_001

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

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

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends get 403 and a my_chat_member update is queued."""
        user = self.user(user_id)
        if user_id in self._blocked:
            return
        self._blocked.add(user_id)
        self._queue_my_chat_member(user, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        user = self.user(user_id)
        if user_id not in self._blocked:
            return
        self._blocked.discard(user_id)
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

    def fail_next(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        description: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" = any) fail with ``status``."""
        default = {
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }
        text = description or default.get(status) or HTTPStatus(status).phrase
        self._faults.append(
            _Fault(method.lower(), status, count, text, dict(parameters) if parameters else None)
        )

    def inject_faults(self, rates: FaultRates) -> None:
        """From now on, fail a seeded share of ``rates.methods`` calls as Telegram's front end
        does; ``injected_faults`` counts what was injected."""
        self._fault_rates = rates
        self._fault_draws = random.Random(rates.seed)

    def force_retry_after(self, seconds: int, count: int = 1) -> None:
        """The next ``count`` send* calls answer 429 with ``retry_after=seconds``."""
        self._forced_retry_after.append([int(seconds), count])

    def delay_responses(self, seconds: float, method: str | None = None) -> None:
        """Delay answers (all methods, or one); ``0`` removes the delay."""
        key = method.lower() if method else "*"
        if seconds > 0:
            self._delays[key] = seconds
        else:
            self._delays.pop(key, None)

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

    @property
    def webhook_url(self) -> str:
        return self._webhook.url if self._webhook else ""

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

    # -- internals: updates, notifications ------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_changed(self, seconds: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    def _queue_update(self, update_type: str, payload: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, update_type: payload})
        self._notify()
        return update_id

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

    def _update_allowed(self, update: dict[str, Any]) -> bool:
        kinds = [k for k in update if k != "update_id"]
        kind = kinds[0] if kinds else ""
        if self._allowed_updates is None:
            return kind not in NOT_DEFAULT_UPDATES
        return kind in self._allowed_updates

    def _deliverable(self) -> list[dict[str, Any]]:
        """Pending updates after dropping those allowed_updates excludes (as Telegram does)."""
        self._updates = [u for u in self._updates if self._update_allowed(u)]
        return self._updates

    def _confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    # -- internals: chats, limits, text --------------------------------------------------------

    def _target_chat(self, chat_ref: int | str, *, for_send: bool = True) -> _Chat:
        chat: _Chat | None = None
        if isinstance(chat_ref, str):
            if re.fullmatch(r"-?[0-9]+", chat_ref):
                chat_ref = int(chat_ref)
            else:
                name = chat_ref.removeprefix("@").lower()
                for candidate in self._chats.values():
                    if candidate.type != "private" and (candidate.username or "").lower() == name:
                        chat = candidate
                if chat is None:
                    raise bad_request("chat not found")
        if chat is None:
            assert isinstance(chat_ref, int)
            chat = self._chats.get(chat_ref)
        if chat is None:
            assert isinstance(chat_ref, int)
            if self.auto_create_chats and chat_ref != 0:
                if chat_ref > 0:
                    self.user(chat_ref, first_name=f"User{chat_ref}")
                else:
                    self.group(chat_ref, f"Group {chat_ref}")
                chat = self._chats[chat_ref]
            elif chat_ref > 0 and for_send:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            else:
                raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if chat.type == "private" and chat.id in self._blocked and for_send:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _take_send_slot(self, chat: _Chat) -> None:
        """Apply forced 429s and flood limits; consumes tokens only if the send proceeds."""
        now = self._clock()
        self._note_early_send(chat.id, now)
        if self._forced_retry_after:
            entry = self._forced_retry_after[0]
            entry[1] -= 1
            if entry[1] <= 0:
                self._forced_retry_after.pop(0)
            self._bot_quiet_until = max(self._bot_quiet_until, now + entry[0])
            raise _too_many_requests(entry[0])
        limits = self.rate_limits
        if not limits.enabled:
            return
        if self._global_bucket is None:
            self._global_bucket = _TokenBucket(limits.global_rate, limits.global_burst, now)
        bucket = self._chat_buckets.get(chat.id)
        if bucket is None:
            is_group = chat.type != "private"
            rate = (
                limits.group_rate
                if is_group and limits.group_rate is not None
                else limits.chat_rate
            )
            burst = (
                limits.group_burst
                if is_group and limits.group_burst is not None
                else limits.chat_burst
            )
            bucket = self._chat_buckets[chat.id] = _TokenBucket(rate, burst, now)
        buckets = (self._global_bucket, bucket)
        for b in buckets:
            b.refill(now)
        wait = max(b.wait_time() for b in buckets)
        if wait > 0:
            retry_after = max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
            if self._global_bucket.wait_time() >= bucket.wait_time():
                self._bot_quiet_until = max(self._bot_quiet_until, now + retry_after)
            else:
                self._chat_quiet_until[chat.id] = now + retry_after
            raise _too_many_requests(retry_after)
        for b in buckets:
            b.tokens -= 1

    def _note_early_send(self, chat_id: int, now: float) -> None:
        """A send before a 429's retry_after has passed is what gets a bot banned for longer."""
        quiet_until = max(self._bot_quiet_until, self._chat_quiet_until.get(chat_id, -math.inf))
        if now < quiet_until:
            self.ignored_retry_after.append((chat_id, quiet_until - now))

    def _parse_text(
        self,
        source: str | None,
        parse_mode: str | None,
        entities: list[dict[str, Any]] | None,
        *,
        caption: bool,
    ) -> ParsedText:
        """Apply parse_mode/entities, trim, and enforce Telegram's length limits."""
        source = source or ""
        mode = (parse_mode or "").strip()
        if entities is not None:
            total = utf16_len(source)
            for entity in entities:
                if entity["offset"] < 0 or entity["offset"] + entity["length"] > total:
                    raise bad_request("can't parse entities: entity is out of the text bounds")
            parsed = ParsedText(source, list(entities))
        elif not mode:
            parsed = ParsedText(source, [])
        elif mode.lower() == "html":
            try:
                parsed = parse_html(source)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode.lower() in {"markdown", "markdownv2"}:
            raise ApiError(400, f"fake: parse_mode {mode} not implemented")
        else:
            raise bad_request("unsupported parse_mode")
        parsed = trim_text(parsed)
        length = utf16_len(parsed.text)
        if caption:
            if length > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
        elif length == 0:
            raise bad_request("message text is empty")
        elif length > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return parsed

    def _check_reply_markup(self, markup: dict[str, Any] | None) -> None:
        if markup is None:
            return
        if "inline_keyboard" in markup:
            self._check_inline_keyboard(markup["inline_keyboard"])
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not any(rows):
                raise bad_request("keyboard must be non-empty")
            for row in rows:
                for button in row:
                    text = button if isinstance(button, str) else button.get("text")
                    if not text:
                        raise bad_request("keyboard button text must be non-empty")

    def _check_inline_keyboard(self, rows: list[list[dict[str, Any]]]) -> None:
        button_fields = [f["name"] for f in self.spec.type_fields("InlineKeyboardButton")]
        action_fields = [f for f in button_fields if f not in _BUTTON_NON_ACTION_FIELDS]
        for r, row in enumerate(rows):
            for c, button in enumerate(row):
                where = f"inline keyboard button [{r}][{c}]"
                if not button.get("text"):
                    raise bad_request(f"{where}: text must be non-empty")
                actions = [f for f in action_fields if button.get(f) is not None]
                if not actions:
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                if len(actions) > 1:
                    raise bad_request(
                        f"{where} must have exactly one of callback_data/url/...; got "
                        + ", ".join(actions)
                    )
                data = button.get("callback_data")
                if (
                    data is not None
                    and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not _valid_button_url(url):
                    raise bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )

    def _check_reply_to(self, chat: _Chat, params: dict[str, Any]) -> int | None:
        reply = params.get("reply_parameters")
        message_id: int | None = None
        allow_without = bool(params.get("allow_sending_without_reply"))
        if reply:
            if reply.get("chat_id") not in (None, chat.id):
                return None
            message_id = int(reply["message_id"])
            allow_without = allow_without or bool(reply.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = int(params["reply_to_message_id"])
        if message_id is None:
            return None
        target = chat.messages.get(message_id)
        if target is None or target.deleted:
            if allow_without:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _message_to_api(self, msg: BotMessage, *, nested: bool = False) -> dict[str, Any]:
        chat = self._chats[msg.chat_id]
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": chat.to_api(),
        }
        if msg.from_bot:
            data["from"] = self.bot_user
        elif msg.sender is not None:
            data["from"] = msg.sender
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.text is not None:
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        if msg.caption:
            data["caption"] = msg.caption
            if msg.entities:
                data["caption_entities"] = msg.entities
        if msg.file is not None:
            if msg.file.kind == "photo":
                data["photo"] = [_photo_size(msg.file)]
            else:
                data["document"] = _document_dict(msg.file)
        inline = _inline_markup(msg.reply_markup)
        if inline is not None:
            data["reply_markup"] = inline
        if msg.reply_to_message_id is not None and not nested:
            target = chat.messages.get(msg.reply_to_message_id)
            if target is not None:
                data["reply_to_message"] = self._message_to_api(target, nested=True)
        data.update(msg.extra)
        return data

    def _store_sent(self, chat: _Chat, msg: BotMessage) -> dict[str, Any]:
        chat.messages[msg.message_id] = msg
        snapshot = msg.snapshot("sent", msg.timestamp)
        chat.events.append(snapshot)
        self.sent_messages.append(snapshot)
        self._delivered[chat.id] += 1
        self._notify()
        return self._message_to_api(msg)

    def _editable(self, params: dict[str, Any]) -> tuple[_Chat, BotMessage]:
        if params.get("inline_message_id"):
            raise ApiError(400, "fake: editing inline messages is not implemented")
        if params.get("chat_id") is None or params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self._target_chat(params["chat_id"])
        msg = chat.messages.get(int(params["message_id"]))
        if msg is None or msg.deleted:
            raise bad_request("message to edit not found")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        return chat, msg

    def _apply_edit(
        self,
        chat: _Chat,
        msg: BotMessage,
        *,
        markup: dict[str, Any] | None,
        parsed: ParsedText | None = None,
        source: str | None = None,
        parse_mode: str | None = None,
    ) -> dict[str, Any]:
        """Edit a stored message, keeping its history; identical content is a 400 like Telegram."""
        markup = _inline_markup(markup)
        same_markup = markup == _inline_markup(msg.reply_markup)
        if parsed is None:
            same_content = True
        elif msg.kind == "text":
            same_content = (parsed.text, parsed.entities) == (msg.text, msg.entities)
        else:
            same_content = (parsed.text, parsed.entities) == (msg.caption or "", msg.entities)
        if same_markup and same_content:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        now = time.time()
        msg.history.append(msg.snapshot("edited" if msg.edit_date else "sent", now))
        msg.reply_markup = markup
        if parsed is not None:
            if msg.kind == "text":
                msg.text = parsed.text
            else:
                msg.caption = parsed.text
            msg.entities = parsed.entities
            msg.html = source
            msg.parse_mode = parse_mode
        msg.edit_date = int(now)
        chat.events.append(msg.snapshot("edited", now))
        self._notify()
        return self._message_to_api(msg)

    def _resolve_upload(self, value: FilePart | str, kind: str) -> FilePart | UploadedFile:
        if isinstance(value, FilePart):
            if not value.data:
                raise bad_request("file must be non-empty")
            limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES
            if len(value.data) > limit:
                raise bad_request("file is too big")
            if kind == "photo" and _image_size(value.data) is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            return value
        existing = self._files.get(value)
        if existing is not None:
            return existing
        if value.startswith(("http://", "https://")):
            raise ApiError(400, "fake: sending files by URL is not implemented")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _store_file(
        self, source: FilePart | UploadedFile, kind: str, chat_id: int, message_id: int
    ) -> UploadedFile:
        if isinstance(source, UploadedFile):
            return source
        self._file_counter += 1
        n = self._file_counter
        filename = source.filename
        mime = source.content_type
        if filename and (not mime or mime == "application/octet-stream"):
            mime = mimetypes.guess_type(filename)[0] or mime
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        folder = "photos" if kind == "photo" else "documents"
        width, height = (0, 0)
        if kind == "photo":
            width, height = _image_size(source.data) or (1, 1)
        stored = UploadedFile(
            file_id=f"{'AgAC' if kind == 'photo' else 'BQAC'}fake{n:08d}",
            file_unique_id=f"AQADfake{n:08d}",
            kind=kind,
            filename=filename if kind == "document" else None,
            mime_type=mime if kind == "document" else "image/jpeg",
            data=source.data,
            file_path=f"{folder}/file_{n}{suffix}",
            chat_id=chat_id,
            message_id=message_id,
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _scope_key(self, scope: Mapping[str, Any] | None, *, strict: bool = True) -> str:
        if not scope:
            return "default"
        kind = str(scope.get("type", "default"))
        parts = [kind]
        if "chat_id" in scope:
            chat_ref = scope["chat_id"]
            if strict:
                chat = self._target_chat(chat_ref, for_send=False)
                parts.append(str(chat.id))
            else:
                parts.append(str(chat_ref))
        if "user_id" in scope:
            parts.append(str(int(scope["user_id"])))
        return ":".join(parts)

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

    def _record(self, method: str, params: dict[str, Any], status: int, desc: str | None) -> None:
        self._method_counts[method] += 1
        if status != 200:
            self._error_counts[status] += 1
        if self.record_requests:
            self.requests.append(ApiRequest(method, params, status, desc, time.time()))
        self._notify()

    def _check_faults(self, method: str) -> None:
        lowered = method.lower()
        for fault in self._faults:
            if fault.method in (lowered, "*") and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                raise ApiError(fault.status, fault.description, fault.parameters)

    def _draw_fault(self, method: str) -> Callable[[web.Request, str], web.Response] | None:
        rates = self._fault_rates
        if method not in rates.methods:
            return None
        draw = self._fault_draws.random()
        if draw < rates.connection_reset:
            return self._reset_connection
        if draw < rates.connection_reset + rates.bad_gateway:
            return self._bad_gateway
        return None

    def _bad_gateway(self, request: web.Request, method: str) -> web.Response:
        self.injected_faults["bad_gateway"] += 1
        self._record(method, {}, 502, "Bad Gateway (nginx HTML page)")
        return web.Response(status=502, text=BAD_GATEWAY_PAGE, content_type="text/html")

    def _reset_connection(self, request: web.Request, method: str) -> web.Response:
        """Close with RST (SO_LINGER 0), as a proxy restarting does; nothing is answered."""
        self.injected_faults["connection_reset"] += 1
        self._record(method, {}, 0, "connection reset")
        transport = request.transport
        assert transport is not None
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        raise web.HTTPInternalServerError  # never written: the connection is gone

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

    # -- Bot API methods ------------------------------------------------------------------------

    async def _m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_logOut(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_close(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(p.get("offset", 0))
        limit = min(max(int(p.get("limit", 100)), 1), 100)
        timeout = max(0, int(p.get("timeout", 0)))
        if "allowed_updates" in p:
            self._allowed_updates = set(p["allowed_updates"]) or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll must see it was superseded
        self._confirm_updates(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._deliverable()[:limit]
            if batch or self._closing:
                return [dict(u) for u in batch]
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._wait_changed(remaining)

    async def _m_setWebhook(self, p: dict[str, Any]) -> bool:
        url = p["url"]
        if not url:
            await self._m_deleteWebhook({"drop_pending_updates": p.get("drop_pending_updates")})
            return True
        parts = urlsplit(url)
        loopback = _is_loopback(parts.hostname)
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not loopback and (parts.port or 443) not in {80, 88, 443, 8443}:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = int(p.get("max_connections", 40))
        if not 1 <= max_connections <= 100:
            raise bad_request("bad max_connections")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if "allowed_updates" in p:
            self._allowed_updates = set(p["allowed_updates"]) or None
        self._webhook = _Webhook(url, secret, max_connections, p.get("ip_address"))
        self._notify()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._webhook_loop())
        return True

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> bool:
        self._webhook = None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return True

    async def _m_getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._deliverable()),
        }
        hook = self._webhook
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    async def _m_setMyCommands(self, p: dict[str, Any]) -> bool:
        commands = p["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND_RE.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language = p.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        key = (self._scope_key(p.get("scope")), language)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    async def _m_getMyCommands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        key = (self._scope_key(p.get("scope")), p.get("language_code") or "")
        return [dict(c) for c in self._commands.get(key, [])]

    async def _m_deleteMyCommands(self, p: dict[str, Any]) -> bool:
        key = (self._scope_key(p.get("scope")), p.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    async def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat(p["chat_id"])
        parsed = self._parse_text(
            p.get("text"), p.get("parse_mode"), p.get("entities"), caption=False
        )
        markup = p.get("reply_markup")
        self._check_reply_markup(markup)
        reply_to = self._check_reply_to(chat, p)
        self._take_send_slot(chat)
        msg = BotMessage(
            chat_id=chat.id,
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            kind="text",
            text=parsed.text,
            html=p.get("text"),
            parse_mode=p.get("parse_mode"),
            entities=parsed.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            timestamp=time.time(),
        )
        return self._store_sent(chat, msg)

    async def _send_file(self, p: dict[str, Any], field_name: str, kind: str) -> dict[str, Any]:
        chat = self._target_chat(p["chat_id"])
        source = self._resolve_upload(p[field_name], kind)
        caption = p.get("caption")
        parsed = self._parse_text(
            caption, p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        markup = p.get("reply_markup")
        self._check_reply_markup(markup)
        reply_to = self._check_reply_to(chat, p)
        self._take_send_slot(chat)
        message_id = chat.allocate_message_id()
        stored = self._store_file(source, kind, chat.id, message_id)
        msg = BotMessage(
            chat_id=chat.id,
            message_id=message_id,
            date=int(time.time()),
            kind=kind,
            caption=parsed.text,
            html=caption,
            parse_mode=p.get("parse_mode"),
            entities=parsed.entities,
            reply_markup=markup,
            file=stored,
            reply_to_message_id=reply_to,
            timestamp=time.time(),
        )
        return self._store_sent(chat, msg)

    async def _m_sendDocument(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(p, "document", "document")

    async def _m_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:
        return await self._send_file(p, "photo", "photo")

    async def _m_sendChatAction(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p["chat_id"])
        if p["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat.id, p["action"], time.time()))
        return True

    async def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, msg = self._editable(p)
        if msg.kind != "text":
            raise bad_request("there is no text in the message to edit")
        parsed = self._parse_text(
            p.get("text"), p.get("parse_mode"), p.get("entities"), caption=False
        )
        self._check_reply_markup(p.get("reply_markup"))
        # Like Telegram: omitting reply_markup removes the inline keyboard.
        return self._apply_edit(
            chat,
            msg,
            markup=p.get("reply_markup"),
            parsed=parsed,
            source=p.get("text"),
            parse_mode=p.get("parse_mode"),
        )

    async def _m_editMessageCaption(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, msg = self._editable(p)
        if msg.kind not in {"document", "photo"}:
            raise bad_request("there is no caption in the message to edit")
        parsed = self._parse_text(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        self._check_reply_markup(p.get("reply_markup"))
        return self._apply_edit(
            chat,
            msg,
            markup=p.get("reply_markup"),
            parsed=parsed,
            source=p.get("caption"),
            parse_mode=p.get("parse_mode"),
        )

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, msg = self._editable(p)
        self._check_reply_markup(p.get("reply_markup"))
        return self._apply_edit(chat, msg, markup=p.get("reply_markup"))

    async def _m_deleteMessage(self, p: dict[str, Any]) -> bool:
        chat = self._target_chat(p["chat_id"], for_send=False)
        msg = chat.messages.get(int(p["message_id"]))
        if msg is None or msg.deleted:
            raise bad_request("message to delete not found")
        msg.deleted = True
        if msg.from_bot:
            chat.events.append(msg.snapshot("deleted", time.time()))
        self._notify()
        return True

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        query = self._callbacks.get(p["callback_query_id"])
        if query is None or query.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        self.answered_callbacks.append(
            AnsweredCallback(
                callback_query_id=query.id,
                user_id=query.user_id,
                chat_id=query.chat_id,
                message_id=query.message_id,
                data=query.data,
                text=text,
                show_alert=bool(p.get("show_alert", False)),
                url=p.get("url"),
                cache_time=p.get("cache_time"),
                timestamp=time.time(),
            )
        )
        return True

    async def _m_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(p["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    # -- webhook delivery -----------------------------------------------------------------------

    async def _webhook_loop(self) -> None:
        """Deliver queued updates to the webhook one at a time, retrying failures."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self._closing and self._webhook is not None:
                pending = self._deliverable()
                if not pending:
                    await self._wait_changed(1.0)
                    continue
                hook = self._webhook
                update = pending[0]
                headers = {}
                if hook.secret_token:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
                error: str | None = None
                try:
                    async with session.post(hook.url, json=update, headers=headers) as resp:
                        if not 200 <= resp.status < 300:
                            error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    error = f"Connection failed: {exc.__class__.__name__}"
                if error is None:
                    if update in self._updates:
                        self._updates.remove(update)
                    self._notify()
                else:
                    hook.last_error_date = int(time.time())
                    hook.last_error_message = error
                    await asyncio.sleep(self.webhook_retry_delay)

    async def _stop_webhook_task(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- control API (for out-of-process benchmarks) -----------------------------------------------

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

    async def _ctl_stats(self, request: web.Request) -> web.Response:
        return _json(self.stats(), 200)

    async def _ctl_messages(self, request: web.Request) -> web.Response:
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
            for m in self.messages(chat_id)
        ]
        return _json({"messages": items}, 200)

    async def _ctl_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return _json({"ok": True}, 200)

    async def _ctl_limits(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        allowed = {f for f in RateLimits.__dataclass_fields__}
        unknown = set(body) - allowed
        if unknown:
            return _json({"ok": False, "description": f"unknown fields {sorted(unknown)}"}, 400)
        limits = self.set_rate_limits(**body)
        return _json({"ok": True, "rate_limits": asdict(limits)}, 200)

    async def _ctl_users(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.user(body.get("user_id"), body.get("first_name", "Test"), body.get("username"))
        return _json({"ok": True, "user": user.to_api()}, 200)

    async def _ctl_send(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.user(int(body["user_id"]))
        chat_id = body.get("chat_id")
        chat = self.group(int(chat_id)) if chat_id is not None and int(chat_id) < 0 else None
        msg = await user.send(str(body["text"]), chat=chat)
        return _json({"ok": True, "message_id": msg.message_id}, 200)

    async def _ctl_press(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        user = self.user(int(body["user_id"]))
        try:
            query_id = await user.press(str(body["button"]), body.get("message_id"))
        except AssertionError as exc:
            return _json({"ok": False, "description": str(exc)}, 400)
        return _json({"ok": True, "callback_query_id": query_id}, 200)

    async def _ctl_block(self, request: web.Request) -> web.Response:
        self.block(int((await _json_body(request))["user_id"]))
        return _json({"ok": True}, 200)

    async def _ctl_unblock(self, request: web.Request) -> web.Response:
        self.unblock(int((await _json_body(request))["user_id"]))
        return _json({"ok": True}, 200)

    async def _ctl_fail(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if "retry_after" in body:
            self.force_retry_after(int(body["retry_after"]), int(body.get("count", 1)))
        else:
            self.fail_next(
                str(body.get("method", "*")),
                int(body.get("status", 500)),
                int(body.get("count", 1)),
                body.get("description"),
            )
        return _json({"ok": True}, 200)


# -- helpers -----------------------------------------------------------------------------------


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


def _too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _valid_button_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"}:
        return bool(parts.hostname) and " " not in url
    return parts.scheme == "tg" and bool(parts.netloc or parts.path)


_JPEG_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD})


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width/height of PNG/GIF/JPEG/WebP bytes; None if not a recognisable image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 1, 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in _JPEG_SOF_MARKERS:
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
        return 1, 1
    return None


def _inline_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a reply_markup a Message carries: a non-empty inline keyboard, or None."""
    if markup and markup.get("inline_keyboard"):
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def _document_dict(stored: UploadedFile) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.filename:
        doc["file_name"] = stored.filename
    if stored.mime_type:
        doc["mime_type"] = stored.mime_type
    return doc


def _photo_size(stored: UploadedFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": stored.width or 1,
        "height": stored.height or 1,
        "file_size": stored.size,
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
