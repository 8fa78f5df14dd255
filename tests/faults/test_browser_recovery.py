"""The browser process itself dies mid-scan, and is recycled every few pages: one scan per build.

``recovery/kill.html`` reports its load to the test server; the test then SIGKILLs the scan's
Chromium browser process (what an OOM killer or a Chromium bug does). scrapy-playwright launches
another for the next page; the pages that were open in the dead one are recorded as ``crash``,
and every page asked for after the kill is rendered and judged. The same scan recycles the
browser every 3 pages, so it also shows that a retired browser is closed once its pages are
done (never more than two at a time) and none is left running when the scan ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from typing import Self

import pytest
from harness import ScanRun, run_scan
from hostile import HostileServer
from procs import browser_processes

pytestmark = pytest.mark.browser

PAGES = ("p1.html", "p2.html", "p3.html", "kill.html", "p4.html", "p5.html", "p6.html")
RECYCLE_EVERY = 3
CONCURRENCY = 2
MAX_DWELL = 8.0  # kill.html stays watched until the kill lands (the other pages stop at 2 s)


class BrowserWatch:
    """Notes the scan's browser processes; kills them when a page says ``kill-browser``."""

    def __init__(self, root: int, server: HostileServer) -> None:
        self.root, self.server = root, server
        self.seen: set[int] = set()
        self.most_alive = 0
        self.killed: list[int] = []
        self.requests_before_kill: int | None = None  # how many requests the server had then
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="browser-watch", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            alive = browser_processes(self.root)
            self.seen.update(alive)
            self.most_alive = max(self.most_alive, len(alive))
            if self.killed or not any(b.startswith("kill-browser") for b in self.server.beacons):
                continue
            self.requests_before_kill = len(self.server.requests)
            for pid in alive:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(pid)


@pytest.fixture(scope="module")
def recovery(
    build: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ScanRun, HostileServer, BrowserWatch]]:
    home = tmp_path_factory.mktemp("browser-recovery")
    watches: list[BrowserWatch] = []

    def watch(pid: int) -> BrowserWatch:
        watches.append(BrowserWatch(pid, server))
        return watches[-1]

    with HostileServer() as server:
        run = run_scan(
            home,
            build,
            server.url("recovery/index.html"),
            "--depth",
            "1",
            "--concurrency",
            str(CONCURRENCY),
            "--recycle-browser",
            str(RECYCLE_EVERY),
            timeout=240,
            watchers=[watch],
            max_dwell=MAX_DWELL,
        )
        yield run, server, watches[0]


def test_the_scan_goes_on_and_records_every_page(recovery) -> None:
    run, server, watch = recovery
    assert watch.killed, "the browser was never killed: kill.html did not load"
    recorded = {p["url"] for p in run.report["pages"]}
    assert recorded == {server.url(f"recovery/{name}") for name in ("index.html", *PAGES)}
    assert run.returncode == 0, run.stderr  # one crashed page of eight: the scan is complete
    assert "Traceback" not in run.stderr and "never retrieved" not in run.stderr, run.stderr


def test_the_pages_in_the_dead_browser_are_crash(recovery) -> None:
    run, server, _ = recovery
    page = run.page(server.url("recovery/kill.html"))
    said = (page.get("error"), page.get("watch"), run.stderr[-1500:])
    assert (page["failure"], page["verdict"]) == ("crash", "failed"), said
    assert "browser process died" in page["error"], page
    for other in run.report["pages"]:  # whatever else failed was in flight with it
        assert other["failure"] in (None, "crash"), other


def test_pages_asked_for_after_the_kill_are_rendered_and_judged(recovery) -> None:
    run, server, watch = recovery
    assert watch.requests_before_kill is not None
    later = {
        path
        for path in server.requests[watch.requests_before_kill :]
        if path.startswith("/recovery/p")
    }
    assert len(later) >= 2, (later, server.requests)  # the crawl really went on
    for path in later:
        page = run.page(server.url(path))
        if page["failure"] == "crash":  # asked for just before the kill landed
            continue
        # judged (its CPU verdict may flake on a crowded machine, which is not the point here)
        assert page["failure"] is None and page["verdict"] != "failed", page
    fine = [p for p in later if run.page(server.url(p))["failure"] is None]
    assert len(fine) >= 2, later


def test_the_browser_is_recycled_and_no_old_one_lingers(recovery) -> None:
    _run, _server, watch = recovery
    # 8 pages, a fresh browser every 3 and one after the kill: at least 3 browsers in all
    assert len(watch.seen) >= 3, watch.seen
    # a retired browser closes when its last page is done: at most one per page in flight,
    # and the current one (never closed, every browser launched would still be alive)
    assert watch.most_alive <= CONCURRENCY + 1, watch.most_alive
    for pid in watch.seen:  # none outlives the scan
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
