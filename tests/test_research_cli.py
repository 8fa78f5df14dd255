"""Researcher commands over stored scans: campaigns across sites, raw exports, blocklists."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import adblock
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "reports"))

from scan_fixture import (
    HOSTILE,
    MINER_JS,
    WALLET,
    _script,
    clean_page,
    hostile_page,
    miner_page,
    store_scan,
)

from analyzers.base import Finding, PageAnalysis, Severity
from minerscan.cli import main
from minerscan.reports.export import COLUMNS
from model.observations import ScriptKind, WebSocketSession

OTHER = "https://blog.example.net/post/1"
CDN_MINER = "https://cdn.minerhost.example/m.js"
POOL = "wss://pool.minerhost.example/"


def other_site_miner() -> tuple:
    """The same operator on another site: same wallet, same script body, a third-party CDN."""
    visit, analysis = miner_page()
    visit = dataclasses.replace(
        visit,
        url=OTHER,
        final_url=OTHER,
        scripts=(_script(ScriptKind.EXTERNAL, CDN_MINER, "page", MINER_JS),),
        websockets=(WebSocketSession(POOL, "page", 1.0),),
        dom=None,
    )
    findings = (
        Finding(
            "MS301",
            Severity.CRITICAL,
            f"WebSocket {POOL} speaks the Stratum protocol",
            {"pool": POOL, "url": POOL, "wallets": [{"kind": "monero", "address": WALLET}]},
        ),
        Finding(
            "MS201",
            Severity.HIGH,
            f"coinhive miner in {CDN_MINER}",
            {
                "source": "script",
                "url": CDN_MINER,
                "sha256": analysis.findings[1].evidence["sha256"],
            },
        ),
    )
    return visit, PageAnalysis(analysis.verdict, 0.99, findings, analysis.reasons)


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    db = tmp_path / "survey.db"
    store_scan(db, pages=(clean_page, miner_page, hostile_page))
    store_scan(db, pages=(other_site_miner,))
    return db


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_campaigns_group_one_operator_across_sites(survey: Path) -> None:
    code, out, err = run("campaigns", "--db", str(survey), "--format", "json")
    assert code == 0, err
    by_key = {(c["kind"], c["value"]): c for c in json.loads(out)}
    wallet = by_key[("wallet", WALLET)]
    assert wallet["sites"] == ["127.0.0.1", "example.net"] and wallet["scans"] == [1, 2]
    assert wallet["pages"] == 2 and wallet["first_seen"] and wallet["last_seen"]
    script = [
        c for (kind, _), c in by_key.items() if kind == "script_sha256" and c["site_count"] == 2
    ]
    assert len(script) == 1  # the same body on both sites, under two URLs
    assert json.loads(out)[0]["site_count"] == 2  # the most widespread first
    # one scan only: the operator is on one site there
    _, out, _ = run("campaigns", "--db", str(survey), "--scan", "2", "--format", "json")
    assert all(c["sites"] == ["example.net"] for c in json.loads(out))


def test_campaigns_table_and_csv(survey: Path) -> None:
    code, out, _ = run("campaigns", "--db", str(survey))
    assert code == 0 and "wallet" in out and "example.net" in out and "campaign keys" in out
    _, out, _ = run("campaigns", "--db", str(survey), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"kind", "value", "sites", "first_seen"} <= set(rows[0])


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_export_every_table_with_its_documented_columns(survey: Path, table: str) -> None:
    code, out, err = run("export", "--db", str(survey), "--table", table, "--format", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows, f"the fixture scan has {table}"
    assert all(list(row) == COLUMNS[table] for row in rows)
    code, out, _ = run("export", "--db", str(survey), "--table", table)
    assert next(csv.reader(io.StringIO(out))) == COLUMNS[table]


def test_export_keeps_values_exact_in_jsonl_and_neutral_in_csv(survey: Path) -> None:
    _, out, _ = run("export", "--db", str(survey), "--table", "pages", "--format", "jsonl")
    titles = [json.loads(line)["title"] for line in out.splitlines()]
    assert HOSTILE in titles
    _, out, _ = run("export", "--db", str(survey), "--table", "pages")
    assert "\x1b" not in out
    for row in csv.reader(io.StringIO(out)):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_export_parquet_keeps_every_row_and_column(survey: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="the dev extra installs pyarrow")
    out = tmp_path / "pages.parquet"
    code, _, err = run("export", "--db", str(survey), "--format", "parquet", "-o", str(out))
    assert code == 0, err
    table = pq.read_table(out)
    _, jsonl, _ = run("export", "--db", str(survey), "--table", "pages", "--format", "jsonl")
    expected = [json.loads(line) for line in jsonl.splitlines()]
    assert table.column_names == COLUMNS["pages"]
    assert table.to_pylist() == expected  # the same values as JSONL, hostile title included
    assert HOSTILE in table.column("title").to_pylist()


def test_export_parquet_without_pyarrow_is_one_clear_line(survey: Path, tmp_path: Path) -> None:
    out = tmp_path / "pages.parquet"
    # A fresh interpreter in which pyarrow cannot be imported, installed or not.
    probe = (
        "import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None\n"
        "from minerscan.cli import main\n"
        f"main(['export', '--db', {str(survey)!r}, '--format', 'parquet', '-o', {str(out)!r}])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], check=False, capture_output=True, text=True
    )
    assert done.returncode == 2
    error, tip = done.stderr.strip().splitlines()  # what went wrong, and what to do
    assert "parquet needs pyarrow" in error and "pip install pyarrow" in tip
    assert not out.exists()


def _blocks(filters: str, url: str, source: str, kind: str) -> bool:
    rules = adblock.FilterSet()
    rules.add_filter_list(filters)
    return adblock.Engine(rules).check_network_urls(url, source, kind).matched


def test_blocklist_feeds_back_into_an_adblock_engine(survey: Path) -> None:
    code, out, err = run("blocklist", "--db", str(survey), "--scan", "1", "--scan", "2")
    assert code == 0, err
    assert "||pool.minerhost.example^$websocket" in out
    assert "||cdn.minerhost.example^$script,third-party" in out
    assert "|http://127.0.0.1:8000/static/m.js$script" in out  # a compromised site's file
    assert _blocks(out, CDN_MINER, OTHER, "script")
    assert _blocks(out, POOL, OTHER, "websocket")
    assert _blocks(out, "http://127.0.0.1:8000/static/m.js", "http://127.0.0.1:8000/", "script")
    assert not _blocks(
        out, "http://127.0.0.1:8000/static/app.js", "http://127.0.0.1:8000/", "script"
    )
    assert "<script" not in out and "\x1b" not in out  # the hostile page's URL is not a filter


def test_blocklist_hosts_format_never_blocks_a_scanned_site(survey: Path) -> None:
    code, out, _ = run(
        "blocklist", "--db", str(survey), "--scan", "1", "--scan", "2", "--format", "hosts"
    )
    assert code == 0
    entries = [line.split()[1] for line in out.splitlines() if not line.startswith("#")]
    assert entries == ["cdn.minerhost.example", "pool.minerhost.example"]
