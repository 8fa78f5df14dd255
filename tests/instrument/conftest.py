"""Real Chromium, the shared fixture pages and a real pool emulator, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.instrument import Instrumented, InstrumentOptions, PageInstrumentation, browser_args
from minerscan.sites.demo import miner_pages_server
from minerscan.sites.pool import PoolEmulator
from minerscan.sites.server import SiteServer

PAGES = Path(__file__).resolve().parent.parent / "pages"
CHROMIUM = "/usr/bin/chromium"
CLOSE_TIMEOUT = 10.0
CLOSE_FAILURES: list[str] = []  # pages whose context did not close in time (for diagnosis)


@dataclass(frozen=True)
class Rendered:
    url: str
    result: Instrumented
    wall_seconds: float


async def render(
    browser: Any,
    url: str,
    options: InstrumentOptions,
    before_watch: Callable[[Any], Awaitable[None]] | None = None,
) -> Rendered:
    """One page in its own browser context, instrumented the way the spider does it."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    context = await browser.new_context(**options.profile.context_options())
    try:
        page = await context.new_page()
        instrumentation = PageInstrumentation(options, page_url=url)
        await instrumentation.attach(page)
        response = await page.goto(url, wait_until="load", timeout=20_000)
        served = await _served_html(response)
        if before_watch is not None:
            await before_watch(page)
        await instrumentation.watch(page)
        result = await instrumentation.collect(page, served)
    finally:
        # A renderer stuck in a loop can hold context.close() up; never wait on it forever.
        try:
            await asyncio.wait_for(context.close(), CLOSE_TIMEOUT)
        except Exception as exc:
            CLOSE_FAILURES.append(f"{url}: {type(exc).__name__}")
    return Rendered(url, result, loop.time() - started)


async def _served_html(response: Any) -> str | None:
    # Playwright reads the body from the renderer: a page that spins right after load never
    # answers, so the body is given up on rather than waited for.
    if response is None:
        return None
    try:
        return await asyncio.wait_for(response.text(), 5.0)
    except Exception:
        return None


async def launch(playwright: Any, executable: str = CHROMIUM) -> Any:
    return await playwright.chromium.launch(
        executable_path=executable, args=browser_args(as_root=True, closed_network=True)
    )


class Harness:
    """The helpers above, handed to test modules as a fixture (they cannot import conftest)."""

    render = staticmethod(render)
    launch = staticmethod(launch)
    close_failures = CLOSE_FAILURES


@pytest.fixture(scope="session")
def harness() -> type[Harness]:
    return Harness


@pytest.fixture(scope="module")
def pool() -> Iterator[PoolEmulator]:
    emulator = PoolEmulator("stratum").start()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def site(pool: PoolEmulator) -> Iterator[SiteServer]:
    server = miner_pages_server(PAGES, pool).start()
    yield server
    server.stop()
