"""``linkedup report``: the issues report for a board's next meeting, written to files.

Like the other content commands it never talks to Telegram; it records the pack for the meeting
just as ``/report`` does, so the running bot marks those issues reported once the board has met.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli_options import CONFIG_OPTION, load, with_services

if TYPE_CHECKING:
    from bot.services import Services
    from issues.service import ReportFiles


@click.command()
@CONFIG_OPTION
@click.option("--board", required=True, help="The board's name as in [issues] boards.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The Word file to write; the HTML version goes beside it (.html).")
def report(config_path: Path | None, board: str, out: Path) -> None:
    """Write the issues report for a board's next meeting.

    The Word document goes to --out, the HTML version beside it (.html).
    """
    config = load(config_path)
    if board not in config.issues.boards:
        known = ", ".join(config.issues.boards)
        raise click.ClickException(f"no board called {board!r}; the boards are: {known}")

    async def build(services: Services) -> ReportFiles | None:
        return await services.issues.board_report(board)

    files = with_services(config, build)
    if files is None:
        raise click.ClickException(f"no meeting of the {board} is planned: add it first")
    out.write_bytes(files.docx)
    out.with_suffix(".html").write_text(files.html, "utf-8")
    click.echo(f"Wrote {out} and {out.with_suffix('.html')}: {len(files.report.issues)} issue(s) "
               f"for the meeting on {files.report.meeting.starts_at:%Y-%m-%d}.")
