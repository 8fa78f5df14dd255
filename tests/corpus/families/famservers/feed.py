"""The part every pool shares: push a fresh work item now and then, and after enough results.

A pool that sent one job and then went quiet would not look like a pool. Each connection gets
a feed that sends a new item every ``every`` seconds, or sooner when ``poke`` is called (the
pools poke after a few accepted results, as a real pool moves miners to a new block).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aiohttp import web


class JobFeed:
    def __init__(self, send_job: Callable[[], Awaitable[None]], every: float = 4.0) -> None:
        self._send_job = send_job
        self._every = every
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    def poke(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._send_job()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._every)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await self._task
            self._task = None


def socket_app() -> tuple[web.Application, set[web.WebSocketResponse]]:
    """An app that closes its open WebSockets on shutdown (else cleanup waits on each)."""
    app = web.Application()
    sockets: set[web.WebSocketResponse] = set()

    async def close_all(_app: web.Application) -> None:
        for ws in list(sockets):
            await ws.close()

    app.on_shutdown.append(close_all)
    return app, sockets


async def open_socket(
    request: web.Request, sockets: set[web.WebSocketResponse]
) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=None, max_msg_size=1 << 20)
    await ws.prepare(request)
    sockets.add(ws)
    return ws


async def safe_send_str(ws: web.WebSocketResponse, text: str) -> None:
    """Sending to a socket the page just closed is normal on a visit's end; ignore it."""
    if not ws.closed:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(text)


async def safe_send_bytes(ws: web.WebSocketResponse, data: bytes) -> None:
    if not ws.closed:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_bytes(data)
