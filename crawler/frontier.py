"""A crawl fed site by site: from a shared scrapy-redis frontier, or from a local feed.

:class:`FrontierSpider` is the ordinary spider plus scrapy-redis's :class:`RedisMixin`: it pops
sites from the survey's Redis list (scrapy-redis's ``redis_key`` start-URL queue, shared by
every worker), asks the feed to claim them, and crawls them. It keeps ``batch_size`` sites in
hand: a site is completely crawled once none of its requests is in flight and every visit its
callbacks yielded went through the item pipeline; the feed is told so at once
(:meth:`SiteFeed.crawled`, with how many visits the site delivered), and once a quarter of the
batch is done that many new sites are popped. So the browser is never left idle while the
slowest site of a batch finishes (the pages of a batch end at different times). When Scrapy
runs out of work (``spider_idle``) every site in hand is crawled, whatever the counts say.

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

# While the last sites' visits are analysed and stored, how often the idle crawl asks the feed
# again whether it may close (one small SQL count each time).
_STORING_POLL = 0.2


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

    The methods run on the crawl's event loop (``claim``, ``crawled``, ``idle``), or in a
    thread (``heartbeat``); they must be quick: a few small SQL statements or Redis calls.
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

    def storing(self) -> bool:
        """Sites this crawl finished are still being stored (their last visits analysed and
        written): ``finished`` may turn true in a moment."""
        return False


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
        self.batch: dict[str, FeedSite] = {}  # domain -> a claimed site not crawled yet
        self.delivered: Counter[str] = Counter()  # visits through the item pipeline, per site
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

    def next_requests(self, limit: int | None = None) -> Iterator[Request]:
        """Up to ``limit`` (the batch size) more sites: scrapy-redis pops them, the feed
        claims them."""
        limit = self.redis_batch_size if limit is None else limit
        claimed: list[FeedSite] = []
        if self.feed.redis_url is None:
            claimed = self.feed.claim(None, limit)
        else:
            # Entries of sites another worker finished or holds are dropped: pop on until
            # something is won or the list is empty.
            while not claimed:
                entries = self.fetch_data(self.redis_key, limit)
                if not entries:
                    break
                claimed = self.feed.claim(entries, limit)
        if not claimed:
            self.feed.idle()
        for site in claimed:
            self.batch[site.site] = site
            yield from self._schedule(site.url, site.site, depth=0)

    def spider_idle(self) -> None:
        """Scrapy has nothing left to do: every site in hand is crawled; take the next ones,
        if any."""
        for site in list(self.batch):
            self._done(site)
        scheduled = 0
        for request in self.next_requests():
            self.crawler.engine.crawl(request)  # type: ignore[union-attr]
            scheduled += 1
        if scheduled or not self.feed.finished():
            if not scheduled and self.feed.storing():
                self._wake(_STORING_POLL)
            raise DontCloseSpider

    def _item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, PageVisit):
            site = registrable_domain(item.url)
            self.delivered[site] += 1
            self._settled(site)

    def _settled(self, site: str) -> None:
        """A request of ``site`` was called back, or one of its visits went through the
        pipeline: done once nothing of it is in flight and every visit it yielded is through."""
        if (
            site in self.batch
            and self.in_flight[site] <= 0
            and self.delivered[site] >= self.yielded[site]
        ):
            self._done(site)
            self._refill()

    def _done(self, site: str) -> None:
        feed_site = self.batch.pop(site)
        self.feed.crawled([feed_site], Counter({site: self.delivered[site]}))
        for counts in (self.delivered, self.yielded, self.in_flight):
            counts.pop(site, None)
        self.frontier.forget(site)

    def _refill(self) -> None:
        """Once a quarter of the batch is crawled, claim as many new sites, while the crawl
        runs (not once it is stopping: Ctrl-C, an error)."""
        engine = self.crawler.engine
        missing = self.redis_batch_size - len(self.batch)
        if engine is None or not engine.running or missing < max(1, self.redis_batch_size // 4):
            return
        for request in self.next_requests(missing):
            engine.crawl(request)

    def _wake(self, delay: float) -> None:
        """Have Scrapy look in ``delay`` seconds whether it is idle (to claim the next batch, or
        to close). Once its last request is done it looks on its own only on its 5 s
        heartbeat, since a visit being stored does not wake the engine: a survey's end waited
        up to 5 s after its last site was stored."""
        nextcall = getattr(getattr(self.crawler.engine, "_slot", None), "nextcall", None)
        if nextcall is not None:  # Scrapy's engine slot; private, so looked up with care
            asyncio.get_running_loop().call_later(delay, nextcall.schedule)

    # -- leases ------------------------------------------------------------------------------

    def _opened(self, **_: Any) -> None:
        self._renewing = asyncio.ensure_future(self._renew_leases())

    def _closed(self, reason: str = "", **_: Any) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
        if self.batch:
            unfinished, self.batch = list(self.batch.values()), {}
            logger.info("crawl closed (%s) with %d sites unfinished", reason, len(unfinished))
            self.feed.stopped(unfinished)

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(self.feed.heartbeat_seconds)
            if self.batch:
                try:
                    await asyncio.to_thread(self.feed.heartbeat, list(self.batch.values()))
                except Exception as exc:  # noqa: BLE001 - the next beat tries again
                    logger.warning("could not renew the leases of this worker's sites: %r", exc)
