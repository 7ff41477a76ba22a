"""What the fake Telegram remembers: chats, users, queued updates, files, counters; the small
records they are made of; and the few operations every part of the fake shares (noticing a
change, queuing an update, rendering a stored message as the Bot API's ``Message``).

The Bot API methods (``telegram_messages``, ``telegram_setup``), the request checks
(``telegram_checks``) and the fault injection (``telegram_faults``) are mixins over this
state; ``telegram_api.FakeTelegram`` assembles them with the HTTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram_schema import ApiSpec
from tests.fakes.telegram_users import AnsweredCallback, BotMessage, SimGroup, SimUser, UploadedFile


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


class TelegramState:
    """The state and shared operations of the fake; ``FakeTelegram.__init__`` sets the
    configuration attributes declared here."""

    host: str
    port: int
    token: str | None
    bot_username: str
    bot_first_name: str
    auto_create_chats: bool
    validate_results: bool
    record_requests: bool
    webhook_retry_delay: float
    spec: ApiSpec
    rate_limits: RateLimits
    _clock: Callable[[], float]
    _configured_bot_id: int | None
    _learned_bot_id: int | None
    _delays: dict[str, float]
    _closing: bool
    _changed: asyncio.Event
    _webhook_task: asyncio.Task[None] | None
    # Creating a person or a group needs the whole fake (a SimUser talks to it), so the class
    # that assembles the mixins provides these; the request checks create chats on demand.
    user: Callable[..., SimUser]
    group: Callable[..., SimGroup]

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

    def _record(self, method: str, params: dict[str, Any], status: int, desc: str | None) -> None:
        self._method_counts[method] += 1
        if status != 200:
            self._error_counts[status] += 1
        if self.record_requests:
            self.requests.append(ApiRequest(method, params, status, desc, time.time()))
        self._notify()


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
