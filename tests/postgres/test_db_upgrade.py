"""``minerscan db upgrade`` / ``db current``: from an empty database, and from revision 0001 with
a scan in it, on PostgreSQL (and on SQLite, which costs nothing more)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner, Result
from sqlalchemy import MetaData, create_engine, inspect, text

from minerscan.cli import main
from storage import Store
from storage.migrate import alembic_config, head_revision

HEAD = head_revision()
OLD_SCRIPT = b"var m = new CoinHive.Anonymous('OldSiteKey0000000000000000'); m.start();"


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "old.db")
    new_database: Callable[[], str] = request.getfixturevalue("new_database")
    return new_database()


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _sql_url(db: str) -> str:
    return db if "://" in db else f"sqlite:///{db}"


def test_upgrade_creates_the_schema_in_an_empty_database(empty_db: str) -> None:
    before = run("db", "current", "--db", empty_db)
    assert before.exit_code == 0 and "no minerscan schema yet" in before.stdout
    made = run("db", "upgrade", "--db", empty_db)
    assert made.exit_code == 0, made.stderr
    assert f"created the schema at revision {HEAD}" in made.stdout
    engine = create_engine(_sql_url(empty_db))
    assert {"scans", "page_visits", "findings", "bodies"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    assert f"revision {HEAD} (the newest)" in run("db", "current", "--db", empty_db).stdout
    assert "nothing to do" in run("db", "upgrade", "--db", empty_db).stdout


def _write_revision_0001_scan(db: str) -> None:
    """A database as minerscan 0001 left it: the schema of 0001 and one scan in it."""
    engine = create_engine(_sql_url(db))
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    tables = MetaData()
    tables.reflect(engine)
    digest = hashlib.sha256(OLD_SCRIPT).hexdigest()
    now = time.time()
    with engine.begin() as conn:
        # Ids come from the database, as they did in 0001 (PostgreSQL's sequences advance).
        scan_id = conn.execute(
            tables.tables["scans"].insert(),
            {
                "started_at": now - 60,
                "finished_at": now - 50,
                "status": "complete",
                "targets": ["https://old.example/"],
                "targets_key": hashlib.sha256(b'["https://old.example/"]').hexdigest(),
                "settings": {"depth": 1},
                "tool_version": "0.0.9",
                "signature_version": "sig-old",
                "stats": {"pages": 1, "failed": 0},
                "analyzer_errors": 0,
            },
        ).inserted_primary_key[0]
        conn.execute(
            tables.tables["bodies"].insert(),
            {"sha256": digest, "size": len(OLD_SCRIPT), "data": OLD_SCRIPT},
        )
        visit_id = conn.execute(
            tables.tables["page_visits"].insert(),
            {
                "scan_id": scan_id,
                "url": "https://old.example/",
                "final_url": "https://old.example/",
                "status": 200,
                "title": "An old page",
                "content_type": "text/html",
                "depth": 0,
                "started_at": now - 59,
                "load_seconds": 0.2,
                "rendered": True,
                "inline_script_count": 1,
            },
        ).inserted_primary_key[0]
        conn.execute(
            tables.tables["scripts"].insert(),
            {
                "visit_id": visit_id,
                "seq": 0,
                "kind": "inline",
                "url": "",
                "context": "page",
                "sha256": digest,
                "size": len(OLD_SCRIPT),
                "body_sha256": digest,
                "truncated": False,
            },
        )
        analysis_id = conn.execute(
            tables.tables["analyses"].insert(),
            {
                "visit_id": visit_id,
                "signature_version": "sig-old",
                "verdict": "suspicious",
                "confidence": 0.7,
                "reasons": ["known miner present"],
                "created_at": now - 50,
            },
        ).inserted_primary_key[0]
        conn.execute(
            tables.tables["findings"].insert(),
            {
                "analysis_id": analysis_id,
                "seq": 0,
                "rule_id": "MS201",
                "severity": 3,
                "title": "CoinHive in an inline script",
                "evidence": {"family": "CoinHive"},
                "confidence": 0.9,
            },
        )
    engine.dispose()


def test_upgrade_from_revision_0001_keeps_the_scan(empty_db: str) -> None:
    _write_revision_0001_scan(empty_db)
    old = run("db", "current", "--db", empty_db)
    assert old.exit_code == 0
    assert "revision 0001, older than" in old.stdout and "minerscan db upgrade" in old.stdout
    upgraded = run("db", "upgrade", "--db", empty_db)
    assert upgraded.exit_code == 0, upgraded.stderr
    assert f"upgraded the schema from revision 0001 to {HEAD}" in upgraded.stdout

    report = run("report", "--db", empty_db, "--format", "json")
    assert report.exit_code == 1, report.stderr  # the stored HIGH finding still counts
    page = json.loads(report.stdout)["pages"][0]
    assert page["verdict"] == "suspicious" and page["title"] == "An old page"
    assert page["profile"] is None and page["watch"] is None  # columns 0002 added
    assert [f["rule_id"] for f in page["findings"]] == ["MS201"]

    # The stored body is still there for today's signatures to read.
    again = run("reanalyze", "--db", empty_db, "--format", "json")
    assert again.exit_code == 1, again.stderr
    assert "MS201" in {f["rule_id"] for f in json.loads(again.stdout)["pages"][0]["findings"]}


def test_any_command_upgrades_an_old_database_and_says_so(empty_db: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    _write_revision_0001_scan(empty_db)
    proc = subprocess.run(
        [sys.executable, "-m", "minerscan", "report", "--db", empty_db, "--format", "csv"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert (
        "upgraded the schema of" in proc.stderr and f"from revision 0001 to {HEAD}" in proc.stderr
    )
    assert "MS201" in proc.stdout
    assert f"revision {HEAD} (the newest)" in run("db", "current", "--db", empty_db).stdout


def test_a_newer_schema_is_refused_with_one_line(empty_db: str) -> None:
    Store.open(empty_db).close()
    engine = create_engine(_sql_url(empty_db))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    current = run("db", "current", "--db", empty_db)
    assert current.exit_code == 2 and "a newer minerscan wrote it" in current.stderr
    report = run("report", "--db", empty_db)
    assert report.exit_code == 2 and "written by a newer version" in report.stderr
