"""The ``linkedup`` command as the officer types it, run as a real process."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.fakes.feed_site import FeedServer, rss, rss_item
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import join
from tests.harness import ROOT, TOKEN, bot_process, free_port, make_config, running_bot


async def linkedup(cwd: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LINKEDUP_TELEGRAM_TOKEN": TOKEN},
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_init_migrate_and_backup(tmp_path: Path) -> None:
    code, out, _ = await linkedup(tmp_path, "init")
    assert code == 0 and "Wrote config.toml" in out and "schema version" in out
    code, out, _ = await linkedup(tmp_path, "init")
    assert "exists already" in out
    code, out, _ = await linkedup(tmp_path, "db", "migrate", "--config", "config.toml")
    assert code == 0 and "is at schema version" in out
    code, out, _ = await linkedup(tmp_path, "backup", "--config", "config.toml",
                                  "nightly/copy.sqlite3")
    assert code == 0 and (tmp_path / "nightly" / "copy.sqlite3").exists(), out
    (tmp_path / "backups").mkdir()
    code, out, _ = await linkedup(tmp_path, "backup", "--config", "config.toml", "backups")
    assert code == 0, out
    copy = sqlite3.connect(tmp_path / "backups" / "linkedup.sqlite3")
    live = sqlite3.connect(tmp_path / "linkedup.sqlite3")
    assert copy.execute("PRAGMA user_version").fetchone() == live.execute(
        "PRAGMA user_version").fetchone()
    assert copy.execute("SELECT name FROM sqlite_master WHERE name = 'members'").fetchone()


async def test_feed_fetch_and_bulletin_from_the_command_line(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.serve("/feed.xml", rss(rss_item(
        "x1", "Family hub opens", link="https://linkedup.example/1",
        description="<p>Open days</p>", categories=("Early help",),
        date="Mon, 16 Nov 2026 10:00:00 +0000")))
    (tmp_path / "config.toml").write_text(
        f'[feed]\nurls = ["{feed_server.url("/feed.xml")}"]\n', "utf-8")
    code, out, err = await linkedup(tmp_path, "feed", "fetch", "--config", "config.toml")
    assert code == 0, err
    assert "1 new, 0 updated, 0 unchanged" in out
    code, out, _ = await linkedup(tmp_path, "bulletin", "draft", "--config", "config.toml")
    assert "Family hub opens" in out and "1 articles" in out
    code, out, _ = await linkedup(tmp_path, "bulletin", "preview", "--config", "config.toml")
    assert "Linked-up bulletin" in out and "Open days" in out
    code, out, _ = await linkedup(tmp_path, "bulletin", "send", "--config", "config.toml",
                                  stdin="n\n")
    assert code == 1 and "Aborted" in out + _
    code, out, _ = await linkedup(tmp_path, "bulletin", "send", "--config", "config.toml",
                                  "--yes")
    assert code == 0 and "Queued for 0 members" in out


async def test_a_broken_feed_is_a_clear_error(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.serve("/feed.xml", "<html>Oops</html>", content_type="text/html")
    (tmp_path / "config.toml").write_text(
        f'[feed]\nurls = ["{feed_server.url("/feed.xml")}"]\n', "utf-8")
    code, out, err = await linkedup(tmp_path, "feed", "fetch", "--config", "config.toml")
    assert code == 1 and "nothing stored was lost" in out
    assert "Traceback" not in err


async def test_run_explains_a_refused_token_and_an_unreachable_telegram(tmp_path: Path) -> None:
    async with FakeTelegram(token="42:the-only-token-this-fake-accepts") as tg:
        (tmp_path / "config.toml").write_text(f'[telegram]\nbase_url = "{tg.base_url}"\n')
        code, _, err = await linkedup(tmp_path, "run", "--config", "config.toml")
    assert code == 1 and "Telegram refused the bot token" in err and "Traceback" not in err
    assert "trying again" not in err  # a refused token stops at once
    (tmp_path / "config.toml").write_text(
        '[telegram]\nbase_url = "http://127.0.0.1:9/bot"\nstart_retry_seconds = 0\n')
    code, _, err = await linkedup(tmp_path, "run", "--config", "config.toml")
    assert code == 1 and "cannot reach Telegram at http://127.0.0.1:9/bot" in err
    assert "Traceback" not in err and "linkedup-bot stopped" not in err
    assert not (tmp_path / "linkedup.sqlite3").exists()  # nothing left behind by a failed start


async def test_run_starts_quietly_and_says_how_it_listens(tmp_path: Path) -> None:
    """A start is one ready line naming the mode, not a screenful of PTB's warnings."""
    async with FakeTelegram(token=TOKEN) as tg:
        (tmp_path / "config.toml").write_text(f'[telegram]\nbase_url = "{tg.base_url}"\n')
        async with bot_process(tmp_path) as bot:
            seen = bot.log
    log = "".join(seen)
    assert "(long polling)" in log
    assert "PTBUserWarning" not in log and "per_message" not in log


def _link_target(fd: Path) -> str:
    """A running bot opens and closes connections to Telegram as it polls, so a descriptor
    listed a moment ago may be gone: it listened on nothing, so it counts as no socket."""
    try:
        return str(fd.readlink())
    except FileNotFoundError:
        return ""


def listening_ports(pid: int) -> set[int]:
    """The TCP ports a process listens on, read from /proc as ``ss -ltnp`` does: its sockets'
    inodes, matched against the kernel's tables of sockets in the LISTEN state (0A)."""
    inodes = {target[len("socket:["):-1] for fd in Path(f"/proc/{pid}/fd").iterdir()
              if (target := _link_target(fd)).startswith("socket:[")}
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc")
async def test_run_listens_on_no_port_unless_the_web_pages_are_configured(tmp_path: Path) -> None:
    """Long polling needs no open port: without ``[web]`` the bot listens on none, so nothing
    on the server is reachable from outside; with it, on the one port it names."""
    port = free_port()
    async with FakeTelegram(token=TOKEN) as tg:
        telegram = f'[telegram]\nbase_url = "{tg.base_url}"\n'
        (tmp_path / "config.toml").write_text(telegram)
        async with bot_process(tmp_path) as bot:
            assert listening_ports(bot.process.pid) == set()
        (tmp_path / "config.toml").write_text(
            telegram + f'[web]\nport = {port}\npublic_url = "https://linkedup.example.org/"\n')
        async with bot_process(tmp_path) as bot:
            assert listening_ports(bot.process.pid) == {port}


def test_every_command_has_help_in_whole_sentences() -> None:
    """``-h`` works everywhere, no summary is cut off, and ``run`` says where the token goes."""
    import click
    from click.testing import CliRunner

    from bot.cli import main

    def walk(command: click.Command, path: list[str]) -> list[list[str]]:
        found = [path]
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                found += walk(sub, [*path, name])
        return found

    for path in walk(main, []):
        result = CliRunner().invoke(main, [*path, "-h"], terminal_width=80)
        assert result.exit_code == 0, (path, result.output)
        summaries = result.output.partition("Commands:")[2]
        assert "..." not in summaries, (path, summaries)
    run_help = CliRunner().invoke(main, ["run", "--help"]).output
    assert "LINKEDUP_TELEGRAM_TOKEN" in run_help and "telegram.token" in run_help


HEAVY_LIBRARIES = ("matplotlib", "docx", "starlette", "jinja2", "mailchimp_marketing",
                   "feedparser", "nh3", "icalendar", "snowballstemmer", "telegram", "pydantic")


def test_the_command_line_imports_no_heavy_library_before_a_command_needs_it() -> None:
    """``linkedup --help`` and a mistyped option answer at once: the command module leaves the
    libraries for charts, Word files, web pages, email, feeds and the bot to the commands."""
    import subprocess

    probe = ("import sys, bot.cli; "
             f"print(' '.join(m for m in {HEAVY_LIBRARIES!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.split() == [], result.stdout


async def test_a_second_bot_with_the_same_token_stops_and_the_first_carries_on(
    tmp_path: Path, tg: FakeTelegram
) -> None:
    """Telegram ends the older of two long polls with 409 Conflict; the newcomer is the one
    that must go, with one line, while members keep being answered by the first."""
    (tmp_path / "first").mkdir()
    async with running_bot(make_config(tmp_path / "first", tg)):
        await join(tg.user(), organisation="Before the second start")
        (tmp_path / "second").mkdir()
        (tmp_path / "second" / "config.toml").write_text(
            f'[telegram]\nbase_url = "{tg.base_url}"\n')
        code, _, err = await linkedup(tmp_path / "second", "run", "--config", "config.toml")
        assert code == 1, err
        assert "another instance is already running with this token" in err
        assert "Traceback" not in err and "linkedup-bot stopped" not in err
        await join(tg.user(), organisation="After the second start")


async def test_a_second_webhook_bot_on_this_server_stops(tmp_path: Path, tg: FakeTelegram) -> None:
    """Telegram takes the last setWebhook without a word, so the database's lock is the guard."""
    port = free_port()
    config = make_config(tmp_path, tg, telegram={
        "webhook_url": f"http://127.0.0.1:{port}/hook", "webhook_port": port})
    async with running_bot(config):
        code, _, err = await linkedup(tmp_path, "run", "--webhook", "--config", "config.toml")
        assert code == 1, err
        assert f"another instance is already running with the database {config.database.path}" \
            in err and "Traceback" not in err
        await join(tg.user())
        assert tg.webhook_url == f"http://127.0.0.1:{port}/hook"


def unusable_databases(tmp_path: Path) -> list[Path]:
    """Paths no user can write, root included (tests may run as root, where chmod is no bar):
    a folder the kernel makes up, a folder that is a file, a file that is no database."""
    (tmp_path / "notes.txt").write_text("not a folder")
    return [Path("/proc/linkedup.sqlite3"), tmp_path / "notes.txt" / "linkedup.sqlite3",
            Path("/proc/version")]


DATABASE_COMMANDS = [
    ["db", "migrate"], ["bulletin", "draft"], ["bulletin", "preview"],
    ["bulletin", "send", "--yes"], ["report", "--board", "Early Help Board", "--out", "r.docx"],
    ["feed", "fetch"],
    ["meetings", "import", "meetings.csv"], ["web", "export", "site"],
]
CANNOT_USE = ("Error: cannot use the database {path} (",
              "): set database.path to a file in a folder this user can write to, or fix the "
              "permissions")


def says_only(output: str, start: str, end: str) -> bool:
    lines = output.splitlines()
    return len(lines) == 1 and lines[0].startswith(start) and lines[0].endswith(end)


def test_every_command_names_a_database_it_cannot_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One line naming the file and what to do, from every command that opens the database."""
    from click.testing import CliRunner

    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LINKEDUP_TELEGRAM_TOKEN", TOKEN)
    (tmp_path / "meetings.csv").write_text("title,starts\n")
    for database in unusable_databases(tmp_path):
        (tmp_path / "config.toml").write_text(
            f'[database]\npath = "{database}"\n[feed]\nurls = ["http://127.0.0.1:9/feed"]\n')
        start, end = CANNOT_USE[0].format(path=database), CANNOT_USE[1]
        for command in DATABASE_COMMANDS:
            result = CliRunner().invoke(main, [*command, "--config", "config.toml"])
            assert result.exit_code == 1 and says_only(result.output, start, end), (
                command, result.output)
    backup = CliRunner().invoke(main, ["backup", "--config", "config.toml", "copy.sqlite3"])
    assert backup.exit_code == 1 and says_only(backup.output, start, end), backup.output
    (tmp_path / "config.toml").write_text('[database]\npath = "linkedup.sqlite3"\n')
    assert CliRunner().invoke(main, ["db", "migrate", "--config", "config.toml"]).exit_code == 0
    backup = CliRunner().invoke(main, ["backup", "--config", "config.toml", "/proc/copy.sqlite3"])
    assert backup.exit_code == 1 and says_only(
        backup.output, "Error: cannot use the database /proc/copy.sqlite3 (",
        "): choose a backup destination this user can write to"), backup.output


async def test_run_and_init_name_a_path_they_cannot_write(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as tg:
        for database in unusable_databases(tmp_path):
            (tmp_path / "config.toml").write_text(
                f'[telegram]\nbase_url = "{tg.base_url}"\n[database]\npath = "{database}"\n')
            code, _, err = await linkedup(tmp_path, "run", "--config", "config.toml")
            assert code == 1 and says_only(err, CANNOT_USE[0].format(path=database),
                                           CANNOT_USE[1]), err
    for config in (Path("/proc/config.toml"), tmp_path / "notes.txt" / "config.toml"):
        code, _, err = await linkedup(tmp_path, "init", "--config", str(config))
        assert code == 1 and says_only(
            err, f"Error: cannot write the config file {config} (",
            "): give --config a path in a folder this user can write to"), err
