"""Analysis runs in other processes, so a slow analyzer never stalls the pages being rendered.

One scan of the crawler test site in a child process, with a rule that sleeps 4 s per page:
were visits analysed on the browser's asyncio loop (as they once were), every page rendered
meanwhile would have its dwell stretched by those seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from minerscan.sites import SiteServer
from storage import Store

HERE = Path(__file__).resolve().parent
SITE = HERE.parent / "crawler" / "site"
DWELL = 1.0
# slow_rule.py is imported only by the scan's processes: registered here, it would run in
# every other test of the session.
RULE_ID = "TEST-SLOW-ANALYZER"
SLOW_SECONDS = 4.0

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def slow_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, Path]]:
    out = tmp_path_factory.mktemp("slow-scan")
    db, report = out / "scan.db", out / "child.json"
    with SiteServer(SITE) as site:
        proc = subprocess.run(
            [
                sys.executable,
                str(HERE / "scan_child.py"),
                site.base_url,
                str(db),
                str(report),
                str(DWELL),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "MINERSCAN_TEST_SLOW_SECONDS": str(SLOW_SECONDS)},
            timeout=300,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    yield json.loads(report.read_text()), db


def _pages(db: Path):
    with Store.open(str(db)) as store:
        scan_id = store.latest_scan_id()
        assert scan_id is not None
        return store.load_result(scan_id).pages


def test_the_slow_analyzer_ran_in_other_processes_for_every_page(slow_scan) -> None:
    child, db = slow_scan
    pages = _pages(db)
    assert len(pages) >= 5
    pids = set()
    for page in pages:
        assert page.analysis is not None, page.visit.url
        slow = [f for f in page.analysis.findings if f.rule_id == RULE_ID]
        assert len(slow) == 1, page.visit.url
        pids.add(slow[0].evidence["pid"])
    assert child["pid"] not in pids
    # Every analysis reached the progress callback, once.
    assert sorted(child["progressed"]) == sorted(p.visit.url for p in pages)


def test_pages_rendered_meanwhile_kept_their_dwell(slow_scan) -> None:
    _, db = slow_scan
    watched = [p.visit.watch.watched_seconds for p in _pages(db) if p.visit.watch is not None]
    assert len(watched) >= 5
    # Analysed on the loop, pages in flight would stand still for SLOW_SECONDS at a time.
    assert max(watched) < DWELL + SLOW_SECONDS / 2, watched
