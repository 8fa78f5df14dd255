"""A site with a polling "work" API and a pool-like socket, serving tests/pages on 127.0.0.1.

The shared SiteServer serves files only; these tests need endpoints that count the calls they
answer, so the assertions can compare what the browser recorded with what really happened.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web

from minerscan.sites._loop import BackgroundServer, bound_socket

PAGES = Path(__file__).resolve().parents[2] / "pages"
TYPES = {".html": "text/html", ".js": "text/javascript", ".svg": "image/svg+xml"}
BINARY = bytes(range(256)) * 4


class CaptureSite(BackgroundServer):
    def __init__(self) -> None:
        super().__init__("capture-site")
        self.port = 0
        self.calls: Counter[str] = Counter()  # path -> calls answered
        self.jobs_served: list[int] = []  # job number of every GET /api/work answered
        self._lock = threading.Lock()

    def start(self) -> CaptureSite:
        sock = bound_socket("127.0.0.1")
        self.port = int(sock.getsockname()[1])
        app = web.Application()
        app.router.add_get("/api/work", self._work)
        app.router.add_post("/api/result", self._echo)
        app.router.add_post("/api/worker-result", self._echo)
        app.router.add_post("/api/ping", self._echo)
        app.router.add_get("/api/bin", self._binary)
        app.router.add_get("/ws", self._socket)
        app.router.add_get("/{tail:.*}", self._static)
        self._serve(app, [sock])
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def _count(self, path: str) -> int:
        with self._lock:
            self.calls[path] += 1
            return self.calls[path] - 1

    async def _work(self, request: web.Request) -> web.Response:
        job = self._count(request.path)
        with self._lock:
            self.jobs_served.append(job)
        return web.json_response({"job": job, "blob": "0707" + "ab" * 60})

    async def _echo(self, request: web.Request) -> web.Response:
        number = self._count(request.path)
        body = await request.text()
        return web.json_response({"accepted": number, "echo": body})

    async def _binary(self, request: web.Request) -> web.Response:
        self._count(request.path)
        return web.Response(body=BINARY, content_type="application/octet-stream")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        jobs = 0
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            method = json.loads(message.data).get("method")
            if method == "login":
                await ws.send_str(json.dumps({"result": "authed"}))
            elif method == "keepalived":
                await ws.send_str(json.dumps({"result": "keepalived"}))
            elif method == "getjob":
                jobs += 1
                await ws.send_str(json.dumps({"method": "job", "params": {"job_id": f"j{jobs}"}}))
            elif method == "submit":
                await ws.send_str(json.dumps({"result": "accepted"}))
        return ws

    async def _static(self, request: web.Request) -> web.StreamResponse:
        path = (PAGES / request.match_info["tail"]).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(PAGES) or not path.is_file():
            return web.Response(status=404, text="not found")
        return web.Response(
            body=path.read_bytes(),
            content_type=TYPES.get(path.suffix, "application/octet-stream"),
            headers={"Cache-Control": "no-store"},
        )


@pytest.fixture(scope="module")
def capture_site() -> Iterator[CaptureSite]:
    site = CaptureSite().start()
    yield site
    site.stop()
