"""A crawl fed site by site closes as soon as its feed says everything is stored.

Scrapy looks whether a crawl is idle when a request is done, and otherwise only on its 5 s
heartbeat; a visit being stored does not wake it. A survey whose last visits were still being
stored when the crawl looked therefore waited for the next beat. While the feed is ``storing``
the crawl now looks again every moment.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser  # the crawl starts its browser handler

CHILD = r"""
import json, pickle, sys, time
from collections import Counter
from crawler.frontier import FeedSite, SiteFeed
from crawler.run import crawl

config = pickle.loads(open(sys.argv[1], "rb").read())
url = sys.argv[2] or None
STORING = float(sys.argv[3])  # how long the last visit "stays in storage"

class Feed(SiteFeed):
    # Hands out the one site (if any) once; its visit is stored STORING seconds after the
    # crawl reports it crawled, or after the crawl first goes idle when there is no site.
    batch_size = 4
    handed = False
    stored_at = None
    def claim(self, entries, limit):
        if url is None or self.handed:
            return []
        self.handed = True
        return [FeedSite(key=1, url=url)]
    def crawled(self, sites, delivered):
        self.stored_at = time.monotonic() + STORING
    def idle(self):
        if url is None and self.stored_at is None:
            self.stored_at = time.monotonic() + STORING
    def storing(self):
        return not self.finished()
    def finished(self):
        return self.stored_at is not None and time.monotonic() >= self.stored_at

feed = Feed()
crawl(config, lambda visit: None, feed)
print(json.dumps({"closed_after_stored": time.monotonic() - feed.stored_at}))
"""


def _closed_after_stored(config: Any, tmp_path: Path, url: str, storing: float) -> float:
    path = tmp_path / "config.pickle"
    path.write_bytes(pickle.dumps(config))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), url, str(storing)],
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return float(json.loads(done.stdout.strip().splitlines()[-1])["closed_after_stored"])


def test_the_crawl_closes_within_a_moment_of_its_feed_finishing(
    fast_config: Callable[..., Any], tmp_path: Path
) -> None:
    # No site at all; the feed stores for a second after the crawl first goes idle. Waiting
    # for Scrapy's next heartbeat would take about 4 s more.
    assert _closed_after_stored(fast_config(), tmp_path, "", 1.0) < 1.5


def test_the_crawl_closes_within_a_moment_of_its_last_site_being_stored(
    site: Any, fast_config: Callable[..., Any], tmp_path: Path
) -> None:
    # The one site is visited and stored at once: the crawl ends when its last request is
    # done, not on a later heartbeat.
    url = f"{site.base_url}/index.html"
    assert _closed_after_stored(fast_config(), tmp_path, url, 0.0) < 1.0
