"""A loopback fake of the Mailchimp Marketing API 3.0, for the real ``mailchimp_marketing`` SDK.

It serves the endpoints the bot uses, with Mailchimp's shapes and rules as documented: Basic auth
(any user name, the key as password; anything else is 401), problem+json errors with
``type/title/status/detail/instance``, subscriber hashes checked against the address, double
opt-in (``pending``), contacts in compliance state that cannot be re-subscribed, permanently
deleted addresses that cannot be re-added, tags as static segments with ids, campaigns that
must be ready before they are tested, sent or scheduled, schedule times on the quarter hour.

Faults are injected per request: an error status (before or after the request took effect), an
empty-bodied error, or a delay longer than the client's timeout. The server runs on the test's
event loop; the SDK blocks in worker threads (the client uses ``asyncio.to_thread``), so the loop
stays free to answer.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import re
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web

API_KEY = "0123456789abcdef0123456789abcdef-us21"
LIST_ID = "a1b2c3d4e5"
ERROR_DOC = "https://mailchimp.com/developer/marketing/docs/errors/"
STATUSES = ("subscribed", "unsubscribed", "cleaned", "pending", "transactional")
MERGE_TAGS = ("FNAME", "LNAME", "ADDRESS", "PHONE", "BIRTHDAY")
READY_TO_EDIT = ("save", "paused")

Json = dict[str, Any]
Handler = Callable[[web.Request, Json], Awaitable[web.Response]]


def email_hash(email: str) -> str:
    return hashlib.md5(email.lower().encode()).hexdigest()


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str,
                 errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors


def not_found() -> Problem:
    return Problem(404, "Resource Not Found", "The requested resource could not be found.")


def invalid(detail: str, field_name: str | None = None) -> Problem:
    errors = [{"field": field_name, "message": detail}] if field_name else None
    return Problem(400, "Invalid Resource", detail, errors)


@dataclass
class FakeContact:
    email: str
    status: str
    merge_fields: dict[str, str] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    email_type: str = "html"
    confirmations_sent: int = 0
    """Opt-in confirmation emails Mailchimp would have sent (each change to ``pending``)."""
    last_changed: str = ""


@dataclass
class FakeCampaign:
    id: str
    web_id: int
    type: str
    recipients: Json
    settings: Json
    create_time: str
    status: str = "save"
    html: str | None = None
    send_time: str = ""
    emails_sent: int = 0
    tests: list[list[str]] = field(default_factory=list)
    sends: int = 0
    """How many times the campaign actually went out: never more than one."""


@dataclass
class FakeReport:
    unique_opens: int = 0
    opens_total: int = 0
    subscriber_clicks: int = 0
    clicks: dict[str, tuple[int, int]] = field(default_factory=dict)
    """url -> (total clicks, unique clicks)."""


@dataclass
class Fault:
    count: int
    match: str | None
    status: int | None
    delay: float = 0.0
    after_applying: bool = False
    empty_body: bool = False
    html_body: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.match is None or re.search(self.match, f"{method} {path}") is not None


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Json
    status: int


class FakeMailchimp:
    """The fake server and the state tests assert on; ``async with FakeMailchimp() as fake``."""

    def __init__(self, *, api_key: str = API_KEY, list_id: str = LIST_ID,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.api_key = api_key
        self.list_id = list_id
        self.now = now
        self.list_info: Json = {
            "id": list_id, "web_id": 1001, "name": "Linked-up network",
            "campaign_defaults": {"from_name": "Linked-up network",
                                  "from_email": "office@linkedup.example",
                                  "subject": "", "language": "en"},
            "permission_reminder": "You joined the Linked-up network.",
            "double_optin": True,
        }
        self.contacts: dict[str, FakeContact] = {}
        self.forgotten: set[str] = set()
        self.tag_ids: dict[str, int] = {}
        self.campaigns: dict[str, FakeCampaign] = {}
        self.reports: dict[str, FakeReport] = {}
        self.requests: list[Recorded] = []
        self.internal_errors: list[str] = []
        self.in_flight = self.max_in_flight = 0
        """Requests being answered now, and the most at once: Mailchimp allows 10."""
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> FakeMailchimp:
        app = web.Application(middlewares=[self._middleware])
        for method, pattern, handler in self._routes():
            app.router.add_route(method, "/3.0" + pattern, self._wrap(handler))
        app.router.add_route("*", "/{tail:.*}", self._wrap(self._no_route))
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/3.0"

    # -- test controls ------------------------------------------------------------------------

    def fail_next(self, status: int, *, count: int = 1, match: str | None = None,
                  after_applying: bool = False, empty_body: bool = False,
                  html_body: bool = False) -> None:
        """The next ``count`` requests matching ``match`` (a regex on ``"METHOD /path"``) get
        ``status``; ``after_applying`` makes the request take effect first (an ambiguous
        failure); ``empty_body`` sends the error without a body; ``html_body`` sends the HTML
        error page of the proxy in front of the API (as a 502 from Mailchimp's edge does)."""
        self._faults.append(Fault(count, match, status, after_applying=after_applying,
                                  empty_body=empty_body, html_body=html_body))

    def delay_next(self, seconds: float, *, count: int = 1, match: str | None = None,
                   after_applying: bool = True) -> None:
        """Answer late (after the client's timeout); by default the request still took effect."""
        self._faults.append(Fault(count, match, None, delay=seconds,
                                  after_applying=after_applying))

    def contact(self, email: str) -> FakeContact | None:
        return self.contacts.get(email_hash(email))

    def add_contact(self, email: str, status: str = "subscribed", *,
                    tags: tuple[str, ...] = (), **merge_fields: str) -> FakeContact:
        """A contact the officer already had (or the member made through Mailchimp's form)."""
        contact = FakeContact(email, status, dict(merge_fields), set(tags),
                              last_changed=self._stamp())
        for tag in tags:
            self._tag_id(tag)
        self.contacts[email_hash(email)] = contact
        return contact

    def unsubscribe(self, email: str) -> FakeContact:
        """The person clicked *|UNSUB|* in an email: Mailchimp records when."""
        contact = self.contacts[email_hash(email)]
        contact.status = "unsubscribed"
        contact.last_changed = self._stamp()
        return contact

    def set_report(self, campaign_id: str, *, unique_opens: int, opens_total: int,
                   subscriber_clicks: int, clicks: dict[str, tuple[int, int]]) -> None:
        self.reports[campaign_id] = FakeReport(unique_opens, opens_total, subscriber_clicks,
                                               clicks)

    def calls(self, method: str, path_pattern: str) -> list[Recorded]:
        """Recorded requests whose path matches the regex (any status)."""
        return [r for r in self.requests
                if r.method == method and re.search(path_pattern, r.path)]

    # -- plumbing -----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        path = request.path.removeprefix("/3.0")
        try:
            body = await _body(request)
        except Problem:
            body = {}
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = await self._answer(request, handler, path)
        finally:
            self.in_flight -= 1
        self.requests.append(Recorded(request.method, path, dict(request.query), body,
                                      response.status))
        return response

    async def _answer(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        path: str,
    ) -> web.StreamResponse:
        if not self._authorised(request.headers.get("Authorization", "")):
            return _problem(Problem(401, "API Key Invalid",
                                    "Your API key may be invalid, or you've attempted to access "
                                    "the wrong datacenter."))
        fault = self._take_fault(request.method, path)
        if fault is None:
            return await handler(request)
        response = await handler(request) if fault.after_applying else None
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.status is None:
            return response or await handler(request)
        if fault.empty_body:
            return web.Response(status=fault.status)
        if fault.html_body:
            return web.Response(status=fault.status, text=_error_page(fault.status),
                                content_type="text/html")
        title = HTTPStatus(fault.status).phrase
        return _problem(Problem(fault.status, title, "A fault injected by the test."))

    def _authorised(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            return False
        return decoded.partition(":")[2] == self.api_key

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.count > 0 and fault.matches(method, path):
                fault.count -= 1
                return fault
        return None

    def _wrap(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def run(request: web.Request) -> web.Response:
            try:
                return await handler(request, await _body(request))
            except Problem as problem:
                return _problem(problem)
            except Exception:
                self.internal_errors.append(traceback.format_exc())
                return _problem(Problem(500, "Internal Server Error", "A bug in the fake."))

        return run

    def _stamp(self) -> str:
        return self.now().astimezone(UTC).isoformat(timespec="seconds")

    def _routes(self) -> list[tuple[str, str, Handler]]:
        member = "/lists/{list_id}/members/{hash}"
        return [
            ("GET", "/ping", self._ping),
            ("GET", "/lists/{list_id}", self._get_list),
            ("GET", "/lists/{list_id}/tag-search", self._tag_search),
            ("GET", member, self._get_member),
            ("PUT", member, self._put_member),
            ("PATCH", member, self._patch_member),
            ("DELETE", member, self._archive_member),
            ("POST", member + "/tags", self._member_tags),
            ("POST", member + "/actions/delete-permanent", self._delete_permanent),
            ("GET", "/campaigns", self._list_campaigns),
            ("POST", "/campaigns", self._create_campaign),
            ("GET", "/campaigns/{id}", self._get_campaign),
            ("PATCH", "/campaigns/{id}", self._update_campaign),
            ("PUT", "/campaigns/{id}/content", self._set_content),
            ("POST", "/campaigns/{id}/actions/test", self._send_test),
            ("POST", "/campaigns/{id}/actions/send", self._send),
            ("POST", "/campaigns/{id}/actions/schedule", self._schedule),
            ("POST", "/campaigns/{id}/actions/unschedule", self._unschedule),
            ("GET", "/reports/{id}", self._report),
            ("GET", "/reports/{id}/click-details", self._click_details),
        ]

    async def _no_route(self, request: web.Request, body: Json) -> web.Response:
        raise not_found()

    # -- account and lists ----------------------------------------------------------------------

    async def _ping(self, request: web.Request, body: Json) -> web.Response:
        return web.json_response({"health_status": "Everything's Chimpy!"})

    def _require_list(self, request: web.Request) -> None:
        if request.match_info["list_id"] != self.list_id:
            raise not_found()

    async def _get_list(self, request: web.Request, body: Json) -> web.Response:
        self._require_list(request)
        statuses = [c.status for c in self.contacts.values()]
        stats = {"member_count": statuses.count("subscribed"),
                 "unsubscribe_count": statuses.count("unsubscribed"),
                 "cleaned_count": statuses.count("cleaned")}
        return web.json_response({**self.list_info, "stats": stats})

    async def _tag_search(self, request: web.Request, body: Json) -> web.Response:
        self._require_list(request)
        name = request.query.get("name", "").lower()
        tags = [{"id": i, "name": n} for n, i in self.tag_ids.items() if name in n.lower()]
        return web.json_response({"tags": tags, "total_items": len(tags)})

    def _tag_id(self, name: str) -> int:
        return self.tag_ids.setdefault(name, 10_000 + len(self.tag_ids))

    # -- contacts -----------------------------------------------------------------------------

    def _member_json(self, hash_: str, contact: FakeContact) -> Json:
        merge = {tag: contact.merge_fields.get(tag, "") for tag in MERGE_TAGS}
        merge |= contact.merge_fields
        tags = [{"id": self._tag_id(t), "name": t} for t in sorted(contact.tags)]
        return {
            "id": hash_, "email_address": contact.email, "unique_email_id": hash_[:10],
            "contact_id": hash_, "full_name": f"{merge['FNAME']} {merge['LNAME']}".strip(),
            "web_id": int(hash_[:6], 16), "email_type": contact.email_type,
            "status": contact.status, "merge_fields": merge,
            "stats": {"avg_open_rate": 0, "avg_click_rate": 0}, "ip_signup": "",
            "timestamp_signup": "", "member_rating": 2, "last_changed": contact.last_changed,
            "language": "", "vip": False, "source": "API - Generic",
            "tags_count": len(tags), "tags": tags, "list_id": self.list_id,
        }

    def _contact(self, request: web.Request) -> tuple[str, FakeContact]:
        self._require_list(request)
        hash_ = _hash_of(request.match_info["hash"])
        contact = self.contacts.get(hash_)
        if contact is None:
            raise not_found()
        return hash_, contact

    async def _get_member(self, request: web.Request, body: Json) -> web.Response:
        hash_, contact = self._contact(request)
        return web.json_response(self._member_json(hash_, contact))

    async def _put_member(self, request: web.Request, body: Json) -> web.Response:
        self._require_list(request)
        hash_ = _hash_of(request.match_info["hash"])
        email = str(body.get("email_address") or "")
        if not email:
            raise invalid("This value should not be blank.", "email_address")
        if email_hash(email) != hash_:
            raise invalid("The subscriber hash does not match the email address.",
                          "email_address")
        if email.lower() in self.forgotten:
            raise Problem(400, "Forgotten Email Not Subscribed",
                          f"{email} was permanently deleted and cannot be re-imported. The "
                          "contact must re-subscribe to get back on the list.")
        merge = _merge_fields(body)
        contact = self.contacts.get(hash_)
        if contact is None or contact.status == "archived":
            status = body.get("status") or body.get("status_if_new")
            if status not in STATUSES:
                raise invalid("status_if_new is required for a new contact.", "status_if_new")
            tags = {str(t) for t in body.get("tags") or []}
            contact = FakeContact(email, "archived", merge, tags)
            self.contacts[hash_] = contact
            for tag in tags:
                self._tag_id(tag)
            self._change_status(contact, str(status))
        else:
            contact.merge_fields |= merge
            if body.get("status"):
                self._change_status(contact, str(body["status"]))
        contact.email_type = str(body.get("email_type") or contact.email_type)
        contact.last_changed = self._stamp()
        return web.json_response(self._member_json(hash_, contact))

    async def _patch_member(self, request: web.Request, body: Json) -> web.Response:
        hash_, contact = self._contact(request)
        contact.merge_fields |= _merge_fields(body)
        if body.get("status"):
            self._change_status(contact, str(body["status"]))
        contact.last_changed = self._stamp()
        return web.json_response(self._member_json(hash_, contact))

    def _change_status(self, contact: FakeContact, status: str) -> None:
        if status not in STATUSES:
            raise invalid(f"{status!r} is not a valid status.", "status")
        if status == contact.status:
            return
        if status == "subscribed" and contact.status in ("unsubscribed", "cleaned"):
            raise Problem(400, "Member In Compliance State",
                          f"{contact.email} is already a list member in compliance state due to "
                          "unsubscribe, bounce, or compliance review and cannot be subscribed.")
        if contact.status == "cleaned":
            raise invalid("A cleaned contact's status cannot be changed.", "status")
        if status == "pending":
            contact.confirmations_sent += 1
        contact.status = status

    async def _archive_member(self, request: web.Request, body: Json) -> web.Response:
        _, contact = self._contact(request)
        if contact.status == "archived":
            raise not_found()
        contact.status = "archived"
        return web.Response(status=204)

    async def _member_tags(self, request: web.Request, body: Json) -> web.Response:
        _, contact = self._contact(request)
        for tag in body.get("tags") or []:
            name, status = str(tag.get("name") or ""), tag.get("status")
            if not name or status not in ("active", "inactive"):
                raise invalid("Each tag needs a name and a status of active or inactive.",
                              "tags")
            if status == "active":
                self._tag_id(name)
                contact.tags.add(name)
            else:
                contact.tags.discard(name)
        return web.Response(status=204)

    async def _delete_permanent(self, request: web.Request, body: Json) -> web.Response:
        hash_, contact = self._contact(request)
        del self.contacts[hash_]
        self.forgotten.add(contact.email.lower())
        return web.Response(status=204)

    # -- campaigns ----------------------------------------------------------------------------

    def _campaign_json(self, campaign: FakeCampaign) -> Json:
        return {
            "id": campaign.id, "web_id": campaign.web_id, "type": campaign.type,
            "create_time": campaign.create_time, "status": campaign.status,
            "emails_sent": campaign.emails_sent, "send_time": campaign.send_time,
            "content_type": "html",
            "recipients": {**campaign.recipients,
                           "recipient_count": len(self._recipients(campaign))},
            "settings": campaign.settings,
            "tracking": {"opens": True, "html_clicks": True, "text_clicks": False},
        }

    def _recipients(self, campaign: FakeCampaign) -> list[FakeContact]:
        conditions = (campaign.recipients.get("segment_opts") or {}).get("conditions") or []
        names = {n for n, i in self.tag_ids.items()
                 if any(c.get("value") == i for c in conditions)}
        return [c for c in self.contacts.values() if c.status == "subscribed"
                and (not conditions or c.tags & names)]

    def _campaign(self, request: web.Request) -> FakeCampaign:
        campaign = self.campaigns.get(request.match_info["id"])
        if campaign is None:
            raise not_found()
        return campaign

    def _check_recipients(self, recipients: Json) -> None:
        if recipients.get("list_id") != self.list_id:
            raise invalid("The list does not exist.", "recipients.list_id")
        opts = recipients.get("segment_opts")
        if not opts:
            return
        if opts.get("match") not in ("any", "all"):
            raise invalid("match must be any or all.", "recipients.segment_opts.match")
        for condition in opts.get("conditions") or []:
            ok = (condition.get("condition_type") == "StaticSegment"
                  and condition.get("field") == "static_segment"
                  and condition.get("op") in ("static_is", "static_not")
                  and condition.get("value") in self.tag_ids.values())
            if not ok:
                raise invalid("The segment condition is not valid.",
                              "recipients.segment_opts.conditions")

    async def _list_campaigns(self, request: web.Request, body: Json) -> web.Response:
        query = request.query
        found = [c for c in self.campaigns.values()
                 if query.get("status") in (None, c.status)
                 and query.get("list_id") in (None, c.recipients.get("list_id"))
                 and c.create_time >= query.get("since_create_time", "")]
        offset, count = int(query.get("offset", 0)), int(query.get("count", 10))
        page = [self._campaign_json(c) for c in found[offset:offset + count]]
        return web.json_response({"campaigns": page, "total_items": len(found)})

    async def _create_campaign(self, request: web.Request, body: Json) -> web.Response:
        kind = body.get("type")
        if kind not in ("regular", "plaintext", "absplit", "rss", "variate"):
            raise invalid("type must be regular, plaintext, absplit, rss or variate.", "type")
        recipients = dict(body.get("recipients") or {})
        self._check_recipients(recipients)
        number = next(self._ids)
        campaign = FakeCampaign(
            id=f"{number:010x}", web_id=5000 + number, type=str(kind), recipients=recipients,
            settings=dict(body.get("settings") or {}), create_time=self._stamp(),
        )
        self.campaigns[campaign.id] = campaign
        return web.json_response(self._campaign_json(campaign))

    async def _get_campaign(self, request: web.Request, body: Json) -> web.Response:
        return web.json_response(self._campaign_json(self._campaign(request)))

    def _editable(self, campaign: FakeCampaign) -> None:
        if campaign.status not in READY_TO_EDIT:
            raise Problem(400, "Bad Request",
                          f"This campaign cannot be changed: its status is {campaign.status}.")

    async def _update_campaign(self, request: web.Request, body: Json) -> web.Response:
        campaign = self._campaign(request)
        self._editable(campaign)
        if "recipients" in body:
            self._check_recipients(dict(body["recipients"]))
            campaign.recipients = dict(body["recipients"])
        campaign.settings |= dict(body.get("settings") or {})
        return web.json_response(self._campaign_json(campaign))

    async def _set_content(self, request: web.Request, body: Json) -> web.Response:
        campaign = self._campaign(request)
        self._editable(campaign)
        if not body.get("html"):
            raise invalid("Provide html, a template or a url.", "html")
        campaign.html = str(body["html"])
        plain = re.sub(r"<[^>]+>", "", campaign.html)
        return web.json_response({"html": campaign.html, "plain_text": plain})

    def _ready(self, campaign: FakeCampaign) -> None:
        settings = campaign.settings
        missing = [name for name in ("subject_line", "from_name", "reply_to")
                   if not settings.get(name)]
        if campaign.html is None:
            missing.append("content")
        if missing:
            raise Problem(400, "Bad Request",
                          f"Your Campaign is not ready to send. Missing: {', '.join(missing)}.")

    async def _send_test(self, request: web.Request, body: Json) -> web.Response:
        campaign = self._campaign(request)
        emails = body.get("test_emails")
        if not emails or not all("@" in str(e) for e in emails):
            raise invalid("test_emails must list email addresses.", "test_emails")
        if body.get("send_type") not in ("html", "plaintext"):
            raise invalid("send_type must be html or plaintext.", "send_type")
        self._ready(campaign)
        campaign.tests.append([str(e) for e in emails])
        return web.Response(status=204)

    async def _send(self, request: web.Request, body: Json) -> web.Response:
        campaign = self._campaign(request)
        if campaign.status not in READY_TO_EDIT:
            raise Problem(400, "Bad Request",
                          f"This campaign cannot be sent: its status is {campaign.status}.")
        self._ready(campaign)
        campaign.status, campaign.send_time = "sent", self._stamp()
        campaign.emails_sent = len(self._recipients(campaign))
        campaign.sends += 1
        return web.Response(status=204)

    async def _schedule(self, request: web.Request, body: Json) -> web.Response:
        campaign = self._campaign(request)
        self._editable(campaign)
        self._ready(campaign)
        try:
            when = datetime.fromisoformat(str(body.get("schedule_time")))
        except ValueError:
            raise invalid("schedule_time must be an ISO 8601 time.", "schedule_time") from None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        if when.minute % 15 or when.second or when.microsecond:
            raise invalid("Schedule time must be on the quarter-hour (:00, :15, :30, :45).",
                          "schedule_time")
        if when <= self.now():
            raise invalid("Schedule time must be in the future.", "schedule_time")
        campaign.status = "schedule"
        campaign.send_time = when.astimezone(UTC).isoformat(timespec="seconds")
        return web.Response(status=204)

    async def _unschedule(self, request: web.Request, body: Json) -> web.Response:
        campaign = self._campaign(request)
        if campaign.status != "schedule":
            raise Problem(400, "Bad Request", "This campaign is not scheduled.")
        campaign.status, campaign.send_time = "save", ""
        return web.Response(status=204)

    # -- reports ------------------------------------------------------------------------------

    def _sent(self, request: web.Request) -> tuple[FakeCampaign, FakeReport]:
        campaign = self._campaign(request)
        if campaign.status != "sent":
            raise not_found()
        return campaign, self.reports.get(campaign.id, FakeReport())

    async def _report(self, request: web.Request, body: Json) -> web.Response:
        campaign, report = self._sent(request)
        sent = campaign.emails_sent or 1
        clicks_total = sum(total for total, _ in report.clicks.values())
        return web.json_response({
            "id": campaign.id, "campaign_title": campaign.settings.get("title", ""),
            "type": campaign.type, "list_id": self.list_id, "list_is_active": True,
            "list_name": self.list_info["name"],
            "subject_line": campaign.settings.get("subject_line", ""),
            "emails_sent": campaign.emails_sent, "abuse_reports": 0, "unsubscribed": 0,
            "send_time": campaign.send_time,
            "bounces": {"hard_bounces": 0, "soft_bounces": 0, "syntax_errors": 0},
            "forwards": {"forwards_count": 0, "forwards_opens": 0},
            "opens": {"opens_total": report.opens_total, "unique_opens": report.unique_opens,
                      "open_rate": report.unique_opens / sent, "last_open": ""},
            "clicks": {"clicks_total": clicks_total,
                       "unique_clicks": sum(u for _, u in report.clicks.values()),
                       "unique_subscriber_clicks": report.subscriber_clicks,
                       "click_rate": report.subscriber_clicks / sent, "last_click": ""},
            "industry_stats": {"type": "Non-Profit", "open_rate": 0.203, "click_rate": 0.027,
                               "bounce_rate": 0.01, "unopen_rate": 0.797,
                               "unsub_rate": 0.002, "abuse_rate": 0.0},
            # Percentages here, unlike the fractions above: the real API is inconsistent too.
            "list_stats": {"sub_rate": 0, "unsub_rate": 0,
                           "open_rate": 100 * report.unique_opens / sent,
                           "click_rate": 100 * report.subscriber_clicks / sent},
        })

    async def _click_details(self, request: web.Request, body: Json) -> web.Response:
        campaign, report = self._sent(request)
        count, offset = int(request.query.get("count", 10)), int(request.query.get("offset", 0))
        if count > 1000:
            raise invalid("count may be at most 1000.", "count")
        total = sum(total for total, _ in report.clicks.values()) or 1
        rows = [
            {"id": f"link{i}", "url": url, "total_clicks": clicks,
             "click_percentage": clicks / total, "unique_clicks": unique,
             "unique_click_percentage": unique / (campaign.emails_sent or 1),
             "last_click": "", "campaign_id": campaign.id}
            for i, (url, (clicks, unique)) in enumerate(report.clicks.items())
        ]
        return web.json_response({"urls_clicked": rows[offset:offset + count],
                                  "campaign_id": campaign.id, "total_items": len(rows)})


def _hash_of(key: str) -> str:
    """Mailchimp accepts the subscriber hash or the address itself in member URLs."""
    return email_hash(key) if "@" in key else key.lower()


def _merge_fields(body: Json) -> dict[str, str]:
    merge = body.get("merge_fields") or {}
    unknown = sorted(set(merge) - set(MERGE_TAGS))
    if unknown:
        raise invalid(f"Your merge fields were invalid: {', '.join(unknown)} do not exist.",
                      "merge_fields")
    return {str(k): str(v) for k, v in merge.items()}


def _error_page(status: int) -> str:
    phrase = f"{status} {HTTPStatus(status).phrase}"
    return (f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n"
            f"<center><h1>{phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n")


def _problem(problem: Problem) -> web.Response:
    body: Json = {"type": ERROR_DOC, "title": problem.title, "status": problem.status,
                  "detail": problem.detail, "instance": str(uuid.uuid4())}
    if problem.errors:
        body["errors"] = problem.errors
    return web.json_response(body, status=problem.status,
                             content_type="application/problem+json")


async def _body(request: web.Request) -> Json:
    if not request.body_exists:
        return {}
    text = await request.text()
    try:
        data = json.loads(text) if text else None
    except ValueError:
        raise Problem(400, "Bad Request", "We encountered an unspecified JSON parsing error.",
                      ) from None
    return data if isinstance(data, dict) else {}
