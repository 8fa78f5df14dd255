"""The crawler's one entry point: ``crawl(config, on_visit)`` runs Scrapy in-process until done.

Twisted's reactor cannot be restarted, so ``crawl`` runs once per process (tests use a
subprocess). Ctrl-C / SIGTERM stop it the Scrapy way: no new pages start, the pages in flight
finish and are delivered, and the result says ``interrupted``; a second signal forces the stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.browser import find_browser
from crawler.pipeline import DEFAULT_CAPACITY, VisitSink
from model.observations import PageVisit
from model.settings import ScanSettings

if TYPE_CHECKING:
    from scrapy.spiders import Spider

    from crawler.frontier import SiteFeed

__all__ = ["CrawlConfig", "CrawlStats", "VisitSinkError", "crawl", "run_crawler_process"]

# Scrapy's graceful stop (first Ctrl-C / SIGTERM) closes the spider with this reason.
SHUTDOWN_REASON = "shutdown"


@dataclass(frozen=True)
class CrawlConfig(ScanSettings):
    """The scan settings (model/settings.py), and what an interrupted run already did.

    ``targets`` are normalised start URLs (crawler.urls.normalize_target).
    """

    # Visited in an earlier, interrupted run: not visited again (no PageVisit), but fetched once
    # without the browser so the pages behind their links are still found.
    skip_urls: frozenset[str] = field(default_factory=frozenset)
    # Visited with one profile but perhaps not with the others: (url as requested, profile).
    skip_visits: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        from crawler.instrument.profiles import get_profile

        super().__post_init__()
        if not self.profiles:
            raise ValueError("at least one browser profile is needed")
        for name in self.profiles:
            get_profile(name)  # raises ValueError naming the known profiles


@dataclass(frozen=True)
class CrawlStats:
    pages: int  # visits delivered to on_visit, failed ones included
    failed: int  # of those, visits that are not ``ok`` (HTTP_STATUS counts as ok)
    interrupted: bool  # stopped by Ctrl-C / SIGTERM before the frontier was exhausted
    browser: str  # path and version of the Chromium used


class VisitSinkError(RuntimeError):
    """``on_visit`` raised; the crawl was stopped. The original exception is the ``__cause__``."""


def crawl(
    config: CrawlConfig,
    on_visit: Callable[[PageVisit], None],
    feed: SiteFeed | None = None,
    *,
    queue_size: int = DEFAULT_CAPACITY,
    deliver_on_loop: bool = False,
    on_idle: Callable[[], None] | None = None,
    on_scheduled: Callable[[int], None] | None = None,
) -> CrawlStats:
    """Crawl ``config.targets``, calling ``on_visit`` for every visit as soon as it is complete.

    ``on_visit`` runs on a delivery thread of its own, one visit at a time in the order they
    were observed; when ``queue_size`` visits wait for it the crawl waits too (see
    crawler/pipeline.py). Every visit observed has been handed to it when ``crawl`` returns.
    ``on_idle`` is called on that thread when no visit came for half a second (the scan
    records finished analyses then). ``on_scheduled`` is told, on the browser's loop, how many
    visits were scheduled as the crawl finds them (negative: given up on). ``deliver_on_loop`` calls ``on_visit`` on the browser's
    loop instead (for comparisons only).

    With a ``feed`` (crawler.frontier), the sites come from it instead, batch after batch,
    until it has none left.

    Raises ``BrowserNotFound`` before crawling when no Chromium is usable, and
    :class:`VisitSinkError` after shutting down when ``on_visit`` failed.
    """
    # Scrapy, Twisted and Playwright load here, not when the CLI merely imports CrawlConfig.
    from crawler.settings import build_settings
    from crawler.spider import MinerscanSpider

    browser = find_browser(config.browser_path)
    sink = VisitSink(
        on_visit,
        queue_size,
        on_loop=deliver_on_loop,
        on_idle=on_idle,
        on_scheduled=on_scheduled,
    )
    if not config.targets and feed is None:
        return CrawlStats(pages=0, failed=0, interrupted=False, browser=browser.describe())
    settings = build_settings(config, browser)
    spider_class: type[Spider] = MinerscanSpider
    spider_args: dict[str, object] = {"config": config, "sink": sink}
    if feed is not None:
        from crawler.frontier import FrontierSpider, frontier_settings

        settings.update(frontier_settings(feed))
        spider_class, spider_args["feed"] = FrontierSpider, feed
    return run_crawler_process(settings, spider_class, spider_args, sink, browser.describe())


class _StopOnSignal:
    """Ctrl-C / SIGTERM stop the crawl whenever they land, also while it is still starting.

    Scrapy's own handlers (installed once the reactor runs) stop the engine gracefully, but
    while the engine has not started yet (the browser still launching) that stop does nothing
    or stops the reactor with nothing visited; before the reactor runs, a signal was Python's
    default (SIGTERM killed the scan without a word). So Scrapy is started without its
    handlers and these are installed as soon as the crawler is made: the first signal stops
    the crawl gracefully once its engine runs (pages in flight finish, reason ``shutdown``),
    the second stops the reactor at once, as Scrapy's second signal does.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, crawler: Any) -> None:
        from scrapy import signals

        self._crawler = crawler
        self._received = 0
        self._stopping: asyncio.Future[Any] | None = None
        self._previous: dict[int, Any] = {}
        with contextlib.suppress(ValueError):  # not the main thread: no handlers of ours
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._on_signal)
        crawler.signals.connect(self._engine_started, signal=signals.engine_started)

    @property
    def installed(self) -> bool:
        return bool(self._previous)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._received += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # the reactor does not run yet: the engine's start acts on it
        loop.call_soon_threadsafe(self._stop if self._received == 1 else self._force)

    def _engine_started(self) -> None:
        if self._received:
            self._stop()

    def _stop(self) -> None:
        if self._stopping is None:
            logging.getLogger(__name__).info("stopping: no new pages, the open ones finish")
            self._stopping = asyncio.ensure_future(self._stop_when_running())

    async def _stop_when_running(self) -> None:
        crawler = self._crawler
        while crawler.engine is None or not crawler.engine.running:
            if not crawler.crawling:
                return
            await asyncio.sleep(0.05)
        await crawler.stop_async()

    def _force(self) -> None:
        from twisted.internet import reactor  # running by now, so it is the installed one

        logging.getLogger(__name__).warning("second signal: stopping at once")
        with contextlib.suppress(RuntimeError):
            reactor.stop()  # type: ignore[attr-defined]

    def restore(self) -> None:
        """After the crawl: the handlers from before it (Ctrl-C raises KeyboardInterrupt)."""
        for signum, handler in self._previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signum, handler)


def run_crawler_process(
    settings: dict[str, Any],
    spider_class: type[Spider],
    spider_args: dict[str, object],
    sink: VisitSink,
    browser: str,
) -> CrawlStats:
    """Run one Scrapy crawl to its end, deliver what ``sink`` still holds, say how it went.

    Raises :class:`VisitSinkError` after shutting down when the sink's ``on_visit`` failed.
    """
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    close_reasons: list[str] = []

    def spider_closed(spider: Spider, reason: str) -> None:
        close_reasons.append(reason)

    process = CrawlerProcess(settings)
    # An unreachable robots.txt is logged with a traceback, yet only means "no rules"; the page's
    # own visit will say why the site could not be reached.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(spider_class)
    crawler.signals.connect(spider_closed, signal=signals.spider_closed)
    stop_on_signal = _StopOnSignal(crawler)
    process.crawl(crawler, **spider_args)
    try:
        process.start(install_signal_handlers=not stop_on_signal.installed)
    finally:
        stop_on_signal.restore()
        sink.close()  # what the pipeline queued is delivered, Ctrl-C or not
    if sink.error is not None:
        raise VisitSinkError(f"storing a page visit failed: {sink.error!r}") from sink.error
    return CrawlStats(
        pages=sink.pages,
        failed=sink.failed,
        interrupted=SHUTDOWN_REASON in close_reasons,
        browser=browser,
    )
