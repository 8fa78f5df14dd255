"""A new page starts only while the machine has CPU to spare.

``concurrency`` pages may be open at once, but pages differ: an ordinary page mostly waits out
its dwell, while a miner, a spinning script or a hundred workers can take every core. When the
cores are saturated, more pages at once would only make every page slower to load (past its
page timeout) and starve the CPU evidence of the ones already open. So a downloader middleware
holds each browser request back while the whole machine's CPU has been at least ``BUSY`` busy
over the last moment and at least ``floor`` pages are open, and spaces the pages it starts
above ``floor`` by ``SPACING``; below ``floor`` pages always start, so the scan always moves,
whatever else runs on the machine.

Counting: the middleware marks a request it let through (``ADMITTED`` in its meta); the spider
calls :meth:`Admission.left` when that request's page is closed or its request failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from crawler.instrument import procfs

__all__ = ["ADMITTED", "BUSY", "Admission", "AdmissionMiddleware"]

ADMITTED = "minerscan_admitted"
BUSY = 0.9  # fraction of all cores, over the last READ_EVERY seconds or more
READ_EVERY = 0.5
WAIT_STEP = 0.1
# Above the floor, pages start at least this far apart: pages that all start together load
# together (and a saturated machine shows in /proc/stat only after they did). At 5 s dwells
# a page frees its slot every ~0.4 s at 16 pages at once, so this spacing costs nothing there.
SPACING = 0.25


class Admission:
    def __init__(
        self,
        floor: int,
        *,
        busy: float = BUSY,
        read: Callable[[], tuple[float, float] | None] = procfs.machine_times,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.floor = max(1, floor)
        self.busy = busy
        self.open = 0
        self.held = 0  # requests that had to wait, for the scan's summary
        self._read = read
        self._clock = clock
        self._last: tuple[float, tuple[float, float]] | None = None
        self._fraction = 0.0
        self._started: float | None = None  # when the last page started

    def saturated(self) -> bool:
        """Whether the machine's cores were at least ``busy`` busy since the last reading
        (taken at most every READ_EVERY seconds; off Linux, never)."""
        now = self._clock()
        if self._last is not None and now - self._last[0] < READ_EVERY:
            return self._fraction >= self.busy
        times = self._read()
        if times is None:
            return False
        if self._last is not None:
            busy = times[0] - self._last[1][0]
            total = times[1] - self._last[1][1]
            self._fraction = busy / total if total > 0 else 0.0
        self._last = (now, times)
        return self._fraction >= self.busy

    def _may_start(self) -> bool:
        if self.open < self.floor:
            return True
        if self._started is not None and self._clock() - self._started < SPACING:
            return False
        return not self.saturated()

    async def enter(self) -> None:
        waited = False
        while not self._may_start():
            waited = True
            await asyncio.sleep(WAIT_STEP)
        self.held += waited
        self.open += 1
        self._started = self._clock()

    def left(self) -> None:
        self.open = max(0, self.open - 1)


class AdmissionMiddleware:
    """Downloader middleware: browser requests wait for :class:`Admission` (spider.admission)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> AdmissionMiddleware:
        return cls(crawler)

    async def process_request(self, request: Any) -> None:
        admission: Admission | None = getattr(self.crawler.spider, "admission", None)
        if (
            admission is not None
            and request.meta.get("playwright")
            and not request.meta.get(ADMITTED)
        ):
            await admission.enter()
            request.meta[ADMITTED] = True
