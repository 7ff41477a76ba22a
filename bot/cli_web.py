"""``linkedup web export DIR``: the public pages as static files, for another website.

Like the other content commands it never talks to Telegram. It reads the same live record the
running bot serves, so what it writes is what the pages show at that moment.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli_options import CONFIG_OPTION, load, with_services

if TYPE_CHECKING:
    from bot.services import Services


@click.group()
def web() -> None:
    """The public web pages ("You said, we did", meetings)."""


@web.command("export")
@CONFIG_OPTION
@click.option("--public-url", default=None,
              help="Where the files will be published (default: [web] public_url), for the "
                   "calendar subscription address.")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export(config_path: Path | None, public_url: str | None, folder: Path) -> None:
    """Write the public pages into FOLDER as static files.

    Run it again after changes: pages that are no longer public are removed from FOLDER;
    other files there are left alone.
    """
    from web.export import site_files, write_site
    from web.pages import Links, Pages

    config = load(config_path)
    if public_url is None and config.web is not None:
        public_url = config.web.base_url
    links = Links(static=True, public_url=public_url.rstrip("/") if public_url else None)

    async def build(services: Services) -> dict[str, bytes]:
        return await site_files(services.public, Pages(config.tz), links)

    files = with_services(config, build)
    try:
        count = write_site(files, folder)
    except OSError as error:
        raise click.ClickException(f"cannot write to {folder}: {error.strerror}") from None
    click.echo(f"Wrote {count} files to {folder}.")
