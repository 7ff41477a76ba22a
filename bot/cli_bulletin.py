"""``linkedup feed …`` and ``linkedup bulletin …``: the officer's content work from a shell.

These commands never send to Telegram themselves: a bulletin sent from here is queued in the
delivery ledger and the running bot delivers it (only one engine may send from a database).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli_options import CONFIG_OPTION, load, with_services

if TYPE_CHECKING:
    from bot.services import Services


@click.group()
def feed() -> None:
    """The website's feeds."""


@feed.command("fetch")
@CONFIG_OPTION
def feed_fetch(config_path: Path | None) -> None:
    """Read every configured feed now and store new and edited articles."""
    from feeds.sanitise import html_to_plain
    from wording import bulletins as texts

    config = load(config_path)
    if not config.feed.urls:
        raise click.ClickException("no feeds configured: add [feed] urls to the config file")
    report = with_services(config, lambda services: services.feeds.fetch_now())
    click.echo(html_to_plain("\n".join(texts.feed_lines(report.feeds))))
    if report.failed:
        raise SystemExit(1)


@click.group()
def bulletin() -> None:
    """This month's bulletin."""


@bulletin.command("draft")
@CONFIG_OPTION
def bulletin_draft(config_path: Path | None) -> None:
    """Open (or show) this month's draft.

    The draft holds the website's articles since the last bulletin.
    """
    from feeds.sanitise import html_to_plain
    from wording import bulletins as texts

    async def show(services: Services) -> str:
        draft = await services.bulletins.open_draft()
        intro = html_to_plain(draft.bulletin.intro_html) or "none"
        return html_to_plain(texts.draft_summary(draft.record.title, draft.record.status,
                                                 intro, draft.bulletin.outline()))

    click.echo(with_services(load(config_path), show))


@bulletin.command("preview")
@CONFIG_OPTION
@click.option("--member", "telegram_id", type=int, default=None,
              help="Show it as this member (Telegram user id) will get it.")
def bulletin_preview(config_path: Path | None, telegram_id: int | None) -> None:
    """Print exactly what a member will receive, message by message."""
    from feeds.sanitise import html_to_plain

    async def show(services: Services) -> str:
        draft = await services.bulletins.open_draft()
        member = await services.members.find(telegram_id) if telegram_id else None
        if telegram_id and member is None:
            raise click.ClickException(f"no member with Telegram id {telegram_id}")
        messages = await services.bulletins.preview(draft.bulletin, member)
        return "\n\n----- next message -----\n\n".join(html_to_plain(m.html) for m in messages)

    click.echo(with_services(load(config_path), show))


@bulletin.command("send")
@CONFIG_OPTION
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def bulletin_send(config_path: Path | None, yes: bool) -> None:
    """Queue the draft for every member; the running bot delivers it."""
    from bulletins.drafts import DraftError
    from bulletins.service import SendRefused
    from db import members as members_repo

    config = load(config_path)

    async def count(services: Services) -> int:
        return len(await members_repo.list_reachable(services.db))

    members = with_services(config, count)
    if not yes:
        click.confirm(f"Send the draft to {members} members?", abort=True)

    async def send(services: Services) -> int:
        try:
            return await services.bulletins.send_now(await services.bulletins.open_draft(), None)
        except (DraftError, SendRefused) as error:
            raise click.ClickException(str(error)) from None

    dispatch = with_services(config, send)
    click.echo(f"Queued for {members} members (delivery {dispatch}); the running bot sends it. "
               "Start it with `linkedup run` if it is not running.")
