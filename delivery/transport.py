"""The boundary between the engine and Telegram: one send, one classified outcome.

The engine decides what to do next (retry, wait, mark blocked) from the outcome alone, so the
Telegram-specific error mapping lives in the transport implementation in ``bot/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from delivery.messages import OutgoingMessage


@dataclass(frozen=True)
class Sent:
    message_id: int


@dataclass(frozen=True)
class RetryLater:
    """Telegram said 429: wait ``seconds`` before any further send."""

    seconds: float


@dataclass(frozen=True)
class Blocked:
    """403: the member blocked the bot or deleted their account; never retry."""

    reason: str


@dataclass(frozen=True)
class ChatMoved:
    """A group became a supergroup; resend to the new chat id."""

    new_chat_id: int


@dataclass(frozen=True)
class TransientFailure:
    """5xx or a network error: worth retrying with backoff."""

    reason: str


@dataclass(frozen=True)
class Rejected:
    """400: the message itself is wrong; retrying cannot help."""

    reason: str


SendOutcome = Sent | RetryLater | Blocked | ChatMoved | TransientFailure | Rejected


class Transport(Protocol):
    async def send(self, chat_id: int, message: OutgoingMessage) -> SendOutcome: ...

    async def edit(self, chat_id: int, message_id: int, message: OutgoingMessage) -> SendOutcome:
        """Replace a sent message's text (or caption) and buttons; used for progress reports."""
        ...
