"""Page and site verdicts: which evidence makes a miner, and the reasons given."""

from __future__ import annotations

import json

import pytest

from analyzers.base import Finding, PageAnalysis, Severity, Verdict
from analyzers.engine import AnalysisContext, analyze_visit, site_verdict
from analyzers.verdict import page_verdict
from model.observations import (
    CpuProfile,
    FailureReason,
    FrameDirection,
    PageVisit,
    RequestObservation,
    TargetCpu,
    WasmModule,
    WebSocketFrame,
    WebSocketSession,
    WorkerObservation,
)

WALLET = "4MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMWeWQLGsCmrG6dLaYyNoVKf"
BLOB = "0707" + "ab" * 74
URL = "https://shop.example/"


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.load(cores=2)


def page(**observed: object) -> PageVisit:
    return PageVisit(url=URL, final_url=URL, status=200, rendered=True, **observed)  # type: ignore[arg-type]


def frame(direction: FrameDirection, message: dict[str, object]) -> WebSocketFrame:
    text = json.dumps(message)
    return WebSocketFrame(direction, 1.0, text, len(text))


def stratum_socket() -> WebSocketSession:
    frames = (
        frame(
            FrameDirection.SENT,
            {"id": 1, "method": "login", "params": {"login": WALLET, "pass": "x"}},
        ),
        frame(
            FrameDirection.RECEIVED,
            {
                "id": 1,
                "result": {"id": "w", "job": {"blob": BLOB, "job_id": "1", "target": "b88d0600"}},
            },
        ),
        *[
            frame(
                FrameDirection.SENT,
                {
                    "id": i,
                    "method": "submit",
                    "params": {"id": "w", "job_id": "1", "nonce": "0000000a", "result": "cd" * 32},
                },
            )
            for i in (2, 3, 4)
        ],
    )
    return WebSocketSession(
        "ws://127.0.0.1:3333/",
        "worker:https://shop.example/w.js",
        0.4,
        frames=frames,
        frames_sent=4,
        frames_received=1,
    )


def miner_cpu() -> CpuProfile:
    return CpuProfile(
        dwell_seconds=5.0,
        process_seconds=9.2,
        main_thread_seconds=0.2,
        worker_seconds=9.0,
        per_target=(
            TargetCpu("worker:https://coinhive.com/lib/worker.js", 4.5),
            TargetCpu("worker:https://coinhive.com/lib/worker.js", 4.5),
        ),
        timeline=(1.8, 1.85, 1.8, 1.85, 1.9),
        peak_workers=2,
    )


def finding(rule_id: str, severity: Severity, title: str, confidence: float = 0.6) -> Finding:
    return Finding(rule_id, severity, title, {}, confidence)


PROTOCOL = finding(
    "MS301", Severity.CRITICAL, "WebSocket ws://pool speaks the Stratum protocol", 1.0
)
BLOCKED_SCRIPT = finding(
    "MS102", Severity.HIGH, "Script https://coinhive.com/lib/coinhive.min.js is on nocoin", 0.9
)
STRONG_SIGNATURE = finding("MS201", Severity.HIGH, "CoinHive.Anonymous miner constructor", 0.9)
WASM_HINT = finding("MS402", Severity.MEDIUM, "WebAssembly with crypto-like loops")
WORKER_CPU = finding("MS501", Severity.MEDIUM, "2 workers burned 1.8 cores for 5.0 s")
FAN_OUT = finding("MS502", Severity.LOW, "2 workers started from the same script", 0.3)
AFTER_LOAD = finding("MS504", Severity.LOW, "CPU stayed at 1.8 cores", 0.3)
STRUCTURE = finding("MS202", Severity.MEDIUM, "miner code structure: miner_control_api")
POOL_ADDRESS = finding("MS203", Severity.MEDIUM, "mining pool address in code: pool_websocket_url")
WEAK_MARKER = finding("MS204", Severity.LOW, "weak miner marker: weak_miner_marker", 0.3)
BUSY_EXCHANGE = finding(
    "MS310",
    Severity.HIGH,
    "WebSocket ws://x speaks an unknown protocol: 6 work items received, 18 results sent, "
    "CPU at 1.9 cores",
    0.9,
)
IDLE_EXCHANGE = finding("MS310", Severity.MEDIUM, "… unknown protocol … CPU at 0.0 cores", 0.45)
MINING_AFTERLIFE = finding("MS601", Severity.HIGH, "Kept mining after the page was left", 0.9)
BURNING_AFTERLIFE = finding("MS601", Severity.MEDIUM, "Kept mining after the page was left", 0.5)
TALKING_AFTERLIFE = finding("MS601", Severity.LOW, "Kept running after the page was left", 0.25)


@pytest.mark.parametrize(
    ("findings", "verdict", "low", "high"),
    [
        ([PROTOCOL], Verdict.MINER, 0.95, 1.0),
        ([BLOCKED_SCRIPT, WORKER_CPU], Verdict.MINER, 0.8, 0.97),
        (
            [STRONG_SIGNATURE, finding("MS503", Severity.LOW, "throttled", 0.35)],
            Verdict.MINER,
            0.8,
            0.97,
        ),
        ([BLOCKED_SCRIPT], Verdict.SUSPICIOUS, 0.5, 0.79),
        (
            [STRONG_SIGNATURE, FAN_OUT, AFTER_LOAD],
            Verdict.SUSPICIOUS,
            0.5,
            0.79,
        ),  # CPU, but not mining-like
        # a generic miner: miner-grade structure (wasm core, MS202) plus sustained worker CPU
        ([WORKER_CPU, FAN_OUT, WASM_HINT], Verdict.MINER, 0.75, 0.95),
        ([WORKER_CPU, STRUCTURE], Verdict.MINER, 0.75, 0.95),
        ([STRUCTURE, FAN_OUT, AFTER_LOAD], Verdict.CLEAN, 0.5, 0.95),  # no sustained worker CPU
        ([WORKER_CPU, FAN_OUT, POOL_ADDRESS], Verdict.SUSPICIOUS, 0.4, 0.7),
        ([WORKER_CPU, FAN_OUT, AFTER_LOAD], Verdict.CLEAN, 0.5, 0.95),  # CPU alone
        # strong CPU plus a weak hint, but no work/result exchange: not a miner
        ([WORKER_CPU, FAN_OUT, WEAK_MARKER], Verdict.CLEAN, 0.5, 0.95),
        ([WASM_HINT], Verdict.CLEAN, 0.5, 0.95),
        # any dialect: work in, results out, with sustained CPU
        ([BUSY_EXCHANGE, WORKER_CPU], Verdict.MINER, 0.85, 0.97),
        ([BUSY_EXCHANGE], Verdict.MINER, 0.85, 0.97),  # main-thread CPU: no MS501
        ([IDLE_EXCHANGE], Verdict.SUSPICIOUS, 0.4, 0.7),
        # kept mining after the page was left
        ([MINING_AFTERLIFE], Verdict.MINER, 0.85, 0.97),
        ([BURNING_AFTERLIFE, STRONG_SIGNATURE], Verdict.MINER, 0.8, 0.97),
        ([BURNING_AFTERLIFE, IDLE_EXCHANGE], Verdict.MINER, 0.8, 0.97),
        ([BURNING_AFTERLIFE], Verdict.SUSPICIOUS, 0.4, 0.7),
        ([TALKING_AFTERLIFE], Verdict.CLEAN, 0.5, 0.95),
        ([], Verdict.CLEAN, 0.95, 0.95),
    ],
)
def test_verdict_table(findings: list[Finding], verdict: Verdict, low: float, high: float) -> None:
    got, confidence, _ = page_verdict(page(), findings)
    assert got is verdict
    assert low <= confidence <= high


def test_reasons_are_the_evidence_chain() -> None:
    _, _, reasons = page_verdict(page(), [WORKER_CPU, BLOCKED_SCRIPT])
    assert reasons == (BLOCKED_SCRIPT.title, WORKER_CPU.title)  # strongest first
    _, _, reasons = page_verdict(page(), [BLOCKED_SCRIPT])
    assert reasons[-1] == (
        "known miner present but not started: no pool traffic or mining-like CPU was seen"
    )
    _, _, reasons = page_verdict(page(), [WORKER_CPU, AFTER_LOAD])
    assert reasons[-1] == "no work/result exchange: CPU use alone does not make a page a miner"


def test_failed_visits() -> None:
    timeout = PageVisit(
        url=URL, failure=FailureReason.TIMEOUT, error="navigation took longer than 30 s"
    )
    assert page_verdict(timeout, []) == (
        Verdict.FAILED,
        0.0,
        ("page was not rendered (timeout: navigation took longer than 30 s)",),
    )
    # evidence gathered before the timeout still counts
    assert page_verdict(timeout, [PROTOCOL])[0] is Verdict.MINER
    # a 404 page that rendered is judged on what it did
    not_found = PageVisit(
        url=URL, final_url=URL, status=404, failure=FailureReason.HTTP_STATUS, rendered=True
    )
    assert page_verdict(not_found, [])[0] is Verdict.CLEAN


def test_active_miner_page_end_to_end(ctx: AnalysisContext) -> None:
    visit = page(
        websockets=(stratum_socket(),),
        workers=(WorkerObservation("https://coinhive.com/lib/worker.js", "dedicated", "page"),) * 2,
        cpu=miner_cpu(),
    )
    analysis = analyze_visit(visit, ctx)
    assert analysis.verdict is Verdict.MINER
    assert analysis.confidence >= 0.95
    assert analysis.reasons[0] == (
        f"WebSocket ws://127.0.0.1:3333/ speaks the Stratum protocol: login with monero wallet {WALLET[:8]}…{WALLET[-4:]}, "
        "1 job received, 3 shares submitted"
    )
    assert (
        "2 workers burned 1.8 cores for 5.0 s (https://coinhive.com/lib/worker.js)"
        in analysis.reasons
    )
    assert analysis.errors == ()


def test_known_miner_script_with_cpu_is_a_miner_without_protocol(ctx: AnalysisContext) -> None:
    visit = page(
        requests=(
            RequestObservation(
                "https://coinhive.com/lib/coinhive.min.js", "script", status=200, third_party=True
            ),
        ),
        workers=(WorkerObservation("blob:https://shop.example/1", "dedicated", "page"),) * 2,
        cpu=miner_cpu(),
    )
    analysis = analyze_visit(visit, ctx)
    assert analysis.verdict is Verdict.MINER
    assert analysis.reasons[0].startswith(
        "Script https://coinhive.com/lib/coinhive.min.js is on nocoin/"
    )


def test_known_miner_script_that_never_ran_is_suspicious(ctx: AnalysisContext) -> None:
    visit = page(
        requests=(
            RequestObservation("https://coinhive.com/lib/coinhive.min.js", "script", status=200),
        )
    )
    assert analyze_visit(visit, ctx).verdict is Verdict.SUSPICIOUS


def test_busy_benign_page_stays_clean(ctx: AnalysisContext) -> None:
    chat = WebSocketSession(
        "wss://chat.shop.example/socket",
        "page",
        0.5,
        frames=(
            frame(FrameDirection.SENT, {"type": "auth", "params": {"token": "abc"}}),
            frame(
                FrameDirection.RECEIVED,
                {"type": "message", "params": {"text": "Your job is ready", "target": "all"}},
            ),
        ),
    )
    webgl_and_one_hash = CpuProfile(
        dwell_seconds=5.0,
        process_seconds=4.2,
        main_thread_seconds=3.2,
        worker_seconds=0.9,
        timeline=(0.55, 1.45, 0.6, 0.6, 0.6),
        peak_workers=1,
    )
    empty_wasm = b"\x00asm\x01\x00\x00\x00"
    visit = page(
        websockets=(chat,),
        cpu=webgl_and_one_hash,
        workers=(WorkerObservation("https://shop.example/hash-worker.js", "dedicated", "page"),),
        wasm_modules=(WasmModule("e3b0", len(empty_wasm), "page", body=empty_wasm),),
    )
    analysis = analyze_visit(visit, ctx)
    assert analysis.verdict is Verdict.CLEAN
    assert not any(f.rule_id == "MS301" for f in analysis.findings)


def _analysis(verdict: Verdict, confidence: float, reason: str = "") -> PageAnalysis:
    return PageAnalysis(verdict, confidence, reasons=(reason,) if reason else ())


def test_site_verdict_is_the_worst_page_with_pages_listed() -> None:
    pages = [
        _analysis(Verdict.CLEAN, 0.95),
        _analysis(Verdict.MINER, 0.99, "WebSocket wss://p speaks the Stratum protocol"),
        _analysis(Verdict.SUSPICIOUS, 0.6, "Script on nocoin"),
        _analysis(Verdict.FAILED, 0.0, "page was not rendered (dns)"),
    ]
    verdict, confidence, reasons = site_verdict(
        pages, urls=["https://s/", "https://s/a", "https://s/b", "https://s/c"]
    )
    assert (verdict, confidence) == (Verdict.MINER, 0.99)
    assert reasons == (
        "https://s/a is miner (0.99): WebSocket wss://p speaks the Stratum protocol",
        "1 of 4 pages failed to render",
    )


def test_site_verdict_clean_failed_and_empty() -> None:
    clean = site_verdict(
        [
            _analysis(Verdict.CLEAN, 0.9),
            _analysis(Verdict.FAILED, 0.0, "page was not rendered (timeout)"),
        ]
    )
    assert clean[0] is Verdict.CLEAN and clean[1] == pytest.approx(0.45)  # half the site unseen
    assert clean[2][-1] == "1 of 2 pages failed to render"
    failed = site_verdict([_analysis(Verdict.FAILED, 0.0, "page was not rendered (dns)")])
    assert failed == (
        Verdict.FAILED,
        0.0,
        ("page 1 is failed (0.00): page was not rendered (dns)",),
    )
    assert site_verdict([])[0] is Verdict.FAILED
