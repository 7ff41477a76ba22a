"""What every ``linkedup`` subcommand shares: the ``--config`` option and a config that fails
with one line, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from db.timeutil import Clock, utcnow
from settings.config import Config, ConfigError, load_config

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="TOML config file (default: $LINKEDUP_CONFIG, else built-in defaults).",
)


def load_or_exit(config_path: Path | None, *, need_token: bool = False) -> Config:
    try:
        config = load_config(config_path)
        if need_token:
            config.token  # noqa: B018 - raises ConfigError with the line to show
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    return config


@dataclass(frozen=True)
class CliContext:
    """What a caller of ``main`` may hand every subcommand: tests pass their clock here so a
    command's "next meeting" or "this month" is the test's, not today's."""

    clock: Clock = utcnow


def cli_clock() -> Clock:
    context = click.get_current_context(silent=True)
    handed = context.find_object(CliContext) if context else None
    return handed.clock if handed else utcnow
