"""Hand each finished PageVisit to the caller as soon as it exists (the CLI stores it at once).

If the caller's ``on_visit`` fails (say the database is gone), crawling on would observe pages
nobody keeps: the first error stops the crawl, and ``crawl()`` raises it once Scrapy has shut down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from model.observations import PageVisit

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["SINK_ERROR_REASON", "VisitPipeline", "VisitSink"]

logger = logging.getLogger(__name__)

SINK_ERROR_REASON = "visit_sink_error"


class VisitSink:
    """Counts visits and remembers the first exception ``on_visit`` raised."""

    def __init__(self, on_visit: Callable[[PageVisit], None]) -> None:
        self.on_visit = on_visit
        self.pages = 0
        self.failed = 0
        self.error: BaseException | None = None

    def deliver(self, visit: PageVisit) -> bool:
        """False when the visit could not be handed over (now or after an earlier failure)."""
        if self.error is not None:
            return False
        try:
            self.on_visit(visit)
        except Exception as exc:  # noqa: BLE001 - whatever the store raised stops the crawl
            self.error = exc
            return False
        self.pages += 1
        if not visit.ok:
            self.failed += 1
        return True


class VisitPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VisitPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageVisit):
            return item
        sink: VisitSink = self.crawler.spider.sink  # type: ignore[union-attr]
        first_failure = sink.error is None
        if not sink.deliver(item) and first_failure:
            # crawl() raises it once Scrapy has stopped; the caller says it in one line.
            logger.info(
                "storing the visit of %s failed, stopping the crawl: %r", item.url, sink.error
            )
            engine = self.crawler.engine
            if engine is not None:
                asyncio.ensure_future(engine.close_spider_async(reason=SINK_ERROR_REASON))
        return item
