"""Keyboards are made once for the same rows and go out exactly as PTB would send them."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from delivery.messages import Button, Callbacks
from handlers.keyboards import Key, inline

THEMES = Callbacks("kbtest")


def test_the_same_rows_are_one_keyboard_sent_as_ptb_sends_its_own() -> None:
    rows: list[list[Key]] = [[("✅ Early help", THEMES.data("t", "early-help"))],
            [Button("Read it", url="https://example.org/a?b=1"),
             Button("Going", callback_data=THEMES.data("going"))]]
    plain = InlineKeyboardMarkup([
        [InlineKeyboardButton("✅ Early help", callback_data="kbtest:t:early-help")],
        [InlineKeyboardButton("Read it", url="https://example.org/a?b=1"),
         InlineKeyboardButton("Going", callback_data="kbtest:going")]])

    made = inline(rows)
    assert made is inline([list(row) for row in rows])  # lists or tuples: the same keyboard
    assert made == plain and plain == made
    assert json.dumps(made.to_dict()) == json.dumps(plain.to_dict())
    assert made.to_dict() is made.to_dict()  # its wire form is built once
    assert made.to_dict(recursive=False) == plain.to_dict(recursive=False)


def test_other_rows_are_another_keyboard_and_no_rows_no_keyboard() -> None:
    on = inline([[("✅ Youth work", THEMES.data("t", "youth"))]])
    off = inline([[("⬜ Youth work", THEMES.data("t", "youth"))]])
    assert on is not None and off is not None and on != off
    assert inline([]) is None
