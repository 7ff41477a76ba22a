"""The audience kept in step with the member directory: the real directory on a real SQLite
file drives the listener, and the real SDK talks to the loopback mailchimp_api."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from db import mailchimp as repo
from db.database import Database
from email_channel.audience import AudienceSync, Outcome
from email_channel.client import MailchimpAuthError, MailchimpClient, subscriber_hash
from members.directory import MemberDirectory
from tests.fakes.mailchimp_api import FakeMailchimp
from tests.harness import FakeClock
from tests.mailchimp_support import directory_with, join, make_client, open_db

ANN = "ann.lee@surestart.example"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_db(str(tmp_path / "linkedup.sqlite3"))
    yield database
    await database.close()


@pytest.fixture
async def audience(
    db: Database, mailchimp_api: FakeMailchimp, clock: FakeClock
) -> AsyncIterator[AudienceSync]:
    sync = AudienceSync(db, make_client(mailchimp_api), clock)
    yield sync
    await sync.close()


@pytest.fixture
def directory(db: Database, audience: AudienceSync, clock: FakeClock) -> MemberDirectory:
    return directory_with(db, audience, clock)


async def test_a_member_with_email_is_added_pending_with_theme_tags(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp
) -> None:
    await join(directory, 1, ANN, name="Ann Lee", themes=("send", "youth"))
    await audience.idle()
    contact = mailchimp_api.contact(ANN)
    assert contact is not None
    assert contact.status == "pending" and contact.confirmations_sent == 1  # double opt-in
    assert contact.merge_fields == {"FNAME": "Ann", "LNAME": "Lee"}
    assert contact.tags == {"theme:send", "theme:youth"}
    # Tags go through the tags endpoint, not the upsert (which only applies them on create).
    assert "tags" not in mailchimp_api.calls("PUT", "/members/")[0].body


async def test_a_member_without_email_never_reaches_mailchimp(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp
) -> None:
    await join(directory, 1, None, themes=("send",))
    await audience.idle()
    assert mailchimp_api.requests == []


async def test_tags_follow_theme_changes_for_an_existing_contact(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp
) -> None:
    mailchimp_api.add_contact(ANN, "subscribed", tags=("trustee",), FNAME="Ann", LNAME="Lee")
    member = await join(directory, 1, ANN, themes=("send",))
    await audience.idle()
    await directory.set_themes(member, ["early-years", "youth"])
    await audience.idle()
    contact = mailchimp_api.contact(ANN)
    assert contact is not None and contact.status == "subscribed"  # never downgraded to pending
    assert contact.tags == {"trustee", "theme:early-years", "theme:youth"}  # the officer's tag kept
    last = mailchimp_api.calls("POST", "/tags$")[-1].body["tags"]
    assert {(t["name"], t["status"]) for t in last} == {
        ("theme:early-years", "active"), ("theme:youth", "active"), ("theme:send", "inactive")}


async def test_a_changed_address_archives_the_old_contact(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp, db: Database
) -> None:
    await join(directory, 1, ANN, themes=("send",))
    await audience.idle()
    await join(directory, 1, "ann@newcharity.example", themes=("send",))
    await audience.idle()
    old, new = mailchimp_api.contact(ANN), mailchimp_api.contact("ann@newcharity.example")
    assert old is not None and old.status == "archived"
    assert new is not None and new.status == "pending" and new.tags == {"theme:send"}
    row = await repo.get_member_sync(db, 1)
    assert row is not None and row.subscriber_hash == subscriber_hash("ann@newcharity.example")


async def test_withdrawn_consent_unsubscribes_and_renewed_consent_asks_again(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp
) -> None:
    await join(directory, 1, ANN)
    await audience.idle()
    contact = mailchimp_api.contact(ANN)
    assert contact is not None
    contact.status = "subscribed"  # they confirmed
    await join(directory, 1, None)
    await audience.idle()
    assert contact.status == "unsubscribed"
    await join(directory, 1, ANN)
    await audience.idle()
    assert contact.status == "pending" and contact.confirmations_sent == 2


async def test_someone_who_unsubscribed_through_mailchimp_is_left_alone(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp
) -> None:
    member = await join(directory, 1, ANN, themes=("send",))
    await audience.idle()
    contact = mailchimp_api.contact(ANN)
    assert contact is not None
    contact.status = "unsubscribed"  # clicked *|UNSUB|* in a bulletin
    await directory.set_themes(member, ["youth"])
    report = await audience.reconcile()
    assert contact.status == "unsubscribed" and contact.confirmations_sent == 1
    assert [r.outcome for r in report.results] == [Outcome.UNSUBSCRIBED]
    assert mailchimp_api.calls("PATCH", "/members/") == []


async def test_forget_deletes_the_contact_permanently(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp, db: Database
) -> None:
    member = await join(directory, 1, ANN, themes=("send",))
    await audience.idle()
    await directory.forget(member)
    await audience.idle()
    assert mailchimp_api.contact(ANN) is None and ANN in mailchimp_api.forgotten
    assert await repo.due_erasures(db, None) == []
    # Mailchimp will not take the address back through the API; the sync says so, once.
    await join(directory, 2, ANN)
    report = await audience.reconcile()
    assert [r.outcome for r in report.results] == [Outcome.REJECTED]
    assert "permanently deleted" in report.results[0].detail


async def test_forget_also_erases_the_archived_contact_of_an_old_address(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp, db: Database
) -> None:
    """Archiving keeps the old contact's data in the audience: /forget must reach it too."""
    await join(directory, 1, ANN, themes=("send",))
    await audience.idle()
    member = await join(directory, 1, "ann@newcharity.example", themes=("send",))
    await audience.idle()
    old = mailchimp_api.contact(ANN)
    assert old is not None and old.status == "archived"
    await directory.forget(member)
    await audience.idle()
    assert mailchimp_api.contact(ANN) is None and mailchimp_api.contact(
        "ann@newcharity.example") is None
    assert {ANN, "ann@newcharity.example"} <= mailchimp_api.forgotten
    assert await repo.due_erasures(db, None) == []


async def test_contacts_who_are_not_members_are_left_alone(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp
) -> None:
    mailchimp_api.add_contact("trustee@linkedup.example", "subscribed", tags=("board",),
                              FNAME="Tom")
    await join(directory, 1, ANN, themes=("send",))
    await audience.idle()
    report = await audience.reconcile()
    assert [(r.member_id, r.outcome) for r in report.results] == [(1, Outcome.UNCHANGED)]
    trustee = mailchimp_api.contact("trustee@linkedup.example")
    assert trustee is not None and trustee.status == "subscribed" and trustee.tags == {"board"}
    touched = {r.path.rsplit("/", 1)[-1] for r in mailchimp_api.requests if "/members/" in r.path}
    assert subscriber_hash("trustee@linkedup.example") not in touched


async def test_reconcile_reports_what_changed(
    db: Database, mailchimp_api: FakeMailchimp, clock: FakeClock
) -> None:
    # Members joined while Mailchimp was not configured: the first sync brings them in.
    quiet = MemberDirectory(db, clock)
    await join(quiet, 1, ANN, themes=("send",))
    await join(quiet, 2, "bo@family.example", name="Bo Diaz", themes=("youth",))
    await join(quiet, 3, None, name="Cy Okafor")
    mailchimp_api.add_contact("bo@family.example", "subscribed", FNAME="Bo", LNAME="Diaz")
    audience = AudienceSync(db, make_client(mailchimp_api), clock)
    report = await audience.reconcile()
    assert {(r.who, r.outcome) for r in report.results} == {
        ("Ann Lee (Sure Start North)", Outcome.ADDED),
        ("Bo Diaz (Sure Start North)", Outcome.UPDATED),  # tagged
    }
    again = await audience.reconcile()
    assert [r.outcome for r in again.results] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert again.changes == [] and not again.failed


async def test_mailchimp_down_never_breaks_telegram_and_is_retried(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp, db: Database,
    clock: FakeClock,
) -> None:
    mailchimp_api.fail_next(503, count=100)
    member = await join(directory, 1, ANN, themes=("send",))  # registration still works
    await audience.idle()
    assert mailchimp_api.contact(ANN) is None
    row = await repo.get_member_sync(db, member.id)
    assert row is not None and row.needs_sync and "503" in (row.last_error or "")

    mailchimp_api._faults.clear()
    await audience.retry_due(clock())  # DueWork before the backoff: nothing happens
    await audience.idle()
    assert mailchimp_api.contact(ANN) is None
    clock.advance(minutes=2)
    await audience.retry_due(clock())
    await audience.idle()
    contact = mailchimp_api.contact(ANN)
    assert contact is not None and contact.tags == {"theme:send"}
    row = await repo.get_member_sync(db, member.id)
    assert row is not None and not row.needs_sync and row.last_error is None


async def test_an_erasure_that_fails_is_owed_until_it_succeeds(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp, db: Database,
    clock: FakeClock,
) -> None:
    member = await join(directory, 1, ANN)
    await audience.idle()
    mailchimp_api.fail_next(500, count=3, match="delete-permanent")
    await directory.forget(member)
    await audience.idle()
    assert mailchimp_api.contact(ANN) is not None
    assert [e.subscriber_hash for e in await repo.due_erasures(db, None)] == [
        subscriber_hash(ANN)]
    clock.advance(minutes=1)
    await audience.retry_due(clock())
    await audience.idle()
    assert mailchimp_api.contact(ANN) is None and await repo.due_erasures(db, None) == []


async def test_reconcile_with_a_wrong_key_stops_with_one_clear_error(
    db: Database, mailchimp_api: FakeMailchimp, clock: FakeClock
) -> None:
    directory = MemberDirectory(db, clock)
    await join(directory, 1, ANN)
    audience = AudienceSync(db, MailchimpClient("bad-us21", "us21", mailchimp_api.list_id,
                                                base_url=mailchimp_api.base_url), clock)
    with pytest.raises(MailchimpAuthError):
        await audience.reconcile()
    assert len(mailchimp_api.requests) == 1


async def test_the_retry_backoff_grows_and_is_capped(clock: FakeClock) -> None:
    from email_channel.audience import retry_at

    now = clock()
    assert retry_at(now, 0) == now + timedelta(minutes=1)
    assert retry_at(now, 3) == now + timedelta(minutes=8)
    assert retry_at(now, 20) == now + timedelta(hours=6)


async def test_forgetting_during_a_push_still_erases_cleanly(
    directory: MemberDirectory, audience: AudienceSync, mailchimp_api: FakeMailchimp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailchimp_api.delay_next(0.3, match="^PUT /lists/")  # the upsert is still in flight when...
    member = await join(directory, 1, ANN)
    await asyncio.sleep(0.1)
    await directory.forget(member)  # ...the member asks to be forgotten
    await audience.idle()
    assert mailchimp_api.contact(ANN) is None and ANN in mailchimp_api.forgotten
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
