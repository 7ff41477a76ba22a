"""Records the fake keeps (messages, files, callback answers) and simulated users/groups.

Tests talk to the bot the way a person would: send text, press a visible button, wait for
the reply.  These helpers keep a per-chat cursor so a test reads the conversation in order
without racing the bot, and fail with the chat's recent history so a wrong expectation is
easy to diagnose.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar

__all__ = [
    "REPLY_TIMEOUT",
    "AnsweredCallback",
    "BotMessage",
    "Button",
    "ChatView",
    "SimGroup",
    "SimUser",
    "UploadedFile",
]

T = TypeVar("T")


class ChatServer(Protocol):
    """What a simulated person needs from the fake Bot API (FakeTelegram is one): typing into a
    chat, tapping a button, blocking the bot, and watching what the bot sent."""

    def block(self, user_id: int, *, announce: bool = True) -> None: ...
    def unblock(self, user_id: int, *, announce: bool = True) -> None: ...
    def is_blocked(self, user_id: int) -> bool: ...
    def chat_events(self, chat_id: int) -> list[BotMessage]: ...
    def get_message(self, chat_id: int, message_id: int) -> BotMessage | None: ...
    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[BotMessage]: ...
    def queue_callback_query(self, user: SimUser, message: BotMessage, data: str) -> str: ...
    def queue_user_message(
        self, user: SimUser, chat_id: int, text: str, *, reply_to: int | None = None
    ) -> BotMessage: ...
    async def wait_for(
        self, condition: Callable[[], T | None], timeout: float = ...  # noqa: ASYNC109
    ) -> T: ...


# How long a person waits for the bot's answer before the test fails: generous, since the suite
# runs in parallel on a shared machine, and a passing wait returns as soon as the answer comes.
REPLY_TIMEOUT = 10.0


@dataclass
class UploadedFile:
    """A file the bot uploaded (or a user sent); ``data`` holds the exact bytes."""

    file_id: str
    file_unique_id: str
    kind: str  # "document" | "photo"
    filename: str | None
    mime_type: str | None
    data: bytes
    file_path: str
    chat_id: int = 0
    message_id: int = 0
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    def text(self, encoding: str = "utf-8") -> str:
        """Decode the bytes (CSV/ICS exports); a BOM is dropped so tests compare plain text."""
        return self.data.decode(encoding).removeprefix("\ufeff")


class Button(NamedTuple):
    """One inline button; ``action`` is callback_data or url, whichever the button has."""

    text: str
    callback_data: str | None
    url: str | None

    @property
    def action(self) -> str | None:
        return self.callback_data if self.callback_data is not None else self.url


@dataclass
class BotMessage:
    """A message in a chat.  Live objects in the store mutate on edit; snapshots do not.

    ``html`` is the text/caption exactly as the bot submitted it (HTML source when
    ``parse_mode`` was HTML), ``text``/``caption`` are what the user sees.
    """

    chat_id: int
    message_id: int
    date: int
    kind: str = "text"  # "text" | "document" | "photo" | "service"
    text: str | None = None
    caption: str | None = None
    html: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    file: UploadedFile | None = None
    from_bot: bool = True
    sender: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    event: str = "sent"  # on snapshots: "sent" | "edited" | "deleted"
    timestamp: float = 0.0
    history: list[BotMessage] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def content(self) -> str:
        """Visible text of the message: its text, else its caption, else ""."""
        if self.text is not None:
            return self.text
        return self.caption or ""

    @property
    def keyboard(self) -> list[list[Button]]:
        """Inline keyboard rows (empty if the message has none)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or []
        return [
            [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row]
            for row in rows
        ]

    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of ``(label, callback_data or url)`` for compact assertions."""
        return [[(b.text, b.action) for b in row] for row in self.keyboard]

    @property
    def button_labels(self) -> list[str]:
        return [b.text for row in self.keyboard for b in row]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Labels of a ReplyKeyboardMarkup sent with this message, if any."""
        markup = self.reply_markup or {}
        if "keyboard" not in markup:
            return None
        return [
            [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
            for row in markup["keyboard"]
        ]

    def snapshot(self, event: str, timestamp: float) -> BotMessage:
        """Frozen copy for histories and event logs (never mutated afterwards)."""
        clone = copy.copy(self)
        clone.entities = copy.deepcopy(self.entities)
        clone.reply_markup = copy.deepcopy(self.reply_markup)
        clone.extra = dict(self.extra)
        clone.history = []
        clone.event = event
        clone.timestamp = timestamp
        return clone

    def describe(self) -> str:
        labels = f" buttons={self.buttons()}" if self.keyboard else ""
        state = " (deleted)" if self.deleted else ""
        return f"#{self.message_id} [{self.event}] {self.content[:200]!r}{labels}{state}"


@dataclass(frozen=True)
class AnsweredCallback:
    """An answerCallbackQuery call, matched to the press that caused it."""

    callback_query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    timestamp: float


class ChatView:
    """Read side of one chat: bot messages, uploaded files and an event cursor."""

    def __init__(self, tg: ChatServer, chat_id: int) -> None:
        self.tg = tg
        self.chat_id = chat_id
        self._cursor = 0

    @property
    def messages(self) -> list[BotMessage]:
        """Bot messages in this chat, current state, deleted ones excluded."""
        return self.tg.messages(self.chat_id)

    @property
    def last_message(self) -> BotMessage | None:
        msgs = self.messages
        return msgs[-1] if msgs else None

    @property
    def documents(self) -> list[UploadedFile]:
        """Files the bot uploaded to this chat (documents and photos), in order."""
        return [m.file for m in self.tg.messages(self.chat_id, include_deleted=True) if m.file]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown (None if none or removed)."""
        for msg in reversed(self.tg.messages(self.chat_id, include_deleted=True)):
            markup = msg.reply_markup or {}
            if "keyboard" in markup:
                return msg.reply_keyboard
            if markup.get("remove_keyboard"):
                return None
        return None

    def keyboard(
        self, message: BotMessage | int | None = None
    ) -> list[list[tuple[str, str | None]]]:
        """Rows of ``(label, callback_data or url)`` of a message (default: latest with one)."""
        msg = self._keyboard_message(message)
        return msg.buttons() if msg else []

    def mark_read(self) -> None:
        """Skip everything the bot did so far; the next wait returns only newer activity."""
        self._cursor = len(self.tg.chat_events(self.chat_id))

    async def wait_for_message(
        self,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = REPLY_TIMEOUT,  # noqa: ASYNC109 - a deadline for re-checks, not for one await
    ) -> BotMessage:
        """Next bot message sent or edited here since the previous wait (a snapshot).

        Events that don't satisfy ``predicate`` are consumed, so a test reads forward only.
        """

        def find() -> BotMessage | None:
            events = self.tg.chat_events(self.chat_id)
            while self._cursor < len(events):
                event = events[self._cursor]
                self._cursor += 1
                if event.event in {"sent", "edited"} and (predicate is None or predicate(event)):
                    return event
            return None

        try:
            return await self.tg.wait_for(find, timeout=timeout)
        except TimeoutError:
            raise AssertionError(
                f"no matching bot message in chat {self.chat_id} within {timeout}s; "
                f"recent activity:\n{self._history_text()}"
            ) from None

    async def wait_for_text(
        self,
        substring: str,
        timeout: float = REPLY_TIMEOUT,  # noqa: ASYNC109 - see wait_for_message
    ) -> BotMessage:
        """Next bot message whose visible text (or caption) contains ``substring``."""
        try:
            return await self.wait_for_message(lambda m: substring in m.content, timeout)
        except AssertionError as exc:
            raise AssertionError(f"waiting for text {substring!r}: {exc}") from None

    async def wait_for_document(
        self,
        filename_suffix: str | None = None,
        timeout: float = REPLY_TIMEOUT,  # noqa: ASYNC109 - see wait_for_message
    ) -> UploadedFile:
        """Next file (document or photo) the bot sends here, optionally by filename suffix."""

        def wanted(msg: BotMessage) -> bool:
            if msg.event != "sent" or msg.file is None:
                return False
            return filename_suffix is None or (msg.file.filename or "").endswith(filename_suffix)

        found = await self.wait_for_message(wanted, timeout)
        assert found.file is not None
        return found.file

    def _keyboard_message(self, message: BotMessage | int | None) -> BotMessage | None:
        if message is not None:
            message_id = message if isinstance(message, int) else message.message_id
            current = self.tg.get_message(self.chat_id, message_id)
            if current is None or current.deleted:
                raise AssertionError(f"message {message_id} not found in chat {self.chat_id}")
            return current
        for msg in reversed(self.messages):
            if msg.keyboard:
                return msg
        return None

    def _history_text(self, limit: int = 10) -> str:
        events = self.tg.chat_events(self.chat_id)[-limit:]
        if not events:
            return "  (the bot has not sent anything to this chat)"
        return "\n".join(f"  {e.describe()}" for e in events)


class SimGroup(ChatView):
    """A group/supergroup the simulated users can post in."""

    def __init__(self, tg: ChatServer, chat_id: int, title: str, chat_type: str) -> None:
        super().__init__(tg, chat_id)
        self.title = title
        self.type = chat_type


class SimUser(ChatView):
    """A person talking to the bot in their private chat (chat id == user id)."""

    def __init__(
        self,
        tg: ChatServer,
        user_id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> None:
        super().__init__(tg, user_id)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.actions = 0
        """Messages sent and buttons pressed: how much a flow asks of the person."""

    def to_api(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def blocked(self) -> bool:
        return self.tg.is_blocked(self.id)

    async def send(
        self, text: str, chat: SimGroup | None = None, *, reply_to: int | None = None
    ) -> BotMessage:
        """Queue a text message update from this user (to the private chat or ``chat``)."""
        chat_id = chat.chat_id if chat is not None else self.id
        self.actions += 1
        return self.tg.queue_user_message(self, chat_id, text, reply_to=reply_to)

    async def press(
        self,
        button: str,
        message: BotMessage | int | None = None,
        *,
        chat: SimGroup | None = None,
    ) -> str:
        """Press an inline button by label or callback_data; returns the callback query id.

        Without ``message`` the latest bot message with an inline keyboard is used, like a
        person tapping what is on screen.  The current (possibly edited) keyboard counts.
        """
        view: ChatView = chat if chat is not None else self
        msg = view._keyboard_message(message)
        if msg is None:
            raise AssertionError(
                f"no bot message with an inline keyboard in chat {view.chat_id}; recent:\n"
                f"{view._history_text()}"
            )
        matches = [b for row in msg.keyboard for b in row if b.text == button]
        if not matches:
            matches = [b for row in msg.keyboard for b in row if b.callback_data == button]
        if not matches:
            raise AssertionError(
                f"button {button!r} not found on message {msg.message_id} in chat "
                f"{view.chat_id}; available (label, data/url): {msg.buttons()}"
            )
        target = matches[0]
        if target.callback_data is None:
            raise AssertionError(
                f"button {button!r} on message {msg.message_id} has no callback_data "
                f"(url={target.url!r}); it cannot be pressed into a callback query"
            )
        self.actions += 1
        return self.tg.queue_callback_query(self, msg, target.callback_data)

    async def block(self, *, announce: bool = True) -> None:
        """Block the bot (sends to this user then fail with 403); ``announce=False`` if the
        bot is not to hear of it from Telegram."""
        self.tg.block(self.id, announce=announce)

    async def unblock(self, *, announce: bool = True) -> None:
        self.tg.unblock(self.id, announce=announce)

    def __repr__(self) -> str:
        return f"SimUser(id={self.id}, first_name={self.first_name!r})"
