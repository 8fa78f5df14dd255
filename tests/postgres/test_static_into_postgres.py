"""``scan --static`` into PostgreSQL: the triage a survey starts from works there too (no browser)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from storage import Store

from .conftest import minerscan

pytestmark = pytest.mark.postgres


def test_static_scan_into_postgresql(new_database: Callable[[], str], tmp_path: Path) -> None:
    from minerscan.sites.demo import demo_servers

    pg = new_database()
    with demo_servers() as (site, _pool):
        proc = minerscan(
            "scan", "--static", site.base_url, "--offline", "--db", pg, "--exit-zero",
            "--format", "json", "-o", str(tmp_path / "s.json"),
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with Store.open(pg) as store:
        result = store.load_result(store.latest_scan_id() or 0)
    assert result.scan.settings["static"] is True
    assert len(result.pages) == 6 and {p.visit.profile for p in result.pages} == {"static"}
