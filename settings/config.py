"""Configuration: a TOML file, secrets from the environment, validated once at start-up.

A wrong value must stop the bot with one line that names the key and what was expected, so the
officer can fix it without reading a traceback; :class:`ConfigError` carries that line.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from settings.offsets import parse_offsets

ENV_CONFIG = "LINKEDUP_CONFIG"
ENV_TOKEN = "LINKEDUP_TELEGRAM_TOKEN"
ENV_MAILCHIMP_KEY = "LINKEDUP_MAILCHIMP_API_KEY"
TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config.example.toml"


class ConfigError(Exception):
    """A configuration problem, worded for the person who edits the config file."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramConfig(Strict):
    token: str | None = Field(default=None, description="the bot token from BotFather")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str | None = None
    admins: list[int] = Field(default_factory=list)
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    start_retry_seconds: float = Field(default=300.0, ge=0, le=24 * 3600)

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not TOKEN_PATTERN.match(value):
            raise ValueError("expected a BotFather token like 123456789:AAH... (digits:key)")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL such as https://api.telegram.org/bot")
        return value


class DatabaseConfig(Strict):
    path: Path = Path("linkedup.sqlite3")


class ThemeConfig(Strict):
    slug: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$")]
    title: Annotated[str, Field(min_length=1, max_length=60)]
    description: Annotated[str, Field(max_length=300)] = ""


class FeedConfig(Strict):
    urls: list[HttpUrl] = Field(default_factory=list)
    fetch_every_minutes: int = Field(default=60, ge=5, le=24 * 60)
    timeout_seconds: float = Field(default=20.0, gt=0, le=120)
    keywords: dict[str, list[str]] = Field(default_factory=dict)


class MailchimpConfig(Strict):
    api_key: str
    server: Annotated[str, Field(pattern=r"^[a-z]{2,4}\d{1,3}$")]
    list_id: Annotated[str, Field(min_length=1)]
    base_url: str | None = None
    from_name: str = "Linked-up network"
    reply_to: EmailStr | None = None

    @model_validator(mode="after")
    def _key_matches_server(self) -> MailchimpConfig:
        if "-" in self.api_key and not self.api_key.endswith(f"-{self.server}"):
            raise ValueError(f"api_key ends with a data centre other than server = {self.server!r}")
        return self


class SchedulerConfig(Strict):
    tick_seconds: float = Field(default=30.0, gt=0, le=3600)


class DeliveryConfig(Strict):
    """The delivery engine's timings. The defaults are Telegram's: about one message a second to
    a chat. Tests shorten them (with the fake Bot API's per-chat limit to match) so they do
    not wait in real seconds."""

    per_chat_seconds: float = Field(default=1.0, ge=0, le=60)
    messages_per_second: float = Field(default=29.4, gt=0, le=1000)
    """The bot's whole budget, bulk and replies together: just under Telegram's 30, leaving
    room for timer jitter. Only a local Bot API server (or a scaled benchmark) allows more."""
    progress_every_seconds: float = Field(default=3.0, gt=0, le=600)
    idle_wait_seconds: float = Field(default=1.0, gt=0, le=60)


DEFAULT_BOARDS = ["Children's Trust Board", "Safeguarding Children Partnership Board",
                  "Early Help Board"]


class IssuesConfig(Strict):
    """Members' issues for the boards: which boards, and the timers on an issue's life."""

    boards: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(
        default_factory=lambda: list(DEFAULT_BOARDS))
    overdue_weeks: int = Field(default=6, ge=1, le=104)
    follow_up_weeks: int = Field(default=8, ge=1, le=104)
    retention_months: int = Field(default=36, ge=1, le=240)
    officer_name: str | None = Field(default=None, min_length=1, max_length=80)
    """Named on the board report as its author, with officer_contact (an email or phone)."""
    officer_contact: str | None = Field(default=None, min_length=1, max_length=120)

    @field_validator("boards")
    @classmethod
    def _distinct_boards(cls, boards: list[str]) -> list[str]:
        folded = [board.casefold() for board in boards]
        if not boards or len(set(folded)) != len(folded):
            raise ValueError("expected at least one board, each named once")
        return boards


class MeetingsConfig(Strict):
    """Meetings: when reminders go, and the default cut-off for issues before a board meets."""

    issue_cutoff_days: int = Field(default=14, ge=0, le=120)
    reminder_offsets: list[str] = Field(default_factory=lambda: ["7d", "1d", "morning"])
    morning_time: time = time(8, 0)
    notes_reminder_days: list[Annotated[int, Field(ge=1, le=60)]] = Field(
        default_factory=lambda: [3, 7])

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets_parse(cls, offsets: list[str]) -> list[str]:
        return [offset.text for offset in parse_offsets(offsets)]


class CensusServiceConfig(Strict):
    """A service type the census asks about; ``themes`` link issues of those themes to it."""

    slug: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$")]
    title: Annotated[str, Field(min_length=1, max_length=60)]
    counts: Annotated[str, Field(min_length=1, max_length=60)] = (
        "children, young people or families")
    themes: list[str] = Field(default_factory=list)


TimeOfDay = time
"""``time`` under another name, for a setting that is itself called ``time``."""

DEFAULT_CENSUS_SERVICES: list[dict[str, Any]] = [
    {"slug": "domestic-abuse", "title": "Domestic abuse programmes for children",
     "counts": "children", "themes": ["domestic-abuse"]},
    {"slug": "counselling", "title": "Counselling and mental health",
     "counts": "children or young people", "themes": ["mental-health"]},
    {"slug": "parenting", "title": "Parenting support", "counts": "families"},
    {"slug": "send", "title": "SEND support", "counts": "children or young people",
     "themes": ["send"]},
    {"slug": "youth-work", "title": "Youth work", "counts": "young people", "themes": ["youth"]},
    {"slug": "family-support", "title": "Family support", "counts": "families"},
]


class CensusConfig(Strict):
    """The monthly waiting-list census: what it asks about, when, and what each board sees."""

    services: list[CensusServiceConfig] = Field(
        default_factory=lambda: [CensusServiceConfig(**s) for s in DEFAULT_CENSUS_SERVICES])
    day: int = Field(default=1, ge=1, le=28)
    time: TimeOfDay = TimeOfDay(9, 30)
    reminder_days: int = Field(default=4, ge=1, le=20)
    boards: dict[str, list[str]] = Field(default_factory=dict)
    """Board name → the service types its report shows; a board not listed sees them all."""

    @field_validator("services")
    @classmethod
    def _unique_services(cls, services: list[CensusServiceConfig]) -> list[CensusServiceConfig]:
        slugs = [service.slug for service in services]
        if len(set(slugs)) != len(slugs):
            raise ValueError("each census service needs its own slug")
        return services

    @model_validator(mode="after")
    def _boards_name_services(self) -> CensusConfig:
        known = {service.slug for service in self.services}
        for board, slugs in self.boards.items():
            unknown = sorted(set(slugs) - known)
            if unknown:
                raise ValueError(f"board {board!r} names census services that are not in "
                                 f"[census] services: {', '.join(unknown)}")
        return self

    def services_for(self, board: str) -> list[CensusServiceConfig]:
        chosen = self.boards.get(board)
        return [s for s in self.services if chosen is None or s.slug in chosen]
class WebConfig(Strict):
    """The public pages ("You said, we did", meetings and their calendar feed), served by the
    bot's own process. Without a ``[web]`` section nothing listens."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: HttpUrl
    """Where people reach the pages (behind a reverse proxy): the calendar feed's address."""
    embed_origins: list[HttpUrl] = Field(default_factory=list)
    """Sites allowed to show the pages in a frame (the CVS's website); none by default."""

    @field_validator("embed_origins")
    @classmethod
    def _origins_only(cls, origins: list[HttpUrl]) -> list[HttpUrl]:
        for origin in origins:
            if (origin.path or "/") != "/" or origin.query or origin.fragment:
                raise ValueError(f"expected an origin like https://www.example.org, not {origin}")
        return origins

    @property
    def base_url(self) -> str:
        return str(self.public_url).rstrip("/")

    @property
    def frame_origins(self) -> list[str]:
        return [str(origin).rstrip("/") for origin in self.embed_origins]


class Config(Strict):
    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    timezone: str = "Europe/London"
    themes: list[ThemeConfig] = Field(default_factory=list)
    feed: FeedConfig = FeedConfig()
    mailchimp: MailchimpConfig | None = None
    scheduler: SchedulerConfig = SchedulerConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    issues: IssuesConfig = IssuesConfig()
    meetings: MeetingsConfig = MeetingsConfig()
    census: CensusConfig = CensusConfig()

    @model_validator(mode="after")
    def _census_boards_known(self) -> Config:
        unknown = sorted(set(self.census.boards) - set(self.issues.boards))
        if unknown:
            raise ValueError(f"census.boards names boards that are not in [issues] boards: "
                             f"{', '.join(unknown)}")
        return self
    web: WebConfig | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone name such as Europe/London") from None
        return value

    @field_validator("themes")
    @classmethod
    def _unique_slugs(cls, themes: list[ThemeConfig]) -> list[ThemeConfig]:
        slugs = [theme.slug for theme in themes]
        duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
        if duplicates:
            raise ValueError(f"each theme needs its own slug; repeated: {', '.join(duplicates)}")
        return themes

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_admin(self, telegram_id: int) -> bool:
        return telegram_id in self.telegram.admins

    @property
    def token(self) -> str:
        """The token, or the one clear line saying how to provide it."""
        if not self.telegram.token:
            raise ConfigError(
                f"telegram.token is missing: set it in the config file or in ${ENV_TOKEN} "
                "(a BotFather token like 123456789:AAH...)"
            )
        return self.telegram.token


# What a setting must look like, in words, where pydantic would name a regex or a type.
_EXPECTED = {
    "slug": "a short lower-case name of letters, digits and hyphens, like youth-work",
    "admins": "a list of numeric Telegram user ids, like [123456789, 987654321]",
    "server": "Mailchimp's data centre, the part of the API key after the dash, like us21",
    "urls": "a list of full web addresses, like [\"https://example.org/feed/\"]",
    "reply_to": "an email address, like office@example.org",
    "notes_reminder_days": "a list of whole numbers of days, like [3, 7]",
    "boards": "a list of board names, like [\"Children's Trust Board\"]",
}


# pydantic's error types in the officer's words; {ge} and the like come from the error's context.
_PLAIN = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "bool_parsing": "must be true or false",
    "string_type": "must be text in quotes",
    "string_too_short": "must be at least {min_length} character(s) long",
    "string_too_long": "must be at most {max_length} characters long",
    "list_type": "must be a list in square brackets, like [\"a\", \"b\"]",
    "url_parsing": "must be a full web address, like https://example.org/",
}


def _where(loc: tuple[int | str, ...]) -> str:
    """``themes.0.slug`` as a person counts: ``themes (entry 1).slug``."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]} (entry {part + 1})" if parts else f"entry {part + 1}"
        else:
            parts.append(part)
    return ".".join(parts) or "(top level)"


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = _where(tuple(first["loc"]))
    if first["type"] == "missing":
        return f"{key} is missing"
    if first["type"] == "extra_forbidden":
        return f"{key} is not a setting linkedup-bot knows (check the spelling)"
    named = [part for part in first["loc"] if isinstance(part, str)]
    expected = _EXPECTED.get(named[-1]) if named else None
    if expected is not None:
        return f"{key}: expected {expected}, not {first['input']!r}"
    plain = _PLAIN.get(first["type"])
    if plain is not None:
        return f"{key}: {plain.format(**first.get('ctx', {}))}, not {first['input']!r}"
    return f"{key}: {first['msg'].removeprefix('Value error, ')}"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist (run `linkedup init`)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read: {error.strerror}") from None


def _with_environment(raw: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    """Secrets from the environment win over the file, so the file can be kept secret-free."""
    merged = dict(raw)
    if environ.get(ENV_TOKEN):
        merged["telegram"] = {**merged.get("telegram", {}), "token": environ[ENV_TOKEN]}
    if environ.get(ENV_MAILCHIMP_KEY) and "mailchimp" in merged:
        merged["mailchimp"] = {**merged["mailchimp"], "api_key": environ[ENV_MAILCHIMP_KEY]}
    return merged


def default_themes() -> list[dict[str, Any]]:
    themes: list[dict[str, Any]] = _read_toml(EXAMPLE_CONFIG)["themes"]
    return themes


def load_config(path: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read, merge and validate; the file is optional when the token is in the environment."""
    environ = dict(os.environ) if environ is None else environ
    if path is None and environ.get(ENV_CONFIG):
        path = Path(environ[ENV_CONFIG])
    raw = _read_toml(path) if path is not None else {}
    raw = _with_environment(raw, environ)
    if "themes" not in raw:
        raw["themes"] = default_themes()
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
