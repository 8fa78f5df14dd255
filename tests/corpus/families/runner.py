"""Serve the families corpus and tell whether each page's miner really mined.

Import it as a plain module (put this folder on ``sys.path``)::

    with Sites() as sites:
        for page in load_manifest():
            url = sites.url(page)          # scan this
            ...
            sites.mined(page)              # True once its miner got work and sent a result

Every miner page announces its own identity (site key, login, worker id: ``IDENTITIES``) to
its pool, so many pages can be open at once and still be told apart.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from types import TracebackType
from typing import Self

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from famservers.benign import CaptchaService, GameServer, TickerServer
from famservers.hub import Hub
from famservers.jsecoin import JSEcoinServer
from famservers.jsonpools import CoinhiveStylePool, WebminerpoolServer
from famservers.ledger import Ledger
from famservers.own import BinaryPool, LinesPool, NdjsonPool, PollServer, SioLeases
from famservers.static import StaticSite

__all__ = ["IDENTITIES", "PAGES_DIR", "POOL_SERVERS", "Page", "Sites", "load_manifest"]

PAGES_DIR = HERE / "sites"
JS_DIR = HERE / "js"
MANIFEST = HERE / "manifest.toml"

LABELS = ("miner", "clean")
PARTS = ("tuned", "set-aside")
PROFILES = ("desktop", "mobile")
GATES = ("", "webdriver", "user-agent", "cores", "interaction", "visibility", "delay", "mobile")
TRANSPORTS = ("websocket", "socket.io", "http-polling", "worker-websocket", "none")
THREADS = ("worker", "main", "wasm-worker", "none")

# What each page announces to its server. Miner pages: the key their pool ledger is kept
# under. Benign pages with a back end: the site key / room / client id they send to it.
IDENTITIES: dict[str, str] = {
    "tuned/coinhive-anonymous": "fJq7Xo2mWs0dN4aPzC1bVe8RyT5kLh3G",
    "tuned/cryptoloot-crlt": "5c1e9a0f3b7d24e86a19c0f5d3b8e27a4c6f0d9b1e3a",
    "tuned/webminerpool-startmining": (
        "49Rq2VfPzW8kTn4xJbD3hLmC6sYa7uEo1GvK5iNtQw9ZcXr2BpF8jHd4MeS7yUg3Lk6AoVn1TzRb5Cx8WqPmJsE"
    ),
    "tuned/coinimp-client": "8d3f1a7c0e9b42d6a5c8f1e03b7d94a62c5e8f01d3b6a9c4e7f20d5b8a1c3e6f9",
    "tuned/webminepool-user": "SK_r4Tq9ZbLm2XwVn7Kp0Hs@reader-1187",
    "tuned/jsecoin-loader": "40173",
    "tuned/own-binary-ws": "rig-7f31",
    "tuned/own-sio-leases": "node-a8",
    "tuned/own-ndjson-worker-ws": "acct-5520",
    "tuned/deepminer-wasm": "tidewater-blog",
    "set-aside/coinhive-token": "Qm9Z3wTxK2rL7uYc4pNa8EsDv0bHj6Fi",
    "set-aside/deepminer-init": "harbor-news-site",
    "set-aside/crypto-webminer-perfekt": (
        "44Bx7ZtQ1cW5nLp9RkV3sYd8MfH2gJa6oTe4uXi1CbN7qSr5Dw3KmPv9EyLh2Uf8GzAn6Tj4Xs1QcRb7WoPkMdV"
    ),
    "set-aside/webminepool-anonymous": "SK_Dg6Hv1NcQ8yTr3Wm5Ja",
    "set-aside/coinhive-user-wasm": "Vb3nK8sQ1xZ7mR4tY6wP0cJ2hL5fD9aE@user-5531",
    "set-aside/own-http-poll": "w-4c1d",
    "set-aside/own-main-slices": "m-0093",
    "tuned/captcha-pow": "shop-captcha-01",
    "set-aside/game-websocket": "room-lobby-3",
    "set-aside/price-ticker": "desk-ticker-9",
}

# Servers that are mining pools (a benign page must never reach one).
POOL_SERVERS = (
    "coinhive",
    "cryptoloot",
    "deepminer",
    "coinimp",
    "webminepool",
    "webminerpool",
    "cryptowebminer",
    "jsecoin",
    "own-binary",
    "own-poll",
    "own-lines",
    "own-ndjson",
    "own-sio",
)


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
    def folder(self) -> Path:
        return PAGES_DIR / self.path

    @property
    def identity(self) -> str:
        return IDENTITIES.get(self.path, "")


class ManifestError(ValueError):
    """The manifest and the folders disagree; the message says where."""


def _check(page: Page) -> None:
    problems = []
    if not (page.folder / "index.html").is_file():
        problems.append(f"no {page.path}/index.html")
    if page.path.split("/", 1)[0] != page.part:
        problems.append(f"part {page.part!r} does not match the path")
    for name, allowed in (
        ("label", LABELS),
        ("part", PARTS),
        ("profile", PROFILES),
        ("gate", GATES),
        ("transport", TRANSPORTS),
        ("thread", THREADS),
    ):
        if getattr(page, name) not in allowed:
            problems.append(f"{name} {getattr(page, name)!r} is not one of {allowed}")
    if page.label == "clean" and page.family != "none":
        problems.append("a clean page has family 'none'")
    if page.label == "miner" and (page.family == "none" or not page.identity):
        problems.append("a miner page needs a family and an entry in IDENTITIES")
    if problems:
        raise ManifestError(f"{page.path}: " + "; ".join(problems))


def load_manifest() -> list[Page]:
    data = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    names = [f.name for f in fields(Page)]
    pages = []
    for entry in data.get("page", []):
        missing = [name for name in names if name not in entry]
        unknown = sorted(set(entry) - set(names))
        if missing or unknown:
            raise ManifestError(f"{entry.get('path')}: missing {missing}, unknown {unknown}")
        page = Page(**{name: str(entry[name]) for name in names})
        _check(page)
        pages.append(page)
    paths = [page.path for page in pages]
    if len(set(paths)) != len(paths):
        raise ManifestError("a page is listed twice")
    return pages


class Sites:
    """Starts the site (two origins), every pool and every benign back end; stops them all."""

    def __init__(self) -> None:
        self.ledger = Ledger()
        self._hub = Hub()
        self.site = StaticSite(PAGES_DIR, JS_DIR, self._hub.port)
        self._started = False

    def _servers(self) -> dict[str, object]:
        ledger = self.ledger
        return {
            "coinhive": CoinhiveStylePool(ledger, "coinhive"),
            "cryptoloot": CoinhiveStylePool(ledger, "cryptoloot", path="/"),
            "deepminer": CoinhiveStylePool(ledger, "deepminer"),
            "coinimp": CoinhiveStylePool(ledger, "coinimp", path="/"),
            "webminepool": CoinhiveStylePool(ledger, "webminepool", path="/"),
            "webminerpool": WebminerpoolServer(ledger, "webminerpool"),
            "cryptowebminer": WebminerpoolServer(ledger, "crypto-webminer"),
            "jsecoin": JSEcoinServer(ledger),
            "own-binary": BinaryPool(ledger),
            "own-poll": PollServer(ledger),
            "own-lines": LinesPool(ledger),
            "own-ndjson": NdjsonPool(ledger),
            "own-sio": SioLeases(ledger),
            "captcha": CaptchaService(ledger),
            "game": GameServer(ledger),
            "ticker": TickerServer(ledger),
        }

    def __enter__(self) -> Self:
        self._hub.add("site", self.site.app(), alias="site-alt")
        for name, server in self._servers().items():
            self._hub.add(name, server.app())  # type: ignore[attr-defined]
        self._hub.start()
        self._started = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._started:
            self._hub.stop()
            self._started = False

    # -- what callers need ----------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._hub.port('site')}"

    @property
    def alt_origin(self) -> str:
        return f"http://localhost:{self._hub.port('site-alt')}"

    def url(self, page: Page) -> str:
        return f"{self.origin}/{page.path}/"

    def pool_ports(self) -> dict[str, int]:
        """Port of every mining pool server, by name."""
        return {name: self._hub.port(name) for name in POOL_SERVERS}

    def activity(self, page: Page) -> dict[str, object]:
        if not page.identity:
            return {"work_sent": 0, "results": 0}
        return self.ledger.snapshot(page.identity)

    def mined(self, page: Page) -> bool:
        if page.label != "miner":
            return False
        seen = self.ledger.snapshot(page.identity)
        return int(seen["work_sent"]) > 0 and int(seen["results"]) > 0  # type: ignore[call-overload]
