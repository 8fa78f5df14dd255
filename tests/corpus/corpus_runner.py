"""Serve the labelled corpus and scan it with the real ``minerscan`` CLI.

Shared by ``tests/corpus/test_corpus.py`` and ``bench/bench_detection.py``. Each group of pages
(``sites/<group>/``) gets its own site server, because a server fills ``{{POOL_WS}}`` with one
pool: the miner groups are named after their pool dialect and get an emulator of it; the
``clean`` group gets none, but its chat and ticker pages need a WebSocket server of their own,
which :class:`FeedServer` provides (its addresses reach the pages as ``/live/feeds.js``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
import tomllib
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import WSMsgType, web

from minerscan.sites._loop import BackgroundServer, bound_socket
from minerscan.sites.demo import MINER_STATIC
from minerscan.sites.pool import PoolEmulator
from minerscan.sites.server import SiteServer

CORPUS = Path(__file__).resolve().parent
MANIFEST = CORPUS / "manifest.toml"
SITES = CORPUS / "sites"
LIB = CORPUS / "lib"
LABELS = ("miner", "clean")
NO_DIALECT = "none"


@dataclass(frozen=True)
class CorpusPage:
    path: str  # folder under sites/, "<group>/<name>"
    label: str
    dialect: str
    variant: str
    what: str
    login: str = ""
    xfail: str = ""  # a known detector miss or false alarm, with the reason

    @property
    def group(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.path.split("/", 1)[1]


def load_manifest(path: Path = MANIFEST) -> list[CorpusPage]:
    """Every page of the manifest, checked: known label, folder present, miners name a login."""
    pages = [CorpusPage(**entry) for entry in tomllib.loads(path.read_text("utf-8"))["page"]]
    for page in pages:
        if page.label not in LABELS:
            raise ValueError(f"{page.path}: label must be one of {LABELS}, not {page.label!r}")
        if not (SITES / page.path / "index.html").is_file():
            raise ValueError(f"{page.path}: no sites/{page.path}/index.html")
        if page.label == "miner" and (page.dialect == NO_DIALECT or not page.login):
            raise ValueError(f"{page.path}: a miner page needs its dialect and login")
    if len({p.path for p in pages}) != len(pages):
        raise ValueError("a page is listed twice in the manifest")
    return pages


# -- a chat and price-ticker server for the benign pages ------------------------------------------

QUOTES = {"BTC": ("Bitcoin", 67250.0), "ETH": ("Ethereum", 3480.0), "XMR": ("Monero", 164.0)}


class FeedServer(BackgroundServer):
    """WebSockets on 127.0.0.1: ``/chat`` (a support chat with an echo bot), ``/ticker`` (prices)."""

    def __init__(self, tick_seconds: float = 0.3) -> None:
        super().__init__("corpus-feeds")
        self.tick_seconds = tick_seconds
        self._open: set[web.WebSocketResponse] = set()
        self.port = 0

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}/{path}"

    def start(self) -> Self:
        sock = bound_socket("127.0.0.1")
        self.port = int(sock.getsockname()[1])
        app = web.Application()
        app.router.add_get("/chat", self._chat)
        app.router.add_get("/ticker", self._ticker)
        app.on_shutdown.append(self._close_all)
        self._serve(app, [sock])
        return self

    async def _close_all(self, _app: web.Application) -> None:
        for ws in list(self._open):
            await ws.close()

    async def _accept(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self._open.add(ws)
        return ws

    async def _chat(self, request: web.Request) -> web.WebSocketResponse:
        ws = await self._accept(request)
        ids = itertools.count(1)
        try:
            await ws.send_json({"type": "presence", "room": "support", "online": 3})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                said = json.loads(msg.data)
                if said.get("type") != "message":
                    continue
                await ws.send_json({**said, "id": next(ids)})  # the room echoes every message
                await ws.send_json({"type": "typing", "user": "Sam (support)"})
                await ws.send_json(
                    {
                        "type": "message",
                        "id": next(ids),
                        "user": "Sam (support)",
                        "text": "Thanks, let me check that for you.",
                    }
                )
        finally:
            self._open.discard(ws)
        return ws

    async def _ticker(self, request: web.Request) -> web.WebSocketResponse:
        ws = await self._accept(request)
        prices = {symbol: start for symbol, (_, start) in QUOTES.items()}
        walk = random.Random(7)
        try:
            first = await ws.receive()
            if first.type != WSMsgType.TEXT:
                return ws
            for symbol in itertools.cycle(QUOTES):
                if ws.closed:
                    break
                prices[symbol] *= 1 + walk.uniform(-0.002, 0.002)
                start = QUOTES[symbol][1]
                await ws.send_json(
                    {
                        "type": "ticker",
                        "symbol": symbol,
                        "name": QUOTES[symbol][0],
                        "price": round(prices[symbol], 2),
                        "change_24h": round(100 * (prices[symbol] - start) / start, 2),
                    }
                )
                await asyncio.sleep(self.tick_seconds)
        except ConnectionError:
            pass
        finally:
            self._open.discard(ws)
        return ws


# -- the servers of the whole corpus ------------------------------------------------------------


class CorpusSites:
    """Pool emulators, the feed server and one site server per group, all on 127.0.0.1."""

    def __init__(self, pages: list[CorpusPage]) -> None:
        self.pages = pages
        self.pools: dict[str, PoolEmulator] = {}
        self.sites: dict[str, SiteServer] = {}
        self._stack = ExitStack()

    def __enter__(self) -> Self:
        stack = self._stack
        try:
            feeds = stack.enter_context(FeedServer())
            live = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="corpus-live-")))
            (live / "feeds.js").write_text(
                "window.FEEDS = "
                + json.dumps({"chat": feeds.url("chat"), "ticker": feeds.url("ticker")})
                + ";\n",
                encoding="utf-8",
            )
            roots = {"static": MINER_STATIC, "lib": LIB, "live": live}
            for group in sorted({p.group for p in self.pages}):
                dialects = {p.dialect for p in self.pages if p.group == group} - {NO_DIALECT}
                if len(dialects) > 1:
                    raise ValueError(f"group {group} mixes pool dialects {sorted(dialects)}")
                pool = None
                if dialects:
                    pool = stack.enter_context(PoolEmulator(dialects.pop()))
                    self.pools[group] = pool
                site = SiteServer(SITES / group, pool, extra_roots=roots)
                self.sites[group] = stack.enter_context(site)
        except BaseException:
            stack.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def url(self, page: CorpusPage) -> str:
        return self.sites[page.group].url(page.name + "/")

    def mined(self, page: CorpusPage) -> bool:
        """Did the page's miner log in to its pool (by its wallet worker name or site key)?"""
        pool = self.pools.get(page.group)
        return (
            bool(page.login)
            and pool is not None
            and any(page.login in login for login in pool.logins)
        )


# -- one scan with the CLI ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScanRun:
    returncode: int
    stderr: str
    report: dict[str, Any]
    db: Path
    seconds: float

    def pages_by_url(self) -> dict[str, dict[str, Any]]:
        return {page["url"]: page for page in self.report.get("pages", [])}


def scan(
    urls: list[str],
    workdir: Path,
    *,
    dwell: float = 5,
    concurrency: int = 4,
    timeout: float = 600,
    extra_args: tuple[str, ...] = (),
) -> ScanRun:
    """``minerscan scan`` over exactly these pages (depth 0), as a user runs it, in a subprocess."""
    db, report = workdir / "corpus.db", workdir / "corpus.json"
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "minerscan",
            "scan",
            *urls,
            "--offline",
            "--depth",
            "0",
            "--max-pages",
            str(len(urls) + 10),
            "--dwell",
            str(dwell),
            "--concurrency",
            str(concurrency),
            "--format",
            "json",
            "-o",
            str(report),
            "--db",
            str(db),
            "--exit-zero",
            *extra_args,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
    )
    seconds = time.monotonic() - started
    if not report.exists():
        raise RuntimeError(
            f"minerscan scan wrote no report (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    return ScanRun(proc.returncode, proc.stderr, json.loads(report.read_text("utf-8")), db, seconds)


def reanalyze(db: Path, workdir: Path, *, timeout: float = 300) -> ScanRun:
    """``minerscan reanalyze`` of the newest scan stored in ``db``: current rules, no crawl."""
    report = workdir / "reanalysis.json"
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "minerscan",
            "reanalyze",
            "--db",
            str(db),
            "--format",
            "json",
            "-o",
            str(report),
            "--exit-zero",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
    )
    if not report.exists():
        raise RuntimeError(
            f"minerscan reanalyze wrote no report (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    return ScanRun(
        proc.returncode,
        proc.stderr,
        json.loads(report.read_text("utf-8")),
        db,
        time.monotonic() - started,
    )


def describe(page: dict[str, Any] | None) -> str:
    """The verdict and findings of one reported page, for an assertion message."""
    if page is None:
        return "the page is missing from the report"
    findings = ", ".join(f"{f['rule_id']}/{f['severity']}" for f in page.get("findings", []))
    return (
        f"verdict {page['verdict']} ({page.get('confidence')}); findings [{findings}]; "
        f"reasons {page.get('reasons')}; error {page.get('error')}"
    )
