"""Repository functions for the theme list mirrored from config."""

from __future__ import annotations

from dataclasses import dataclass

from db.database import Database


@dataclass(frozen=True)
class Theme:
    slug: str
    title: str
    description: str


async def sync_from_config(db: Database, themes: list[Theme]) -> None:
    """Mirror the config; retired themes stay, inactive, so old records keep their names."""
    async with db.transaction():
        await db.execute("UPDATE themes SET active = 0")
        await db.execute_many(
            "INSERT INTO themes (slug, title, description, position, active)"
            " VALUES (?, ?, ?, ?, 1) ON CONFLICT(slug) DO UPDATE SET title = excluded.title,"
            " description = excluded.description, position = excluded.position, active = 1",
            [(t.slug, t.title, t.description, i) for i, t in enumerate(themes)],
        )


async def list_active(db: Database) -> list[Theme]:
    rows = await db.fetch_all(
        "SELECT slug, title, description FROM themes WHERE active = 1 ORDER BY position"
    )
    return [Theme(row[0], row[1], row[2]) for row in rows]


async def titles(db: Database) -> dict[str, str]:
    """Every theme ever configured, so old records still show a readable name."""
    rows = await db.fetch_all("SELECT slug, title FROM themes")
    return {row[0]: row[1] for row in rows}
