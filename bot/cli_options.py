"""What every ``linkedup`` subcommand shares: the ``--config`` option and a config that fails
with one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import click

from bot.config import Config, ConfigError, load_config

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
