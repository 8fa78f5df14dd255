"""A static site server for tests and the demo: two origins, placeholders, a pool proxy.

Both origins serve the same tree. The second one is ``localhost`` on another port: another *site*
to Chromium, so a page on the first origin that frames the second gets a cross-site,
out-of-process iframe, the way a miner in a third-party ad would run.
"""

from __future__ import annotations

import asyncio
import mimetypes
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import WSMsgType, web

from minerscan.sites._loop import BackgroundServer, bound_socket, free_port

if TYPE_CHECKING:
    from minerscan.sites.pool import PoolEmulator

__all__ = ["SiteServer", "free_port"]

# Text files get placeholder substitution; everything else is sent byte for byte.
TEXT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".txt": "text/plain",
}
BINARY_TYPES = {
    ".wasm": "application/wasm",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
}
SLOWEST_SLOW_SECONDS = 120.0
# Placeholder in a page or script → what it stands for; filled per server at serve time.
PLACEHOLDERS = ("{{POOL_WS}}", "{{ORIGIN}}", "{{ALT_ORIGIN}}", "{{PROXY_WS}}")


def _html(title: str, body: str = "") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body or title}</body></html>"


class SiteServer(BackgroundServer):
    """Serves ``root`` (and ``extra_roots`` under ``/<prefix>/``) on two loopback origins."""

    def __init__(
        self,
        root: Path,
        pool: PoolEmulator | None = None,
        *,
        extra_roots: dict[str, Path] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.pool = pool
        self.extra_roots = {
            prefix.strip("/"): Path(path).resolve() for prefix, path in (extra_roots or {}).items()
        }
        self._requests: list[str] = []
        self._lock = threading.Lock()
        super().__init__("site-server")
        self._open_sockets: set[web.WebSocketResponse] = set()
        self.port = 0
        self.alt_port = 0

    # -- addresses ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.origin}/"

    @property
    def alt_base_url(self) -> str:
        return f"{self.alt_origin}/"

    @property
    def origin(self) -> str:
        self._require_started()
        return f"http://127.0.0.1:{self.port}"

    @property
    def alt_origin(self) -> str:
        self._require_started()
        return f"http://localhost:{self.alt_port}"

    @property
    def proxy_ws_url(self) -> str:
        self._require_started()
        return f"ws://127.0.0.1:{self.port}/proxy"

    def url(self, path: str, *, alt: bool = False) -> str:
        """Absolute URL of ``path`` on the main (or the alternate) origin."""
        return (self.alt_base_url if alt else self.base_url) + path.lstrip("/")

    @property
    def requests(self) -> list[str]:
        """Paths requested from either origin, in order (query strings left out)."""
        with self._lock:
            return list(self._requests)

    def _require_started(self) -> None:
        if not self.port:
            raise RuntimeError("SiteServer is not started")

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> SiteServer:
        main = bound_socket("127.0.0.1")
        alt = bound_socket("127.0.0.1")
        self.port, self.alt_port = int(main.getsockname()[1]), int(alt.getsockname()[1])
        sockets = [main, alt]
        try:
            # Chromium may try ::1 first for "localhost"; answering there saves a fallback.
            sockets.append(bound_socket("::1", self.alt_port))
        except OSError:
            pass
        self._serve(self._build_app(), sockets)
        return self

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/proxy", self._proxy)
        app.router.add_get(r"/status/{code:\d{3}}", self._status)
        app.router.add_get(r"/slow/{seconds:[0-9.]+}", self._slow)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/{tail:.*}", self._static)  # HEAD too, as real servers do
        app.on_shutdown.append(self._close_sockets)
        return app

    @web.middleware
    async def _record(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        with self._lock:
            self._requests.append(request.path)
        response = await handler(request)
        # Tests rely on every visit reaching the server, so nothing may be cached.
        if not isinstance(response, web.WebSocketResponse):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # -- files --------------------------------------------------------------------------------

    def resolve(self, url_path: str) -> Path | None:
        """The file ``url_path`` names, or None if it is missing or lies outside its root."""
        parts = PurePosixPath("/" + url_path).parts[1:]
        if any(part in ("..", ".") or "\\" in part or "\0" in part for part in parts):
            return None
        root = self.root
        if parts and parts[0] in self.extra_roots:
            root, parts = self.extra_roots[parts[0]], parts[1:]
        candidate = root.joinpath(*parts).resolve()
        if not candidate.is_relative_to(root):
            return None  # a symlink pointing out of the tree
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def substitute(self, text: str) -> str:
        values = {
            "{{POOL_WS}}": self.pool.ws_url if self.pool is not None else "",
            "{{ORIGIN}}": self.origin,
            "{{ALT_ORIGIN}}": self.alt_origin,
            "{{PROXY_WS}}": self.proxy_ws_url,
        }
        for placeholder in PLACEHOLDERS:
            text = text.replace(placeholder, values[placeholder])
        return text

    async def _static(self, request: web.Request) -> web.StreamResponse:
        path = self.resolve(request.match_info["tail"])
        if path is None:
            return web.Response(status=404, text=_html("404 Not Found"), content_type="text/html")
        suffix = path.suffix.lower()
        if suffix in TEXT_TYPES:
            text = self.substitute(path.read_text(encoding="utf-8"))
            return web.Response(text=text, content_type=TEXT_TYPES[suffix], charset="utf-8")
        content_type = BINARY_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
        return web.Response(
            body=path.read_bytes(), content_type=content_type or "application/octet-stream"
        )

    # -- special routes -----------------------------------------------------------------------

    async def _status(self, request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        if code < 200 or code in (204, 304):
            return web.Response(status=code)  # these statuses may not carry a body
        return web.Response(status=code, text=_html(f"Status {code}"), content_type="text/html")

    async def _slow(self, request: web.Request) -> web.Response:
        seconds = min(float(request.match_info["seconds"]), SLOWEST_SLOW_SECONDS)
        await asyncio.sleep(seconds)
        return web.Response(
            text=_html("Slow page", f"Answered after {seconds:g} s"), content_type="text/html"
        )

    async def _redirect(self, request: web.Request) -> web.Response:
        target = request.query.get("to", "/")
        # Same site only: an absolute path, not a scheme-relative "//host" or a full URL.
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            return web.Response(
                status=400, text=_html("Bad redirect target"), content_type="text/html"
            )
        raise web.HTTPFound(location=target)

    # -- the same-origin pool proxy -----------------------------------------------------------

    async def _proxy(self, request: web.Request) -> web.StreamResponse:
        client = web.WebSocketResponse(heartbeat=None)
        if self.pool is None or not client.can_prepare(request).ok:
            return web.Response(
                status=503 if self.pool is None else 426, text="no pool behind this proxy\n"
            )
        await client.prepare(request)
        self._open_sockets.add(client)
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.ws_connect(self.pool.ws_url) as upstream,
            ):
                await _relay(client, upstream)
        except aiohttp.ClientError:
            pass
        finally:
            self._open_sockets.discard(client)
            await client.close()
        return client

    async def _close_sockets(self, _app: web.Application) -> None:
        for ws in list(self._open_sockets):
            await ws.close()


async def _relay(client: web.WebSocketResponse, upstream: aiohttp.ClientWebSocketResponse) -> None:
    """Copy frames both ways until either side closes."""

    async def pump(
        source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
    ) -> None:
        async for msg in source:
            if msg.type == WSMsgType.TEXT:
                await sink.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await sink.send_bytes(msg.data)
            else:
                break

    tasks = [
        asyncio.create_task(pump(client, upstream)),
        asyncio.create_task(pump(upstream, client)),
    ]
    _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    await upstream.close()
