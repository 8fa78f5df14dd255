"""Eight pages at once on two cores: a throttled miner among seven busy ones still reads as one.

With 8 concurrent pages the throttled page gets a sliver of CPU, so its *process* CPU can look
idle; its CPU *demand* (run time plus run-queue wait) does not. The behaviour layer must still
see it, not only the protocol layer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from minerscan.sites.demo import miner_pages_server
from minerscan.sites.pool import PoolEmulator

HERE = Path(__file__).parent

pytestmark = pytest.mark.browser


def test_throttled_miner_among_eight_concurrent_pages(tmp_path: Path) -> None:
    with (
        PoolEmulator("stratum") as pool,
        miner_pages_server(HERE / "contention-site", pool) as site,
    ):
        targets = [site.url(f"busy.html?n={i}") for i in range(7)] + [site.url("throttled.html")]
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "minerscan",
                "scan",
                *targets,
                "--offline",
                "--depth",
                "0",
                "--concurrency",
                "8",
                "--dwell",
                "5",
                "--db",
                str(tmp_path / "c.db"),
                "--format",
                "json",
                "-o",
                str(tmp_path / "c.json"),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((tmp_path / "c.json").read_text())
    verdicts = {k: doc["summary"][k] for k in ("pages", "miner", "suspicious", "clean", "failed")}
    assert verdicts == {"pages": 8, "miner": 8, "suspicious": 0, "clean": 0, "failed": 0}
    throttled = next(p for p in doc["pages"] if p["url"].endswith("throttled.html"))
    cpu_rules = {f["rule_id"] for f in throttled["findings"] if f["rule_id"].startswith("MS5")}
    assert cpu_rules & {"MS501", "MS503"}, (throttled["cpu"], throttled["reasons"])
    assert (throttled["cpu"]["demand_cores"] or 0) > 0.2, throttled["cpu"]
    print("throttled page under contention:", json.dumps(throttled["cpu"]))
