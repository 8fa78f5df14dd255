"""A writer killed outright loses nothing it had recorded."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from model.observations import FailureReason, PageVisit
from storage import Store

WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from model.observations import FailureReason, PageVisit
    from storage import Store

    store = Store.open(sys.argv[1])
    scan_id = store.start_scan(["https://a.example/"], {}, "0.1.0", "sig-1")
    for i in range(3):
        store.record_visit(scan_id, PageVisit(
            url=f"https://a.example/{i}", failure=FailureReason.TIMEOUT, error="slow"))
    os.kill(os.getpid(), signal.SIGKILL)  # no close(), no atexit, no flush
    """
)


def test_visits_survive_a_killed_writer(tmp_path: Path) -> None:
    path = str(tmp_path / "scan.db")
    writer = subprocess.run(
        [sys.executable, "-c", WRITER, path], check=False, capture_output=True, timeout=60
    )
    assert writer.returncode == -signal.SIGKILL, writer.stderr.decode()

    with Store.open(path) as store:
        scan_id = store.find_scan(["https://a.example/"])
        assert scan_id is not None
        visits = [v for _, v in store.iter_visits(scan_id)]
        assert visits == [
            PageVisit(url=f"https://a.example/{i}", failure=FailureReason.TIMEOUT, error="slow")
            for i in range(3)
        ]
        assert store.visited_urls(scan_id) == {f"https://a.example/{i}" for i in range(3)}
