"""Large and awkward values a real page can produce, stored and read back on PostgreSQL exactly
as on SQLite: multi-megabyte script and wasm bodies holding every byte value (``bytea``), a
megabyte of served HTML with NUL characters (which PostgreSQL's text refuses), long titles and
frames, and evidence JSON carrying NUL and non-BMP text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from model.analysis import Finding, PageAnalysis, Severity, Verdict
from model.observations import (
    DomSnapshot,
    FrameDirection,
    PageVisit,
    ScriptKind,
    ScriptObservation,
    WasmModule,
    WebSocketFrame,
    WebSocketSession,
    sha256_hex,
)
from storage import Store

SCRIPT = bytes(range(256)) * (16 << 10)  # 4 MiB, NUL bytes included
WASM = b"\x00asm\x01\x00\x00\x00" + bytes(reversed(range(256))) * (32 << 10)  # 8 MiB
HTML = "<p>" + "caf\u00e9 \x00 \U0001f600 " * 100_000 + "</p>"  # ~1.3 MB with NULs
TITLE = "t\x00" + "\u2603" * 50_000


def _visit() -> PageVisit:
    return PageVisit(
        url="https://big.example/",
        final_url="https://big.example/",
        status=200,
        title=TITLE,
        content_type="text/html",
        rendered=True,
        scripts=(
            ScriptObservation(
                ScriptKind.EXTERNAL,
                "https://big.example/a.js",
                "page",
                sha256_hex(SCRIPT + b"more"),
                len(SCRIPT) + 4,
                body=SCRIPT,
                truncated=True,
            ),
        ),
        websockets=(
            WebSocketSession(
                url="wss://pool.big.example/",
                context="page",
                opened_at=0.5,
                frames=(WebSocketFrame(FrameDirection.RECEIVED, 1.0, "\x00job" * 16_000, 64_000),),
                frames_received=1,
            ),
        ),
        wasm_modules=(WasmModule(sha256_hex(WASM), len(WASM), "page", body=WASM),),
        dom=DomSnapshot(served_html=HTML, rendered_html=HTML),
    )


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "big.db")
    new_database: Callable[[], str] = request.getfixturevalue("new_database")
    return new_database()


def test_large_bodies_and_nul_text_round_trip(db: str) -> None:
    on_postgres = "postgresql" in db
    evidence = {"excerpt": "a\x00b \U0001f600", "hosts": [f"h{i}.example" for i in range(5000)]}
    analysis = PageAnalysis(
        Verdict.SUSPICIOUS,
        0.7,
        (Finding("MS201", Severity.HIGH, "CoinHive \x00 in a.js", evidence, 0.9),),
        ("known miner present",),
    )
    with Store.open(db) as store:
        scan = store.start_scan(["https://big.example/"], {"static": False}, "0", "sig")
        visit_id = store.record_visit(scan, _visit())
        store.record_analysis(visit_id, analysis, "sig")
        store.finish_scan(scan, "complete")
        page = store.load_result(scan, with_bodies=True).pages[0]
    visit = page.visit
    assert visit.scripts[0].body == SCRIPT and visit.scripts[0].truncated
    assert visit.wasm_modules[0].body == WASM
    nul = "\ufffd" if on_postgres else "\x00"  # PostgreSQL's text type cannot hold NUL
    assert visit.dom is not None and visit.dom.served_html == HTML.replace("\x00", nul)
    assert visit.title == TITLE.replace("\x00", nul)
    assert visit.websockets[0].frames[0].payload == ("\x00job" * 16_000).replace("\x00", nul)
    found = page.analysis.findings[0] if page.analysis else None
    assert found is not None and found.evidence == evidence  # JSON keeps NUL as \u0000
    assert found.title == "CoinHive \x00 in a.js".replace("\x00", nul)
