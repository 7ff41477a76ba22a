"""``/help``, the command menus registered with Telegram, and the group-chat pointer."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import TelegramError

from handlers.access import is_admin
from handlers.context import BotApplication, BotContext
from handlers.replies import reply
from wording import members as texts
from wording.commands import ADMIN_COMMANDS, MEMBER_COMMANDS

log = logging.getLogger(__name__)


def _private_link(context: BotContext) -> str:
    return f"https://t.me/{context.bot.username}?start=join"


def officer_commands() -> list[tuple[str, str]]:
    """Member commands plus the officer's; where both have one (``/bulletin``), the officer's."""
    officer = dict(ADMIN_COMMANDS)
    shared = [(name, officer.pop(name, description)) for name, description in MEMBER_COMMANDS]
    return shared + list(officer.items())


async def help_command(update: Update, context: BotContext) -> None:
    text = f"{texts.HELP_HEADER}\n{texts.help_lines(MEMBER_COMMANDS)}"
    if is_admin(update, context):
        text += f"\n\n{texts.HELP_ADMIN_HEADER}\n{texts.help_lines(ADMIN_COMMANDS)}"
    await reply(update, text)


async def group_help(update: Update, context: BotContext) -> None:
    await reply(update, texts.GROUP_HELP.format(link=_private_link(context)))


async def group_private_only(update: Update, context: BotContext) -> None:
    await reply(update, texts.GROUP_ONLY_PRIVATE.format(link=_private_link(context)))


async def publish_command_menus(application: BotApplication, admin_ids: list[int]) -> None:
    """Members see their menu in private chats; each officer's chat also lists admin commands."""
    bot = application.bot
    member_menu = [BotCommand(name, description) for name, description in MEMBER_COMMANDS]
    admin_menu = [BotCommand(name, description) for name, description in officer_commands()]
    await bot.set_my_commands(member_menu, scope=BotCommandScopeAllPrivateChats())
    await bot.set_my_commands([BotCommand("help", "What this bot can do")])
    for admin_id in admin_ids:
        try:
            await bot.set_my_commands(admin_menu, scope=BotCommandScopeChat(admin_id))
        except TelegramError as error:
            # Telegram knows no chat with an officer who has never written to the bot.
            log.warning("no admin menu for %s yet (%s); ask them to send /start", admin_id, error)
