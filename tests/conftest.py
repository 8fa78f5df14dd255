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


# -- both Chromium builds ----------------------------------------------------------------------
# Users have chromium-headless-shell, full Chromium (Debian's, Chrome, Playwright's download):
# every guarantee must hold with both, so browser tests that take ``chromium_build`` run once
# per build. scripts/setup.sh --dev installs both; in CI a missing build fails, locally it skips.


def _full_chromium() -> str | None:
    from crawler.browser import SYSTEM_PATHS, _is_executable

    return next((p for p in SYSTEM_PATHS if _is_executable(p)), None)


def _headless_shell() -> str | None:
    from crawler.browser import HEADLESS_SHELL, _is_executable

    return HEADLESS_SHELL if _is_executable(HEADLESS_SHELL) else None


CHROMIUM_BUILDS = {"headless-shell": _headless_shell, "chromium": _full_chromium}


@pytest.fixture(params=sorted(CHROMIUM_BUILDS))
def chromium_build(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The path of one Chromium build; MINERSCAN_CHROMIUM points at it for the CLI under test."""
    path = CHROMIUM_BUILDS[request.param]()
    if path is None:
        message = (
            f"no {request.param} Chromium build installed (scripts/setup.sh --dev installs it)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.setenv("MINERSCAN_CHROMIUM", path)
    return path
