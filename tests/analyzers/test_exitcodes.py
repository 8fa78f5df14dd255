"""Exit codes on what the verdict rules decide: a CI run fails on a miner, and on a known miner
that is present but did not start (its signature finding is HIGH, the default --fail-on)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from minerscan.cli import main
from model.observations import (
    CpuProfile,
    PageVisit,
    ScriptKind,
    ScriptObservation,
    TargetCpu,
    WorkerObservation,
    sha256_hex,
)
from storage import Store

URL = "http://127.0.0.1:8000/"
GATED = (
    b"if (!navigator.webdriver) { setTimeout(function () {"
    b" new CoinHive.Anonymous('Zx8qPl2mRt5vYw3kNc7bHd4fJg6sLa1e', {throttle: 0.3}).start();"
    b" }, 60000); }"
)
STRUCTURE = (
    b"function stats(e){return {r:e.getHashesPerSecond(),t:e.getTotalHashes(),"
    b"a:e.getAcceptedHashes()};}"
)


def _script(body: bytes, url: str, kind: ScriptKind = ScriptKind.EXTERNAL) -> ScriptObservation:
    return ScriptObservation(kind, url, "page", sha256_hex(body), len(body), body)


def _stored(db: Path, visit: PageVisit) -> None:
    with Store.open(str(db)) as store:
        scan_id = store.start_scan([URL], {}, "test", "sig-old")
        store.record_visit(scan_id, visit)
        store.finish_scan(scan_id, "complete")


def _ci_run(db: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["reanalyze", "--db", str(db), "--format", "json", *extra])
    return result.exit_code, json.loads(result.stdout)


def test_ci_fails_on_a_gated_miner_that_never_started(tmp_path: Path) -> None:
    visit = PageVisit(
        url=URL,
        final_url=URL,
        status=200,
        rendered=True,
        scripts=(_script(GATED, URL + "js/app.js"),),
        cpu=CpuProfile(8.0, 0.1, 0.1, 0.0, timeline=(0.01,) * 8),
    )
    _stored(tmp_path / "scan.db", visit)
    code, doc = _ci_run(tmp_path / "scan.db")
    page = doc["pages"][0]
    assert page["verdict"] == "suspicious"
    assert "present but not started" in page["reasons"][-1]
    assert code == 1  # the CoinHive finding is HIGH: --fail-on high fails the job
    assert _ci_run(tmp_path / "scan.db", "--fail-on", "critical")[0] == 0


def test_ci_fails_on_a_miner_made_of_medium_findings(tmp_path: Path) -> None:
    """Miner structure (MEDIUM) plus sustained worker CPU (MEDIUM) is a miner: exit 1."""
    worker = URL + "w.js"
    visit = PageVisit(
        url=URL,
        final_url=URL,
        status=200,
        rendered=True,
        scripts=(_script(STRUCTURE, worker, ScriptKind.WORKER),),
        workers=(WorkerObservation(worker, "dedicated", "page"),) * 2,
        cpu=CpuProfile(
            8.0,
            15.4,
            0.2,
            15.2,
            per_target=(TargetCpu(f"worker:{worker}", 7.6),) * 2,
            timeline=(1.9,) * 8,
            peak_workers=2,
        ),
    )
    _stored(tmp_path / "scan.db", visit)
    code, doc = _ci_run(tmp_path / "scan.db")
    assert doc["pages"][0]["verdict"] == "miner"
    assert {f["severity"] for f in doc["pages"][0]["findings"]} <= {"info", "low", "medium"}
    assert code == 1
