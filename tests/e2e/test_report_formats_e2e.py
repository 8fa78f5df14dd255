"""A real scan of the demo site writes several reports in one run, each valid for its consumer."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from minerscan.schemas import REPORT_SCHEMA, SARIF_SCHEMA, load

pytestmark = pytest.mark.browser


def test_demo_scan_writes_json_sarif_html_junit_and_markdown_at_once(tmp_path: Path) -> None:
    out = {fmt: tmp_path / f"demo.{fmt}" for fmt in ("json", "sarif", "html", "junit")}
    args = [a for fmt, path in out.items() for a in ("--format", fmt, "-o", str(path))]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "minerscan",
            "demo",
            "--db",
            str(tmp_path / "demo.db"),
            "--dwell",
            "4",
            "--progress",
            "never",
            *args,
            "--format",
            "markdown",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr  # the demo's miner is found
    assert proc.stdout.startswith("## minerscan scan")  # the unpaired format on stdout
    assert "  miner " not in proc.stderr  # --progress never: no per-page lines
    report = json.loads(out["json"].read_text())
    jsonschema.Draft202012Validator(load(REPORT_SCHEMA)).validate(report)
    miner = next(p for p in report["pages"] if p["verdict"] == "miner")
    assert miner["scripts"] and all(s["sha256"] for s in miner["scripts"])
    sarif = json.loads(out["sarif"].read_text())
    jsonschema.Draft4Validator(load(SARIF_SCHEMA)).validate(sarif)
    fingerprints = {f["fingerprint"] for p in report["pages"] for f in p["findings"]}
    sarif_prints = {
        r["partialFingerprints"]["minerscanFinding/v1"] for r in sarif["runs"][0]["results"]
    }
    assert fingerprints == sarif_prints  # one identity for a finding, whatever the format
    html = out["html"].read_text()
    assert "<svg" in html and "<script" not in html.lower()
    suite = ET.fromstring(out["junit"].read_text()).find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) >= 1
