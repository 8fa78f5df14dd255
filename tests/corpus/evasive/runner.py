"""Serves the evasive corpus: its pages on two loopback origins and the pools its miners use.

Import it as a plain module (``sys.path`` insert of this folder, or importlib by path). ``Sites``
starts one aiohttp app on two free 127.0.0.1 ports: ``http://127.0.0.1:PORT`` for the pages and
``http://localhost:ALT_PORT``, a different site to Chromium, for the cross-site "ad" frames.

Every page gets its own login (a wallet-shaped address and a 32-character site key derived from
its path), substituted into its files at serve time, so the pool's ledger tells pages apart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import sys
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Self

from aiohttp import web

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from evasive_pools import Ledger, add_pool_routes, close_sockets

from minerscan.sites._loop import BackgroundServer, bound_socket

__all__ = ["MANIFEST", "PAGES_DIR", "Page", "Sites", "load_manifest", "login_for", "site_key_for"]

PAGES_DIR = HERE / "sites"
JS_DIR = HERE / "js"
MANIFEST = HERE / "manifest.toml"

LABELS = {"miner", "clean"}
PARTS = {"tuned", "set-aside"}
PROFILES = {"desktop", "mobile"}
GATES = {"", "webdriver", "user-agent", "cores", "interaction", "visibility", "delay", "mobile"}
TRANSPORTS = {"websocket", "socket.io", "http-polling", "worker-websocket", "none"}
THREADS = {"worker", "main", "wasm-worker", "none"}
TEXT_SUFFIXES = {".html", ".js", ".json", ".css", ".txt"}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class ManifestError(ValueError):
    """The manifest disagrees with the folders or with the corpus interface."""


@dataclass(frozen=True)
class Page:
    path: str
    label: str
    family: str
    variant: str
    part: str
    profile: str
    gate: str
    transport: str
    thread: str
    what: str

    @property
    def name(self) -> str:
        return self.path.split("/", 1)[1]


def _check(page: Page) -> None:
    problems = []
    if not (PAGES_DIR / page.path / "index.html").is_file():
        problems.append("no index.html in its folder")
    if page.path.split("/", 1)[0] != page.part or page.part not in PARTS:
        problems.append(f"part {page.part!r} does not match the path")
    for value, known, what in (
        (page.label, LABELS, "label"),
        (page.profile, PROFILES, "profile"),
        (page.gate, GATES, "gate"),
        (page.transport, TRANSPORTS, "transport"),
        (page.thread, THREADS, "thread"),
    ):
        if value not in known:
            problems.append(f"unknown {what} {value!r}")
    if page.label == "clean" and (page.gate or page.family != "none"):
        problems.append("a clean page has family 'none' and no gate")
    if problems:
        raise ManifestError(f"{page.path}: {'; '.join(problems)}")


def load_manifest(path: Path = MANIFEST) -> list[Page]:
    """Every page, validated; a broken manifest fails loudly rather than shrinking the corpus."""
    raw = tomllib.loads(path.read_text(encoding="utf-8")).get("page", [])
    names = {f.name for f in fields(Page)}
    pages = []
    for entry in raw:
        if set(entry) != names:
            raise ManifestError(f"{entry.get('path')}: fields {sorted(set(entry) ^ names)} differ")
        page = Page(**entry)
        _check(page)
        pages.append(page)
    paths = [p.path for p in pages]
    if len(set(paths)) != len(paths):
        raise ManifestError("a page is listed twice")
    return pages


def _b58(digest: bytes, length: int) -> str:
    number, out = int.from_bytes(digest, "big"), []
    while len(out) < length:
        number, rem = divmod(number, 58)
        out.append(B58[rem])
    return "".join(out)


def login_for(path: str) -> str:
    """A Monero-address-shaped login (95 characters starting with 4), one per page."""
    digest = b"".join(hashlib.sha256(f"evasive/{path}/{i}".encode()).digest() for i in range(3))
    return "4" + _b58(digest, 94)


def site_key_for(path: str) -> str:
    """A Coinhive-site-key-shaped token (32 characters), one per page."""
    return _b58(hashlib.sha256(f"evasive-key/{path}".encode()).digest(), 32)


class _CorpusServer(BackgroundServer):
    """Static pages with per-page placeholders, the shared hash code, and the pools."""

    def __init__(self, ledger: Ledger) -> None:
        super().__init__("evasive-corpus")
        self.ledger = ledger
        self.port = 0
        self.alt_port = 0

    def start(self) -> Self:
        main, alt = bound_socket("127.0.0.1"), bound_socket("127.0.0.1")
        self.port, self.alt_port = int(main.getsockname()[1]), int(alt.getsockname()[1])
        sockets = [main, alt]
        try:
            # Chromium may try ::1 first for "localhost"; answering there saves a fallback.
            sockets.append(bound_socket("::1", self.alt_port))
        except OSError:
            pass
        app = web.Application()
        add_pool_routes(app, self.ledger)
        app.router.add_get("/{tail:.*}", self._static)
        app.on_shutdown.append(close_sockets)
        self._serve(app, sockets)
        return self

    def _placeholders(self, rel: PurePosixPath) -> dict[str, str]:
        values = {
            "{{ORIGIN}}": f"http://127.0.0.1:{self.port}",
            "{{AD_ORIGIN}}": f"http://localhost:{self.alt_port}",
        }
        if len(rel.parts) >= 2 and rel.parts[0] in PARTS:
            page_path = f"{rel.parts[0]}/{rel.parts[1]}"
            values["{{LOGIN}}"] = login_for(page_path)
            values["{{SITE_KEY}}"] = site_key_for(page_path)
        return values

    async def _static(self, request: web.Request) -> web.StreamResponse:
        rel = PurePosixPath(request.match_info["tail"] or "index.html")
        if ".." in rel.parts:
            raise web.HTTPNotFound()
        if rel.parts and rel.parts[0] == "js":
            root, inner = JS_DIR, PurePosixPath(*rel.parts[1:])
        else:
            root, inner = PAGES_DIR, rel
        file = root / inner
        if file.is_dir():
            if not request.path.endswith("/"):
                raise web.HTTPFound(request.path + "/")
            file = file / "index.html"
        encoded = _encoding_of(file)
        if encoded:
            file = file.with_name(file.name.removesuffix(encoded))
        if not file.is_file():
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "no-store"}
        if file.suffix not in TEXT_SUFFIXES:
            return web.FileResponse(file, headers=headers)
        text = file.read_text(encoding="utf-8")
        if root == PAGES_DIR:
            for key, value in self._placeholders(rel).items():
                text = text.replace(key, value)
        if encoded:
            return web.Response(
                text=_encode(text, encoded), content_type="text/plain", headers=headers
            )
        ctype = mimetypes.guess_type(file.name)[0] or "text/plain"
        if file.suffix == ".js":
            ctype = "text/javascript"
        return web.Response(text=text, content_type=ctype, headers=headers)


# A request for ``miner.js.b64`` is served the page's miner.js, encoded the way a loader expects.
ENCODINGS = (".b64", ".codes")


def _encoding_of(file: Path) -> str:
    return next((s for s in ENCODINGS if file.name.endswith(s)), "")


def _encode(text: str, encoding: str) -> str:
    if encoding == ".b64":
        return base64.b64encode(text.encode("utf-8")).decode("ascii")
    # Char codes XORed with a rolling key, as a JSON array: no string of the source survives.
    return json.dumps([ord(ch) ^ ((i * 31 + 7) & 0x7F) for i, ch in enumerate(text)])


class Sites:
    """Starts the corpus's server and pools; answers which pages mined since it started."""

    def __init__(self) -> None:
        self.ledger = Ledger()
        self._server = _CorpusServer(self.ledger)

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.stop()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def ad_origin(self) -> str:
        return f"http://localhost:{self._server.alt_port}"

    def url(self, page: Page) -> str:
        return f"{self.origin}/{page.path}/"

    def activity(self, page: Page) -> dict:
        """Totals over the page's login and site key, and per rig (``login.rig``) underneath."""
        names = {login_for(page.path), site_key_for(page.path)}
        totals = {
            "work_sent": 0,
            "results": 0,
            "valid": 0,
            "invalid": 0,
            "stale": 0,
            "connections": 0,
        }
        rigs: dict[str, dict[str, int]] = {}
        protocols: set[str] = set()
        for identity, tally in self.ledger.snapshot().items():
            account, _, rig = identity.partition(".")
            if account not in names:
                continue
            counts = {name: getattr(tally, name) for name in totals}
            for name, n in counts.items():
                totals[name] += n
            rigs[rig or "-"] = counts
            protocols |= tally.protocols
        return {**totals, "protocols": sorted(protocols), "rigs": rigs}

    def mined(self, page: Page) -> bool:
        """Work went out and at least one result came back that the pool checked and accepted."""
        seen = self.activity(page)
        return seen["work_sent"] >= 1 and seen["valid"] >= 1
