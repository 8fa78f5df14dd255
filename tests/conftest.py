"""Suite-wide rules: PostgreSQL tests need a server; in CI its absence is a failure, not a skip."""

from __future__ import annotations

import os
import socket

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432


def _postgres_listening() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("MINERSCAN_TEST_POSTGRES") or _postgres_listening():
        return
    if os.environ.get("CI"):
        return  # let them fail: CI promises a server, and a silent skip would hide its loss
    skip = pytest.mark.skip(
        reason=f"no PostgreSQL at {PG_HOST}:{PG_PORT}: install and start it "
        "(scripts/setup.sh --dev starts an installed one), or set "
        "MINERSCAN_TEST_POSTGRES"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
