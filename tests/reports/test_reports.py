"""Reporters: every format renders, page-controlled text stays data, exit codes follow the contract."""

from __future__ import annotations

import csv
import io
import json

import pytest

from analyzers.base import Finding, PageAnalysis, Severity, Verdict
from minerscan.exitcodes import exit_code
from minerscan.reports import Format, render
from minerscan.reports.escape import terminal_safe
from model.observations import CpuProfile, FailureReason, PageVisit, WebSocketSession
from model.results import PageResult, ScanInfo, ScanResult

HOSTILE_TITLE = "\x1b]0;pwned\x07\x1b[2J[bold red]fake[/] =cmd|' /C calc'!A0"


def make_result(*, miner: bool = True, hostile: bool = False) -> ScanResult:
    title = HOSTILE_TITLE if hostile else "Shop"
    clean = PageResult(
        1,
        PageVisit(
            url="http://127.0.0.1:8000/",
            final_url="http://127.0.0.1:8000/",
            status=200,
            title=title,
            rendered=True,
            cpu=CpuProfile(
                dwell_seconds=5, process_seconds=0.1, main_thread_seconds=0.1, worker_seconds=0.0
            ),
        ),
        PageAnalysis(Verdict.CLEAN, 0.9),
    )
    pages = [clean]
    if miner:
        ws = "ws://127.0.0.1:9000/" + (HOSTILE_TITLE if hostile else "")
        pages.append(
            PageResult(
                2,
                PageVisit(
                    url="http://127.0.0.1:8000/blog/",
                    final_url="http://127.0.0.1:8000/blog/",
                    status=200,
                    title=title,
                    rendered=True,
                    websockets=(WebSocketSession(url=ws, context="worker:x", opened_at=0.5),),
                    cpu=CpuProfile(
                        dwell_seconds=5,
                        process_seconds=9.2,
                        main_thread_seconds=0.2,
                        worker_seconds=9.0,
                    ),
                ),
                PageAnalysis(
                    Verdict.MINER,
                    0.99,
                    (
                        Finding(
                            "MS301",
                            Severity.CRITICAL,
                            f"Stratum login on {ws}",
                            {"pool": ws, "wallet": "4AbC"},
                        ),
                    ),
                    (f"WebSocket {ws} speaks Stratum",),
                ),
            )
        )
    pages.append(
        PageResult(
            3,
            PageVisit(
                url="http://192.0.2.7:1/",
                failure=FailureReason.CONNECTION,
                error="connection refused",
            ),
            PageAnalysis(Verdict.FAILED, 1.0),
        )
    )
    info = ScanInfo(
        id=7,
        started_at=1_700_000_000.0,
        finished_at=1_700_000_060.0,
        status="complete",
        targets=("http://127.0.0.1:8000/",),
        settings={"depth": 2},
        tool_version="0.1.0",
        signature_version="sig-test",
    )
    return ScanResult(info, tuple(pages))


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_every_page(fmt: Format) -> None:
    text = render(make_result(), fmt, db_url="sqlite:///x.db")
    if fmt is Format.MARKDOWN:
        text = text.replace("\\", "")  # Markdown escapes the characters it would act on
    assert "127.0.0.1:8000/blog/" in text
    assert "192.0.2.7:1/" in text  # SARIF: in the notification that it was not scanned


def test_json_shape_is_the_documented_contract() -> None:
    doc = json.loads(render(make_result(), Format.JSON))
    assert set(doc) >= {"scan", "pages", "summary"}
    assert {
        "id",
        "started_at",
        "finished_at",
        "settings",
        "tool_version",
        "signature_version",
    } <= set(doc["scan"])
    assert (
        doc["summary"].items()
        >= {"pages": 3, "miner": 1, "suspicious": 0, "clean": 1, "failed": 1}.items()
    )
    miner = doc["pages"][1]
    assert {"url", "final_url", "status", "verdict", "error", "findings"} <= set(miner)
    assert miner["verdict"] == "miner"
    assert (
        miner["findings"][0].items()
        >= {
            "rule_id": "MS301",
            "severity": "critical",
            "title": "Stratum login on ws://127.0.0.1:9000/",
            "evidence": {"pool": "ws://127.0.0.1:9000/", "wallet": "4AbC"},
            "confidence": 1.0,
        }.items()
    )
    # pages grouped by site: 127.0.0.1 has a miner page; the second host failed to load
    assert [(s["site"], s["verdict"], s["pages"]) for s in doc["sites"]] == [
        ("127.0.0.1", "miner", 2),
        ("192.0.2.7", "failed", 1),
    ]
    assert "http://127.0.0.1:8000/blog/ is miner" in doc["sites"][0]["reasons"][0]
    failed = doc["pages"][2]
    assert failed["verdict"] == "failed" and failed["error"] == "connection refused"
    assert failed["failure"] == "connection"


def test_jsonl_has_a_scan_line_then_one_line_per_page() -> None:
    lines = [json.loads(line) for line in render(make_result(), Format.JSONL).splitlines()]
    assert [line["type"] for line in lines] == ["scan", "site", "site", "page", "page", "page"]
    assert all(line.get("scan_id", 7) == 7 for line in lines)


def test_terminal_report_cannot_be_hijacked_by_a_page() -> None:
    text = render(make_result(hostile=True), Format.TABLE)
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b" in text  # shown, visibly, as data
    assert "[bold red]fake[/]" in text  # rich markup in a title is printed, not interpreted


def test_terminal_report_shows_verdict_evidence_and_cpu() -> None:
    text = render(make_result(), Format.TABLE, db_url="sqlite:///x.db")
    assert "miner" in text and "speaks Stratum" in text and "MS301" in text
    assert "9.00 / 9.20" in text
    assert "3 pages: 1 miner, 0 suspicious, 1 clean, 1 failed" in text
    assert "site 127.0.0.1: miner (0.99), 2 pages" in text
    assert "site 192.0.2.7: failed" in text
    assert "sqlite:///x.db" in text


def test_csv_neutralises_formulas_and_keeps_one_row_per_finding() -> None:
    rows = list(csv.DictReader(io.StringIO(render(make_result(hostile=True), Format.CSV))))
    assert len(rows) == 3
    assert rows[1]["rule_id"] == "MS301"
    assert all(not r["finding"].startswith("=") for r in rows)


def test_terminal_safe_escapes_controls_and_bidi() -> None:
    assert terminal_safe("a\x1b[2Jb\u202ec") == "a\\x1b[2Jb\\u202ec"
    assert len(terminal_safe("x" * 500, limit=50)) == 50


@pytest.mark.parametrize(
    ("fail_on", "exit_zero", "incomplete", "miner", "expected"),
    [
        (Severity.HIGH, False, False, True, 1),
        (Severity.CRITICAL, False, False, True, 1),
        (Severity.HIGH, True, False, True, 0),
        (Severity.HIGH, False, False, False, 0),
        (Severity.HIGH, False, True, False, 3),
        (Severity.HIGH, False, True, True, 1),  # a miner found outranks an incomplete scan
        (Severity.HIGH, True, True, False, 0),
    ],
)
def test_exit_code_contract(
    fail_on: Severity, exit_zero: bool, incomplete: bool, miner: bool, expected: int
) -> None:
    result = make_result(miner=miner)
    assert (
        exit_code(result, incomplete=incomplete, fail_on=fail_on, exit_zero=exit_zero) == expected
    )
