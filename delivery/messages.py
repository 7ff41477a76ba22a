"""What the engine sends, described without Telegram types so domain code stays testable.

The Telegram transport turns these into Bot API calls; the ledger stores them as JSON so a
delivery can be resumed after a restart exactly as it was planned.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, NewType

TELEGRAM_CALLBACK_LIMIT = 64

CallbackData = NewType("CallbackData", str)
"""A button's data, made only by :meth:`Callbacks.data`, so no button carries data that no
handler in the routing table is waiting for."""


@dataclass(frozen=True)
class Callbacks:
    """One family of buttons, defined once next to the code that builds and reads its data.

    The data is ``prefix:part:part`` (or the prefix alone); the routing table matches the same
    family by :meth:`pattern`, so a prefix renamed here cannot leave a button without its
    handler, and tests/test_routing.py checks that every family has one.
    """

    prefix: str

    def data(self, *parts: object) -> CallbackData:
        return CallbackData(":".join([self.prefix, *map(str, parts)]))

    def pattern(self, rest: str = "") -> str:
        """The regular expression for this family's data whose parts match ``rest``."""
        return f"^{self.prefix}:(?:{rest})$" if rest else f"^{self.prefix}$"

    def parts(self, data: str) -> list[str]:
        """The parts :meth:`data` joined (the prefix left off)."""
        return data.split(":")[1:]


@dataclass(frozen=True)
class Button:
    """An inline button: exactly one of ``callback_data`` (≤64 bytes) or ``url``."""

    label: str
    callback_data: CallbackData | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.callback_data is None) == (self.url is None):
            raise ValueError("a button needs exactly one of callback_data or url")
        if self.callback_data is not None and (
            len(self.callback_data.encode("utf-8")) > TELEGRAM_CALLBACK_LIMIT
        ):
            raise ValueError(f"callback_data over {TELEGRAM_CALLBACK_LIMIT} bytes")


@dataclass(frozen=True)
class Document:
    """A file attached to a message (an .ics invitation, a report)."""

    filename: str
    content: bytes
    caption_html: str = ""


@dataclass(frozen=True)
class OutgoingMessage:
    """One Telegram message in Telegram's HTML subset, with optional buttons or a document."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    document: Document | None = None
    disable_preview: bool = True

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "html": self.html,
            "buttons": [[asdict(button) for button in row] for row in self.buttons],
            "disable_preview": self.disable_preview,
        }
        if self.document is not None:
            data["document"] = {
                "filename": self.document.filename,
                "content": self.document.content.hex(),
                "caption_html": self.document.caption_html,
            }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> OutgoingMessage:
        data = json.loads(text)
        document = data.get("document")
        return cls(
            html=data["html"],
            buttons=tuple(tuple(Button(**button) for button in row) for row in data["buttons"]),
            document=(
                Document(document["filename"], bytes.fromhex(document["content"]),
                         document["caption_html"])
                if document
                else None
            ),
            disable_preview=data.get("disable_preview", True),
        )
