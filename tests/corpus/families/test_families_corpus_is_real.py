"""The families corpus is what its manifest says: miners mine, look-alikes do not.

Fast tests check the manifest against the folders and that the pools behave like pools.
The browser test opens every page in Chromium, as a person's browser would look (a desktop
Chrome user agent, no automation flag, mouse moves), and checks on the servers' side that each
miner page received work and returned results under its own identity, and that no benign page
touched a pool and that the finite ones finished their CPU work.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

HERE = Path(__file__).resolve().parent


def _load_runner():
    # A unique module name: another corpus may also have a runner.py on sys.path.
    spec = importlib.util.spec_from_file_location("families_runner", HERE / "runner.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


runner = _load_runner()
PAGES = runner.load_manifest()

DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
CLOSED_NETWORK = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CONCURRENT_PAGES = 6
MINER_PATIENCE = 20.0  # seconds a miner gets to receive work and return a result
FINISH_PATIENCE = 40.0  # a bound, not a dwell: 15-18 s was the slowest at load average 30
BENIGN_DWELL = 6.0


def finite(page) -> bool:
    """Benign pages that run CPU work in workers must finish it (and say so: window.__done)."""
    return page.label == "clean" and page.thread == "worker"


# -- manifest --------------------------------------------------------------------------------


def test_manifest_lists_every_folder_with_the_right_part():
    listed = {page.path for page in PAGES}
    on_disk = {
        f"{part}/{folder.name}"
        for part in runner.PARTS
        for folder in (runner.PAGES_DIR / part).iterdir()
        if folder.is_dir()
    }
    assert listed == on_disk
    for page in PAGES:
        assert page.path.startswith(page.part + "/")


def test_manifest_has_the_families_own_designs_and_benign_pages_asked_for():
    miners = [page for page in PAGES if page.label == "miner"]
    real = {page.family for page in miners if not page.family.startswith("own-")}
    own = {page.family for page in miners if page.family.startswith("own-")}
    benign = [page for page in PAGES if page.label == "clean"]
    assert len(real) >= 8, real
    assert len(own) >= 3, own
    assert len(benign) >= 6
    set_aside = sum(page.part == "set-aside" for page in PAGES) / len(PAGES)
    assert 0.3 <= set_aside <= 0.5, set_aside
    for part in runner.PARTS:
        labels = {page.label for page in PAGES if page.part == part}
        assert labels == {"miner", "clean"}, part
    assert {page.transport for page in miners} >= {
        "websocket",
        "socket.io",
        "http-polling",
        "worker-websocket",
    }
    assert {page.thread for page in miners} >= {"worker", "main", "wasm-worker"}


def test_the_wasm_pages_ship_the_module_built_from_our_source():
    built = (HERE / "wasm" / "cryptonight.wasm").read_bytes()
    assert built[:4] == b"\0asm"
    shipped = [page for page in PAGES if page.thread == "wasm-worker"]
    assert shipped
    for page in shipped:
        assert (page.folder / "lib" / "cryptonight.wasm").read_bytes() == built, page.path


def test_every_miner_announces_its_own_identity():
    identities = [page.identity for page in PAGES if page.identity]
    assert len(identities) == len(set(identities))
    for page in PAGES:
        if not page.identity:
            continue
        # The identity (or, for a user login, its site key) is written in the page's own files.
        key = page.identity.split("@")[0]
        text = "".join(
            p.read_text(encoding="utf-8")
            for p in page.folder.rglob("*")
            if p.is_file() and p.suffix in (".html", ".js")
        )
        assert key in text, page.path


# -- pools, without a browser -----------------------------------------------------------------


@pytest.fixture(scope="module")
def sites():
    with runner.Sites() as running:
        yield running


def test_a_coinhive_style_pool_hands_out_jobs_and_acknowledges_shares(sites):
    url = f"ws://127.0.0.1:{sites.pool_ports()['coinhive']}/proxy"

    async def talk() -> list[str]:
        seen = []
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            auth = {"site_key": "probe-key", "type": "anonymous", "user": None, "goal": 0}
            await ws.send_str(json.dumps({"type": "auth", "params": auth}))
            while len(seen) < 6:
                msg = json.loads((await ws.receive(timeout=10)).data)
                seen.append(msg["type"])
                if msg["type"] == "job":
                    job = msg["params"]
                    assert len(job["blob"]) == 152 and len(job["target"]) == 8
                    submit = {"job_id": job["job_id"], "nonce": "00000000", "result": "ab" * 32}
                    await ws.send_str(json.dumps({"type": "submit", "params": submit}))
        return seen

    seen = asyncio.run(talk())
    assert seen[0] == "authed" and seen.count("job") >= 2 and "hash_accepted" in seen
    assert sites.ledger.snapshot("probe-key")["results"] >= 2


def test_the_pools_keccak_is_keccak():
    from famservers.keccak import keccak256

    for data in (b"", b"abc", b"x" * 135, b"x" * 136, bytes(range(256))):
        assert keccak256(data, pad=0x06) == hashlib.sha3_256(data).digest()
    assert keccak256(b"").hex().startswith("c5d2460186f7233c927e7db2dcc703c0")


def test_the_polling_server_hands_out_work_over_plain_http(sites):
    base = f"http://127.0.0.1:{sites.pool_ports()['own-poll']}/api/v2"

    async def poll() -> tuple[str, str]:
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/next?w=probe") as first:
                one = await first.text()
            async with http.get(base + "/next?w=probe") as second:
                two = await second.text()
        return one, two

    one, two = asyncio.run(poll())
    assert one != two  # a new work item each time
    assert sites.ledger.snapshot("probe")["work_sent"] == 2


# -- every page in a real browser -------------------------------------------------------------


@dataclass
class Visit:
    mined: bool = False
    seconds: float = 0.0
    done: object = None
    live_workers: int = 0
    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    activity: dict = field(default_factory=dict)


async def _visit(browser, sites, page) -> Visit:
    visit = Visit()
    context = await browser.new_context(
        user_agent=DESKTOP_CHROME, viewport={"width": 1366, "height": 768}, locale="en-US"
    )
    try:
        tab = await context.new_page()
        tab.on("request", lambda request: visit.urls.append(request.url))
        tab.on("websocket", lambda ws: visit.urls.append(ws.url))
        tab.on("pageerror", lambda error: visit.errors.append(str(error)))
        start = time.monotonic()
        await tab.goto(sites.url(page), wait_until="load")
        for x, y in ((200, 180), (420, 260), (640, 300), (520, 420)):
            await tab.mouse.move(x, y, steps=4)
        if page.label == "miner":
            while not sites.mined(page) and time.monotonic() - start < MINER_PATIENCE:
                await asyncio.sleep(0.25)
        elif finite(page):
            while time.monotonic() - start < FINISH_PATIENCE:
                if await tab.evaluate("window.__done === true"):
                    break
                await asyncio.sleep(0.25)
            await asyncio.sleep(0.5)  # a worker terminated a moment ago is gone from the list
        else:
            await asyncio.sleep(BENIGN_DWELL)
        visit.seconds = time.monotonic() - start
        visit.mined = sites.mined(page)
        visit.done = await tab.evaluate("window.__done === undefined ? null : window.__done")
        visit.live_workers = len(tab.workers)
    finally:
        await context.close()
    visit.activity = sites.activity(page)
    return visit


async def _visit_all(sites) -> dict[str, Visit]:
    from playwright.async_api import async_playwright

    from crawler.browser import find_browser

    gate = asyncio.Semaphore(CONCURRENT_PAGES)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=find_browser().path,
            headless=True,
            args=["--disable-blink-features=AutomationControlled", *CLOSED_NETWORK],
        )

        async def one(page):
            async with gate:
                return page.path, await _visit(browser, sites, page)

        try:
            # The finite benign pages first: their fixed work takes longest on a busy machine.
            order = sorted(PAGES, key=lambda page: not finite(page))
            results = await asyncio.gather(*(one(page) for page in order))
        finally:
            await browser.close()
    return dict(results)


@pytest.fixture(scope="module")
def visits(sites):
    return asyncio.run(_visit_all(sites))


def _pool_contacts(sites, visit: Visit) -> list[str]:
    ports = set(sites.pool_ports().values())
    return [url for url in visit.urls if urlsplit(url).port in ports]


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES, ids=[page.path for page in PAGES])
def test_the_page_does_what_its_label_says(page, visits, sites):
    visit = visits[page.path]
    detail = f"{page.path}: {visit}"
    if page.label == "miner":
        assert visit.mined, f"no work in and result out within {MINER_PATIENCE} s: {detail}"
        assert _pool_contacts(sites, visit), detail
        assert visit.activity.get("verified"), f"the server verified no hash: {detail}"
    else:
        assert not _pool_contacts(sites, visit), f"a benign page reached a pool: {detail}"
        assert not visit.errors, detail
        if finite(page):
            assert visit.done is True, f"its work did not finish in {FINISH_PATIENCE} s: {detail}"
            assert visit.live_workers == 0, f"workers still alive after it finished: {detail}"
