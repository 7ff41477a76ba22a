"""The routing table and the buttons agree: every family of buttons (a :class:`Callbacks`,
defined once next to the code that builds and reads its data) has a handler, every button
handler belongs to one family, and no pattern in the table is written out by hand."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    DictPersistence,
)

from handlers.context import BotApplication, BotContext
from handlers.leaving import Leaving
from handlers.routing import register_handlers

ROOT = Path(__file__).resolve().parents[1]
FAMILY = re.compile(r"^\^([\w-]+)(?::|\$)")


def families() -> list[str]:
    """The prefix of every ``Callbacks("...")`` in the project (tests aside), as often as each
    is defined."""
    found = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if path.relative_to(ROOT).parts[0] in {"tests", ".venv", "benchmarks"}:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Callbacks"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.append(str(node.args[0].value))
    return found


Handler = BaseHandler[Any, Any, Any]


def every_handler(handlers: list[Handler]) -> Iterator[Handler]:
    for handler in handlers:
        yield handler
        if isinstance(handler, Leaving):
            yield from every_handler(list(handler.conversations))
        if isinstance(handler, ConversationHandler):
            yield from every_handler([*handler.entry_points, *handler.fallbacks,
                                      *(h for step in handler.states.values() for h in step)])


def routing_table() -> list[Handler]:
    """Every handler, those inside conversations too, as the bot registers them."""
    application = (Application.builder().token("1:routing").persistence(DictPersistence())
                   .context_types(ContextTypes(context=BotContext)).build())
    register_handlers(cast(BotApplication, application), admins=[1])
    return list(every_handler([h for group in application.handlers.values() for h in group]))


def test_every_family_of_buttons_is_defined_once_and_has_a_handler() -> None:
    defined = families()
    assert len(defined) == len(set(defined)), "a prefix defined twice"
    buttons = [h for h in routing_table() if isinstance(h, CallbackQueryHandler)]
    stale = [h for h in buttons if h.pattern is None]
    assert len(stale) == 1, "one catch-all, last, for buttons whose handler has gone"
    routed = {FAMILY.match(h.pattern.pattern).group(1)  # type: ignore[union-attr]
              for h in buttons if isinstance(h.pattern, re.Pattern)}
    assert routed == set(defined)


def test_every_conversation_ends_on_its_own_cancel() -> None:
    conversations = [h for h in routing_table() if isinstance(h, ConversationHandler)]
    assert len(conversations) >= 8
    for conversation in conversations:
        cancel = conversation.fallbacks[0]
        assert isinstance(cancel, CommandHandler) and cancel.commands == frozenset({"cancel"})
        assert cancel.callback.__qualname__ == "cancelling.<locals>.cancel", conversation.name


def test_no_button_pattern_in_the_table_is_written_out() -> None:
    """A written-out prefix would be a second definition of it, free to drift from the one
    the buttons are built with."""
    source = ROOT / "handlers" / "routing.py"
    literal = (ast.Constant, ast.JoinedStr)
    found = []
    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None)
        patterns = [k.value for k in node.keywords if k.arg == "pattern"]
        if name == "CallbackQueryHandler" and any(isinstance(p, literal) for p in patterns):
            found.append(node.lineno)
        if name == "button" and len(node.args) > 1 and not isinstance(node.args[1], ast.Name):
            found.append(node.lineno)
    assert found == []
