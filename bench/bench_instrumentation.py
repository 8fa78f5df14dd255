"""What the page instrumentation costs: the same local pages rendered with and without it.

Each page gets a fresh browser context, ``goto`` and the same dwell; the instrumented run adds
``PageInstrumentation.attach/watch/collect``. Reported per page: wall time, CPU seconds used by
the whole browser process tree plus the Playwright driver and this Python process, and the
peak memory (PSS) of the browser tree. Runs alternate plain/instrumented to share out the
noise of a busy machine.

    .venv/bin/python bench/bench_instrumentation.py [--dwell 3] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import async_playwright
from proctree import pss_bytes, tree

from crawler.instrument import InstrumentOptions, PageInstrumentation, browser_args
from minerscan.sites.demo import miner_pages_server
from minerscan.sites.pool import PoolEmulator

PAGES_ROOT = Path(__file__).resolve().parent.parent / "tests" / "pages"
PAGES = (
    "benign",
    "main-thread-socket",
    "worker-socket",
    "wasm-worker",
    "cross-site-iframe",
    "throttled-worker",
    "eval-loader",
)
TICK = os.sysconf("SC_CLK_TCK")


def _tree_cpu_and_rss() -> tuple[float, int]:
    """CPU seconds of this process and every descendant (driver, browser, renderers), and
    the resident memory of the descendants."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    rss = 0
    for pid in tree(os.getpid())[1:]:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            rss += pss_bytes([pid])
        except (OSError, IndexError, ValueError):
            continue
        cpu += (int(fields[11]) + int(fields[12])) / TICK
    return cpu, rss


@dataclass
class Run:
    wall: float
    cpu: float
    peak_rss: int


async def _measure(visit) -> Run:
    peak = 0
    stop = asyncio.Event()

    async def watch_memory() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_cpu_and_rss()[1])
            await asyncio.sleep(0.25)

    cpu_before = _tree_cpu_and_rss()[0]
    started = time.monotonic()
    sampler = asyncio.ensure_future(watch_memory())
    context = None
    try:
        context = await visit()
        wall = time.monotonic() - started
        # Read before the context closes: a renderer's CPU leaves /proc with it.
        cpu_after, rss = _tree_cpu_and_rss()
    finally:
        stop.set()
        await sampler
        if context is not None:
            await context.close()
    return Run(wall, cpu_after - cpu_before, max(peak, rss))


async def _plain(browser, url: str, dwell: float):
    context = await browser.new_context()
    page = await context.new_page()
    response = await page.goto(url)
    if response is not None:
        await response.text()
    await asyncio.sleep(dwell)
    await page.title()
    await page.content()
    return context


async def _instrumented(browser, url: str, dwell: float):
    context = await browser.new_context()
    page = await context.new_page()
    instrumentation = PageInstrumentation(
        InstrumentOptions(dwell=dwell, max_dwell=dwell), page_url=url
    )
    await instrumentation.attach(page)
    response = await page.goto(url)
    served = await response.text() if response is not None else None
    await instrumentation.watch(page)
    await instrumentation.collect(page, served)
    return context


async def main(dwell: float, rounds: int) -> None:
    with PoolEmulator("stratum") as pool, miner_pages_server(PAGES_ROOT, pool) as site:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=browser_args(as_root=os.geteuid() == 0, closed_network=True),
            )
            rows = []
            for name in PAGES:
                url = site.url(f"{name}/index.html")
                plain: list[Run] = []
                inst: list[Run] = []
                for _ in range(rounds):
                    plain.append(await _measure(lambda url=url: _plain(browser, url, dwell)))
                    inst.append(await _measure(lambda url=url: _instrumented(browser, url, dwell)))
                rows.append((name, _mean(plain), _mean(inst)))
            await browser.close()
    _print(rows, dwell)


def _mean(runs: list[Run]) -> Run:
    n = len(runs)
    return Run(
        sum(r.wall for r in runs) / n, sum(r.cpu for r in runs) / n, max(r.peak_rss for r in runs)
    )


def _print(rows, dwell: float) -> None:
    print(
        f"dwell {dwell:.1f} s, one page at a time, {os.cpu_count()} cores; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )
    print(f"{'page':20} {'wall s':>13} {'CPU s':>13} {'peak PSS MB':>15}")
    print(f"{'':20} {'plain  instr':>13} {'plain  instr':>13} {'plain   instr':>15}")
    for name, plain, inst in rows:
        print(
            f"{name:20} {plain.wall:6.2f} {inst.wall:6.2f} {plain.cpu:6.2f} {inst.cpu:6.2f} "
            f"{plain.peak_rss / 2**20:7.0f} {inst.peak_rss / 2**20:7.0f}"
        )
    n = len(rows)
    wall = sum(i.wall - p.wall for _, p, i in rows) / n
    cpu = sum(i.cpu - p.cpu for _, p, i in rows) / n
    rss = sum(i.peak_rss - p.peak_rss for _, p, i in rows) / n / 2**20
    print(f"overhead per page (mean): wall {wall:+.2f} s, CPU {cpu:+.2f} s, peak PSS {rss:+.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dwell", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    asyncio.run(main(options.dwell, options.rounds))
