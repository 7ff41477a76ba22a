"""The census messages members get, and the callback data of their buttons (parsed here too).

One message per service type, each with its own one-tap answers, so an organisation with two
services answers in two taps when nothing changed.
"""

from __future__ import annotations

from db.census import Figures
from delivery.messages import Button, CallbackData, Callbacks, OutgoingMessage
from settings.config import CensusServiceConfig
from wording import census as texts

CENSUS = Callbacks("cen")
"""cen:<action>:<month>:<service>: same as last month (same), no waiting list now (none), type
the figures (fig); and the other census buttons."""
WEEK_CHOICES = (2, 4, 8, 12, 18, 26, 52)


def answer_data(action: str, month: str, slug: str) -> CallbackData:
    return CENSUS.data(action, month, slug)


def parse_answer(data: str) -> tuple[str, str, str]:
    """(action, month, service slug) from :func:`answer_data`'s text."""
    action, month, slug = CENSUS.parts(data)
    return action, month, slug


MONTH_AND_SERVICE = r"\d{4}-\d{2}:[a-z0-9-]+"
"""The parts after the action in :func:`answer_data`, for the routing table's patterns."""


def answer_buttons(month: str, slug: str, last: Figures | None) -> tuple[tuple[Button, ...], ...]:
    quick = [Button(texts.BUTTON_NONE, callback_data=answer_data("none", month, slug))]
    if last is not None:
        quick.insert(0, Button(texts.BUTTON_SAME, callback_data=answer_data("same", month, slug)))
    return (tuple(quick),
            (Button(texts.BUTTON_FIGURES, callback_data=answer_data("fig", month, slug)),))


def ask(month: str, service: CensusServiceConfig, last: Figures | None, position: int,
        count: int, *, reminder: bool = False) -> OutgoingMessage:
    """The question about one service for one month."""
    return OutgoingMessage(texts.ask(month, service, last, position, count, reminder=reminder),
                           buttons=answer_buttons(month, service.slug, last))
