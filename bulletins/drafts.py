"""This month's draft: the articles since the last bulletin, edited by the officer, then sent.

The draft is stored, not held in memory, so the officer can leave it half-edited, restart the
bot, schedule it for later, and a failure in one channel never loses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bulletins.model import Bulletin, BulletinItem, BulletinSection
from db import articles as articles_repo
from db import bulletins as bulletins_repo
from db import themes as themes_repo
from db.articles import Article
from db.bulletins import BulletinRecord
from db.database import Database
from db.timeutil import Clock
from feeds.sanitise import strip_boilerplate

FIRST_PERIOD = timedelta(days=31)
MAX_ARTICLE_AGE = timedelta(days=45)
"""Older articles stay out of a new draft (an event long past, a fund long closed) unless the
officer brings one back: a month's bulletin plus a fortnight's grace for a late send."""
OLDER_LISTED = 30
OLDER_SPAN = timedelta(days=730)
UNCATEGORISED = "Other news"


class DraftError(Exception):
    """Something the officer asked of the draft that cannot be done, worded for her."""


@dataclass(frozen=True)
class EditableDraft:
    record: BulletinRecord
    bulletin: Bulletin


def bulletin_title(moment: datetime, tz: ZoneInfo) -> str:
    return f"Linked-up bulletin, {moment.astimezone(tz):%B %Y}"


async def open_draft(db: Database, now: datetime, tz: ZoneInfo) -> EditableDraft:
    """The draft in progress, or a new one from the articles published since the last send.

    An existing draft picks up articles that arrived since it was opened, so a fetch after the
    officer started editing is not lost.
    """
    record = await bulletins_repo.current_draft(db)
    if record is None:
        last = await bulletins_repo.last_sent(db)
        # From where the last one started, less what it carried: an article published (or
        # fetched) after that draft was last opened but before it went out is not lost.
        since = last.period_start if last else now - FIRST_PERIOD
        bulletin_id = await bulletins_repo.create(
            db, bulletin_title(now, tz), since, await _unsent_articles(db, since, now), now
        )
    elif record.status == "draft":
        bulletin_id = record.id
        await bulletins_repo.add_items(
            db, bulletin_id, await _unsent_articles(db, record.period_start, now)
        )
    else:
        bulletin_id = record.id  # scheduled: its content is fixed until it goes or is cancelled
    return await load_editable(db, bulletin_id)


def period_start(since: datetime, now: datetime) -> datetime:
    """Where a draft's articles begin: never more than MAX_ARTICLE_AGE back."""
    return max(since, now - MAX_ARTICLE_AGE)


async def _unsent_articles(db: Database, since: datetime, now: datetime) -> list[int]:
    sent = await bulletins_repo.article_ids_sent(db)
    articles = await articles_repo.list_published_since(db, period_start(since, now))
    return [a.id for a in articles if a.id not in sent]


async def load_editable(db: Database, bulletin_id: int) -> EditableDraft:
    record = await bulletins_repo.get(db, bulletin_id)
    if record is None:
        raise DraftError(f"There is no bulletin number {bulletin_id}.")
    return EditableDraft(record, await load_bulletin(db, record))


async def load_bulletin(db: Database, record: BulletinRecord) -> Bulletin:
    """The stored draft as sections, themes ordered by what members have read most."""
    ids = await bulletins_repo.item_ids(db, record.id)
    articles = {a.id: a for a in await articles_repo.get_many(db, ids)}
    ordered = [articles[i] for i in ids if i in articles]
    theme_order = await _themes_by_interest(db)
    titles = await themes_repo.titles(db)
    return Bulletin(
        id=record.id,
        title=record.title,
        intro_html=record.intro_html,
        sections=_sections(ordered, theme_order, titles),
        created_at=record.created_at,
        theme_titles=titles,
    )


async def _themes_by_interest(db: Database) -> list[str]:
    """Most-read themes first; ties (and a new network with no reads) keep the config order."""
    reads = await bulletins_repo.reads_per_theme(db)
    configured = [theme.slug for theme in await themes_repo.list_active(db)]
    return sorted(configured, key=lambda slug: -reads.get(slug, 0))


def _item(article: Article) -> BulletinItem:
    return BulletinItem(
        article_id=article.id,
        title=article.title,
        link=article.link or "",
        summary_html=strip_boilerplate(article.summary_html),
        themes=article.themes,
    )


def _sections(
    articles: list[Article], theme_order: list[str], titles: dict[str, str]
) -> tuple[BulletinSection, ...]:
    """Each article once, under the first of its themes in ``theme_order``."""
    rank = {slug: i for i, slug in enumerate(theme_order)}
    grouped: dict[str | None, list[BulletinItem]] = {}
    for article in articles:
        known = sorted((t for t in article.themes if t in rank), key=rank.__getitem__)
        grouped.setdefault(known[0] if known else None, []).append(_item(article))
    sections = [
        BulletinSection(slug, titles[slug], tuple(grouped[slug]))
        for slug in theme_order if slug in grouped
    ]
    if None in grouped:
        sections.append(BulletinSection(None, UNCATEGORISED, tuple(grouped[None])))
    return tuple(sections)


def unthemed(draft: EditableDraft) -> list[BulletinItem]:
    """The draft's articles no theme claimed (they would go under "Other news")."""
    return [item for section in draft.bulletin.sections if section.theme_slug is None
            for item in section.items]


def reading_order(bulletin: Bulletin) -> list[int]:
    return [item.article_id for section in bulletin.sections for item in section.items]


async def schedule(
    db: Database, draft: EditableDraft, when: datetime, now: datetime
) -> EditableDraft:
    _require_unsent(draft)
    require_content(draft)
    if when <= now:
        raise DraftError("That time has already passed. Choose a time in the future.")
    await bulletins_repo.set_status(db, draft.record.id, "scheduled", scheduled_for=when)
    return await load_editable(db, draft.record.id)


async def cancel(db: Database, draft: EditableDraft) -> None:
    _require_unsent(draft)
    await bulletins_repo.set_status(db, draft.record.id, "cancelled")


def _require_editable(draft: EditableDraft) -> None:
    if draft.record.status == "scheduled":
        raise DraftError("This bulletin is scheduled, so its content is fixed. To change it, "
                         "cancel this draft and open a new one with /bulletin.")
    _require_unsent(draft)


def _require_unsent(draft: EditableDraft) -> None:
    if draft.record.status not in ("draft", "scheduled"):
        raise DraftError("This bulletin has already been sent; open a new draft with /bulletin.")


def require_content(draft: EditableDraft) -> None:
    """An empty bulletin is never sent (a second "send" must not mail everyone nothing)."""
    if not reading_order(draft.bulletin):
        raise DraftError("This bulletin has no articles yet, so there is nothing to send. "
                         "Use /fetch to read the website's feed.")


@dataclass
class DraftEditor:
    """The officer's changes to the open draft, each checked, each giving the draft back as it
    now stands (edited from Telegram: the handlers hold no database)."""

    db: Database
    clock: Clock

    async def older(self, draft: EditableDraft) -> list[Article]:
        """Articles from before the draft's period, never sent, newest first, for the officer
        to bring one back (a fund still open, an event that recurs)."""
        sent = await bulletins_repo.article_ids_sent(self.db)
        held = set(await bulletins_repo.item_ids(self.db, draft.record.id))
        start = period_start(draft.record.period_start, self.clock())
        older = await articles_repo.list_published_since(self.db, start - OLDER_SPAN, start)
        return [a for a in reversed(older) if a.id not in sent and a.id not in held][:OLDER_LISTED]

    async def bring_back(self, draft: EditableDraft, article_id: int) -> EditableDraft:
        """An older article added to the draft, at the end of its theme."""
        _require_editable(draft)
        await bulletins_repo.add_items(self.db, draft.record.id, [article_id])
        await bulletins_repo.restore_item(self.db, draft.record.id, article_id)
        return await load_editable(self.db, draft.record.id)

    async def file_under(self, draft: EditableDraft, article_id: int,
                         theme_slug: str) -> EditableDraft:
        """The officer files an article under a theme from Telegram, as a keyword would have."""
        if theme_slug not in await themes_repo.titles(self.db):
            raise DraftError("That theme is not in the config any more.")
        await articles_repo.file_under(self.db, article_id, theme_slug)
        return await load_editable(self.db, draft.record.id)

    async def set_intro(self, draft: EditableDraft, intro_html: str) -> EditableDraft:
        _require_editable(draft)
        await bulletins_repo.set_intro(self.db, draft.record.id, intro_html)
        return await load_editable(self.db, draft.record.id)

    async def drop(self, draft: EditableDraft, article_id: int) -> EditableDraft:
        _require_editable(draft)
        await bulletins_repo.drop_item(self.db, draft.record.id, article_id)
        return await load_editable(self.db, draft.record.id)

    async def move(self, draft: EditableDraft, article_id: int, step: int) -> EditableDraft:
        """Move an item up (-1) or down (+1) within its theme's section."""
        _require_editable(draft)
        for section in draft.bulletin.sections:
            ids = [item.article_id for item in section.items]
            if article_id not in ids:
                continue
            index = ids.index(article_id)
            target = min(max(index + step, 0), len(ids) - 1)
            ids.insert(target, ids.pop(index))
            others = [i for i in reading_order(draft.bulletin) if i not in ids]
            await bulletins_repo.reorder_items(self.db, draft.record.id, ids + others)
            break
        return await load_editable(self.db, draft.record.id)
