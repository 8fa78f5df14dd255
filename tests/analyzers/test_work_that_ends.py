"""Work that ends is not mining; a generic miner is one; a known miner that did not run is not yet."""

from __future__ import annotations

import pytest

from analyzers.base import Verdict
from analyzers.behaviour import cpu_stopped_after, sustained_worker_cpu
from analyzers.engine import AnalysisContext, analyze_visit
from model.observations import (
    CpuProfile,
    PageVisit,
    ScriptKind,
    ScriptObservation,
    TargetCpu,
    WorkerObservation,
    sha256_hex,
)

URL = "https://vault.example/"
KDF = "https://vault.example/kdf-worker.js"


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.load(cores=2)


def script(body: bytes, url: str, kind: ScriptKind = ScriptKind.EXTERNAL) -> ScriptObservation:
    return ScriptObservation(kind, url, "page", sha256_hex(body), len(body), body)


def two_workers(timeline: tuple[float, ...]) -> CpuProfile:
    total = sum(timeline)
    return CpuProfile(
        dwell_seconds=len(timeline),
        process_seconds=total + 0.2,
        main_thread_seconds=0.2,
        worker_seconds=total,
        per_target=(TargetCpu(f"worker:{KDF}", total / 2),) * 2,
        timeline=timeline,
        peak_workers=2,
    )


def page(cpu: CpuProfile | None = None, scripts: tuple[ScriptObservation, ...] = ()) -> PageVisit:
    return PageVisit(
        url=URL,
        final_url=URL,
        status=200,
        rendered=True,
        cpu=cpu,
        scripts=scripts,
        workers=(WorkerObservation(KDF, "dedicated", "page"),) * 2,
    )


# A worker script a scanner calls miner structure: hash-rate getters and a throttle setter.
STRUCTURE = (
    b"function stats(e){return {r:e.getHashesPerSecond(),t:e.getTotalHashes(),"
    b"a:e.getAcceptedHashes()};} e.setThrottle(0.2);"
)


@pytest.mark.parametrize(
    ("timeline", "stopped"),
    [
        ((1.9, 1.9, 1.9, 1.9, 0.0, 0.0, 0.0, 0.0), 4.0),
        ((0.3, 1.9, 1.9, 0.05, 0.01, 0.0), 3.0),
        ((1.9,) * 8, None),  # to the end
        ((0.0, 0.0, 0.0, 1.9, 1.9, 1.9, 1.9, 1.9), None),  # started late: a gated miner
        ((0.4, 0.0, 0.4, 0.0, 0.4, 0.0, 0.4, 0.0), None),  # a duty cycle, not an end
        ((1.9, 1.9, 1.9, 1.9, 1.9, 1.9, 0.0), None),  # idle for one second only
        ((0.0,) * 6, None),  # never busy
    ],
)
def test_cpu_stopped_after(timeline: tuple[float, ...], stopped: float | None) -> None:
    assert cpu_stopped_after(timeline) == stopped


def test_password_hashing_then_done_is_clean_and_says_why(ctx: AnalysisContext) -> None:
    """Key derivation in two workers for four seconds after load, then idle: work that ended."""
    cpu = two_workers((1.9, 1.9, 1.9, 1.9, 0.02, 0.01, 0.0, 0.0))
    visit = page(cpu, (script(STRUCTURE, KDF, ScriptKind.WORKER),))
    assert list(sustained_worker_cpu(visit, ctx)) == []
    analysis = analyze_visit(visit, ctx)
    assert analysis.verdict is Verdict.CLEAN, analysis.reasons
    assert analysis.reasons[-1] == "CPU stopped after 4 s: work that ends is not mining"


def test_sustained_cpu_without_an_exchange_is_clean(ctx: AnalysisContext) -> None:
    analysis = analyze_visit(page(two_workers((1.9,) * 8)), ctx)
    assert analysis.verdict is Verdict.CLEAN
    assert analysis.reasons[-1] == (
        "no work/result exchange: CPU use alone does not make a page a miner"
    )


def test_generic_miner_structure_with_sustained_worker_cpu_is_a_miner(
    ctx: AnalysisContext,
) -> None:
    visit = page(two_workers((1.9,) * 8), (script(STRUCTURE, KDF, ScriptKind.WORKER),))
    analysis = analyze_visit(visit, ctx)
    assert {f.rule_id for f in analysis.findings} >= {"MS202", "MS501"}
    assert analysis.verdict is Verdict.MINER, analysis.reasons


GATED = (
    b"if (!navigator.webdriver && navigator.hardwareConcurrency > 4) {"
    b" setTimeout(function () { new CoinHive.Anonymous('Zx8qPl2mRt5vYw3kNc7bHd4fJg6sLa1e',"
    b" {throttle: 0.3}).start(); }, 60000); }"
)


def test_known_miner_that_never_started_is_suspicious_present_but_not_started(
    ctx: AnalysisContext,
) -> None:
    idle = two_workers((0.01,) * 8)
    analysis = analyze_visit(page(idle, (script(GATED, "https://vault.example/a.js"),)), ctx)
    assert analysis.verdict is Verdict.SUSPICIOUS
    assert analysis.reasons[-1] == (
        "known miner present but not started: no pool traffic or mining-like CPU was seen"
    )
