"""The fixed stored scan every report test renders (built once per session, through Store)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scan_fixture import load_fixed

from model.results import ScanResult


@pytest.fixture(scope="session")
def stored_scan(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    return load_fixed(tmp_path_factory.mktemp("golden") / "golden.db")
