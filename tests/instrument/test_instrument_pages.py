"""Each fixture page rendered once in real Chromium, concurrently; each test reads one result.

The machine has 2 cores shared with other test runs, so CPU bounds are loose and lean on
``demand_cores`` (run time + run-queue wait), which contention does not shrink.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from typing import Any

import pytest
from playwright.async_api import async_playwright

from crawler.instrument import InstrumentOptions
from minerscan.sites.demo import MINER_STATIC
from minerscan.sites.server import SiteServer
from model.observations import FrameDirection, ScriptKind, WebSocketSession

pytestmark = [pytest.mark.browser, pytest.mark.timeout(200)]

CASES = (
    "main-thread-socket",
    "worker-socket",
    "blob-worker",
    "cross-site-iframe",
    "wasm-worker",
    "delayed-start",
    "mousemove-start",
    "eval-loader",
    "service-worker",
    "throttled-worker",
    "benign",
    "inserted-scripts",
)
OPTIONS = InstrumentOptions(dwell=4.0, max_dwell=8.0)
# The delayed-start case checks that late workers extend the dwell in real time, so its
# clock is left alone (test_dwell_clock.py covers timers run ahead).
CASE_OPTIONS = {"delayed-start": replace(OPTIONS, clock_ahead=0.0)}
# Too many miners at once would starve each other of the 2 cores; 4 at a time stays quick.
CONCURRENT_PAGES = 4


@pytest.fixture(scope="module")
def visits(site: SiteServer, harness: Any) -> dict[str, Any]:
    async def render_all() -> dict[str, Any]:
        limit = asyncio.Semaphore(CONCURRENT_PAGES)
        async with async_playwright() as playwright:
            browser = await harness.launch(playwright)
            try:

                async def one(case: str) -> tuple[str, Any]:
                    async with limit:
                        return case, await harness.render(
                            browser,
                            site.url(f"{case}/index.html"),
                            CASE_OPTIONS.get(case, OPTIONS),
                        )

                return dict(await asyncio.gather(*(one(case) for case in CASES)))
            finally:
                await browser.close()

    return asyncio.run(render_all())


def _pool_socket(visit: Any, pool_url: str) -> WebSocketSession:
    sockets = [s for s in visit.result.websockets if s.url == pool_url]
    assert sockets, f"no pool socket in {[s.url for s in visit.result.websockets]}"
    return sockets[0]


def _sent_login(socket: WebSocketSession) -> bool:
    return any(f.direction is FrameDirection.SENT and '"login"' in f.payload for f in socket.frames)


def test_socket_in_main_thread_is_the_page_s(visits, pool, site):
    visit = visits["main-thread-socket"]
    socket = _pool_socket(visit, pool.ws_url)
    assert socket.context == "page"
    assert socket.initiator_script == site.url("static/m.js")
    assert _sent_login(socket)
    assert socket.frames_received >= 1
    assert any(f.direction is FrameDirection.RECEIVED for f in socket.frames)


def test_socket_in_dedicated_worker_is_attributed_to_it(visits, pool, site):
    visit = visits["worker-socket"]
    worker_url = site.url("worker-socket/worker.js")
    socket = _pool_socket(visit, pool.ws_url)
    assert socket.context == f"worker:{worker_url}"
    assert _sent_login(socket)
    assert [(w.url, w.type, w.parent) for w in visit.result.workers] == [
        (worker_url, "dedicated", "page")
    ]
    worker_scripts = {
        (s.kind, s.url) for s in visit.result.scripts if s.context == f"worker:{worker_url}"
    }
    assert (ScriptKind.WORKER, worker_url) in worker_scripts
    assert (ScriptKind.EXTERNAL, site.url("static/m.js")) in worker_scripts


def test_socket_in_blob_worker_and_its_source(visits, pool):
    visit = visits["blob-worker"]
    (worker,) = visit.result.workers
    assert worker.url.startswith("blob:http://127.0.0.1:")
    socket = _pool_socket(visit, pool.ws_url)
    assert socket.context == f"worker:{worker.url}"
    assert _sent_login(socket)
    blob_scripts = [s for s in visit.result.scripts if s.kind is ScriptKind.BLOB]
    assert blob_scripts and b"case-c-blob-worker" in (blob_scripts[0].body or b"")
    assert blob_scripts[0].sha256 == hashlib.sha256(blob_scripts[0].body or b"").hexdigest()


def test_miner_in_cross_site_iframe_counts_its_process(visits, pool, site):
    visit = visits["cross-site-iframe"]
    frame_url = site.url("cross-site-iframe/frame.html", alt=True)
    socket = _pool_socket(visit, pool.ws_url)
    assert socket.context == f"frame:{frame_url}"
    assert _sent_login(socket)
    workers = visit.result.workers
    assert len(workers) == 2 and {w.parent for w in workers} == {f"frame:{frame_url}"}
    cpu = visit.result.cpu
    assert cpu is not None
    # The top page itself is idle; the advert's own renderer does the hashing.
    assert cpu.process_seconds > 0.3, cpu
    assert cpu.worker_seconds > 0.2, cpu
    assert any(
        t.context.startswith("worker:http://localhost:") and t.cpu_seconds > 0.05
        for t in cpu.per_target
    ), cpu.per_target
    frame_requests = [r for r in visit.result.requests if r.context == f"frame:{frame_url}"]
    assert frame_requests and all(r.third_party for r in frame_requests)


def test_wasm_compiled_in_worker_is_captured(visits):
    visit = visits["wasm-worker"]
    module_bytes = (MINER_STATIC / "m.wasm").read_bytes()
    modules = visit.result.wasm_modules
    assert modules, "no wasm module captured"
    module = modules[0]
    assert module.context.startswith("worker:")
    assert module.sha256 == hashlib.sha256(module_bytes).hexdigest()
    assert module.size == len(module_bytes) and module.body == module_bytes
    assert "hash" in module.exports


def test_miner_starting_three_seconds_after_load_is_seen(visits, pool):
    visit = visits["delayed-start"]
    assert _sent_login(_pool_socket(visit, pool.ws_url))
    assert len(visit.result.workers) == 2
    assert all((w.started_at or 0) > 2.5 for w in visit.result.workers)
    cpu = visit.result.cpu
    assert cpu is not None
    assert cpu.worker_seconds > 0.05 or (cpu.demand_cores or 0) > 0.5, cpu
    # Workers that appear late extend the dwell.
    assert cpu.dwell_seconds > OPTIONS.dwell


def test_miner_waiting_for_mouse_move_is_started(visits, pool):
    visit = visits["mousemove-start"]
    assert _sent_login(_pool_socket(visit, pool.ws_url))
    assert len(visit.result.workers) == 2
    assert visit.result.cpu is not None and visit.result.cpu.peak_workers >= 2


def test_eval_loader_body_is_recorded(visits, pool):
    visit = visits["eval-loader"]
    evals = [s for s in visit.result.scripts if s.kind is ScriptKind.EVAL]
    assert any(
        b"Miner" in (s.body or b"") and b"minerscan demo miner" in (s.body or b"") for s in evals
    ), [s.body[:60] for s in evals if s.body]
    assert any(b"case-h-eval-loader" in (s.body or b"") for s in evals)
    assert all(s.url == "" and s.context == "page" for s in evals)
    assert _sent_login(_pool_socket(visit, pool.ws_url))


def test_scripts_added_at_run_time_name_the_script_that_added_them(visits, site):
    """What the HTML report's "injected" line reads: which script put the code in the page."""
    visit = visits["inserted-scripts"].result
    loader, added = site.url("inserted-scripts/loader.js"), site.url("inserted-scripts/added.js")
    fetched = [r for r in visit.requests if r.url == added]
    assert fetched and fetched[0].initiator_script == loader, visit.requests
    # The inline script it inserted and the line it eval'd: V8 names neither (no URL), but
    # its stack when it compiled them says who.
    runtime = {
        s.body: s.initiator_script
        for s in visit.scripts
        if not s.url and b"by loader.js" in (s.body or b"")
    }
    assert len(runtime) == 2 and set(runtime.values()) == {loader}, visit.scripts
    # The tags the HTML parser met carry no initiator: the served HTML is where they live.
    assert next(r for r in visit.requests if r.url == loader).initiator_script is None
    assert next(s for s in visit.scripts if s.url == loader).initiator_script is None


def test_service_worker_is_seen_with_its_socket(visits, pool, site):
    visit = visits["service-worker"]
    sw_url = site.url("service-worker/sw.js")
    assert ("service", sw_url) in {(w.type, w.url) for w in visit.result.workers}
    assert any(
        s.context == f"service_worker:{sw_url}" and s.kind is ScriptKind.WORKER
        for s in visit.result.scripts
    )
    socket = _pool_socket(visit, pool.ws_url)
    assert socket.context == f"service_worker:{sw_url}"
    assert _sent_login(socket)


def test_throttled_worker_shows_a_partial_duty_cycle(visits):
    cpu = visits["throttled-worker"].result.cpu
    assert cpu is not None and cpu.timeline
    mean = sum(cpu.timeline) / len(cpu.timeline)
    assert 0.0 < mean < 0.7, cpu.timeline
    assert any(cores > 0.02 for cores in cpu.timeline), cpu.timeline
    assert cpu.worker_seconds > 0.02
    # Demand is what the worker asked for: a quarter of a core, not two.
    assert cpu.demand_cores is not None and 0.1 < cpu.demand_cores < 1.0, cpu


def test_unthrottled_miner_demands_about_two_cores(visits):
    cpu = visits["main-thread-socket"].result.cpu
    assert cpu is not None and cpu.demand_cores is not None
    assert cpu.demand_cores > 1.2, cpu
    assert cpu.worker_seconds > cpu.main_thread_seconds


def test_benign_page_is_quiet(visits, site):
    result = visits["benign"].result
    assert result.websockets == () and result.workers == () and result.wasm_modules == ()
    assert result.title == "Case k: a benign page"
    cpu = result.cpu
    assert cpu is not None
    assert cpu.process_seconds < 0.5 and cpu.worker_seconds == 0.0, cpu
    assert cpu.demand_cores is not None and cpu.demand_cores < 0.6, cpu
    assert [s.url for s in result.scripts] == [site.url("benign/table-sort.js")]
    assert result.dom is not None
    assert result.dom.rendered.script_srcs == (site.url("benign/table-sort.js"),)
    assert {r.url for r in result.requests} >= {
        site.url("benign/index.html"),
        site.url("benign/sunflower.svg"),
    }
    assert not any(r.third_party for r in result.requests)


def test_inline_scripts_and_dom_inventory(visits, site):
    result = visits["throttled-worker"].result
    assert result.inline_script_count == 1
    inline = [s for s in result.scripts if s.kind is ScriptKind.INLINE]
    assert len(inline) == 1 and b"case-j-throttled-worker" in (inline[0].body or b"")
    assert result.dom is not None
    assert result.dom.served.script_srcs == (site.url("static/m.js"),)
    assert result.dom.injected_script_srcs == ()


def test_pages_finish_within_their_dwell_budget(visits):
    for case, visit in visits.items():
        assert visit.result.errors == (), (case, visit.result.errors)
        assert visit.wall_seconds < OPTIONS.max_dwell + 15, (case, visit.wall_seconds)
