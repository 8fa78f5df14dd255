"""The crawler's one entry point: ``crawl(config, on_visit)`` runs Scrapy in-process until done.

Twisted's reactor cannot be restarted, so ``crawl`` runs once per process (tests use a
subprocess). Ctrl-C / SIGTERM stop it the Scrapy way: no new pages start, the pages in flight
finish and are delivered, and the result says ``interrupted``; a second signal forces the stop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.browser import find_browser
from crawler.pipeline import VisitSink
from model.observations import PageVisit

if TYPE_CHECKING:
    from scrapy.spiders import Spider

__all__ = ["CrawlConfig", "CrawlStats", "VisitSinkError", "crawl"]

# Scrapy's graceful stop (first Ctrl-C / SIGTERM) closes the spider with this reason.
SHUTDOWN_REASON = "shutdown"


@dataclass(frozen=True)
class CrawlConfig:
    targets: tuple[str, ...]  # normalised start URLs (crawler.urls.normalize_target)
    depth: int = 2  # link depth from each target
    max_pages: int = 50  # per site (registrable domain)
    obey_robots: bool = True
    concurrency: int = 4  # pages rendered at once
    dwell: float = 5.0
    max_dwell: float = 15.0
    interact: bool = True
    max_frames: int = 20
    frame_bytes: int = 4096
    body_bytes: int = 4 << 20
    dom_bytes: int = 2 << 20
    page_timeout: float = 30.0  # navigation timeout, seconds
    browser_path: str | None = None  # --browser-path / MINERSCAN_CHROMIUM
    closed_network: bool = False  # tests/demo: Chromium resolves only localhost/127.0.0.1
    # Load pages whose certificate is bad (self-signed, expired, wrong host) instead of
    # recording them as `tls` failures.
    ignore_https_errors: bool = False
    # A fresh browser after this many pages (0: never); a crashed one is relaunched anyway.
    recycle_browser: int = 100
    # Visited in an earlier, interrupted run: not visited again (no PageVisit), but fetched once
    # without the browser so the pages behind their links are still found.
    skip_urls: frozenset[str] = field(default_factory=frozenset)
    # Visited with one profile but perhaps not with the others: (url as requested, profile).
    skip_visits: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    user_agent: str | None = None  # for requests made without the browser (robots.txt, ...)
    # Browser profiles (crawler.instrument.profiles): every page is visited once with each.
    profiles: tuple[str, ...] = ("desktop",)

    def __post_init__(self) -> None:
        from crawler.instrument.profiles import get_profile

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


def crawl(config: CrawlConfig, on_visit: Callable[[PageVisit], None]) -> CrawlStats:
    """Crawl ``config.targets``, calling ``on_visit`` for every visit as soon as it is complete.

    Raises ``BrowserNotFound`` before crawling when no Chromium is usable, and
    :class:`VisitSinkError` after shutting down when ``on_visit`` failed.
    """
    # Scrapy, Twisted and Playwright load here, not when the CLI merely imports CrawlConfig.
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.settings import build_settings
    from crawler.spider import MinerscanSpider

    browser = find_browser(config.browser_path)
    sink = VisitSink(on_visit)
    if not config.targets:
        return CrawlStats(pages=0, failed=0, interrupted=False, browser=browser.describe())
    close_reasons: list[str] = []

    def spider_closed(spider: Spider, reason: str) -> None:
        close_reasons.append(reason)

    process = CrawlerProcess(build_settings(config, browser))
    # An unreachable robots.txt is logged with a traceback, yet only means "no rules"; the page's
    # own visit will say why the site could not be reached.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(MinerscanSpider)
    crawler.signals.connect(spider_closed, signal=signals.spider_closed)
    process.crawl(crawler, config=config, sink=sink)
    process.start()
    if sink.error is not None:
        raise VisitSinkError(f"storing a page visit failed: {sink.error!r}") from sink.error
    return CrawlStats(
        pages=sink.pages,
        failed=sink.failed,
        interrupted=SHUTDOWN_REASON in close_reasons,
        browser=browser.describe(),
    )
