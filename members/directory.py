"""The member directory: registration, themes, consent and status, without Telegram.

Other features (the Mailchimp audience, issues, meetings) need to hear when a member changes or
is forgotten, and to contribute to ``/mydata``; they register as :class:`MemberListener` or
:class:`PersonalDataSource` when the application is assembled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from db import members as members_repo
from db import themes as themes_repo
from db.database import Database
from db.members import EMAIL_BULLETIN, Member, MemberDetails
from db.records import MembershipCounts
from db.themes import Theme
from db.timeutil import Clock, to_db, utcnow
from members import reports
from members.reports import MembersExport

log = logging.getLogger(__name__)

PRIVACY_NOTICE_VERSION = "2026-11"


class MemberListener(Protocol):
    async def member_changed(self, member: Member, themes: list[str]) -> None: ...

    async def member_forgotten(self, member: Member) -> None: ...


class PersonalDataSource(Protocol):
    """Something else that holds a member's data and must show it in ``/mydata``."""

    name: str

    async def personal_data(self, member: Member) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Registration:
    member: Member
    created: bool


@dataclass
class MemberDirectory:
    db: Database
    clock: Clock = utcnow
    listeners: list[MemberListener] = field(default_factory=list)
    data_sources: list[PersonalDataSource] = field(default_factory=list)
    _themes: list[Theme] | None = field(default=None, init=False, repr=False)

    async def find(self, telegram_id: int) -> Member | None:
        return await members_repo.get_by_telegram_id(self.db, telegram_id)

    async def find_with_themes(self, telegram_id: int) -> tuple[Member, list[str]] | None:
        return await members_repo.get_with_themes(self.db, telegram_id)

    async def register(
        self, telegram_id: int, chat_id: int, details: MemberDetails, *, email_consent: bool
    ) -> Registration:
        """Create or update; ``/start`` twice must never make a second member."""
        now = self.clock()
        email = details.email if email_consent else None
        details = MemberDetails(details.organisation, details.contact_name, details.role, email)
        async with self.db.transaction():
            existing = await members_repo.get_by_telegram_id(self.db, telegram_id)
            if existing is None:
                member_id = await members_repo.insert(self.db, telegram_id, chat_id, details, now)
                await members_repo.record_consent(
                    self.db, member_id, "privacy_notice", True, PRIVACY_NOTICE_VERSION, now
                )
            else:
                member_id = existing.id
                await members_repo.update_details(self.db, member_id, details, now)
                await members_repo.set_chat_id(self.db, member_id, chat_id)
            # Every "yes" is recorded, even when it repeats one: a yes given after the member
            # unsubscribed through Mailchimp's link is what asks Mailchimp to take them back.
            if existing is None or email_consent or existing.email is not None:
                await members_repo.record_consent(
                    self.db, member_id, EMAIL_BULLETIN, email_consent, PRIVACY_NOTICE_VERSION,
                    now,
                )
        member = await self._reload(member_id)
        await self._announce_change(member)
        return Registration(member, created=existing is None)

    async def themes(self) -> list[Theme]:
        """The themes a member may follow, in the config's order. They are the config's, written
        to the database at start-up before the directory is made, so they are read once: every
        /themes menu and theme button needs them."""
        if self._themes is None:
            self._themes = await themes_repo.list_active(self.db)
        return list(self._themes)

    async def theme_titles(self) -> dict[str, str]:
        """Every theme's title by slug, retired ones too, so old records keep their names."""
        return await themes_repo.titles(self.db)

    async def counts(self, tz: ZoneInfo) -> MembershipCounts:
        """Members now and joined this month (in the network's zone), for ``/members``."""
        return await reports.membership_counts(self.db, self.clock(), tz)

    async def export(self) -> MembersExport:
        return await reports.members_csv(self.db)

    async def themes_of(self, member: Member) -> list[str]:
        return await members_repo.themes_of(self.db, member.id)

    async def set_themes(self, member: Member, theme_slugs: list[str]) -> list[str]:
        known = [theme.slug for theme in await self.themes()]
        chosen = [slug for slug in known if slug in set(theme_slugs)]
        await members_repo.replace_themes(self.db, member.id, chosen)
        await self._announce_change(member)
        return chosen

    async def toggle_theme(self, member: Member, slug: str) -> list[str]:
        current = set(await self.themes_of(member))
        current.symmetric_difference_update({slug})
        return await self.set_themes(member, list(current))

    async def set_only_my_themes(self, member: Member, only: bool) -> Member:
        await members_repo.set_only_my_themes(self.db, member.id, only)
        return await self._reload(member.id)

    async def set_broadcasts_paused(self, member: Member, paused: bool) -> Member:
        await members_repo.set_broadcasts_paused(self.db, member.id, paused)
        return await self._reload(member.id)

    async def mark_blocked(self, telegram_id: int) -> Member | None:
        member = await self.find(telegram_id)
        if member is None or not member.active:
            return member
        await members_repo.set_status(self.db, member.id, "blocked", self.clock())
        log.info("member %s blocked the bot; marked inactive", member.id)
        return await self._reload(member.id)

    async def reachable_again(self, telegram_id: int) -> Member | None:
        """A member marked blocked who writes has unblocked the bot: marked active, and
        returned. None for everyone else, read from nothing (see
        :func:`db.members.is_blocked`)."""
        if not await members_repo.is_blocked(self.db, telegram_id):
            return None
        return await self.mark_active(telegram_id)

    async def mark_active(self, telegram_id: int) -> Member | None:
        member = await self.find(telegram_id)
        if member is None or member.active:
            return member
        await members_repo.set_status(self.db, member.id, "active", self.clock())
        log.info("member %s is reachable again; marked active", member.id)
        return await self._reload(member.id)

    async def personal_data(self, member: Member) -> dict[str, Any]:
        """Everything stored about the member, for a subject access request (``/mydata``)."""
        consents = await members_repo.consents_of(self.db, member.id)
        data: dict[str, Any] = {
            "member": {
                "telegram_user_id": member.telegram_id,
                "organisation": member.organisation,
                "name": member.contact_name,
                "role": member.role,
                "email": member.email,
                "status": member.status,
                "bulletin_only_my_themes": member.only_my_themes,
                "bulletins_and_updates_paused": member.broadcasts_paused,
                "joined_at": to_db(member.joined_at),
                "updated_at": to_db(member.updated_at),
            },
            "themes": await self.themes_of(member),
            "consents": [
                {
                    "purpose": c.purpose,
                    "granted": c.granted,
                    "notice_version": c.notice_version,
                    "recorded_at": to_db(c.recorded_at),
                }
                for c in consents
            ],
        }
        for source in self.data_sources:
            data[source.name] = await source.personal_data(member)
        return data

    async def forget(self, member: Member) -> None:
        """Erase the member; listeners first, so they can still read what they must remove."""
        for listener in self.listeners:
            try:
                await listener.member_forgotten(member)
            except Exception:
                log.exception("could not tell %r that member %s was forgotten", listener, member.id)
        await members_repo.delete(self.db, member.id)
        log.info("member %s erased at their request", member.id)

    async def _reload(self, member_id: int) -> Member:
        member = await members_repo.get_by_id(self.db, member_id)
        assert member is not None, "member vanished inside its own update"
        return member

    async def _announce_change(self, member: Member) -> None:
        themes = await self.themes_of(member)
        for listener in self.listeners:
            try:
                await listener.member_changed(member, themes)
            except Exception:
                log.exception("could not tell %r that member %s changed", listener, member.id)
