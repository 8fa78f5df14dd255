"""Pages that fight back: the instrumentation must finish on time and keep what it saw."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright

from crawler.instrument import InstrumentOptions
from minerscan.sites.pool import PoolEmulator
from minerscan.sites.server import SiteServer
from model.observations import FrameDirection

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

OPTIONS = InstrumentOptions(dwell=2.0, max_dwell=4.0, max_frames=5, frame_bytes=100)
# watch + collect may take the dwell plus a few seconds of bounded clean-up, never more.
BUDGET = OPTIONS.max_dwell + 12.0

HOSTILE_PAGES = {
    # The main thread spins forever shortly after load: no CDP call to it ever answers.
    "spin": "<title>spin</title><script>addEventListener('load', function () {"
    " setTimeout(function () { var x = 0; for (;;) { x++; } }, 50); });</script>",
    "alerts": "<title>alerts</title><script>setInterval(function () { alert('hi'); }, 20);"
    "</script>",
    # `debugger;` would freeze a page whose debugger stops on it; the title keeps counting.
    "debugger": "<title>0</title><script>var n = 0; setInterval(function () { debugger;"
    " document.title = String(++n); }, 50);</script>",
    "flood": "<title>flood</title><script>var ws = new WebSocket('{{POOL_WS}}');"
    " ws.onopen = function () { for (var i = 0; i < 40; i++)"
    " ws.send('x'.repeat(10000)); };</script>",
    "crash": "<title>crash</title><p>crashed by the test</p>",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, harness: Any) -> dict[str, Any]:
    root: Path = tmp_path_factory.mktemp("hostile")
    for name, html in HOSTILE_PAGES.items():
        (root / f"{name}.html").write_text(f"<!doctype html><html>{html}</html>")

    async def crash(page: Any) -> None:
        # The navigation itself fails (the renderer dies under it); that is the point.
        with contextlib.suppress(Exception):
            await page.goto("chrome://crash", timeout=3000)

    async def render_all(server: SiteServer) -> dict[str, Any]:
        async with async_playwright() as playwright:
            browser = await harness.launch(playwright)
            try:
                visits = await asyncio.gather(
                    *(
                        harness.render(
                            browser,
                            server.url(f"{name}.html"),
                            OPTIONS,
                            before_watch=crash if name == "crash" else None,
                        )
                        for name in HOSTILE_PAGES
                    )
                )
            finally:
                await browser.close()
        return dict(zip(HOSTILE_PAGES, visits))

    with PoolEmulator("stratum") as pool, SiteServer(root, pool) as server:
        visits = asyncio.run(render_all(server))
    print(
        "hostile:",
        {name: (round(v.wall_seconds, 1), v.result.errors) for name, v in visits.items()},
        "contexts that would not close:",
        harness.close_failures,
    )
    return visits


def test_every_hostile_page_finishes_within_budget(hostile):
    for name, visit in hostile.items():
        assert visit.wall_seconds < BUDGET, (name, visit.wall_seconds)


def test_spinning_main_thread_still_yields_a_visit(hostile):
    result = hostile["spin"].result
    assert result.title == "spin"  # from the browser: the renderer cannot answer
    assert any(b"for (;;)" in (s.body or b"") for s in result.scripts)
    cpu = result.cpu
    assert cpu is not None
    # The spinning main thread wants a whole core (contention may give it less).
    assert cpu.process_seconds > 0.3 or (cpu.demand_cores or 0) > 0.6, cpu
    # ...and it is booked to the main thread, not to a worker. (Not 100%: the compositor and IO
    # threads take their share, more so when the machine is busy.)
    assert cpu.worker_seconds == 0 and cpu.main_thread_seconds >= cpu.process_seconds * 0.5, cpu


def test_alert_loop_does_not_block_the_dwell(hostile):
    result = hostile["alerts"].result
    assert result.title == "alerts"
    assert result.cpu is not None and result.cpu.dwell_seconds >= OPTIONS.dwell - 0.2


def test_debugger_statements_never_pause_the_page(hostile):
    title = hostile["debugger"].result.title
    assert title.isdigit() and int(title) > 10, title


def test_frame_caps_keep_totals(hostile):
    (socket,) = hostile["flood"].result.websockets
    sent = [f for f in socket.frames if f.direction is FrameDirection.SENT]
    assert socket.frames_sent == 40
    # The first and the last max_frames are kept, each with its ordinal on the socket.
    n = OPTIONS.max_frames
    assert [f.index for f in sent] == [*range(n), *range(40 - n, 40)]
    assert all(f.truncated and f.size == 10000 and len(f.payload) == 100 for f in sent)


def test_crashed_page_is_reported_not_raised(hostile):
    result = hostile["crash"].result
    assert result.crashed
