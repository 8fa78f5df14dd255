"""A crawl fed site by site: from a shared scrapy-redis frontier, or from a local feed.

:class:`FrontierSpider` is the ordinary spider plus scrapy-redis's :class:`RedisMixin`: when
Scrapy runs out of work (``spider_idle``) it pops the next batch of sites from the survey's
Redis list (scrapy-redis's ``redis_key`` start-URL queue, shared by every worker), asks the
feed to claim them, and crawls them. Because the next batch is only taken when the crawl is
idle, every site of the batch before is then completely crawled: the feed is told so
(:meth:`SiteFeed.crawled`) with how many visits each site delivered.

scrapy-redis pops without acknowledgement: a popped entry is gone from Redis even if the
worker dies a second later. The feed pairs each pop with a claim in the database (a lease the
spider renews while it works, see :meth:`SiteFeed.heartbeat`); whatever a dead worker held is
put back on the frontier when its lease expires. Links found inside a site stay in this
worker's own scheduler: a site's budget is a few pages, and its end is judged where it ran.
Without Redis the same spider asks a local feed (the database alone) for its sites.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin

from crawler.spider import MinerscanSpider
from crawler.urls import registrable_domain
from model.observations import PageVisit

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.pipeline import VisitSink
    from crawler.run import CrawlConfig

__all__ = ["FeedSite", "FrontierSpider", "SiteFeed", "frontier_settings"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedSite:
    """A site the feed handed to this crawl: its start URL and the feed's own handle for it."""

    key: Any
    url: str

    @property
    def site(self) -> str:
        return registrable_domain(self.url)


class SiteFeed:
    """Where a :class:`FrontierSpider` gets its sites and reports what became of them.

    The methods run on the crawl's event loop while no page is in flight (``claim``,
    ``crawled``), or in a thread (``heartbeat``); they should be quick.
    """

    # The Redis URL and list of a shared frontier; None for a local feed.
    redis_url: str | None = None
    redis_key: str | None = None
    batch_size: int = 8
    heartbeat_seconds: float = 30.0

    def scan_started(self, scan_id: int) -> None:
        """The scan this crawl's visits are stored in (called before the crawl starts)."""

    def claim(self, entries: Sequence[bytes] | None, limit: int) -> list[FeedSite]:
        """Sites to crawl now: those of the popped Redis ``entries`` this worker won, or (local
        feed, ``entries`` None) up to ``limit`` queued ones."""
        raise NotImplementedError

    def crawled(self, sites: Sequence[FeedSite], delivered: Counter[str]) -> None:
        """Every page of ``sites`` was visited; ``delivered`` counts visits per domain."""

    def stopped(self, sites: Sequence[FeedSite]) -> None:
        """The crawl stopped (Ctrl-C, an error) before ``sites`` were crawled completely."""

    def heartbeat(self, sites: Sequence[FeedSite]) -> None:
        """Still working on ``sites`` (renew their leases)."""

    def idle(self) -> None:
        """Nothing was claimable: a chance to put sites of dead workers back on the frontier."""

    def finished(self) -> bool:
        """Nothing is left to do and nothing can come back: the crawl may end."""
        return True


def frontier_settings(feed: SiteFeed) -> dict[str, Any]:
    """Scrapy settings scrapy-redis reads (only the connection: no shared request queue)."""
    if feed.redis_url is None:
        return {}
    return {"REDIS_URL": feed.redis_url, "REDIS_START_URLS_KEY": feed.redis_key}


class FrontierSpider(RedisMixin, MinerscanSpider):  # type: ignore[misc]
    name = "minerscan-survey"

    def __init__(self, config: CrawlConfig, sink: VisitSink, feed: SiteFeed, **kwargs: Any) -> None:
        super().__init__(config=config, sink=sink, **kwargs)
        self.feed = feed
        self.batch: list[FeedSite] = []
        self.delivered: Counter[str] = Counter()
        self._renewing: asyncio.Task[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FrontierSpider:
        spider: FrontierSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.redis_batch_size = spider.feed.batch_size
        if spider.feed.redis_url is not None:
            spider.redis_key = spider.feed.redis_key
            spider.setup_redis(crawler)  # also connects spider_idle
        else:
            crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    # -- feeding -----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for request in self.next_requests():
            yield request

    def start_requests(self) -> Iterator[Request]:  # scrapy-redis's entry point, not ours
        return iter(())

    def next_requests(self) -> Iterator[Request]:
        """The next batch of sites (scrapy-redis pops them; the feed claims them)."""
        claimed: list[FeedSite] = []
        if self.feed.redis_url is None:
            claimed = self.feed.claim(None, self.redis_batch_size)
        else:
            # Entries of sites another worker finished or holds are dropped: pop on until
            # something is won or the list is empty.
            while not claimed:
                entries = self.fetch_data(self.redis_key, self.redis_batch_size)
                if not entries:
                    break
                claimed = self.feed.claim(entries, self.redis_batch_size)
        if not claimed:
            self.feed.idle()
        for site in claimed:
            self.batch.append(site)
            yield from self._schedule(site.url, site.site, depth=0)

    def spider_idle(self) -> None:
        """Scrapy has nothing left to do: the batch is crawled; take the next one, if any."""
        if self.batch:
            done, self.batch = self.batch, []
            self.feed.crawled(done, Counter({s.site: self.delivered[s.site] for s in done}))
            # Nothing is in flight: what the frontier remembers belongs to finished sites. A
            # long survey keeps no memory of them, and a site retried here gets a fresh budget.
            self.frontier.seen.clear()
            self.frontier.spent.clear()
            self.frontier.refunded.clear()
            self.delivered.clear()
        scheduled = 0
        for request in self.next_requests():
            self.crawler.engine.crawl(request)  # type: ignore[union-attr]
            scheduled += 1
        if scheduled or not self.feed.finished():
            raise DontCloseSpider

    def _item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, PageVisit):
            self.delivered[registrable_domain(item.url)] += 1

    # -- leases ------------------------------------------------------------------------------

    def _opened(self, **_: Any) -> None:
        self._renewing = asyncio.ensure_future(self._renew_leases())

    def _closed(self, reason: str = "", **_: Any) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
        if self.batch:
            unfinished, self.batch = self.batch, []
            logger.info("crawl closed (%s) with %d sites unfinished", reason, len(unfinished))
            self.feed.stopped(unfinished)

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(self.feed.heartbeat_seconds)
            if self.batch:
                try:
                    await asyncio.to_thread(self.feed.heartbeat, list(self.batch))
                except Exception as exc:  # noqa: BLE001 - the next beat tries again
                    logger.warning("could not renew the leases of this worker's sites: %r", exc)
