"""`minerscan reanalyze`: new signatures over a stored scan, no crawl, history kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from minerscan.cli import main
from model.observations import PageVisit, ScriptKind, ScriptObservation, sha256_hex
from storage import Store

SCRIPT = b"window.shopTracker = {sku: 'ACME-9981', beacon: '/collect'};"

USER_RULE = """
rule acme_tracker_loader {
  meta:
    id = "MS209"
    severity = "high"
    family = "acme-test"
    description = "the tracker this test pretends was found to mine"
  strings:
    $sku = "ACME-9981"
  condition:
    $sku
}
"""


def _stored_scan(db: Path) -> int:
    visit = PageVisit(
        url="http://127.0.0.1:8000/",
        final_url="http://127.0.0.1:8000/",
        status=200,
        title="Shop",
        rendered=True,
        scripts=(
            ScriptObservation(
                ScriptKind.EXTERNAL,
                "http://127.0.0.1:8000/t.js",
                "page",
                sha256_hex(SCRIPT),
                len(SCRIPT),
                SCRIPT,
            ),
        ),
    )
    with Store.open(str(db)) as store:
        scan_id = store.start_scan(["http://127.0.0.1:8000/"], {}, "test", "sig-old")
        store.record_visit(scan_id, visit)
        store.finish_scan(scan_id, "complete")
    return scan_id


def test_reanalyze_applies_new_rules_without_crawling(tmp_path: Path) -> None:
    db = tmp_path / "scan.db"
    scan_id = _stored_scan(db)
    runner = CliRunner()

    first = runner.invoke(main, ["reanalyze", "--db", str(db), "--format", "json"])
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["pages"][0]["verdict"] == "clean" and doc["pages"][0]["findings"] == []
    bundled_version = doc["scan"]["signature_version"]

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.yar").write_text(USER_RULE)
    (tmp_path / "minerscan.toml").write_text('[signatures]\nrule_dirs = ["rules"]\n')
    second = runner.invoke(
        main,
        [
            "reanalyze",
            "--db",
            str(db),
            "--scan",
            str(scan_id),
            "--config",
            str(tmp_path / "minerscan.toml"),
            "--format",
            "json",
        ],
    )
    assert second.exit_code == 1, second.output  # a HIGH finding now: --fail-on high
    doc = json.loads(second.stdout)
    [finding] = doc["pages"][0]["findings"]
    assert finding["rule_id"] == "MS209" and finding["severity"] == "high"
    assert "acme_tracker_loader" in json.dumps(finding["evidence"])
    assert doc["scan"]["signature_version"] != bundled_version

    # both analyses stay in the database, each with the signature version that produced it
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        versions = [
            row[0]
            for row in conn.execute(sa.text("SELECT signature_version FROM analyses ORDER BY id"))
        ]
    engine.dispose()
    assert versions == [bundled_version, doc["scan"]["signature_version"]]


def test_reanalyze_of_a_missing_scan_is_a_usage_error(tmp_path: Path) -> None:
    db = tmp_path / "scan.db"
    _stored_scan(db)
    result = CliRunner().invoke(main, ["reanalyze", "--db", str(db), "--scan", "99"])
    assert result.exit_code == 2 and "no scan 99" in result.stderr


def test_a_failing_analyzer_is_counted_and_the_others_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzers import base

    def exploding_rule(visit, ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setitem(
        base._REGISTRY,
        "MS999",
        base.Rule("MS999", base.Severity.LOW, "explodes", "explodes", exploding_rule),
    )
    db = tmp_path / "scan.db"
    _stored_scan(db)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "acme.yar").write_text(USER_RULE)
    (tmp_path / "minerscan.toml").write_text('[signatures]\nrule_dirs = ["rules"]\n')
    result = CliRunner().invoke(
        main,
        [
            "reanalyze",
            "--db",
            str(db),
            "--config",
            str(tmp_path / "minerscan.toml"),
            "--format",
            "json",
        ],
    )
    doc = json.loads(result.stdout)
    assert doc["scan"]["analyzer_errors"] == 1
    assert [f["rule_id"] for f in doc["pages"][0]["findings"]] == ["MS209"]  # the others ran
    assert "MS999" in result.stderr and "http://127.0.0.1:8000/" in result.stderr  # logged


def test_report_rewrites_a_stored_scan_to_a_file(tmp_path: Path) -> None:
    db = tmp_path / "scan.db"
    _stored_scan(db)
    assert (
        CliRunner().invoke(main, ["reanalyze", "--db", str(db), "--format", "json"]).exit_code == 0
    )
    out = tmp_path / "scan.csv"
    result = CliRunner().invoke(
        main, ["report", "--db", str(db), "--format", "csv", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and f"report written to {out}" in result.stderr
    rows = out.read_text().splitlines()
    assert rows[0].startswith("scan_id,url,") and "http://127.0.0.1:8000/" in rows[1]
