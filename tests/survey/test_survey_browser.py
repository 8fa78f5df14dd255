"""Surveys with real Chromium over many local sites: the failure breakdown, resume after
``kill -9``, and two workers sharing a Redis frontier and PostgreSQL while one is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import FAST, REDIS_URL, minerscan, wait_for, write_list
from procs import OomKiller

pytestmark = pytest.mark.browser


def _rows(db: str, sql: str) -> list[Any]:
    url = db if "://" in db else f"sqlite:///{db}"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    except sa.exc.OperationalError:  # the schema is not there yet
        return []
    finally:
        engine.dispose()


def _sites(db: str) -> list[Any]:
    return _rows(db, "SELECT domain, state, attempts, lease_owner, scan_id, url FROM survey_sites")


def _assert_each_site_once(db: str, expected: set[str]) -> None:
    """One row per site, every site done, and its landing page visited once in the scan that
    served it."""
    sites = _sites(db)
    assert Counter(s.domain for s in sites) == Counter(expected)
    assert {s.domain: s.state for s in sites} == dict.fromkeys(expected, "done")
    for site in sites:
        landing = _rows(
            db,
            f"SELECT count(*) FROM page_visits WHERE scan_id = {site.scan_id} "
            f"AND url = '{site.url}'",
        )
        assert landing[0][0] == 1, site


def _landing_hits(sites: Any) -> Counter[str]:
    return Counter(host for host, path in sites.hits if path == "/")


def test_status_breaks_failed_sites_down_by_kind(sites: Any, run_cli: Any, tmp_path: Path) -> None:
    good = [sites.url(f"good{i}") for i in range(1, 4)]
    failing = [
        sites.url("http500"),
        sites.url("http404"),
        sites.url("nothtml"),
        sites.url("slow"),
        sites.refused_url(),
        "nosuch.invalid",
        sites.tls_url(),
    ]
    listed = write_list(tmp_path / "list.csv", [*good, *failing])
    db = str(tmp_path / "s.db")
    run = run_cli("survey", str(listed), "--db", db, *FAST, "--page-timeout", "4")
    assert run.returncode == 0, run.stderr
    status = run_cli("status", "--db", db, "--format", "json")
    report = json.loads(status.stdout)
    assert report["states"] == {"queued": 0, "running": 0, "done": 3, "failed": 7}
    assert report["failures"] == {
        "http_5xx": 1,
        "http_4xx": 1,
        "not_html": 1,
        "timeout": 1,
        "connection": 1,
        "dns": 1,
        "tls": 1,
    }
    assert report["list"] == "list.csv" and report["finished"] is True
    assert report["pages"] == 3 * 3 + 7  # the default budget: the landing page and two links
    table = run_cli("status", "--db", db).stdout
    for kind in ("DNS", "TLS", "timeout", "connection refused", "HTTP 4xx", "HTTP 5xx"):
        assert kind in table
    ranks = _rows(db, "SELECT domain, rank FROM survey_sites ORDER BY rank")
    assert [r.rank for r in ranks] == list(range(1, 11))
    assert ranks[0].domain == "good1.localhost"


# What the "OOM killer" lets one renderer hold: these tiny pages' renderers hold 100-160 MB.
RENDERER_LIMIT = 400 << 20


def test_status_counts_sites_whose_renderer_crashed_as_browser_crashes(
    sites: Any, browser_env: dict[str, str], chromium_build: str, run_cli: Any, tmp_path: Path
) -> None:
    """Two sites' pages eat memory until the "OOM killer" (procs.OomKiller, watching this
    survey's processes only) kills their renderer: crashload's while it loads (the navigation
    fails), crashdwell's at the first mouse move of the dwell (the visit was rendered, then
    crashed). Both sites fail as browser crashes; the sites around them are done."""
    names = ["good1", "crashload", "crashdwell", "good2"]
    listed = write_list(tmp_path / "list.csv", [sites.url(name) for name in names])
    db = str(tmp_path / "s.db")
    # The dwell's first mouse move starts crashdwell's eating: a dwell that leaves it time to be
    # made on a loaded machine (where it can take a second), and the page time to be killed.
    dwell = ["--dwell", "2", "--max-dwell", "2"]
    args = ["survey", str(listed), "--db", db, *FAST, *dwell, "--pages-per-site", "1"]
    env = {**browser_env, "MINERSCAN_CHROMIUM": chromium_build}
    survey = subprocess.Popen(
        minerscan(*args),
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its Chromium dies with it
    )
    try:
        with OomKiller(survey.pid, RENDERER_LIMIT) as killer:
            _, stderr = survey.communicate(timeout=180)
    finally:
        _kill_9(survey)
    assert survey.returncode == 0, stderr
    outcome = {s.domain: s.state for s in _sites(db)}
    assert outcome == {
        "good1.localhost": "done",
        "crashload.localhost": "failed",
        "crashdwell.localhost": "failed",
        "good2.localhost": "done",
    }, (killer.killed, stderr)
    report = json.loads(run_cli("status", "--db", db, "--format", "json").stdout)
    assert report["states"] == {"queued": 0, "running": 0, "done": 2, "failed": 2}
    assert report["failures"] == {"crash": 2}
    assert report["pages"] == 4 and report["failed_pages"] == 2
    table = run_cli("status", "--db", db).stdout
    assert ["browser", "crash", "2"] in [line.split() for line in table.splitlines()], table
    visits = {
        v.url: v for v in _rows(db, "SELECT url, rendered, failure, error, watch FROM page_visits")
    }
    assert not visits[sites.url("crashload")].rendered  # it never loaded
    crashed_late = visits[sites.url("crashdwell")]
    assert crashed_late.rendered and crashed_late.failure == "crash", crashed_late


def _start(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        minerscan(*args),
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w"),  # the child owns it
        text=True,
        start_new_session=True,  # its Chromium dies with it
    )


def _kill_9(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _scan_visits(db: str, scan_id: int) -> int:
    rows = _rows(db, f"SELECT count(*) FROM page_visits WHERE scan_id = {scan_id}")
    return int(rows[0][0]) if rows else 0


def test_ctrl_c_then_kill_9_then_resume_finish_every_site_once(
    sites: Any, browser_env: dict[str, str], run_cli: Any, tmp_path: Path
) -> None:
    names = [f"resume{i}" for i in range(1, 9)]
    listed = write_list(tmp_path / "list.csv", [sites.url(n) for n in names])
    db = str(tmp_path / "s.db")
    fast = [*FAST, "--concurrency", "1", "--pages-per-site", "1"]  # batches of 4 sites
    # Ctrl-C once a batch is done: the pages in flight are stored, the rest queued again.
    first = _start(
        ["survey", str(listed), "--db", db, *fast], browser_env, tmp_path, tmp_path / "first.log"
    )
    try:
        wait_for(
            lambda: (
                any(s.state == "done" for s in _sites(db))
                and any(s.state == "running" for s in _sites(db))
            ),
            timeout=120,
            what="a site done and another running",
        )
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=60) == 3
    finally:
        _kill_9(first)
    assert "minerscan survey --resume 1" in (tmp_path / "first.log").read_text()
    states = Counter(s.state for s in _sites(db))
    assert states["running"] == 0 and 0 < states["done"] < len(names), states
    # kill -9 in the middle of a site: its lease is left behind, the resume takes it over.
    second = _start(
        ["survey", "--resume", "1", "--db", db, *fast],
        browser_env,
        tmp_path,
        tmp_path / "second.log",
    )
    try:

        def mid_site() -> bool:
            running = [s for s in _sites(db) if s.state == "running" and s.lease_owner]
            scans = _rows(db, "SELECT max(id) FROM scans")
            return bool(running) and scans[0][0] == 2 and _scan_visits(db, 2) > 0

        wait_for(mid_site, timeout=120, what="the resumed survey half-way through a batch")
    finally:
        _kill_9(second)
    before = {s.domain for s in _sites(db) if s.state == "done"}
    assert len(before) < len(names)
    hits_before = _landing_hits(sites)
    resumed = run_cli("survey", "--resume", "1", "--db", db, *fast)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming survey 1" in resumed.stderr
    _assert_each_site_once(db, {f"{n}.localhost" for n in names})
    hits = _landing_hits(sites)
    for domain in before:
        assert hits[domain] == hits_before[domain] == 1, domain  # never visited again


@pytest.mark.postgres
@pytest.mark.redis
def test_two_workers_share_a_survey_and_a_killed_one_loses_no_site(
    sites: Any,
    browser_env: dict[str, str],
    run_cli: Any,
    pg_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    names = [f"shared{i}" for i in range(1, 11)]
    listed = write_list(tmp_path / "list.csv", [sites.url(n) for n in names])
    frontier = ["--redis", REDIS_URL, "--redis-prefix", redis_prefix]
    queued = run_cli(
        "survey", str(listed), "--db", pg_url, *FAST, "--pages-per-site", "1", *frontier
    )
    assert queued.returncode == 0, queued.stderr
    assert "10 sites queued" in queued.stderr
    worker = ["worker", "--db", pg_url, *frontier, "--concurrency", "1", "--lease", "3"]
    victim, survivor = (
        _start(worker, browser_env, tmp_path, tmp_path / f"worker{i}.log") for i in range(2)
    )
    try:

        def victim_mid_site() -> set[str]:
            """The sites the victim holds, once it has stored a visit of its own."""
            mine = [
                s for s in _sites(pg_url) if s.lease_owner and f":{victim.pid}:" in s.lease_owner
            ]
            visited = {r.url for r in _rows(pg_url, "SELECT url FROM page_visits")}
            return {s.domain for s in mine} if any(s.url in visited for s in mine) else set()

        held = wait_for(victim_mid_site, timeout=150, what="the first worker holding sites")
        _kill_9(victim)
        assert survivor.wait(timeout=180) == 0, (tmp_path / "worker1.log").read_text()
    finally:
        _kill_9(victim)
        _kill_9(survivor)
    _assert_each_site_once(pg_url, {f"{n}.localhost" for n in names})
    attempts = {s.domain: s.attempts for s in _sites(pg_url)}
    assert all(attempts[d] == 2 for d in held), attempts  # taken over after the lease ran out
    hits = _landing_hits(sites)
    for domain, tries in attempts.items():
        if tries == 1:
            assert hits[domain] == 1, domain  # a site done is never visited again
    status = json.loads(run_cli("status", "--db", pg_url, "--format", "json").stdout)
    assert status["states"]["done"] == 10 and status["finished"] is True
