"""``linkedup meetings import FILE``: load meeting dates from a CSV or an .ics file.

The meetings are written to the database; the running bot lists them and sends their reminders.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli_options import CONFIG_OPTION, load, with_services


@click.group()
def meetings() -> None:
    """Network and board meetings."""


@meetings.command("import")
@CONFIG_OPTION
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def meetings_import(config_path: Path | None, file: Path) -> None:
    """Add meetings from a .csv or .ics FILE.

    A .csv needs a header row. Nothing is added unless every row is valid; rows imported before
    and dates that have passed are skipped.
    """
    from feeds.sanitise import html_to_plain
    from meetings.importer import UnreadableFile, import_file

    try:
        report = with_services(load(config_path), lambda s: import_file(s.meetings, file))
    except UnreadableFile as error:
        raise click.ClickException(str(error)) from None
    if report.problems:
        problems = (html_to_plain(problem) for problem in report.problems)
        raise click.ClickException("nothing was imported:\n" + "\n".join(problems))
    click.echo(f"Added {len(report.added)} meetings; {report.already} were already there and "
               f"{report.passed} have passed.")
