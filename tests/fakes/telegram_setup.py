"""The Bot API methods for the bot's own set-up: who it is (getMe), how it receives updates
(long polling, or a webhook the fake delivers to) and its command menus.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.fakes.telegram_checks import RequestChecks
from tests.fakes.telegram_schema import ApiError, bad_request
from tests.fakes.telegram_state import _Webhook

#: update types Telegram leaves out unless explicitly listed in allowed_updates
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class SetupMethods(RequestChecks):
    """getMe, logOut, close, getUpdates, the webhook methods and the command-menu methods."""

    @property
    def webhook_url(self) -> str:
        return self._webhook.url if self._webhook else ""

    async def _m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_logOut(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_close(self, p: dict[str, Any]) -> bool:
        return True

    async def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(p.get("offset", 0))
        limit = min(max(int(p.get("limit", 100)), 1), 100)
        timeout = max(0, int(p.get("timeout", 0)))
        if "allowed_updates" in p:
            self._allowed_updates = set(p["allowed_updates"]) or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll must see it was superseded
        self._confirm_updates(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._deliverable()[:limit]
            if batch or self._closing:
                return [dict(u) for u in batch]
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._wait_changed(remaining)

    async def _m_setWebhook(self, p: dict[str, Any]) -> bool:
        url = p["url"]
        if not url:
            await self._m_deleteWebhook({"drop_pending_updates": p.get("drop_pending_updates")})
            return True
        parts = urlsplit(url)
        loopback = _is_loopback(parts.hostname)
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not loopback and (parts.port or 443) not in {80, 88, 443, 8443}:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = int(p.get("max_connections", 40))
        if not 1 <= max_connections <= 100:
            raise bad_request("bad max_connections")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if "allowed_updates" in p:
            self._allowed_updates = set(p["allowed_updates"]) or None
        self._webhook = _Webhook(url, secret, max_connections, p.get("ip_address"))
        self._notify()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._webhook_loop())
        return True

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> bool:
        self._webhook = None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._notify()
        return True

    async def _m_getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._deliverable()),
        }
        hook = self._webhook
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    async def _m_setMyCommands(self, p: dict[str, Any]) -> bool:
        commands = p["commands"]
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND_RE.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        language = p.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        key = (self._scope_key(p.get("scope")), language)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    async def _m_getMyCommands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        key = (self._scope_key(p.get("scope")), p.get("language_code") or "")
        return [dict(c) for c in self._commands.get(key, [])]

    async def _m_deleteMyCommands(self, p: dict[str, Any]) -> bool:
        key = (self._scope_key(p.get("scope")), p.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    # -- webhook delivery -----------------------------------------------------------------------

    async def _webhook_loop(self) -> None:
        """Deliver queued updates to the webhook one at a time, retrying failures."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self._closing and self._webhook is not None:
                pending = self._deliverable()
                if not pending:
                    await self._wait_changed(1.0)
                    continue
                hook = self._webhook
                update = pending[0]
                headers = {}
                if hook.secret_token:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
                error: str | None = None
                try:
                    async with session.post(hook.url, json=update, headers=headers) as resp:
                        if not 200 <= resp.status < 300:
                            error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    error = f"Connection failed: {exc.__class__.__name__}"
                if error is None:
                    if update in self._updates:
                        self._updates.remove(update)
                    self._notify()
                else:
                    hook.last_error_date = int(time.time())
                    hook.last_error_message = error
                    await asyncio.sleep(self.webhook_retry_delay)

    async def _stop_webhook_task(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _update_allowed(self, update: dict[str, Any]) -> bool:
        kinds = [k for k in update if k != "update_id"]
        kind = kinds[0] if kinds else ""
        if self._allowed_updates is None:
            return kind not in NOT_DEFAULT_UPDATES
        return kind in self._allowed_updates

    def _deliverable(self) -> list[dict[str, Any]]:
        """Pending updates after dropping those allowed_updates excludes (as Telegram does)."""
        self._updates = [u for u in self._updates if self._update_allowed(u)]
        return self._updates

    def _confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _scope_key(self, scope: Mapping[str, Any] | None, *, strict: bool = True) -> str:
        if not scope:
            return "default"
        kind = str(scope.get("type", "default"))
        parts = [kind]
        if "chat_id" in scope:
            chat_ref = scope["chat_id"]
            if strict:
                chat = self._target_chat(chat_ref, for_send=False)
                parts.append(str(chat.id))
            else:
                parts.append(str(chat_ref))
        if "user_id" in scope:
            parts.append(str(int(scope["user_id"])))
        return ":".join(parts)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
