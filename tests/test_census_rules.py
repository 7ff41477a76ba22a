"""The census's rules without Telegram: reading typed numbers, when a month opens (in the
network's time zone, across the clock change), the config's checks, migrations numbered with
gaps, and the published series with the three-organisation rule applied."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from census import figures
from census.months import latest_opened, opening, planned, report_month
from census.trends import trends
from db import census as repo
from db import members as members_repo
from db.census import Figures
from db.database import Database
from db.members import MemberDetails
from db.migrate import apply_migrations, available_migrations
from settings.config import CensusConfig, ConfigError, load_config

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(("text", "expected"), [
    ("12", figures.Accepted(12)), (" 1,200 ", figures.Accepted(1200)),
    ("0", figures.Accepted(0)), ("-3", figures.Problem(figures.NEGATIVE)),
    ("−3", figures.Problem(figures.NEGATIVE)), ("lots", figures.Problem(figures.NOT_A_NUMBER)),
    ("12 children", figures.Problem(figures.NOT_A_NUMBER)),
    ("6000", figures.Problem(figures.UNLIKELY, 6000)),
    ("250000", figures.Problem(figures.TOO_MANY, 250000)),
])
def test_reading_a_count(text: str, expected: figures.Reading) -> None:
    assert figures.read_count(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("8", figures.Accepted(8)), ("8 weeks", figures.Accepted(8)),
    ("3 months", figures.Accepted(13)), ("1 year", figures.Accepted(52)),
    ("10 years", figures.Accepted(520)), ("521", figures.Problem(figures.TOO_LONG, 521)),
    ("11 years", figures.Problem(figures.TOO_LONG, 572)),
    ("-2", figures.Problem(figures.NEGATIVE)), ("soon", figures.Problem(figures.NOT_A_NUMBER)),
    ("3 fortnights", figures.Problem(figures.NOT_A_NUMBER)),
])
def test_reading_a_wait(text: str, expected: figures.Reading) -> None:
    assert figures.read_weeks(text) == expected


def test_months_open_at_local_time_across_the_clock_change() -> None:
    settings = CensusConfig.model_validate({"day": 3, "time": "09:30", "reminder_days": 4})
    assert opening("2026-07", settings, LONDON) == datetime(2026, 7, 3, 8, 30, tzinfo=UTC)
    assert opening("2026-12", settings, LONDON) == datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    july = planned("2026-07", settings, LONDON)
    assert july.remind_at == datetime(2026, 7, 7, 8, 30, tzinfo=UTC)
    assert july.closes_at == datetime(2026, 8, 3, 8, 30, tzinfo=UTC)
    assert latest_opened(datetime(2026, 12, 3, 9, 29, tzinfo=UTC), settings, LONDON) == "2026-11"
    assert latest_opened(datetime(2026, 12, 3, 9, 30, tzinfo=UTC), settings, LONDON) == "2026-12"
    assert latest_opened(datetime(2027, 1, 1, 0, 0, tzinfo=UTC), settings, LONDON) == "2026-12"


def test_a_board_cut_off_before_the_reminder_uses_the_month_before() -> None:
    settings = CensusConfig.model_validate({"day": 1, "time": "09:30", "reminder_days": 4})
    reminder = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    assert report_month(datetime(2026, 12, 3, 17, tzinfo=UTC), settings, LONDON) == "2026-11"
    assert report_month(reminder, settings, LONDON) == "2026-11"
    assert report_month(datetime(2026, 12, 5, 9, 31, tzinfo=UTC), settings, LONDON) == "2026-12"
    assert report_month(datetime(2026, 12, 31, tzinfo=UTC), settings, LONDON) == "2026-12"


@pytest.mark.parametrize(("text", "expected"), [
    ('[census]\nday = 31\n', "census.day: must be at most 28, not 31"),
    ('[census.boards]\n"Early Help Board" = ["knitting"]\n',
     "census: board 'Early Help Board' names census services that are not in "
     "[census] services: knitting"),
    ('[census.boards]\n"Parish Council" = []\n',
     "census.boards names boards that are not in [issues] boards: Parish Council"),
    ('[[census.services]]\nslug = "a"\ntitle = "A"\n[[census.services]]\nslug = "a"\n'
     'title = "B"\n', "census.services: each census service needs its own slug"),
])
def test_census_config_mistakes_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert expected in str(error.value)


async def test_migrations_with_gaps_apply_each_one_once(tmp_path: Path) -> None:
    """Numbers are handed to parallel branches, so 0012 may land before 0009; a database made
    before the ledger of applied migrations (user_version only) keeps what it had."""
    path = tmp_path / "old.sqlite3"
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        for migration in available_migrations():
            if migration.version <= 8:
                await conn.executescript(migration.sql)
        await conn.execute("PRAGMA user_version = 8")
        applied = await apply_migrations(conn)
        assert applied == [m.name for m in available_migrations() if m.version > 8]
        assert await apply_migrations(conn) == []
        async with conn.execute("SELECT count(*) FROM census_answers") as cursor:
            assert await cursor.fetchone() == (0,)
    finally:
        await conn.close()


async def test_the_published_series_withholds_fewer_than_three_organisations(
    tmp_path: Path,
) -> None:
    settings = CensusConfig()
    db = await Database.open(tmp_path / "census.sqlite3")
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    try:
        await repo.ensure_month(db, planned("2026-12", settings, LONDON))
        for number, waiting in enumerate((4, 6, 9)):
            member_id = await members_repo.insert(
                db, 1000 + number, 1000 + number,
                MemberDetails(f"Org {number}", "Sam", "Manager", None), now)
            member = await members_repo.get_by_id(db, member_id)
            assert member is not None
            await repo.save_answer(db, "2026-12", "counselling", member, True,
                                   Figures(waiting, 4 * (number + 1), number == 2), now)
            if number == 0:
                await repo.save_answer(db, "2026-12", "parenting", member, True,
                                       Figures(3, 2, False), now)
        points = await trends(db, settings, LONDON, now, months=2,
                              services=["counselling", "parenting"])
    finally:
        await db.close()
    by_key = {(p.month, p.service_slug): p for p in points}
    counselling = by_key[("2026-12", "counselling")]
    assert (counselling.suppressed, counselling.organisations, counselling.waiting,
            counselling.median_wait_weeks, counselling.longest_wait_weeks,
            counselling.closed_to_referrals) == (False, 3, 19, 8, 12, 1)
    parenting = by_key[("2026-12", "parenting")]
    assert parenting.suppressed and parenting.waiting is None and parenting.organisations is None
    assert by_key[("2026-11", "counselling")].suppressed
    assert [p.month for p in points] == ["2026-11", "2026-12", "2026-11", "2026-12"]
