"""The one place inline keyboards are made, from the delivery engine's buttons or from
(label, data) pairs, so a handler's reply and the engine's message carry the same keyboard."""

from __future__ import annotations

from collections.abc import Sequence

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


def inline(rows: Sequence[Sequence[Key]]) -> InlineKeyboardMarkup | None:
    """None for no rows: Telegram refuses an empty keyboard, and no keyboard is what is meant."""
    if not rows:
        return None
    return InlineKeyboardMarkup([[_button(key) for key in row] for row in rows])
