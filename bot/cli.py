"""The ``linkedup`` command: run the bot and look after its database."""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli_bulletin import bulletin, feed
from bot.cli_issues import report
from bot.cli_mailchimp import mailchimp
from bot.cli_meetings import meetings
from bot.cli_options import CONFIG_OPTION, cli_clock, load_or_exit
from bot.cli_web import web

if TYPE_CHECKING:
    from db.timeutil import Clock
    from settings.config import Config


class Linkedup(click.Group):
    """Every command's database trouble (a read-only folder, a file it cannot write, a full
    disk) is one line naming the file and what to do, never SQLite's traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from db.database import DatabaseUnavailable

        try:
            return super().invoke(ctx)
        except DatabaseUnavailable as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=Linkedup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
def main(verbose: bool) -> None:
    """linkedup-bot: the Linked-up network's Telegram bot.

    Start with `linkedup init` (a starter config.toml and the database), put the bot token from
    @BotFather in $LINKEDUP_TELEGRAM_TOKEN, then `linkedup run --config config.toml`.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


@main.command()
@CONFIG_OPTION
@click.option("--webhook", is_flag=True,
              help="Receive updates by webhook (needs telegram.webhook_url) instead of polling.")
def run(config_path: Path | None, webhook: bool) -> None:
    """Run the bot until Ctrl+C or SIGTERM.

    The bot token comes from $LINKEDUP_TELEGRAM_TOKEN or telegram.token in the config file
    (the environment wins); @BotFather gives it. Without --config the built-in defaults are used:
    the database linkedup.sqlite3 in this folder, the example themes, no admins.
    """
    from telegram.error import InvalidToken, NetworkError

    from bot.instance import AnotherInstance
    from bot.resilience import describe
    from settings.config import ConfigError

    config = load_or_exit(config_path, need_token=True)
    if webhook and config.telegram.webhook_url is None:
        raise click.ClickException("--webhook needs telegram.webhook_url in the config file")
    if not webhook and config.telegram.webhook_url is not None:
        config = config.model_copy(
            update={"telegram": config.telegram.model_copy(update={"webhook_url": None})}
        )
    try:
        asyncio.run(_run_until_signalled(config, cli_clock()))
    except (ConfigError, AnotherInstance) as error:  # e.g. the web pages' port is taken
        raise click.ClickException(str(error)) from None
    except InvalidToken:
        raise click.ClickException(
            "Telegram refused the bot token: check telegram.token or $LINKEDUP_TELEGRAM_TOKEN "
            "against the one @BotFather gave you"
        ) from None
    except NetworkError as error:
        raise click.ClickException(
            f"cannot reach Telegram at {config.telegram.base_url} ({describe(error)}); check "
            "the server's network, or telegram.base_url (telegram.start_retry_seconds says how "
            "long to keep trying)"
        ) from None


async def _run_until_signalled(config: Config, clock: Clock) -> None:
    from bot.runtime import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(config, stop, clock)


@main.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("config.toml"), show_default=True, help="Where to write the config.")
def init(config_path: Path) -> None:
    """Write a starter config.toml and create the database.

    An existing config file is never overwritten.
    """
    from settings.config import EXAMPLE_CONFIG

    if config_path.exists():
        click.echo(f"{config_path} exists already; leaving it as it is.")
    else:
        try:
            shutil.copyfile(EXAMPLE_CONFIG, config_path)
        except OSError as error:
            raise click.ClickException(
                f"cannot write the config file {config_path} ({error.strerror or error}): give "
                "--config a path in a folder this user can write to") from None
        click.echo(f"Wrote {config_path}: add your bot token and admin ids.")
    config = load_or_exit(config_path)
    version = asyncio.run(_migrate(config.database.path))
    click.echo(f"Database {config.database.path} is at schema version {version}.")


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
@CONFIG_OPTION
def migrate(config_path: Path | None) -> None:
    """Apply pending migrations (the bot also does this at start-up)."""
    from db.migrate import latest_version

    config = load_or_exit(config_path)
    version = asyncio.run(_migrate(config.database.path))
    click.echo(f"Database {config.database.path} is at schema version {version} "
               f"(latest {latest_version()}).")


async def _migrate(path: Path) -> int:
    from db.database import Database
    from db.migrate import schema_version

    database = await Database.open(path)
    try:
        return await schema_version(database.connection)
    finally:
        await database.close()


@main.command()
@CONFIG_OPTION
@click.argument("destination", type=click.Path(path_type=Path))
def backup(config_path: Path | None, destination: Path) -> None:
    """Copy the database safely, even while the bot runs.

    DESTINATION is a file, or a folder to copy into under the database's own name.
    """
    config = load_or_exit(config_path)
    if not config.database.path.exists():
        raise click.ClickException(f"no database at {config.database.path}")
    if destination.is_dir():
        destination = destination / config.database.path.name
    asyncio.run(_backup(config.database.path, destination))
    click.echo(f"Backed up {config.database.path} to {destination}.")


async def _backup(source: Path, destination: Path) -> None:
    from db.database import Database

    database = await Database.open(source, migrate=False)
    try:
        await database.backup_to(destination)
    finally:
        await database.close()


main.add_command(feed)
main.add_command(bulletin)
main.add_command(report)
main.add_command(mailchimp)
main.add_command(meetings)
main.add_command(web)

if __name__ == "__main__":
    sys.exit(main())
