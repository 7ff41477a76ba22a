"""An async wrapper over the synchronous ``mailchimp_marketing`` SDK, with errors worded for the
officer.

Why a wrapper:

* The SDK blocks (``requests``), so every call runs in a worker thread (:func:`asyncio.to_thread`)
  and a semaphore keeps us within Mailchimp's 10 simultaneous connections per account.
* The SDK has no host setting. Its base URL is ``client.api_client.host``
  (``https://server.api.mailchimp.com/3.0``) and every call replaces ``server`` in the whole URL
  with the data centre given to ``set_config``. A loopback fake (``base_url``) is reached by
  setting ``host`` after the client is configured and clearing the data centre.
* Errors arrive as ``ApiClientError`` whose ``.text`` is the raw problem+json body as a string
  (the SDK only parses ``application/json``, and errors are ``application/problem+json``), or the
  ``requests`` exception for timeouts and network failures. An error with an empty body does not
  raise at all: the SDK returns the ``requests.Response`` (as it does for a 204), so responses are
  checked here. Everything becomes a :class:`MailchimpError` worded for the officer.
* Retries with backoff only where repeating is harmless: reads and idempotent writes on any
  transient failure; other writes only when the failure proves nothing happened (429, connect
  timeout). Whether a campaign was sent after an ambiguous failure is for the caller to read back.

The SDK is untyped; its values never leave this module except as the dataclasses below.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from settings.config import ENV_MAILCHIMP_KEY, MailchimpConfig

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 10
"""Mailchimp allows 10 simultaneous connections per account; more get 429."""
CLICK_PAGE = 1000
"""The most click-detail rows Mailchimp gives per page."""

Body = Mapping[str, object]
_Sdk = Any
_Json = dict[str, Any]


def subscriber_hash(email: str) -> str:
    """Mailchimp's id for a contact: the md5 of the lowercased address."""
    return hashlib.md5(email.strip().lower().encode("utf-8")).hexdigest()


class MailchimpError(Exception):
    """A Mailchimp failure; ``str()`` is the sentence to show the officer.

    ``transient`` failures (429, 5xx, timeouts, network) are worth retrying later. ``ambiguous``
    ones may have taken effect although no success came back, so a non-idempotent request (a
    send) must be checked before it is repeated.
    """

    transient = False

    def __init__(self, message: str, *, status: int | None = None, ambiguous: bool = False):
        super().__init__(message)
        self.status = status
        self.ambiguous = ambiguous


class MailchimpAuthError(MailchimpError):
    """401/403: the key is wrong, revoked, or lacks the permission; the config must change."""


class MailchimpNotFound(MailchimpError):
    """404: the audience, contact or campaign does not exist."""


class MailchimpRejected(MailchimpError):
    """Another 4xx: Mailchimp understood and refused; repeating the same request will not help."""


class MailchimpRateLimited(MailchimpError):
    transient = True


class MailchimpUnavailable(MailchimpError):
    """5xx, timeouts and network failures."""

    transient = True


@dataclass(frozen=True)
class Audience:
    list_id: str
    name: str
    from_name: str
    from_email: str
    member_count: int


@dataclass(frozen=True)
class Contact:
    subscriber_hash: str
    email: str
    status: str
    """subscribed, unsubscribed, cleaned, pending, transactional or archived."""
    merge_fields: dict[str, str]
    tags: frozenset[str]
    last_changed: datetime | None = None
    """When the contact last changed in Mailchimp (an unsubscribe through its link, say)."""


@dataclass(frozen=True)
class CampaignInfo:
    campaign_id: str
    status: str
    """save, paused, schedule, sending, sent, canceled, canceling or archived."""
    title: str
    emails_sent: int
    send_time: datetime | None


@dataclass(frozen=True)
class CampaignReport:
    campaign_id: str
    emails_sent: int
    unique_opens: int
    open_rate: float
    """A fraction (0.3 is 30%), as Mailchimp gives it in ``opens.open_rate``."""
    clicks_total: int
    clickers: int
    """Subscribers who clicked at least once (``clicks.unique_subscriber_clicks``)."""
    click_rate: float
    industry_open_rate: float | None


@dataclass(frozen=True)
class LinkClicks:
    url: str
    total_clicks: int
    unique_clicks: int


class MailchimpClient:
    """One Mailchimp account and audience (``list_id``), shared by every caller in the process."""

    def __init__(
        self, api_key: str, server: str, list_id: str, *, base_url: str | None = None,
        timeout: float = 30.0, attempts: int = 3, backoff: float = 1.0,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.list_id = list_id
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self._slots = asyncio.Semaphore(max_connections)
        import mailchimp_marketing  # hundreds of generated modules: only with [mailchimp]

        self._sdk: _Sdk = mailchimp_marketing.Client()
        self._sdk.set_config({"api_key": api_key, "server": server, "timeout": timeout})
        if base_url:
            # With no server set, the SDK leaves the URL alone (a host that happened to contain
            # "server" would otherwise be rewritten on every call).
            self._sdk.api_client.host = base_url.rstrip("/")
            self._sdk.api_client.server = ""

    @classmethod
    def from_config(cls, config: MailchimpConfig) -> MailchimpClient:
        return cls(config.api_key, config.server, config.list_id, base_url=config.base_url)

    @property
    def host(self) -> str:
        host: str = self._sdk.api_client.host
        return host

    # -- account and audience --------------------------------------------------------------

    async def audience(self) -> Audience:
        data = await self._call(
            "read the audience", lambda sdk: sdk.lists.get_list(self.list_id),
            idempotent=True, missing=self._missing_list,
        )
        defaults = _obj(data, "campaign_defaults")
        return Audience(
            list_id=_str(data, "id"), name=_str(data, "name"),
            from_name=_str(defaults, "from_name"), from_email=_str(defaults, "from_email"),
            member_count=_int(_obj(data, "stats"), "member_count"),
        )

    async def tag_ids(self, names: Iterable[str]) -> dict[str, int]:
        """The static-segment ids of the named tags that exist (a tag no one has is absent)."""
        found: dict[str, int] = {}
        for name in names:
            data = await self._call("look up a tag", _tag_search(self.list_id, name),
                                    idempotent=True, missing=self._missing_list)
            for tag in _list(data, "tags"):
                if _str(tag, "name") == name:
                    found[name] = _int(tag, "id")
        return found

    # -- contacts ---------------------------------------------------------------------------

    async def get_contact(self, hash_: str) -> Contact | None:
        try:
            data = await self._call(
                "read a contact",
                lambda sdk: sdk.lists.get_list_member(self.list_id, hash_), idempotent=True,
            )
        except MailchimpNotFound:
            return None
        return _contact(data)

    async def upsert_contact(self, hash_: str, body: Body) -> Contact:
        data = await self._call(
            "add or update a contact",
            lambda sdk: sdk.lists.set_list_member(self.list_id, hash_, dict(body)),
            idempotent=True, missing=self._missing_list,
        )
        return _contact(data)

    async def update_contact(self, hash_: str, body: Body) -> Contact:
        data = await self._call(
            "update a contact",
            lambda sdk: sdk.lists.update_list_member(self.list_id, hash_, dict(body)),
            idempotent=True,
        )
        return _contact(data)

    async def set_tags(self, hash_: str, active: Iterable[str], inactive: Iterable[str]) -> None:
        """Tags are changed here, not in the upsert: an upsert's tags only apply on create."""
        tags = [{"name": n, "status": "active"} for n in sorted(active)]
        tags += [{"name": n, "status": "inactive"} for n in sorted(inactive)]
        body = {"tags": tags}
        await self._call(
            "change a contact's tags",
            lambda sdk: sdk.lists.update_list_member_tags(self.list_id, hash_, body),
            idempotent=True,
        )

    async def archive_contact(self, hash_: str) -> bool:
        """Archive (reversible: history kept, can be re-added); False if there was no contact."""
        return await self._absent_ok(
            "archive a contact", lambda sdk: sdk.lists.delete_list_member(self.list_id, hash_)
        )

    async def erase_contact(self, hash_: str) -> bool:
        """Delete permanently (GDPR erasure; Mailchimp then refuses to re-add the address through
        the API). False if there was no contact."""
        return await self._absent_ok(
            "permanently delete a contact",
            lambda sdk: sdk.lists.delete_list_member_permanent(self.list_id, hash_),
        )

    # -- campaigns ---------------------------------------------------------------------------

    async def create_campaign(self, body: Body) -> CampaignInfo:
        data = await self._call(
            "create the email campaign", lambda sdk: sdk.campaigns.create(dict(body)),
            idempotent=False, missing=self._missing_list,
        )
        return _campaign(data)

    async def update_campaign(self, campaign_id: str, body: Body) -> CampaignInfo:
        data = await self._call(
            "update the email campaign",
            lambda sdk: sdk.campaigns.update(campaign_id, dict(body)), idempotent=True,
        )
        return _campaign(data)

    async def get_campaign(self, campaign_id: str) -> CampaignInfo:
        data = await self._call(
            "read the email campaign", lambda sdk: sdk.campaigns.get(campaign_id),
            idempotent=True,
        )
        return _campaign(data)

    async def draft_campaigns(self, since: datetime) -> list[CampaignInfo]:
        """Unsent campaigns on the audience created since ``since``, to find one whose creation
        failed ambiguously."""
        data = await self._call(
            "list email campaigns",
            lambda sdk: sdk.campaigns.list(
                list_id=self.list_id, status="save", count=1000,
                since_create_time=since.astimezone(UTC).isoformat(timespec="seconds"),
            ),
            idempotent=True,
        )
        return [_campaign(item) for item in _list(data, "campaigns")]

    async def set_content(self, campaign_id: str, html: str) -> None:
        await self._call(
            "set the email's content",
            lambda sdk: sdk.campaigns.set_content(campaign_id, {"html": html}), idempotent=True,
        )

    async def send_test(self, campaign_id: str, emails: list[str]) -> None:
        body = {"test_emails": emails, "send_type": "html"}
        await self._call(
            "send a test email",
            lambda sdk: sdk.campaigns.send_test_email(campaign_id, body), idempotent=False,
        )

    async def send(self, campaign_id: str) -> None:
        await self._call(
            "send the email campaign", lambda sdk: sdk.campaigns.send(campaign_id),
            idempotent=False,
        )

    async def schedule(self, campaign_id: str, when: datetime) -> None:
        body = {"schedule_time": when.astimezone(UTC).isoformat(timespec="seconds"),
                "timewarp": False}
        await self._call(
            "schedule the email campaign",
            lambda sdk: sdk.campaigns.schedule(campaign_id, body), idempotent=False,
        )

    async def unschedule(self, campaign_id: str) -> None:
        await self._call(
            "unschedule the email campaign",
            lambda sdk: sdk.campaigns.unschedule(campaign_id), idempotent=True,
        )

    # -- reports -------------------------------------------------------------------------------

    async def report(self, campaign_id: str) -> CampaignReport:
        data = await self._call(
            "read the campaign report",
            lambda sdk: sdk.reports.get_campaign_report(campaign_id), idempotent=True,
        )
        opens, clicks = _obj(data, "opens"), _obj(data, "clicks")
        industry = _obj(data, "industry_stats")
        return CampaignReport(
            campaign_id=_str(data, "id"), emails_sent=_int(data, "emails_sent"),
            unique_opens=_int(opens, "unique_opens"), open_rate=_float(opens, "open_rate"),
            clicks_total=_int(clicks, "clicks_total"),
            clickers=_int(clicks, "unique_subscriber_clicks"),
            click_rate=_float(clicks, "click_rate"),
            industry_open_rate=_float(industry, "open_rate") if "open_rate" in industry else None,
        )

    async def link_clicks(self, campaign_id: str) -> list[LinkClicks]:
        links: list[LinkClicks] = []
        while True:
            data = await self._call("read the campaign's clicks",
                                    _click_page(campaign_id, len(links)), idempotent=True)
            page = _list(data, "urls_clicked")
            links += [LinkClicks(_str(u, "url"), _int(u, "total_clicks"), _int(u, "unique_clicks"))
                      for u in page]
            if not page or len(links) >= _int(data, "total_items"):
                return links

    # -- calling -------------------------------------------------------------------------------

    @property
    def _missing_list(self) -> str:
        return (f"Mailchimp has no audience with list_id {self.list_id!r}: check mailchimp.list_id "
                "(Audience > Settings > Audience name and defaults > Audience ID).")

    async def _absent_ok(self, action: str, operation: Callable[[_Sdk], Any]) -> bool:
        try:
            await self._call(action, operation, idempotent=True)
        except MailchimpNotFound:
            return False
        return True

    async def _call(
        self, action: str, operation: Callable[[_Sdk], Any], *, idempotent: bool,
        missing: str | None = None,
    ) -> _Json:
        """Run one SDK call, retrying when that is safe; ``missing`` words a 404."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await self._once(action, operation, missing)
            except MailchimpError as error:
                retry = error.transient and (idempotent or not error.ambiguous)
                if not retry or attempt == self.attempts:
                    raise
                delay = self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)
                log.info("Mailchimp: %s; retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _once(
        self, action: str, operation: Callable[[_Sdk], Any], missing: str | None
    ) -> _Json:
        from mailchimp_marketing.api_client import ApiClientError  # loaded by __init__

        async with self._slots:
            try:
                result = await asyncio.to_thread(operation, self._sdk)
            except ApiClientError as error:
                raise self._translate(action, error.status_code, error.text, missing) from None
        if isinstance(result, requests.Response):
            # 204 No Content, or an error whose body was empty (the SDK does not raise for it).
            if result.ok:
                return {}
            raise self._translate(action, result.status_code, "", missing)
        return result if isinstance(result, dict) else {}

    def _translate(
        self, action: str, status: int | None, body: object, missing: str | None
    ) -> MailchimpError:
        if isinstance(body, requests.RequestException):
            return self._network_error(action, body)
        if isinstance(body, Exception):
            return MailchimpError(f"Could not {action}: {type(body).__name__}: {body}")
        problem = _problem(body)
        return _status_error(action, status or 0, problem, missing)

    def _network_error(self, action: str, error: requests.RequestException) -> MailchimpError:
        if isinstance(error, requests.ConnectTimeout):
            return MailchimpUnavailable(
                f"Could not connect to Mailchimp to {action} within {self.timeout:g} seconds; "
                "it will be retried.")
        if isinstance(error, requests.Timeout):
            return MailchimpUnavailable(
                f"Mailchimp did not answer within {self.timeout:g} seconds when asked to "
                f"{action}.", ambiguous=True)
        return MailchimpUnavailable(
            f"Could not reach Mailchimp ({self.host}) to {action}: {type(error).__name__}.",
            ambiguous=True)


def _tag_search(list_id: str, name: str) -> Callable[[_Sdk], Any]:
    return lambda sdk: sdk.lists.tag_search(list_id, name=name)


def _click_page(campaign_id: str, offset: int) -> Callable[[_Sdk], Any]:
    return lambda sdk: sdk.reports.get_campaign_click_details(
        campaign_id, count=CLICK_PAGE, offset=offset)


def _problem(body: object) -> dict[str, str]:
    """The problem+json fields, whether the SDK handed over a string, a dict or nothing."""
    data: object = body
    if isinstance(body, str | bytes):
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            # Not Mailchimp's problem+json but a proxy's error page (a 502 from its edge is
            # HTML): its source means nothing to the officer, the status says it all.
            log.debug("Mailchimp answered with a body that is not JSON: %.200r", body)
            return {}
    if not isinstance(data, dict):
        return {}
    problem = {key: str(data[key]) for key in ("title", "detail") if data.get(key)}
    fields = [f"{e.get('field') or 'field'}: {e.get('message')}"
              for e in data.get("errors") or [] if isinstance(e, dict)]
    if fields:
        problem["detail"] = f"{problem.get('detail', '')} ({'; '.join(fields)})".strip()
    return problem


def _status_error(
    action: str, status: int, problem: dict[str, str], missing: str | None
) -> MailchimpError:
    said = ": ".join(part for part in (problem.get("title"), problem.get("detail")) if part)
    if status == 401:
        return MailchimpAuthError(
            f"Mailchimp refused the API key (401) when asked to {action}. Check "
            f"mailchimp.api_key or ${ENV_MAILCHIMP_KEY}, and that the key is still active.",
            status=status)
    if status == 403:
        return MailchimpAuthError(
            f"Mailchimp does not let this account {action} (403): {said or 'no details given'}",
            status=status)
    if status == 404:
        return MailchimpNotFound(missing or f"Mailchimp found nothing to {action} (404).",
                                 status=status)
    if status == 429:
        return MailchimpRateLimited(
            f"Mailchimp is limiting requests (429, too many at once) when asked to {action}; "
            "try again in a minute.", status=status)
    if status >= 500 or status == 0:
        return MailchimpUnavailable(
            f"Mailchimp had a problem on its side (HTTP {status or 'error'}) when asked to "
            f"{action}; try again in a few minutes.", status=status, ambiguous=True)
    return MailchimpRejected(
        f"Mailchimp refused to {action} ({status}): {said or 'no details given'}",
        status=status)


def _obj(data: Mapping[str, Any], key: str) -> _Json:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _list(data: Mapping[str, Any], key: str) -> list[_Json]:
    value = data.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    return int(value) if isinstance(value, int | float) else 0


def _float(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _time(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if not value or not isinstance(value, str):
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _contact(data: _Json) -> Contact:
    merge = {str(k): str(v) for k, v in _obj(data, "merge_fields").items()}
    return Contact(
        subscriber_hash=_str(data, "id"), email=_str(data, "email_address"),
        status=_str(data, "status"), merge_fields=merge,
        tags=frozenset(_str(tag, "name") for tag in _list(data, "tags")),
        last_changed=_time(data, "last_changed"),
    )


def _campaign(data: _Json) -> CampaignInfo:
    return CampaignInfo(
        campaign_id=_str(data, "id"), status=_str(data, "status"),
        title=_str(_obj(data, "settings"), "title"), emails_sent=_int(data, "emails_sent"),
        send_time=_time(data, "send_time"),
    )
