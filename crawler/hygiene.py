"""Keeping the browser healthy over a long scan: popup floods bounded, the browser recycled.

Popups: a page may open a few windows (a pop-under that keeps mining is evidence the afterlife
step records), but not thousands. ``window.open`` answers ``null`` after the first few calls per
document, as a popup blocker would, and every window past the first few of a visit is closed as
soon as it appears; both are counted.

Recycling: scrapy-playwright launches the browser once and again only after it disconnected
(``PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER``). A browser process that lives for thousands of
pages grows, so after ``every`` pages it is *retired*: taken from scrapy-playwright's handler, so
that the next page starts a fresh one, and closed once the pages still open in it are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KEPT_POPUPS",
    "POPUP_CAP_SCRIPT",
    "BrowserRecycler",
    "PopupGuard",
    "quiet_gone_target_errors",
]

logger = logging.getLogger(__name__)

KEPT_POPUPS = 5  # windows a visit may keep open (the afterlife watches them)
OPENS_PER_DOCUMENT = 10  # window.open calls answered per document; later ones get null
CLOSE_TIMEOUT = 10.0

# A Proxy keeps ``window.open`` looking native (toString, name, length) to the page.
POPUP_CAP_SCRIPT = f"""(() => {{
  let opened = 0;
  window.open = new Proxy(window.open, {{
    apply(target, self, args) {{
      opened += 1;
      return opened > {OPENS_PER_DOCUMENT} ? null : Reflect.apply(target, self, args);
    }},
  }});
}})();"""


# Once a visit has its few windows, no document of its context opens another: a window closed
# at once could otherwise still open the next one, in a chain that never ends.
NO_MORE_POPUPS_SCRIPT = "window.open = new Proxy(window.open, { apply() { return null; } });"


@dataclass
class PopupGuard:
    """Counts the windows a visit's context opens and closes those past ``keep``."""

    keep: int = KEPT_POPUPS
    opened: int = 0
    closed: int = 0
    _context: Any = None

    async def install(self, page: Any) -> None:
        self._context = page.context
        self._context.on("page", self._opened)
        await self._context.add_init_script(POPUP_CAP_SCRIPT)

    def _opened(self, popup: Any) -> None:
        self.opened += 1
        if self.opened == self.keep and self._context is not None:
            asyncio.ensure_future(_quietly(self._context.add_init_script(NO_MORE_POPUPS_SCRIPT)))
        if self.opened > self.keep:
            self.closed += 1
            asyncio.ensure_future(_quietly(popup.close()))


async def _quietly(work: Any) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(work, CLOSE_TIMEOUT)


class BrowserRecycler:
    """Retires a browser after ``every`` pages (0: never) and closes it once it is idle."""

    def __init__(self, every: int) -> None:
        self.every = every
        self._started: Counter[int] = Counter()  # id(browser) -> pages started in it
        self._retired: list[Any] = []
        self.recycled = 0

    def page_started(self, page: Any, handlers: list[Any]) -> None:
        """Called as each page is set up; ``handlers`` are scrapy-playwright's handlers."""
        if self.every <= 0:
            return
        with contextlib.suppress(Exception):  # a page whose context is gone already
            browser = page.context.browser
            if browser is None:
                return
            self._started[id(browser)] += 1
            if self._started[id(browser)] >= self.every:
                self._retire(browser, handlers)

    def _retire(self, browser: Any, handlers: list[Any]) -> None:
        for handler in handlers:
            if getattr(handler, "browser", None) is browser:
                # Its pages in flight stay; scrapy-playwright launches another for the next.
                with contextlib.suppress(Exception):
                    browser.remove_listener("disconnected", handler._browser_disconnected_callback)
                del handler.browser
                self._retired.append(browser)
                self._started.pop(id(browser), None)
                self.recycled += 1
                logger.info("browser recycled after %d pages", self.every)
                return

    async def page_closed(self) -> None:
        """Close the retired browsers whose last page is done."""
        for browser in list(self._retired):
            idle = True
            with contextlib.suppress(Exception):
                idle = not browser.is_connected() or not browser.contexts
            if idle:
                self._retired.remove(browser)
                await _close_browser(browser)

    async def close(self) -> None:
        retired, self._retired = self._retired, []
        await asyncio.gather(*(_close_browser(browser) for browser in retired))


async def _close_browser(browser: Any) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(browser.close(), CLOSE_TIMEOUT)


class _GoneTargetNoise(logging.Filter):
    """Playwright logs, with a traceback, an event listener that failed because its page or
    browser had gone (scrapy-playwright's route handler, once a browser was killed). That is
    expected when a browser dies, and the pages it held are recorded as ``crash``."""

    MARKERS = ("has been closed", "Target crashed", "Browser closed", "disconnected")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != "Error occurred in event listener" or not record.exc_info:
            return True
        error = str(record.exc_info[1])
        return not any(marker in error for marker in self.MARKERS)


def quiet_gone_target_errors() -> None:
    """Install the filter above on Playwright's logger (once)."""
    playwright_log = logging.getLogger("playwright")
    if not any(isinstance(f, _GoneTargetNoise) for f in playwright_log.filters):
        playwright_log.addFilter(_GoneTargetNoise())
