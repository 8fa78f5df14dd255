"""Analysis lags storage now, so a scan killed outright leaves visits stored but not analysed:
``--resume`` analyses exactly those, visits no page twice, and finishes the scan."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from minerscan.sites import SiteServer

HERE = Path(__file__).resolve().parent
SITE = HERE.parent / "crawler" / "site"

pytestmark = pytest.mark.browser


def _counts(db: Path) -> tuple[list[str], list[int]]:
    """(URL of every stored visit, visit id of every stored analysis)."""
    if not db.exists():
        return [], []
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            urls = [r[0] for r in conn.execute(sa.text("SELECT url FROM page_visits"))]
            analysed = [r[0] for r in conn.execute(sa.text("SELECT visit_id FROM analyses"))]
            return urls, analysed
    except sa.exc.OperationalError:  # the schema is not there yet
        return [], []
    finally:
        engine.dispose()


def test_visits_a_kill_left_unanalysed_are_analysed_on_resume(tmp_path: Path) -> None:
    db, out = tmp_path / "scan.db", tmp_path / "child.json"
    with SiteServer(SITE) as site:
        args = [sys.executable, str(HERE / "scan_child.py"), site.base_url, str(db), str(out)]
        slow = {**os.environ, "MINERSCAN_TEST_SLOW_SECONDS": "8", "MINERSCAN_TEST_WORKERS": "1"}
        first = subprocess.Popen(
            [*args, "0.5"],
            env=slow,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            urls, analysed = _counts(db)
            if len(urls) >= 3:
                break
            time.sleep(0.2)
        os.killpg(first.pid, signal.SIGKILL)  # scanner, analysis processes, Chromium
        first.wait()
        stored, analysed_before = _counts(db)
        assert len(stored) >= 3 and len(analysed_before) < len(stored), (stored, analysed_before)

        fast = {**os.environ, "MINERSCAN_TEST_SLOW_SECONDS": "0"}
        resumed = subprocess.run(
            [*args, "0.5", "--resume"],
            env=fast,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    urls, analysed = _counts(db)
    assert sorted(set(urls)) == sorted(urls), "a page was visited twice"
    assert set(stored) < set(urls)
    # Every visit has an analysis, and the ones analysed before the kill were not redone.
    assert sorted(set(analysed)) == sorted(analysed)
    assert len(analysed) == len(urls)
    # The progress callback heard of the left-over analyses as well as of the new visits.
    progressed = json.loads(out.read_text())["progressed"]
    assert len(progressed) == len(urls) - len(analysed_before)
