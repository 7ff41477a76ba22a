"""``linkedup mailchimp …``: the email channel's maintenance from a shell.

``sync`` is the officer's "make Mailchimp match the bot" button: after setting Mailchimp up, after
an outage, or to see who cannot be emailed and why. Contacts who are not bot members are never
touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli_options import CONFIG_OPTION, load, with_services

if TYPE_CHECKING:
    from bot.services import Services
    from email_channel.audience import AudienceReport


@click.group()
def mailchimp() -> None:
    """The bulletin's email channel through Mailchimp."""


@mailchimp.command("sync")
@CONFIG_OPTION
def mailchimp_sync(config_path: Path | None) -> None:
    """Reconcile the Mailchimp audience with the members.

    Says what changed; contacts who are not bot members are left alone.
    """
    from email_channel.client import MailchimpError
    from settings.config import ENV_MAILCHIMP_KEY

    config = load(config_path)
    if config.mailchimp is None:
        raise click.ClickException(
            "there is no [mailchimp] section in the config file: add api_key (or set "
            f"${ENV_MAILCHIMP_KEY}), server and list_id to use the email channel")

    async def sync(services: Services) -> AudienceReport:
        assert services.mailchimp is not None
        try:
            return await services.mailchimp.audience.reconcile()
        except MailchimpError as error:
            raise click.ClickException(str(error)) from None

    report = with_services(config, sync)
    click.echo(describe(report))
    if report.failed:
        raise SystemExit(1)


def describe(report: AudienceReport) -> str:
    """The report as the officer reads it: counts, then each member who needs a look."""
    from email_channel.audience import Outcome

    attention_needed = (Outcome.UNSUBSCRIBED, Outcome.CLEANED, Outcome.REJECTED, Outcome.FAILED)
    lines = [f"Mailchimp audience: {len(report.results)} member(s) with an email address checked."]
    lines += [f"  {outcome}: {report.count(outcome)}" for outcome in Outcome
              if report.count(outcome)]
    attention = [r for r in report.results if r.outcome in attention_needed]
    if attention:
        lines.append("Needs a look:")
        lines += [f"  {r.who}: {r.outcome}{f' ({r.detail})' if r.detail else ''}"
                  for r in attention]
    if report.erased or report.erasures_pending:
        lines.append(f"Forgotten members' contacts deleted: {report.erased}; "
                     f"still to delete (retried automatically): {report.erasures_pending}.")
    return "\n".join(lines)
