"""The crawler's one entry point: ``crawl(config, on_visit)`` runs Scrapy in-process until done.

Twisted's reactor cannot be restarted, so ``crawl`` runs once per process (tests use a
subprocess). Ctrl-C / SIGTERM stop it the Scrapy way: no new pages start, the pages in flight
finish and are delivered, and the result says ``interrupted``; a second signal forces the stop.
"""

from __future__ import annotations

import logging
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
    process.crawl(crawler, **spider_args)
    try:
        process.start()
    finally:
        sink.close()  # what the pipeline queued is delivered, Ctrl-C or not
    if sink.error is not None:
        raise VisitSinkError(f"storing a page visit failed: {sink.error!r}") from sink.error
    return CrawlStats(
        pages=sink.pages,
        failed=sink.failed,
        interrupted=SHUTDOWN_REASON in close_reasons,
        browser=browser,
    )
