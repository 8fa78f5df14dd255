"""An asyncio event loop running in a daemon thread.

The test servers are asyncio (aiohttp) but their users are synchronous pytest code and a Scrapy
process with its own Twisted reactor. Giving each server its own loop in its own thread keeps the
two worlds apart: callers only ever block on a future with a timeout.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

T = TypeVar("T")

# Handlers still running when a server stops (a /slow/ request, an open WebSocket) get this long.
SHUTDOWN_GRACE_SECONDS = 1.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago on ``host``.

    Prefer binding a socket and keeping it (what the servers do); this helper is for callers that
    need a number to hand to another program.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bound_socket(host: str, port: int = 0) -> socket.socket:
    """A listening-ready socket bound to ``host:port`` (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class LoopThread:
    """Owns one event loop in one daemon thread; runs coroutines on it from any thread."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError(f"{self._name} is not running")
        return self._loop

    def start(self) -> None:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.call_soon(ready.set)
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        ready.wait()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coro`` on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        loop, thread = self._loop, self._thread
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._loop = None
        self._thread = None


async def serve(app: web.Application, sockets: list[socket.socket]) -> web.AppRunner:
    """Start ``app`` on already-bound sockets; the caller keeps the runner to clean it up."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
    await runner.setup()
    for sock in sockets:
        await web.SockSite(runner, sock).start()
    return runner


class BackgroundServer:
    """An aiohttp app served from its own :class:`LoopThread`; subclasses build and bind it."""

    def __init__(self, name: str) -> None:
        self._loop = LoopThread(name)
        self._runner: web.AppRunner | None = None

    def _serve(self, app: web.Application, sockets: list[socket.socket]) -> None:
        self._loop.start()
        self._runner = self._loop.run(serve(app, sockets))

    def stop(self) -> None:
        if self._runner is not None:
            self._loop.run(self._runner.cleanup(), timeout=15)
            self._runner = None
        self._loop.stop()

    def start(self) -> Self:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
