"""The one place inline keyboards are made, from the delivery engine's buttons or from
(label, data) pairs, so a handler's reply and the engine's message carry the same keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from delivery.messages import Button, CallbackData

Key = Button | tuple[str, CallbackData]
"""A button, or the label and data of a button that calls back."""


def _button(key: Key) -> InlineKeyboardButton:
    if not isinstance(key, Button):
        label, data = key
        return InlineKeyboardButton(label, callback_data=data)
    if key.callback_data is not None:
        return InlineKeyboardButton(key.label, callback_data=key.callback_data)
    return InlineKeyboardButton(key.label, url=key.url)


class _Keyboard(InlineKeyboardMarkup):
    """A keyboard that keeps its wire form. PTB's objects are frozen once made, so the form
    cannot go stale, and PTB would otherwise walk every button's attributes again on each send
    (a /themes menu's fourteen buttons were a tenth of the bot's CPU for that update)."""

    __slots__ = ("_wire",)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive=False)
        if getattr(self, "_wire", None) is None:
            self._wire = super().to_dict()
        return self._wire


@lru_cache(maxsize=256)
def _keyboard(rows: tuple[tuple[Key, ...], ...]) -> _Keyboard:
    """The same rows are the same keyboard: a member's menu, opened again, is not built again."""
    return _Keyboard([[_button(key) for key in row] for row in rows])


def inline(rows: Sequence[Sequence[Key]]) -> InlineKeyboardMarkup | None:
    """None for no rows: Telegram refuses an empty keyboard, and no keyboard is what is meant."""
    if not rows:
        return None
    return _keyboard(tuple(tuple(row) for row in rows))
