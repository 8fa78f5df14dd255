"""A scan killed outright keeps every page it had stored, and --resume finishes it."""

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

from minerscan.sites.demo import miner_pages_server
from minerscan.sites.pool import PoolEmulator

HERE = Path(__file__).parent

pytestmark = pytest.mark.browser


def _stored_urls(db: Path) -> list[str]:
    if not db.exists():
        return []
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(sa.text("SELECT url FROM page_visits"))]
    except sa.exc.OperationalError:  # the schema is not there yet
        return []
    finally:
        engine.dispose()


def test_killed_scan_loses_nothing_and_resumes(tmp_path: Path) -> None:
    db = tmp_path / "scan.db"
    with PoolEmulator("stratum") as pool, miner_pages_server(HERE / "miner-site", pool) as site:
        args = [
            sys.executable,
            "-m",
            "minerscan",
            "scan",
            site.base_url,
            "--offline",
            "--dwell",
            "2",
            "--concurrency",
            "1",
            "--db",
            str(db),
        ]
        first = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while len(_stored_urls(db)) < 2 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.2)
        os.killpg(first.pid, signal.SIGKILL)  # the scanner, its driver and Chromium, no goodbyes
        first.wait()
        before = _stored_urls(db)
        assert 2 <= len(before) < 6, before  # killed mid-scan, with pages already stored

        resumed = subprocess.run(
            [*args, "--resume", "--format", "json"],
            check=False,
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert resumed.returncode == 1, resumed.stderr  # the site has miners
    doc = json.loads(resumed.stdout)
    after = _stored_urls(db)
    assert sorted(set(after)) == sorted(after), "a page was visited twice"
    assert set(before) < set(after) and len(after) == 6
    assert doc["scan"]["id"] == 1 and doc["summary"]["pages"] == 6  # the same scan, completed
    assert doc["scan"]["status"] == "complete"
