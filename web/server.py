"""Serving the public site from the bot's own process and event loop, with uvicorn.

uvicorn normally owns the process (signals, event loop); here the bot does, so the server is
started and stopped piece by piece: the socket is bound first, so a port already in use is one
clear line at start-up rather than uvicorn exiting the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.types import ASGIApp

from settings.config import ConfigError, WebConfig

log = logging.getLogger(__name__)


def _bind(config: WebConfig) -> socket.socket:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as error:
        sock.close()
        raise ConfigError(f"web.port: cannot listen on {config.host}:{config.port} "
                          f"({error.strerror}); choose a free port") from None
    sock.set_inheritable(True)
    return sock


class _InLoopServer(uvicorn.Server):
    """uvicorn in someone else's process: the bot keeps SIGINT and SIGTERM for itself, and
    learns when the pages are being served."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextlib.asynccontextmanager
async def serving(app: ASGIApp, config: WebConfig) -> AsyncIterator[None]:
    """Serve ``app`` for the duration of the block, in the running event loop."""
    sock = _bind(config)
    server = _InLoopServer(uvicorn.Config(
        app, lifespan="off", log_config=None, access_log=False, server_header=False,
        timeout_graceful_shutdown=5,
    ))
    task = asyncio.create_task(server.serve(sockets=[sock]), name="web-server")
    try:
        await asyncio.wait({task, asyncio.ensure_future(server.ready.wait())},
                           return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # it could not start: say why here
        log.info("web pages served on %s:%s for %s", config.host, config.port, config.base_url)
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()
