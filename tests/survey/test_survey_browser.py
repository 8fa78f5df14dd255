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


def test_resume_after_kill_9_finishes_without_visiting_a_done_site_again(
    sites: Any, browser_env: dict[str, str], run_cli: Any, tmp_path: Path
) -> None:
    names = [f"resume{i}" for i in range(1, 11)]
    listed = write_list(tmp_path / "list.csv", [sites.url(n) for n in names])
    db = str(tmp_path / "s.db")
    args = ["survey", str(listed), "--db", db, *FAST, "--concurrency", "1"]
    proc = subprocess.Popen(
        minerscan(*args),
        env=browser_env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
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
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = {s.domain for s in _sites(db) if s.state == "done"}
    assert 0 < len(before) < len(names)
    hits_before = _landing_hits(sites)
    resumed = run_cli("survey", "--resume", "1", "--db", db, *FAST)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming survey 1" in resumed.stderr
    expected = {f"{n}.localhost" for n in names}
    _assert_each_site_once(db, expected)
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
    names = [f"shared{i}" for i in range(1, 17)]
    listed = write_list(tmp_path / "list.csv", [sites.url(n) for n in names])
    frontier = ["--redis", REDIS_URL, "--redis-prefix", redis_prefix]
    queued = run_cli("survey", str(listed), "--db", pg_url, *FAST, *frontier)
    assert queued.returncode == 0, queued.stderr
    assert "16 sites queued" in queued.stderr
    worker = ["worker", "--db", pg_url, *frontier, "--concurrency", "1", "--lease", "3"]
    procs = [
        subprocess.Popen(
            minerscan(*worker),
            env=browser_env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"worker{i}.log", "w"),  # noqa: SIM115
            start_new_session=True,
        )
        for i in range(2)
    ]
    victim, survivor = procs
    try:

        def victim_mid_site() -> bool:
            rows = _sites(pg_url)
            mine = [s for s in rows if s.lease_owner and f":{victim.pid}:" in s.lease_owner]
            return bool(mine) and any(s.state == "done" for s in rows)

        wait_for(victim_mid_site, timeout=150, what="the first worker holding sites")
        held = {
            s.domain for s in _sites(pg_url) if s.lease_owner and f":{victim.pid}:" in s.lease_owner
        }
        done_before = {s.domain for s in _sites(pg_url) if s.state == "done"}
        hits_before = _landing_hits(sites)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        assert survivor.wait(timeout=180) == 0, (tmp_path / "worker1.log").read_text()
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    _assert_each_site_once(pg_url, {f"{n}.localhost" for n in names})
    attempts = {s.domain: s.attempts for s in _sites(pg_url)}
    assert all(attempts[d] == 2 for d in held), attempts  # taken over after the lease ran out
    hits = _landing_hits(sites)
    for domain in done_before:
        assert hits[domain] == hits_before[domain] == 1, domain  # never visited again
    status = json.loads(run_cli("status", "--db", pg_url, "--format", "json").stdout)
    assert status["states"]["done"] == 16 and len(status["scans"]) == 2
