"""Hostile pages are data: they cannot hang the scan or write to the user's terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from minerscan.sites.server import SiteServer

HERE = Path(__file__).parent

pytestmark = pytest.mark.browser


def test_spinning_and_dialog_pages_neither_hang_nor_inject(
    tmp_path: Path, chromium_build: str
) -> None:
    """At the default concurrency, with either Chromium build (full Chromium used to hang on the
    spinning page: scrapy-playwright's DOM read waits for a main thread that never yields)."""
    with SiteServer(HERE / "hostile-site") as site:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "minerscan",
                "scan",
                site.base_url,
                "--offline",
                "--dwell",
                "2",
                "--db",
                str(tmp_path / "h.db"),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
        )
    assert proc.returncode in (0, 3), proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream
    progress = [line.split()[-1] for line in proc.stderr.splitlines() if line.startswith("  ")]
    assert {p.rsplit("/", 1)[-1] for p in progress} >= {"", "spin.html", "alerts.html"}
    spin = next(line for line in proc.stderr.splitlines() if line.rstrip().endswith("spin.html"))
    assert spin.split()[0] == "clean", spin  # rendered and judged, not failed or lost
    # nothing but the database was written in the working directory
    assert {p.name for p in tmp_path.iterdir()} <= {"h.db", "h.db-shm", "h.db-wal"}
