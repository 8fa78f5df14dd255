"""Fixtures of the fault suite: one Chromium build per module run.

Each test module scans several hostile pages in *one* CLI run per Chromium build (that is what
keeps the suite near a minute per build), so the build is a module-scoped parameter here rather
than the function-scoped ``chromium_build`` of ``tests/conftest.py``; it finds the builds the
same way (``crawler.browser``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from crawler.browser import HEADLESS_SHELL, SYSTEM_PATHS, _is_executable

# The suite's helpers (harness, hostile, certs, procs) are imported by name.
sys.path.insert(0, str(Path(__file__).resolve().parent))

BUILDS = {
    "headless-shell": lambda: HEADLESS_SHELL if _is_executable(HEADLESS_SHELL) else None,
    "chromium": lambda: next((p for p in SYSTEM_PATHS if _is_executable(p)), None),
}


@pytest.fixture(scope="module", params=sorted(BUILDS))
def build(request: pytest.FixtureRequest) -> str:
    """The path of one Chromium build; every scan of the module runs with it."""
    path = BUILDS[request.param]()
    if path is None:
        message = f"no {request.param} Chromium build installed (scripts/setup.sh --dev)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
