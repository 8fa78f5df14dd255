"""Fixtures for survey tests: a PostgreSQL database of their own, a Redis key prefix of their
own, the multi-host site server, and the CLI run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The fault suite's process helpers (procs.OomKiller), after everything else: its conftest and
# ours must not shadow each other.
sys.path.append(str(Path(__file__).resolve().parents[1] / "faults"))
from survey_site_server import SiteServer, site_server

PG_ADMIN = os.environ.get(
    "MINERSCAN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("MINERSCAN_TEST_REDIS", "redis://127.0.0.1:6379/0")
# Tiny pages watched briefly: the browser time of these tests is mostly Chromium starting.
FAST = ["--offline", "--dwell", "0.3", "--max-dwell", "0.3", "--page-timeout", "5"]
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test session's own, dropped after it."""
    name = f"minerscan_survey_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A fresh schema in the session's database for one test."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{pg_database}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "survey.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted after it."""
    import redis

    prefix = f"minerscan-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def sites() -> Iterator[SiteServer]:
    with site_server() as server:
        yield server


@pytest.fixture(scope="session")
def browser_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if os.path.exists(HEADLESS_SHELL):  # the lighter build: these tests are about the survey
        env["MINERSCAN_CHROMIUM"] = HEADLESS_SHELL
    return env


def minerscan(*args: str) -> list[str]:
    return [sys.executable, "-m", "minerscan", *args]


@pytest.fixture
def run_cli(browser_env: dict[str, str], tmp_path: Path) -> Callable[..., Any]:
    def run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            minerscan(*args),
            check=False,
            env=browser_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def write_list(path: Path, urls: list[str]) -> Path:
    path.write_text("".join(f"{rank},{url}\n" for rank, url in enumerate(urls, 1)))
    return path
