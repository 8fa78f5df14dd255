"""Hostile servers for the fault suite, all on 127.0.0.1 and free ports.

``HostileServer`` serves the pages in ``site/`` plus routes no static file can play: redirect
loops and redirects to other schemes, a 20 MB page, an endless body, headers then silence,
binary bytes labelled ``text/html``, a download, a WebSocket echo and a beacon that pages report
to (what a permission prompt answered). ``SilentServer`` accepts connections and never answers
(slow-loris). Each can serve over TLS with a certificate from :mod:`certs`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import threading
from pathlib import Path
from typing import Self

from aiohttp import WSMsgType, web

from minerscan.sites._loop import LoopThread, bound_socket, serve

SITE = Path(__file__).parent / "site"
BIG_PAGE_BYTES = 20 << 20
MANY_PAGES = 30  # /many/0.html .. /many/29.html
DOWNLOAD_MARKER = b"MINERSCAN-FAULT-SUITE-DOWNLOAD-7f3a9c"  # searched for on disk afterwards
# Where the server sends redirects that must be refused (?to=<name>).
REDIRECT_TARGETS = {
    "file": "file:///etc/passwd",
    "javascript": "javascript:alert(document.domain)",
    "data": "data:text/html,<title>data-redirect</title><h1>from a redirect</h1>",
    "ftp": "ftp://127.0.0.1/pub/",
    "chrome": "chrome://crash/",
    "custom": "minerscan-evil://run?cmd=id",
}


class HostileServer:
    """An aiohttp app on its own loop thread; ``beacons`` are what pages reported back."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context
        self._loop = LoopThread("hostile-server")
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()
        self._beacons: list[str] = []
        self._requests: list[str] = []
        self.port = 0

    @property
    def origin(self) -> str:
        return f"{'https' if self._ssl else 'http'}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    @property
    def beacons(self) -> list[str]:
        with self._lock:
            return list(self._beacons)

    @property
    def requests(self) -> list[str]:
        with self._lock:
            return list(self._requests)

    def __enter__(self) -> Self:
        sock = bound_socket("127.0.0.1")
        self.port = int(sock.getsockname()[1])
        self._loop.start()
        self._runner = self._loop.run(self._start(sock))
        return self

    async def _start(self, sock: socket.socket) -> web.AppRunner:
        if self._ssl is None:
            return await serve(self._app(), [sock])
        runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.SockSite(runner, sock, ssl_context=self._ssl).start()
        return runner

    def __exit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            self._loop.run(self._runner.cleanup(), timeout=15)
        self._loop.stop()

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        routes = app.router
        routes.add_get("/loop/{n}", self._redirect_loop)
        routes.add_get("/redirect/{name}", self._redirect_elsewhere)
        routes.add_get("/big.html", self._big_page)
        routes.add_get("/endless.html", self._endless_body)
        routes.add_get("/stall.html", self._headers_then_stall)
        routes.add_get("/binary.html", self._binary_as_html)
        routes.add_get("/download/{name}", self._download)
        routes.add_get("/ws", self._websocket)
        routes.add_get("/beacon/{what}", self._beacon)
        routes.add_get("/many/{n}.html", self._many)
        routes.add_get("/{name:.*}", self._static)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler):  # type: ignore[no-untyped-def]
        with self._lock:
            self._requests.append(request.path)
        response = await handler(request)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"] or "index.html"
        path = (SITE / name).resolve()
        if SITE.resolve() not in path.parents or not path.is_file():
            return web.Response(status=404, text="not here")
        body = path.read_bytes().replace(b"{{ORIGIN}}", self.origin.encode())
        body = body.replace(b"{{WS}}", self.origin.replace("http", "ws", 1).encode() + b"/ws")
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    async def _redirect_loop(self, request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"]) if request.match_info["n"].isdigit() else 0
        raise web.HTTPFound(f"/loop/{(n + 1) % 2}")

    async def _redirect_elsewhere(self, request: web.Request) -> web.StreamResponse:
        target = REDIRECT_TARGETS.get(request.match_info["name"])
        if target is None:
            return web.Response(status=404)
        return web.Response(status=302, headers={"Location": target})

    async def _big_page(self, request: web.Request) -> web.StreamResponse:
        row = b"<p>" + b"filler text of a very large page " * 30 + b"</p>\n"
        head = b"<!doctype html><html><head><title>big</title></head><body>"
        body = head + row * ((BIG_PAGE_BYTES - len(head)) // len(row)) + b"</body></html>"
        return web.Response(body=body, content_type="text/html")

    async def _endless_body(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        await response.write(b"<!doctype html><html><head><title>endless</title></head><body>")
        while True:  # until the client goes away or the server stops
            await response.write(b"<p>more and more</p>\n" * 50)
            await asyncio.sleep(0.05)

    async def _headers_then_stall(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.content_length = 100_000
        await response.prepare(request)
        await asyncio.sleep(3600)
        return response

    async def _binary_as_html(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=os.urandom(256 << 10), headers={"Content-Type": "text/html"})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        return web.Response(
            body=DOWNLOAD_MARKER * 1000,
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Disposition": f'attachment; filename="{name}"',
            },
        )

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                await ws.send_str(message.data)
        return ws

    async def _many(self, request: web.Request) -> web.StreamResponse:
        """A plain site of MANY_PAGES pages: ``/many/0.html`` links to all the others."""
        n = request.match_info["n"]
        if not n.isdigit() or int(n) >= MANY_PAGES:
            return web.Response(status=404)
        links = "".join(f'<a href="{i}.html">page {i}</a> ' for i in range(1, MANY_PAGES))
        body = (
            f"<!doctype html><html><head><title>page {n}</title></head>"
            f"<body><h1>Page {n}</h1><p>{links if n == '0' else 'An ordinary page.'}</p>"
            "</body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    async def _beacon(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self._beacons.append(f"{request.match_info['what']}={request.query_string}")
        return web.Response(text="ok")


class SilentServer:
    """Accepts TCP connections and never sends a byte (slow-loris from the server's side)."""

    def __init__(self) -> None:
        self._sock = bound_socket("127.0.0.1")
        self._sock.listen(64)
        self.port = int(self._sock.getsockname()[1])
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> Self:
        self._sock.settimeout(0.2)
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(conn)  # held open, never read, never answered

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self._sock.close()
