"""The crawler's hand-over: visits queue for a delivery thread, the loop never waits on the
store, a full queue holds the crawl back, a failing store stops it, and closing delivers all."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

from crawler.pipeline import VisitSink
from model.observations import PageVisit

STORE_SECONDS = 0.3  # a slow database commit


def _visits(n: int) -> list[PageVisit]:
    return [PageVisit(url=f"http://127.0.0.1/{i}") for i in range(n)]


async def _hand_over_while_ticking(sink: VisitSink, visits: list[PageVisit]) -> tuple[float, list]:
    """Hand every visit over while a task ticks every 10 ms: (longest tick gap, waits)."""
    ticks: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)
        ticks.append(time.monotonic())

    ticker = asyncio.ensure_future(tick())
    await asyncio.sleep(0)  # the ticker starts before the first visit
    waits = []
    for visit in visits:
        started = time.monotonic()
        await sink.hand_over(visit)
        waits.append(time.monotonic() - started)
    done.set()
    await ticker
    return max(b - a for a, b in itertools.pairwise(ticks)), waits


def test_a_slow_store_holds_the_crawl_back_without_stalling_the_loop() -> None:
    delivered: list[tuple[str, str]] = []

    def store(visit: PageVisit) -> None:
        time.sleep(STORE_SECONDS)
        delivered.append((visit.url, threading.current_thread().name))

    sink = VisitSink(store, capacity=2)
    visits = _visits(6)
    gap, waits = asyncio.run(_hand_over_while_ticking(sink, visits))
    sink.close()

    assert gap < STORE_SECONDS / 2  # the loop kept running while visits were stored
    assert waits[0] < STORE_SECONDS / 2 and waits[1] < STORE_SECONDS / 2  # room in the queue
    assert max(waits[2:]) > STORE_SECONDS / 2  # then the crawl waited for the store
    # Closing delivered every visit, in order, on the delivery thread.
    assert [url for url, _ in delivered] == [v.url for v in visits]
    assert {name for _, name in delivered} == {"minerscan-visit-delivery"}
    assert sink.pages == 6 and sink.error is None


def test_delivered_on_the_loop_the_same_store_stalls_it() -> None:
    sink = VisitSink(lambda visit: time.sleep(STORE_SECONDS), on_loop=True)
    gap, _ = asyncio.run(_hand_over_while_ticking(sink, _visits(2)))
    assert gap >= STORE_SECONDS * 0.9


def test_the_first_store_error_stops_the_crawl_once_and_keeps_the_error() -> None:
    stored: list[str] = []
    stops: list[float] = []

    def store(visit: PageVisit) -> None:
        if len(stored) == 2:
            raise OSError("disk full")
        stored.append(visit.url)

    async def crawl() -> None:
        sink.stop_crawl = lambda: stops.append(time.monotonic())
        for visit in _visits(5):
            await sink.hand_over(visit)
        await asyncio.sleep(0.2)  # the stop request reaches the loop

    sink = VisitSink(store, capacity=1)
    asyncio.run(crawl())
    sink.close()
    assert len(stored) == 2 and len(stops) == 1
    assert isinstance(sink.error, OSError) and sink.pages == 2


def test_the_delivery_thread_lets_the_caller_catch_up_when_no_visit_comes() -> None:
    idle: list[str] = []
    sink = VisitSink(
        lambda visit: None, on_idle=lambda: idle.append(threading.current_thread().name)
    )

    async def one_visit_then_quiet() -> None:
        await sink.hand_over(PageVisit(url="http://127.0.0.1/"))
        await asyncio.sleep(1.3)

    asyncio.run(one_visit_then_quiet())
    sink.close()
    assert idle and set(idle) == {"minerscan-visit-delivery"}
