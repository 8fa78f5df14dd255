"""A crawl fed site by site closes as soon as its feed says everything is stored.

Scrapy looks whether a crawl is idle on its own only on its 5 s heartbeat; neither an item
leaving the pipeline nor a visit being stored wakes it. A survey whose last visits were still
being analysed when the crawl went idle therefore waited for the next beat before it ended
(or claimed the next batch). The feed's ``storing`` lets the crawl ask again every moment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser  # the crawl starts its browser handler

CHILD = r"""
import json, sys, time
from crawler.frontier import SiteFeed
from crawler.run import CrawlConfig, crawl

class StillStoring(SiteFeed):
    # No site to hand out; the last visits of earlier sites "stay in storage" for a second
    # after the crawl first goes idle.
    batch_size = 4
    first_idle = None
    def claim(self, entries, limit):
        return []
    def idle(self):
        if self.first_idle is None:
            self.first_idle = time.monotonic()
    def storing(self):
        return not self.finished()
    def finished(self):
        return self.first_idle is not None and time.monotonic() - self.first_idle >= 1.0

feed = StillStoring()
crawl(CrawlConfig(), lambda visit: None, feed)
ended = time.monotonic()
print(json.dumps({"closed_after_stored": ended - feed.first_idle - 1.0}))
"""


def test_the_crawl_closes_within_a_moment_of_its_feed_finishing() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        check=False,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    closed_after = json.loads(done.stdout.strip().splitlines()[-1])["closed_after_stored"]
    # Waiting for Scrapy's next heartbeat would take about 4 s more.
    assert closed_after < 1.5
