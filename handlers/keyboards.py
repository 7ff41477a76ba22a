"""Inline keyboards from plain (label, data) pairs or the delivery engine's buttons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from delivery.messages import Button


def inline(rows: Iterable[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def from_buttons(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, callback_data=b.callback_data)
                if b.callback_data is not None
                else InlineKeyboardButton(b.label, url=b.url)
                for b in row
            ]
            for row in rows
        ]
    )
