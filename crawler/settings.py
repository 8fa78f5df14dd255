"""Scrapy settings for one scan, built from a CrawlConfig and the Chromium we found."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crawler.browser import BrowserInfo, browser_home, sandbox_plan

if TYPE_CHECKING:
    from crawler.run import CrawlConfig

__all__ = ["ROBOTS_AGENT", "build_settings", "plain_user_agent"]

# robots.txt rules are looked up for this name, whatever browser the pages are shown to:
# a site that forbids minerscan is obeyed even when the scan looks like Chrome.
ROBOTS_AGENT = "minerscan"
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Plain (non-browser) requests — robots.txt, HEAD probes, re-seeding — never need more.
PLAIN_DOWNLOAD_MAXSIZE = 32 << 20
_warned: set[str] = set()  # the sandbox warning is said once per process


def plain_user_agent(config: CrawlConfig, browser: BrowserInfo) -> str:
    """What requests made without the browser (robots.txt, link re-reads) call themselves:
    the first profile's user agent, unless one was given."""
    from crawler.instrument.profiles import DEFAULT_PROFILE, get_profile, identity
    from model import TOOL_VERSION

    if config.user_agent:
        return config.user_agent
    first = get_profile(config.profiles[0] if config.profiles else DEFAULT_PROFILE)
    return identity(first, browser.version, TOOL_VERSION).user_agent


def build_settings(config: CrawlConfig, browser: BrowserInfo) -> dict[str, Any]:
    from crawler.instrument import browser_args
    from crawler.instrument.profiles import get_profile

    sandbox = sandbox_plan()
    if sandbox.warning and sandbox.warning not in _warned:
        _warned.add(sandbox.warning)
        logging.getLogger("minerscan").warning("%s", sandbox.warning)
    _folder, browser_env = browser_home()
    # Automation is hidden unless every profile is the honest scanner, which shows it itself.
    stealth = any(get_profile(name).stealth for name in config.profiles)
    timeout_ms = int(config.page_timeout * 1000)
    return {
        "BOT_NAME": "minerscan",
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": browser.path,
            "headless": True,
            "args": browser_args(
                as_root=not sandbox.enabled,
                closed_network=config.closed_network,
                stealth=stealth,
            ),
            # Playwright adds --no-sandbox unless asked for the sandbox; keep it if it can start.
            "chromium_sandbox": sandbox.enabled,
            # Nothing Chromium writes lands in the user's home: HOME, XDG_* and TMPDIR are a
            # folder of this scan's own, removed when it ends.
            "env": browser_env,
            # Ctrl-C goes to Scrapy, which drains the pages in flight; the browser must outlive it.
            "handle_sigint": False,
            "handle_sigterm": False,
            "handle_sighup": False,
            "timeout": timeout_ms,
        },
        # One page per context, one context per page (see spider): each page gets its own renderer.
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
        "PLAYWRIGHT_MAX_CONTEXTS": config.concurrency,
        # A browser that died is launched again for the next page (the spider records the
        # pages it took with it as `crash`, and recycles it every `recycle_browser` pages).
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
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
        "USER_AGENT": plain_user_agent(config, browser),
        "ROBOTSTXT_USER_AGENT": ROBOTS_AGENT,
        # The browser's own headers (the profile's user agent and client hints) go out as
        # they are; scrapy-playwright would otherwise put USER_AGENT on every request.
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
        # Read by the spider to name the profile's browser version on its plain requests.
        "MINERSCAN_BROWSER_VERSION": browser.version,
        "RETRY_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "COOKIES_ENABLED": True,
        # Neither a telnet console nor Scrapy's remote-control HTTP endpoint belongs in a scanner.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {"crawler.pipeline.VisitPipeline": 100},
        # Last before the download handler: a browser page starts only while the CPU has room.
        "DOWNLOADER_MIDDLEWARES": {"crawler.admission.AdmissionMiddleware": 950},
        # The item is a PageVisit; nothing should try to export it as a feed.
        "FEEDS": {},
    }
