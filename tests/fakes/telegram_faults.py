"""Faults the fake Telegram injects on request: the next calls of a method fail with a given
status, 429s with a forced retry_after, slow answers, and a seeded share of calls lost the way
Telegram's front end loses them (nginx's 502 page, a reset connection).
"""

from __future__ import annotations

import random
import socket
import struct
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from aiohttp import web

from tests.fakes.telegram_schema import ApiError
from tests.fakes.telegram_state import BAD_GATEWAY_PAGE, FaultRates, TelegramState, _Fault


class FaultInjection(TelegramState):
    """What a test calls to make Telegram misbehave, and the checks ``_handle_api`` makes."""

    def fail_next(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        description: str | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" = any) fail with ``status``."""
        default = {
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }
        text = description or default.get(status) or HTTPStatus(status).phrase
        self._faults.append(
            _Fault(method.lower(), status, count, text, dict(parameters) if parameters else None)
        )

    def inject_faults(self, rates: FaultRates) -> None:
        """From now on, fail a seeded share of ``rates.methods`` calls as Telegram's front end
        does; ``injected_faults`` counts what was injected."""
        self._fault_rates = rates
        self._fault_draws = random.Random(rates.seed)

    def force_retry_after(self, seconds: int, count: int = 1) -> None:
        """The next ``count`` send* calls answer 429 with ``retry_after=seconds``."""
        self._forced_retry_after.append([int(seconds), count])

    def delay_responses(self, seconds: float, method: str | None = None) -> None:
        """Delay answers (all methods, or one); ``0`` removes the delay."""
        key = method.lower() if method else "*"
        if seconds > 0:
            self._delays[key] = seconds
        else:
            self._delays.pop(key, None)

    def _check_faults(self, method: str) -> None:
        lowered = method.lower()
        for fault in self._faults:
            if fault.method in (lowered, "*") and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                raise ApiError(fault.status, fault.description, fault.parameters)

    def _draw_fault(self, method: str) -> Callable[[web.Request, str], web.Response] | None:
        rates = self._fault_rates
        if method not in rates.methods:
            return None
        draw = self._fault_draws.random()
        if draw < rates.connection_reset:
            return self._reset_connection
        if draw < rates.connection_reset + rates.bad_gateway:
            return self._bad_gateway
        return None

    def _bad_gateway(self, request: web.Request, method: str) -> web.Response:
        self.injected_faults["bad_gateway"] += 1
        self._record(method, {}, 502, "Bad Gateway (nginx HTML page)")
        return web.Response(status=502, text=BAD_GATEWAY_PAGE, content_type="text/html")

    def _reset_connection(self, request: web.Request, method: str) -> web.Response:
        """Close with RST (SO_LINGER 0), as a proxy restarting does; nothing is answered."""
        self.injected_faults["connection_reset"] += 1
        self._record(method, {}, 0, "connection reset")
        transport = request.transport
        assert transport is not None
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        raise web.HTTPInternalServerError  # never written: the connection is gone
