"""End to end in real Chromium: the demo miner really mines against the pool emulator."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from minerscan.sites import PoolEmulator
from minerscan.sites.demo import DEMO_MINER_PAGE, demo_servers, miner_pages_server

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    *(["--no-sandbox"] if os.geteuid() == 0 else []),
]
PAGES = Path(__file__).resolve().parents[1] / "pages"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def methods(pool: PoolEmulator) -> list[str]:
    return [json.loads(frame).get("method") for frame in pool.received]


def test_demo_miner_logs_in_and_submits_shares(browser: Browser) -> None:
    with demo_servers() as (site, pool):
        context = browser.new_context()
        try:
            context.new_page().goto(site.url(DEMO_MINER_PAGE))
            # A share comes within a second or two on an idle machine; the margin is for busy CI.
            assert pool.wait_until(lambda p: p.accepted_shares >= 1, timeout=20), pool.received
        finally:
            context.close()
        assert methods(pool)[0] == "login" and "submit" in methods(pool)
        assert pool.logins[0].startswith("48fur")
        assert pool.rejected_shares == 0
        # Two hashing workers were started from the injected script.
        assert site.requests.count("/static/m-worker.js") == 2


def test_clean_demo_page_never_contacts_the_pool(browser: Browser) -> None:
    with demo_servers() as (site, pool):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(site.url("index.html"))
            page.wait_for_timeout(1500)
        finally:
            context.close()
        assert pool.connections == 0 and pool.received == []
        assert "/static/hit.json" in site.requests  # the benign analytics did run


def test_wasm_miner_hashes_in_workers_with_a_real_keccak(browser: Browser) -> None:
    with PoolEmulator() as pool, miner_pages_server(PAGES, pool) as site:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(site.url("wasm-worker/"))
            # Keccak-f[1600] of the all-zero state starts with lane 0xF1258F7940E1DDE7.
            first_lane = page.evaluate("""async () => {
                const bytes = await (await fetch('/static/m.wasm')).arrayBuffer();
                const {instance} = await WebAssembly.instantiate(bytes, {});
                const lanes = new BigUint64Array(instance.exports.memory.buffer, 256, 25);
                lanes.fill(0n);
                instance.exports.keccak(24);
                return lanes[0].toString(16);
            }""")
            assert first_lane == "f1258f7940e1dde7"
            assert pool.wait_until(lambda p: p.accepted_shares >= 1, timeout=20), pool.received
        finally:
            context.close()
        assert pool.logins == ["case-e-wasm-worker"]
        assert site.requests.count("/static/m.wasm") >= 3  # two workers and the check above


@pytest.mark.parametrize("dialect", ["coinhive", "webminerpool", "line"])
def test_miner_library_speaks_every_pool_dialect(
    browser: Browser, tmp_path: Path, dialect: str
) -> None:
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>dialect</title><script src='/static/m.js'></script><script>"
        f"Miner.Anonymous('key-{dialect}', {{pool: '{{{{POOL_WS}}}}', threads: 1,"
        f" dialect: '{dialect}'}}).start();</script>"
    )
    with PoolEmulator(dialect) as pool, miner_pages_server(tmp_path, pool) as site:
        context = browser.new_context()
        try:
            context.new_page().goto(site.base_url)
            assert pool.wait_until(lambda p: p.accepted_shares >= 1, timeout=20), pool.received
        finally:
            context.close()
        assert pool.logins[0] == f"key-{dialect}" and pool.rejected_shares == 0
