"""A typed callback context so handlers reach the services without dictionary look-ups."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services
from db.members import Member

SERVICES_KEY = "services"


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
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
        """The member behind an update, if the person has joined."""
        assert update.effective_user is not None
        return await self.services.members.find(update.effective_user.id)


BotApplication = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
