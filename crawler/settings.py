"""Scrapy settings for one scan, built from a CrawlConfig and the Chromium we found."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.browser import BrowserInfo, running_as_root

if TYPE_CHECKING:
    from crawler.run import CrawlConfig

__all__ = ["DEFAULT_USER_AGENT", "build_settings"]

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome "
    "Safari/537.36 minerscan/0.1 (cryptojacking scanner)"
)
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Plain (non-browser) requests — robots.txt, HEAD probes, re-seeding — never need more.
PLAIN_DOWNLOAD_MAXSIZE = 32 << 20


def build_settings(config: CrawlConfig, browser: BrowserInfo) -> dict[str, Any]:
    from crawler.instrument import browser_args

    as_root = running_as_root()
    timeout_ms = int(config.page_timeout * 1000)
    return {
        "BOT_NAME": "minerscan",
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": browser.path,
            "headless": True,
            "args": browser_args(as_root=as_root, closed_network=config.closed_network),
            # Playwright adds --no-sandbox unless asked for the sandbox; keep it unless root.
            "chromium_sandbox": not as_root,
            # Ctrl-C goes to Scrapy, which drains the pages in flight; the browser must outlive it.
            "handle_sigint": False,
            "handle_sigterm": False,
            "handle_sighup": False,
            "timeout": timeout_ms,
        },
        # One page per context, one context per page (see spider): each page gets its own renderer.
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
        "PLAYWRIGHT_MAX_CONTEXTS": config.concurrency,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        "PLAYWRIGHT_DOWNLOAD_TIMEOUT": timeout_ms,
        "CONCURRENT_REQUESTS": config.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency,
        "DOWNLOAD_TIMEOUT": config.page_timeout,
        "DOWNLOAD_MAXSIZE": PLAIN_DOWNLOAD_MAXSIZE,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": config.obey_robots,
        # Depth and the per-site page budget are counted by the spider itself (see spider.py).
        "DEPTH_LIMIT": 0,
        "USER_AGENT": config.user_agent or DEFAULT_USER_AGENT,
        "RETRY_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "COOKIES_ENABLED": True,
        # Neither a telnet console nor Scrapy's remote-control HTTP endpoint belongs in a scanner.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {"crawler.pipeline.VisitPipeline": 100},
        # The item is a PageVisit; nothing should try to export it as a feed.
        "FEEDS": {},
    }
