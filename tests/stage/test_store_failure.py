"""A store that fails mid-scan still stops the scan with one clear line and exit 3, now that
visits are stored on the writer thread rather than in the item pipeline."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minerscan.sites import SiteServer

SITE = Path(__file__).resolve().parents[1] / "crawler" / "site"

pytestmark = pytest.mark.browser


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM page_visits").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_database_that_breaks_mid_scan_ends_it_with_one_line_and_exit_3(tmp_path: Path) -> None:
    db = tmp_path / "scan.db"
    with SiteServer(SITE) as site:
        scan = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "minerscan",
                "scan",
                site.base_url,
                "--offline",
                "--dwell",
                "1",
                "--concurrency",
                "1",
                "--db",
                str(db),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while _stored(db) < 1 and time.monotonic() < deadline and scan.poll() is None:
            time.sleep(0.1)
        with sqlite3.connect(db, timeout=10) as conn:  # the table the next visit goes to
            conn.execute("DROP TABLE page_visits")
        _, stderr = scan.communicate(timeout=120)
    assert scan.returncode == 3, stderr[-3000:]
    errors = [line for line in stderr.splitlines() if line.startswith("minerscan: error:")]
    assert len(errors) == 1 and "could not store a page visit" in errors[0], stderr[-3000:]
    assert "Traceback" not in stderr
