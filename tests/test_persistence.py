"""What the bot keeps of a half-finished conversation between restarts, in its own database."""

from __future__ import annotations

from pathlib import Path

from bot.persistence import SQLitePersistence
from db.database import Database


async def stored_owners(db: Database) -> list[int]:
    rows = await db.fetch_all("SELECT owner_id FROM persisted_data ORDER BY owner_id")
    return [row[0] for row in rows]


async def test_a_members_data_is_kept_while_there_is_some_and_cleared_after(
    tmp_path: Path,
) -> None:
    """Members with nothing to keep cost no write, yet clearing data, stored before a restart or
    since, always removes its row."""
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        await SQLitePersistence(db).update_user_data(1, {"draft": "Holiday club"})
        restarted = SQLitePersistence(db)
        assert await restarted.get_user_data() == {1: {"draft": "Holiday club"}}

        await restarted.update_user_data(2, {})
        await restarted.update_user_data(3, {"draft": "Youth survey"})
        assert await stored_owners(db) == [1, 3]

        await restarted.update_user_data(1, {})
        await restarted.update_user_data(3, {})
        assert await stored_owners(db) == []
        await restarted.update_user_data(3, {"draft": "again"})
        await restarted.drop_user_data(3)
        await restarted.update_user_data(3, {})
        assert await stored_owners(db) == []
    finally:
        await db.close()
