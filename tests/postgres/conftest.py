"""PostgreSQL for every command: databases of their own on the real server, dropped afterwards.

Each test session makes uniquely named databases (``minerscan_pg_<random>``), so parallel runs
never meet, and drops them at the end even if a test failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "MINERSCAN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def minerscan(
    *args: str, timeout: float = 300, cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minerscan", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


@pytest.fixture(scope="session")
def new_database() -> Iterator[Callable[[], str]]:
    """Call it for the URL of a new, empty database; all of them are dropped at session end."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []
    prefix = f"minerscan_pg_{uuid.uuid4().hex[:10]}"

    def make() -> str:
        name = f"{prefix}_{len(made)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
