"""A typed callback context so handlers reach the services without dictionary look-ups."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services
from db.members import Member

SERVICES_KEY = "services"


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    _member_read: tuple[int, Member | None] | None = None  # (Telegram user, member), see member()

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data[SERVICES_KEY]
        return services

    def answers(self, key: str) -> dict[str, Any]:
        """A conversation's answers so far, kept in (persisted) ``user_data`` under ``key``."""
        assert self.user_data is not None
        answers: dict[str, Any] = self.user_data.setdefault(key, {})
        return answers

    async def member(self, update: Update) -> Member | None:
        """The member behind an update, if the person has joined: read once an update. PTB
        gives all of an update's handlers one context, and a handler that has read or changed
        the member (the contact check that runs first, for a member it marks active again)
        leaves it here for the rest."""
        assert update.effective_user is not None
        user_id = update.effective_user.id
        if self._member_read is None or self._member_read[0] != user_id:
            self.remember_member(user_id, await self.services.members.find(user_id))
        assert self._member_read is not None
        return self._member_read[1]

    def remember_member(self, user_id: int, member: Member | None) -> None:
        """What a handler has just read or written of the person, for the update's later ones."""
        self._member_read = (user_id, member)


BotApplication = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
