"""Riding out Telegram's bad moments: a 502 from its front end, a reset connection, a timeout, a
group that became a supergroup, a start while the network is still coming up.

Each transient fault is retried with backoff and said in one log line; only what will not get
better by waiting (a refused token, a rejected request) is raised at once. The bot's replies
and the start-up check go through here; the delivery engine has its own ledger-backed retries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, NetworkError, TelegramError
from telegram.request import HTTPXRequest
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from bot.telegram_transport import ReplyRateLimiter
from delivery.ratelimit import Pacer

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
ChatMovedHook = Callable[[int, int], Awaitable[None]]

REPLY_ATTEMPTS = 5
"""A reply is tried this often (waits 0.5, 1, 2, 4 s between) before the member's step fails."""

_PARSING_TAIL = ". Parsing the server response"


def is_transient(error: BaseException) -> bool:
    """Timeouts, 5xx answers and lost connections: worth trying again. A 400 is a
    ``NetworkError`` in PTB's hierarchy but will be refused again, so it is not."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def describe(error: BaseException | None) -> str:
    """One short line: PTB appends the whole HTML page of a 502 to its message."""
    message = error.message if isinstance(error, TelegramError) else str(error)
    return f"{type(error).__name__}: {message.partition(_PARSING_TAIL)[0].strip() or 'no answer'}"


class QuietRequest(HTTPXRequest):
    """PTB's request with one change: an answer that is not JSON (the HTML page nginx sends with
    a 502) raises its error without PTB first logging a traceback of the JSON decoding."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        try:
            data: JSONDict = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response") from None
        return data


class PatientLimiter(ReplyRateLimiter):
    """The replies' rate limiter (one budget with the delivery engine, replies first), which
    also retries transient faults with backoff and follows a group's migration to a supergroup
    once, telling ``on_chat_moved``.

    Polling is left to PTB's updater, which has its own retry loop."""

    def __init__(
        self, pacer: Pacer, on_chat_moved: ChatMovedHook, *, backoff: float = 0.5
    ) -> None:
        super().__init__(pacer, max_retries=3)  # replies wait out a 429 instead of failing
        self._on_chat_moved = on_chat_moved
        self._backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        async def once() -> bool | JSONDict | list[JSONDict]:
            return await super(PatientLimiter, self).process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args)

        if endpoint == "getUpdates":
            return await once()
        try:
            return await self._patiently(endpoint, once)
        except ChatMigrated as moved:
            old, new = int(data["chat_id"]), int(moved.new_chat_id)
            log.info("chat %s became supergroup %s; answering there from now on", old, new)
            data["chat_id"] = new
            await self._on_chat_moved(old, new)
            return await self._patiently(endpoint, once)

    async def _patiently(
        self, endpoint: str, call: Callable[[], Awaitable[bool | JSONDict | list[JSONDict]]]
    ) -> bool | JSONDict | list[JSONDict]:
        """Nearly every reply succeeds at once, so it is simply made: building tenacity's retry
        state for each one cost about a tenth of the bot's CPU per update. Only a transient
        fault brings in the retries, which start from that failure as their first attempt."""
        try:
            return await call()
        except NetworkError as error:
            if not is_transient(error):
                raise
            failed: list[BaseException] = [error]

        async def again() -> bool | JSONDict | list[JSONDict]:
            if failed:
                raise failed.pop()
            return await call()

        def say_so(state: RetryCallState) -> None:
            assert state.outcome is not None and state.next_action is not None
            log.warning("Telegram did not take %s (%s); trying again in %.1f s", endpoint,
                        describe(state.outcome.exception()), state.next_action.sleep)

        retrying = AsyncRetrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(REPLY_ATTEMPTS),
            wait=wait_exponential(multiplier=self._backoff, max=30),
            before_sleep=say_so,
            reraise=True,
        )
        return await retrying(again)


async def wait_for_telegram(bot: Bot, base_url: str, patience: float) -> None:
    """Ask Telegram who the bot is, trying again with backoff for ``patience`` seconds while it
    cannot be reached (a server's network still coming up, a proxy restarting). A refused token
    is raised at once: waiting will not change Telegram's mind."""

    def say_so(state: RetryCallState) -> None:
        assert state.outcome is not None and state.next_action is not None
        log.warning("cannot reach Telegram at %s (%s); trying again in %.0f s (attempt %d)",
                    base_url, describe(state.outcome.exception()), state.next_action.sleep,
                    state.attempt_number + 1)

    retrying = AsyncRetrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_delay(patience),
        wait=wait_exponential(multiplier=1, max=30),
        before_sleep=say_so,
        reraise=True,
    )
    await retrying(bot.initialize)
