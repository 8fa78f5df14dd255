"""A mining pool emulator: a real WebSocket server on 127.0.0.1 speaking one pool dialect."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from aiohttp import WSMsgType, web

from minerscan.sites._loop import BackgroundServer, bound_socket
from minerscan.sites.dialects import DEFAULT_TARGET, SESSION_CLASSES, PoolLedger, PoolSession

DIALECTS = tuple(SESSION_CLASSES)


class PoolEmulator(BackgroundServer):
    """Accepts miners on ``ws_url`` (any path), answers like a pool of ``dialect`` would.

    ``received`` holds every text frame from every client, in arrival order. New jobs are pushed
    to each logged-in client every ``job_interval`` seconds, as real pools do.
    """

    def __init__(
        self, dialect: str = "stratum", *, target: str = DEFAULT_TARGET, job_interval: float = 4.0
    ) -> None:
        if dialect not in SESSION_CLASSES:
            raise ValueError(f"unknown pool dialect {dialect!r}; choose from {', '.join(DIALECTS)}")
        self.dialect = dialect
        self.job_interval = job_interval
        self.ledger = PoolLedger(target=target)
        self._received: list[str] = []
        self._lock = threading.Lock()
        self._connections = 0
        self._open: set[web.WebSocketResponse] = set()
        super().__init__(f"pool-{dialect}")
        self._port = 0

    # -- what tests look at -------------------------------------------------------------------

    @property
    def ws_url(self) -> str:
        if not self._port:
            raise RuntimeError("PoolEmulator is not started")
        return f"ws://127.0.0.1:{self._port}/"

    @property
    def port(self) -> int:
        return self._port

    @property
    def received(self) -> list[str]:
        with self._lock:
            return list(self._received)

    @property
    def accepted_shares(self) -> int:
        return self.ledger.accepted_shares

    @property
    def rejected_shares(self) -> int:
        return self.ledger.rejected_shares

    @property
    def logins(self) -> list[str]:
        """Wallets or site keys the clients logged in with, in order."""
        return self.ledger.logins_so_far()

    @property
    def connections(self) -> int:
        """How many WebSocket connections were accepted so far."""
        return self._connections

    def wait_until(self, condition: Callable[[PoolEmulator], bool], timeout: float = 10.0) -> bool:
        """Poll ``condition(self)`` until it holds or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self):
                return True
            time.sleep(0.05)
        return condition(self)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> PoolEmulator:
        sock = bound_socket("127.0.0.1")
        self._port = int(sock.getsockname()[1])
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        app.on_shutdown.append(self._close_all)
        self._serve(app, [sock])
        return self

    # -- the server side ----------------------------------------------------------------------

    async def _close_all(self, _app: web.Application) -> None:
        for ws in list(self._open):
            await ws.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        if not ws.can_prepare(request).ok:
            return web.Response(status=426, text=f"{self.dialect} pool: WebSocket only\n")
        await ws.prepare(request)
        self._connections += 1
        self._open.add(ws)
        session = SESSION_CLASSES[self.dialect](self.ledger)
        pusher = asyncio.create_task(self._push_jobs(ws, session))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                with self._lock:
                    self._received.append(msg.data)
                for reply in session.handle(msg.data):
                    await ws.send_str(reply)
        finally:
            pusher.cancel()
            self._open.discard(ws)
        return ws

    async def _push_jobs(self, ws: web.WebSocketResponse, session: PoolSession) -> None:
        while not ws.closed:
            await asyncio.sleep(self.job_interval)
            if session.authenticated and not ws.closed:
                try:
                    await ws.send_str(session.job_push())
                except ConnectionError:
                    return
