"""Hand each finished PageVisit to the caller as soon as it exists, off the browser's loop.

The item pipeline runs on the asyncio loop that drives every page's dwell timers and CDP
traffic, so it only queues the visit: ``on_visit`` (the CLI stores and analyses it) runs on a
delivery thread of its own, one visit at a time, in the order they were observed. At most
``capacity`` visits wait for it; when they do, ``process_item`` awaits a free slot, which holds
the crawl back (Scrapy stops scheduling while items are in progress) without blocking the loop.

If the caller's ``on_visit`` fails (say the database is gone), crawling on would observe pages
nobody keeps: the first error stops the crawl, and ``crawl()`` raises it once Scrapy has shut
down. When the crawl ends (Ctrl-C included), ``close()`` delivers what is still queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from model.observations import PageVisit

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["DEFAULT_CAPACITY", "SINK_ERROR_REASON", "VisitPipeline", "VisitSink"]

logger = logging.getLogger(__name__)

SINK_ERROR_REASON = "visit_sink_error"
DEFAULT_CAPACITY = 8  # visits observed but not yet handed over; a kill loses at most these
_IDLE_SECONDS = 0.5  # no visit for this long: the caller may finish work of its own (on_idle)


class VisitSink:
    """Delivers visits to ``on_visit`` and remembers the first exception it raised.

    ``on_loop=True`` calls ``on_visit`` inside the pipeline, on the browser's loop (how scans
    ran before the delivery thread; kept for ``bench/bench_throughput.py`` to compare).
    """

    def __init__(
        self,
        on_visit: Callable[[PageVisit], None],
        capacity: int = DEFAULT_CAPACITY,
        *,
        on_loop: bool = False,
        on_idle: Callable[[], None] | None = None,
        on_scheduled: Callable[[int], None] | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError("the visit queue needs room for at least one visit")
        self.on_visit = on_visit
        self.capacity = capacity
        self.on_loop = on_loop
        self.on_idle = on_idle  # called on the delivery thread when no visit came for a while
        # Told (on the loop) how many visits the crawl scheduled, or gave up on (negative).
        self.on_scheduled = on_scheduled
        self.pages = 0
        self.failed = 0
        self.error: BaseException | None = None
        # Set by the pipeline: stops the crawl (called on the loop).
        self.stop_crawl: Callable[[], None] | None = None
        self._queue: queue.SimpleQueue[PageVisit | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def scheduled(self, visits: int) -> None:
        """The crawl scheduled ``visits`` more visits (fewer, when negative), for a progress bar."""
        if self.on_scheduled is not None and visits:
            try:
                self.on_scheduled(visits)
            except Exception as exc:  # noqa: BLE001 - a progress display never stops a crawl
                logger.debug("progress display failed: %r", exc)

    def deliver(self, visit: PageVisit) -> bool:
        """Call ``on_visit`` now; False when it failed (now or after an earlier failure)."""
        if self.error is not None:
            return False
        try:
            self.on_visit(visit)
        except Exception as exc:  # noqa: BLE001 - whatever the store raised stops the crawl
            self.error = exc
            # crawl() raises it once Scrapy has stopped; the caller says it in one line.
            logger.info("storing the visit of %s failed, stopping the crawl: %r", visit.url, exc)
            self._request_stop()
            return False
        self.pages += 1
        if not visit.ok:
            self.failed += 1
        return True

    async def hand_over(self, visit: PageVisit) -> None:
        """Queue ``visit`` for the delivery thread, waiting (on the loop) for a free slot."""
        if self.error is not None:
            return
        if self.on_loop:
            self.deliver(visit)
            return
        if self._slots is None:
            self._loop = asyncio.get_running_loop()
            self._slots = asyncio.Semaphore(self.capacity)
            self._thread = threading.Thread(
                target=self._deliver_queued, name="minerscan-visit-delivery", daemon=True
            )
            self._thread.start()
        await self._slots.acquire()
        self._queue.put(visit)

    def close(self) -> None:
        """Deliver every visit still queued, then stop the delivery thread (idempotent)."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    def _deliver_queued(self) -> None:
        while True:
            try:
                visit = self._queue.get(timeout=_IDLE_SECONDS)
            except queue.Empty:
                self._idle()
                continue
            if visit is None:
                return
            try:
                self.deliver(visit)
            finally:
                self._on_loop(self._release_slot)

    def _idle(self) -> None:
        if self.on_idle is None or self.error is not None:
            return
        try:
            self.on_idle()
        except Exception as exc:  # noqa: BLE001 - a store failing here stops the crawl too
            self.error = exc
            logger.info("storing failed, stopping the crawl: %r", exc)
            self._request_stop()

    def _release_slot(self) -> None:
        if self._slots is not None:
            self._slots.release()

    def _request_stop(self) -> None:
        if self.stop_crawl is None:
            return
        if self._thread is not None and threading.current_thread() is self._thread:
            self._on_loop(self.stop_crawl)
        else:
            self.stop_crawl()

    def _on_loop(self, callback: Callable[[], None]) -> None:
        # After the reactor stopped (the final flush) the loop is closed: nothing waits then.
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(callback)


class VisitPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VisitPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageVisit):
            return item
        sink: VisitSink = self.crawler.spider.sink  # type: ignore[union-attr]
        if sink.stop_crawl is None:
            sink.stop_crawl = self._stop_crawl
        await sink.hand_over(item)
        return item

    def _stop_crawl(self) -> None:
        engine = self.crawler.engine
        if engine is not None:
            asyncio.ensure_future(engine.close_spider_async(reason=SINK_ERROR_REASON))
