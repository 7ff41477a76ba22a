"""What every ``linkedup`` subcommand shares: the ``--config`` option, a config that fails
with one line (never a traceback), and the services opened for one command.

Nothing heavy is imported at module level: ``linkedup --help`` and a mistyped option must answer
at once, so the bot's runtime (python-telegram-bot, pydantic, every feature) is imported only by
the command that needs it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from db.timeutil import Clock, utcnow

if TYPE_CHECKING:
    from bot.services import Services
    from settings.config import Config

Result = TypeVar("Result")

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="TOML config file (default: $LINKEDUP_CONFIG, else built-in defaults).",
)


def load_or_exit(config_path: Path | None, *, need_token: bool = False) -> Config:
    from settings.config import ConfigError, load_config

    try:
        config = load_config(config_path)
        if need_token:
            config.token  # noqa: B018 - raises ConfigError with the line to show
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    return config


def load(config_path: Path | None) -> Config:
    """The same config must be able to run the bot, which delivers what these commands queue."""
    return load_or_exit(config_path, need_token=True)


def with_services(config: Config, work: Callable[[Services], Awaitable[Result]]) -> Result:
    from bot.runtime import close_services, open_services

    clock = cli_clock()

    async def run() -> Result:
        services = await open_services(config, clock)
        try:
            return await work(services)
        finally:
            await close_services(services)

    return asyncio.run(run())


@dataclass(frozen=True)
class CliContext:
    """What a caller of ``main`` may hand every subcommand: tests pass their clock here so a
    command's "next meeting" or "this month" is the test's, not today's."""

    clock: Clock = utcnow


def cli_clock() -> Clock:
    context = click.get_current_context(silent=True)
    handed = context.find_object(CliContext) if context else None
    return handed.clock if handed else utcnow
