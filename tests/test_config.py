"""Bad configuration stops the bot with one clear line, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from settings.config import Config, ConfigError, load_config
from tests.harness import TOKEN

ENV = {"LINKEDUP_TELEGRAM_TOKEN": TOKEN}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def test_token_from_environment_alone_gives_built_in_defaults() -> None:
    config = load_config(environ=ENV)
    assert config.token == TOKEN
    assert config.database.path == Path("linkedup.sqlite3")
    assert config.timezone == "Europe/London"
    assert "safeguarding" in [theme.slug for theme in config.themes]
    assert config.telegram.admins == []


def test_environment_secret_wins_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAA"\n')
    assert load_config(path, ENV).token == TOKEN


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, 'timezone = "Europe/Dublin"\n')
    assert load_config(environ={**ENV, "LINKEDUP_CONFIG": str(path)}).timezone == "Europe/Dublin"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('timezone = "Mars/Olympus"', "timezone: expected an IANA time zone name"),
        ('[telegram]\nadmins = ["officer"]',
         "telegram.admins (entry 1): expected a list of numeric Telegram user ids, like "
         "[123456789, 987654321], not 'officer'"),
        ('[telegram]\nadmins = 12345', "telegram.admins: expected a list of numeric Telegram"),
        ("[telegram]\nwebhook_port = 0", "telegram.webhook_port: must be at least 1, not 0"),
        ('[feed]\nurls = ["not a url"]', "feed.urls (entry 1): expected a list of full web"),
        ('[mailchimp]\napi_key = "k-us1"\nserver = "US-1"\nlist_id = "x"',
         "mailchimp.server: expected Mailchimp's data centre, the part of the API key after "
         "the dash, like us21, not 'US-1'"),
        ('[telegram]\ntoken = "nonsense"', "telegram.token: expected a BotFather token"),
        ('[telegram]\nbase_url = "ftp://x"', "telegram.base_url: expected an http(s) URL"),
        ("[databse]\npath = 'x'", "databse is not a setting linkedup-bot knows"),
        ('[[themes]]\nslug = "a"\ntitle = "A"\n[[themes]]\nslug = "Bad Slug"\ntitle = "x"',
         "themes (entry 2).slug: expected a short lower-case name of letters, digits and "
         "hyphens, like youth-work, not 'Bad Slug'"),
        ('[[themes]]\nslug = "a"\ntitle = "A"\n[[themes]]\nslug = "a"\ntitle = "B"',
         "themes: each theme needs its own slug; repeated: a"),
        ("[telegram\n", "is not valid TOML"),
        ('[mailchimp]\napi_key = "k-us1"\nserver = "us2"\nlist_id = "x"',
         "mailchimp: api_key ends with a data centre other than server"),
    ],
)
def test_wrong_values_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), environ={})
    assert expected in str(error.value)
    assert "\n" not in str(error.value)
    assert "pattern" not in str(error.value) and "valid list" not in str(error.value)


def test_missing_token_and_missing_file() -> None:
    with pytest.raises(ConfigError, match=r"telegram.token is missing: .*LINKEDUP_TELEGRAM_TOKEN"):
        _ = load_config(environ={}).token
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(Path("/nonexistent/config.toml"), ENV)


def test_the_command_prints_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    path = write(tmp_path, 'timezone = "Nowhere/Land"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(path)],
        capture_output=True, text=True, env={"LINKEDUP_TELEGRAM_TOKEN": TOKEN, "PATH": ""},
        timeout=60, check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: timezone: expected an IANA time zone name such as Europe/London"
    ]
    assert "Traceback" not in result.stderr


def _with_web(tmp_path: Path, web: dict[str, object]) -> Config:
    path = tmp_path / "web.toml"
    path.write_text(tomli_w.dumps({"web": web}), "utf-8")
    return load_config(path, environ={})


def test_web_section_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"web\.public_url is missing"):
        _with_web(tmp_path, {"port": 8080})
    with pytest.raises(ConfigError, match=r"web\.embed_origins.*expected an origin"):
        _with_web(tmp_path, {"public_url": "https://linkedup.example.org",
                             "embed_origins": ["https://www.example.org/page"]})
    web = _with_web(tmp_path, {"public_url": "https://linkedup.example.org/",
                               "embed_origins": ["https://www.example-cvs.org.uk"]}).web
    assert web is not None
    assert web.base_url == "https://linkedup.example.org"
    assert web.frame_origins == ["https://www.example-cvs.org.uk"]
    assert load_config(environ={}).web is None  # without [web] nothing listens
