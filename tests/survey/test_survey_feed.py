"""A survey keeps its browser busy: a slow site does not hold back the sites listed after it.

The survey claims a batch of sites (twice the concurrency, at least four) and claims more as
soon as sites of it are done, not once the whole batch is: one site that takes its whole page
timeout must not leave the other page slots idle until it ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import FAST, minerscan, wait_for, write_list

pytestmark = pytest.mark.browser

GOOD = [f"feed{i}" for i in range(1, 6)]


def _state(db: Path, domain: str) -> str | None:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT state FROM survey_sites WHERE domain = :d"), {"d": domain}
            ).first()
    except sa.exc.OperationalError:  # the schema is not there yet
        return None
    finally:
        engine.dispose()
    return row[0] if row else None


def test_sites_after_a_slow_one_are_crawled_while_it_still_loads(
    sites: Any, browser_env: dict[str, str], tmp_path: Path
) -> None:
    # The slow site answers after 30 s; its page waits up to its 25 s timeout. Two pages at
    # once, so batches of four: the slow site and three others are claimed first.
    listed = write_list(tmp_path / "list.csv", [sites.url("slow"), *map(sites.url, GOOD)])
    db = tmp_path / "s.db"
    args = ["survey", str(listed), "--db", str(db), *FAST, "--page-timeout", "25"]
    args += ["--concurrency", "2", "--pages-per-site", "1"]
    proc = subprocess.Popen(
        minerscan(*args),
        env=browser_env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        hosts = {f"{name}.localhost" for name in GOOD}
        wait_for(
            lambda: hosts <= {host for host, path in sites.hits if path == "/"},
            timeout=90,
            what="every site after the slow one visited",
        )
        # Every other site was visited while the slow site's page was still loading.
        assert _state(db, "slow.localhost") == "running"
        wait_for(
            lambda: all(_state(db, host) == "done" for host in hosts),
            timeout=30,
            what="the other sites done",
        )
        assert _state(db, "slow.localhost") == "running"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
