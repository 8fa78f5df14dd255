"""Fixtures for crawler tests: the local test site, and crawls run in a subprocess
(Twisted's reactor cannot restart) whose visits are read back."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.run import CrawlConfig, CrawlStats
from minerscan.sites import SiteServer
from model.observations import PageVisit

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"

# The child appends each visit to a pickle stream the moment on_visit is called, so a test can
# watch visits arrive (and interrupt the crawl) and sees exactly what a caller would have stored.
CHILD = r"""
import pickle, sys
from crawler.run import crawl
config = pickle.loads(open(sys.argv[1], "rb").read())
visits = open(sys.argv[2], "ab")
store_fails_after = int(sys.argv[4])  # -1: never; N: the store "breaks" after N visits
def on_visit(visit):
    if 0 <= store_fails_after <= stored[0]:
        raise OSError("disk full")
    pickle.dump(visit, visits)
    visits.flush()
    stored[0] += 1
stored = [0]
stats = crawl(config, on_visit)
open(sys.argv[3], "wb").write(pickle.dumps(stats))
"""

# Short dwell and timeouts: these tests check the crawl, not the instrumentation.
FAST: dict[str, object] = {
    "dwell": 0.5,
    "max_dwell": 1.0,
    "interact": False,
    "page_timeout": 10.0,
    "closed_network": True,
    "concurrency": 2,
}


def make_fast_config(*targets: str, **overrides: object) -> CrawlConfig:
    return CrawlConfig(targets=tuple(targets), **{**FAST, **overrides})  # type: ignore[arg-type]


@dataclass
class CrawlRun:
    visits: list[PageVisit]
    stats: CrawlStats | None
    returncode: int
    stderr: str

    def by_path(self) -> dict[str, PageVisit]:
        from urllib.parse import urlsplit

        return {urlsplit(v.url).path: v for v in self.visits}


class CrawlProcess:
    """One ``crawl()`` in a child Python process."""

    def __init__(self, config: CrawlConfig, workdir: Path, store_fails_after: int = -1) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "config.pickle"
        self.visits_path = workdir / "visits.pickle"
        self.stats_path = workdir / "stats.pickle"
        self.config_path.write_bytes(pickle.dumps(config))
        self.visits_path.write_bytes(b"")
        self.stderr_path = workdir / "stderr.txt"
        with self.stderr_path.open("wb") as stderr:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    str(self.config_path),
                    str(self.visits_path),
                    str(self.stats_path),
                    str(store_fails_after),
                ],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def visits(self) -> list[PageVisit]:
        visits: list[PageVisit] = []
        with self.visits_path.open("rb") as stream:
            while True:
                try:
                    visits.append(pickle.load(stream))
                except (EOFError, pickle.UnpicklingError):
                    return visits

    def wait_for_visits(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.visits()) < count:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"saw {len(self.visits())} visits, wanted {count}:\n"
                    + self.stderr_path.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.1)

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def finish(self, timeout: float = 90.0) -> CrawlRun:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        stats = pickle.loads(self.stats_path.read_bytes()) if self.stats_path.exists() else None
        return CrawlRun(
            self.visits(), stats, self.proc.returncode, self.stderr_path.read_text(errors="replace")
        )


def _crawl_runner(workdir: Path) -> Callable[..., CrawlRun]:
    runs = iter(range(1000))

    def run(config: CrawlConfig, timeout: float = 90.0) -> CrawlRun:
        result = CrawlProcess(config, workdir / f"crawl-{next(runs)}").finish(timeout)
        assert result.returncode == 0 and result.stats is not None, result.stderr[-3000:]
        return result

    return run


@pytest.fixture
def run_crawl(tmp_path: Path) -> Callable[..., CrawlRun]:
    """``run_crawl(config) -> CrawlRun``: crawl to completion in a subprocess."""
    return _crawl_runner(tmp_path)


@pytest.fixture(scope="module")
def run_crawl_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., CrawlRun]:
    """``run_crawl`` for module-scoped fixtures: one crawl shared by several tests."""
    return _crawl_runner(tmp_path_factory.mktemp("crawl"))


@pytest.fixture(scope="session")
def site_dir() -> Path:
    return SITE


@pytest.fixture
def start_crawl(tmp_path: Path):
    """``start_crawl(config) -> CrawlProcess`` still running, for interrupt tests."""
    started: list[CrawlProcess] = []

    def start(config: CrawlConfig, store_fails_after: int = -1) -> CrawlProcess:
        process = CrawlProcess(config, tmp_path / f"crawl-{len(started)}", store_fails_after)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait()


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    server = SiteServer(SITE).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fast_config() -> Callable[..., CrawlConfig]:
    """``fast_config(*targets, **overrides)``: a CrawlConfig with a short dwell, closed network."""
    return make_fast_config
