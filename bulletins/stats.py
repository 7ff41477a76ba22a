"""What members read: per bulletin, reach and reads on Telegram, clicks and opens by email.

Clicks (Telegram "read" taps, email link clicks) lead: since mail privacy protection, email
opens are inflated by mail clients fetching images, so they are shown second.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from db import bulletins as bulletins_repo
from db import deliveries as deliveries_repo
from db import themes as themes_repo
from db.bulletins import ArticleReads, BulletinRecord
from db.database import Database
from db.records import BulletinStats, EmailFigures

EmailFiguresSource = Callable[[int], Awaitable[EmailFigures | None]]
"""Given a bulletin id, its email campaign's figures, or None if it was not emailed."""


async def bulletin_stats(
    db: Database, record: BulletinRecord, email_source: EmailFiguresSource | None,
    top: int = 3,
) -> BulletinStats:
    dispatch = await deliveries_repo.get_dispatch_by_key(db, f"bulletin:{record.id}")
    progress = await deliveries_repo.progress(db, dispatch.id) if dispatch else None
    reads = await bulletins_repo.reads_of(db, record.id)
    readers = await bulletins_repo.readers_of(db, record.id)
    titles = await themes_repo.titles(db)
    by_theme: dict[str, list[ArticleReads]] = {}
    for article in reads:
        theme = titles.get(article.themes[0], article.themes[0]) if article.themes else "Other"
        by_theme.setdefault(theme, []).append(article)
    return BulletinStats(
        bulletin=record,
        reached=progress.sent if progress else 0,
        readers=readers,
        top_by_theme=[(theme, articles[:top]) for theme, articles in by_theme.items()],
        email=await email_source(record.id) if email_source else None,
    )


async def recent_stats(
    db: Database, email_source: EmailFiguresSource | None, count: int = 6
) -> list[BulletinStats]:
    """The last bulletins, newest first."""
    return [
        await bulletin_stats(db, record, email_source)
        for record in await bulletins_repo.list_sent(db, count)
    ]
