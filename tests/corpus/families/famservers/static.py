"""The corpus's web site: every page folder, on two origins, with addresses filled in.

Text files are served with two kinds of substitution, so pages can name servers whose ports
are only known at start-up and share one tested copy of each hash function:

* ``%%ORIGIN%%``, ``%%ALT%%`` (the ``localhost`` origin, another site to Chromium),
  ``%%WS:name%%`` / ``%%HTTP:name%%`` (``ws://`` / ``http://127.0.0.1:port`` of server
  ``name``) and ``%%HOST:name%%`` (``127.0.0.1:port``);
* a line ``/*#include file.js*/`` is replaced by ``js/file.js``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from aiohttp import web

TEXT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".txt": "text/plain",
    ".json": "application/json",
}
_PLACEHOLDER = re.compile(r"%%(ORIGIN|ALT|WS|HTTP|HOST)(?::([a-z0-9-]+))?%%")
_INCLUDE = re.compile(r"/\*#include ([a-z0-9.-]+\.js)\*/")


class StaticSite:
    def __init__(self, root: Path, js_dir: Path, port_of: Callable[[str], int]) -> None:
        self.root, self.js_dir, self.port_of = root.resolve(), js_dir.resolve(), port_of
        self.requests: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._file)
        return app

    def _resolve(self, tail: str) -> Path | None:
        parts = PurePosixPath("/" + tail).parts[1:]
        if any(part in ("..", ".") or "\\" in part for part in parts):
            return None
        path = self.root.joinpath(*parts)
        if path.is_dir():  # a folder URL: its page, or its script (a loader at ".../0/0/")
            path = path / "index.html" if (path / "index.html").is_file() else path / "index.js"
        return path if path.is_file() and path.resolve().is_relative_to(self.root) else None

    def fill(self, text: str) -> str:
        text = _INCLUDE.sub(lambda m: (self.js_dir / m.group(1)).read_text(encoding="utf-8"), text)

        def value(match: re.Match[str]) -> str:
            kind, name = match.groups()
            if kind == "ORIGIN":
                return f"http://127.0.0.1:{self.port_of('site')}"
            if kind == "ALT":
                return f"http://localhost:{self.port_of('site-alt')}"
            port = self.port_of(name or "")
            return {"WS": "ws://", "HTTP": "http://", "HOST": ""}[kind] + f"127.0.0.1:{port}"

        return _PLACEHOLDER.sub(value, text)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path)
        path = self._resolve(request.match_info["tail"])
        if path is None:
            return web.Response(status=404, text="not found")
        headers = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}
        kind = TEXT_TYPES.get(path.suffix.lower())
        if kind is None:  # application/wasm lets a page use WebAssembly.instantiateStreaming
            binary = "application/wasm" if path.suffix == ".wasm" else "application/octet-stream"
            return web.Response(body=path.read_bytes(), headers=headers, content_type=binary)
        text = self.fill(path.read_text(encoding="utf-8"))
        return web.Response(text=text, content_type=kind, charset="utf-8", headers=headers)
