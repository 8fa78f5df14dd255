"""Mining that outlives the page: after the dwell the page is left and closed, and whatever it
left running in its browser context (a pop-under, a shared worker, its socket, its CPU) is
recorded for a few seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.async_api import async_playwright

from crawler.instrument import InstrumentOptions, PageInstrumentation
from model.observations import AfterlifeObservation, PageVisit

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

AFTERLIFE = 3.0
OPTIONS = InstrumentOptions(dwell=2.0, max_dwell=3.0, max_frames=5, frame_bytes=256)
# Leaving, closing and summing up are bounded: a few seconds on top of the watch at most.
BUDGET = AFTERLIFE + 6.0


@dataclass(frozen=True)
class AfterVisit:
    visit: PageVisit  # built the way the spider builds it
    afterlife_seconds: float  # wall time of the afterlife step
    pages_left: int  # pages still open in the context after the step


async def _visit(browser: Any, url: str, options: InstrumentOptions, click: bool) -> AfterVisit:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        instrumentation = PageInstrumentation(options, page_url=url)
        await instrumentation.attach(page)
        await page.goto(url, wait_until="load", timeout=20_000)
        if click:
            await page.mouse.click(20, 200)  # empty space: the page's pop-under trigger
        await instrumentation.watch(page)
        result = await instrumentation.collect(page)
        started = time.monotonic()
        afterlife = await instrumentation.afterlife(page)
        seconds = time.monotonic() - started
        visit = PageVisit(url=url, websockets=result.websockets, afterlife=afterlife)
        return AfterVisit(visit, seconds, len([p for p in context.pages if not p.is_closed()]))
    finally:
        await asyncio.wait_for(context.close(), 10)


@pytest.fixture(scope="module")
def visits(capture_site: Any, site: Any, harness: Any) -> dict[str, AfterVisit]:
    with_afterlife = InstrumentOptions(**{**OPTIONS.__dict__, "afterlife": AFTERLIFE})
    without = InstrumentOptions(**{**OPTIONS.__dict__, "afterlife": 0.0})
    cases = {
        "popunder": (capture_site.url("popunder-shared-worker/"), with_afterlife, True),
        "benign": (capture_site.url("benign/"), with_afterlife, True),
        "spin": (capture_site.url("afterlife-spin/"), with_afterlife, False),
        "disabled": (capture_site.url("benign/"), without, False),
        # The shared fixture page whose service worker mines over the pool emulator's socket.
        "service-worker": (site.url("service-worker/index.html"), with_afterlife, False),
    }

    async def render_all() -> dict[str, AfterVisit]:
        async with async_playwright() as playwright:
            browser = await harness.launch(playwright)
            try:
                done = await asyncio.gather(
                    *(
                        _visit(browser, url, options, click)
                        for url, options, click in cases.values()
                    )
                )
            finally:
                await browser.close()
        return dict(zip(cases, done))

    return asyncio.run(render_all())


def _afterlife(visits: dict[str, AfterVisit], case: str) -> AfterlifeObservation:
    afterlife = visits[case].visit.afterlife
    assert afterlife is not None
    return afterlife


def test_pop_under_that_outlives_the_page_is_listed(visits, capture_site):
    afterlife = _afterlife(visits, "popunder")
    assert afterlife.windows == (capture_site.url("popunder-shared-worker/popunder.html"),)
    assert 0.8 * AFTERLIFE <= afterlife.seconds <= AFTERLIFE + 1.0


def test_shared_worker_kept_alive_by_the_pop_under_is_listed(visits, capture_site):
    afterlife = _afterlife(visits, "popunder")
    miner = capture_site.url("popunder-shared-worker/miner.js")
    assert [(w.url, w.type) for w in afterlife.workers] == [(miner, "shared")]


def test_its_socket_is_still_open_with_only_the_frames_after_leaving(visits, capture_site):
    visit = visits["popunder"].visit
    (before,) = [s for s in visit.websockets if s.url.endswith("/ws?who=afterlife")]
    (after,) = [s for s in _afterlife(visits, "popunder").websockets]
    assert after.url == before.url
    assert after.context == f"shared_worker:{capture_site.url('popunder-shared-worker/miner.js')}"
    assert after.closed_at is None
    # A keep-alive every ~200 ms for 3 s; none of them is one the dwell already saw.
    assert after.frames_sent >= 5 and after.frames
    for direction in ("sent", "received"):
        seen = max(f.index for f in before.frames if f.direction == direction)
        # Frames between the dwell's snapshot and the moment of leaving belong to neither
        # (they are still counted in the totals); never one the dwell already kept.
        assert min(f.index for f in after.frames if f.direction == direction) > seen
    assert all('"keepalived"' in f.payload for f in after.frames if f.direction == "sent")


def test_its_requests_after_leaving_are_recorded(visits, capture_site):
    pings = [r for r in _afterlife(visits, "popunder").requests if r.url.endswith("/api/ping")]
    assert len(pings) >= 3  # one every 400 ms
    assert {r.context for r in pings} == {
        f"shared_worker:{capture_site.url('popunder-shared-worker/miner.js')}"
    }


def test_cpu_it_still_burns_is_measured(visits):
    # ~0.6 of a core for 3 s on an idle machine; 0.23 s was seen with 2 busy cores shared by
    # 4 pages and other test runs. An ordinary page measures 0.00.
    assert _afterlife(visits, "popunder").cpu_seconds > 0.05


def test_a_service_worker_that_keeps_mining_is_listed_with_its_socket(visits, site, pool):
    afterlife = _afterlife(visits, "service-worker")
    worker = site.url("service-worker/sw.js")
    assert [(w.url, w.type) for w in afterlife.workers] == [(worker, "service")]
    (socket,) = afterlife.websockets
    assert (socket.url, socket.context) == (pool.ws_url, f"service_worker:{worker}")
    assert socket.frames and socket.closed_at is None
    assert afterlife.cpu_seconds > 0.05
    assert afterlife.seconds >= 0.8 * AFTERLIFE  # a live worker is watched the whole time


def test_an_ordinary_page_leaves_nothing_behind(visits):
    afterlife = _afterlife(visits, "benign")
    assert (afterlife.windows, afterlife.workers, afterlife.websockets) == ((), (), ())
    assert afterlife.requests == ()
    assert afterlife.cpu_seconds < 0.3
    # With nothing of it left in its context, the watch ends early instead of waiting it out.
    assert afterlife.seconds < AFTERLIFE - 1.0, afterlife


def test_everything_is_closed_afterwards(visits):
    assert {case: v.pages_left for case, v in visits.items()} == {
        "popunder": 0,
        "benign": 0,
        "spin": 0,
        "service-worker": 0,
        "disabled": 1,  # no afterlife: the page is left to the caller, as before
    }


def test_a_page_that_will_not_let_go_costs_no_more_than_the_budget(visits):
    assert visits["spin"].visit.afterlife is not None
    assert {case: v.afterlife_seconds <= BUDGET for case, v in visits.items()} == dict.fromkeys(
        visits, True
    )


def test_afterlife_zero_skips_the_step(visits):
    assert visits["disabled"].visit.afterlife is None
    assert visits["disabled"].afterlife_seconds < 0.5
