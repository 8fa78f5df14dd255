"""MS601: mining that outlives the page, and what is normal to leave behind."""

from __future__ import annotations

import json

import pytest

from analyzers.afterlife import kept_running_after_leaving
from analyzers.base import Finding, Severity, Verdict
from analyzers.engine import AnalysisContext, analyze_visit
from model.observations import (
    AfterlifeObservation,
    FrameDirection,
    PageVisit,
    RequestObservation,
    ScriptKind,
    ScriptObservation,
    WebSocketFrame,
    WebSocketSession,
    WorkerObservation,
    sha256_hex,
)

URL = "https://shop.example/"
SW = WorkerObservation("https://shop.example/sw.js", "service", "page")


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.load(cores=2)


def exchange_frames(rounds: int = 4) -> tuple[WebSocketFrame, ...]:
    """Work items in and results out, in field names no rule knows."""
    out = []
    for n in range(rounds):
        at = 20.0 + 2 * n
        work = {"a": f"job{n}", "b": f"{n:02x}" * 76, "c": "ffff0000"}
        result = {"a": f"job{n}", "n": f"{n + 17:08x}", "r": f"{n + 40:02x}" + "9e" * 31}
        out.append(WebSocketFrame(FrameDirection.RECEIVED, at, json.dumps(work), 200, index=n))
        out.append(WebSocketFrame(FrameDirection.SENT, at + 0.5, json.dumps(result), 100, index=n))
    return tuple(out)


def left(**observed: object) -> PageVisit:
    afterlife = AfterlifeObservation(seconds=10.0, **observed)  # type: ignore[arg-type]
    return PageVisit(url=URL, final_url=URL, status=200, rendered=True, afterlife=afterlife)


def ms601(ctx: AnalysisContext, visit: PageVisit) -> list[Finding]:
    return list(kept_running_after_leaving(visit, ctx))


def test_service_worker_still_exchanging_work_is_a_miner(ctx: AnalysisContext) -> None:
    socket = WebSocketSession(
        "wss://relay.example/s",
        "service_worker:https://shop.example/sw.js",
        1.0,
        frames=exchange_frames(),
        frames_sent=4,
        frames_received=4,
    )
    visit = left(workers=(SW,), websockets=(socket,), cpu_seconds=9.5)
    (finding,) = ms601(ctx, visit)
    assert finding.severity is Severity.HIGH
    assert finding.title == (
        "Kept mining after the page was left: 1 service worker alive, "
        "1 socket (8 frames after leaving), 0.9 cores for 10 s"
    )
    assert finding.evidence["mining_on_the_wire"] == ["wss://relay.example/s"]
    assert finding.evidence["frames_after_leaving"] == 8
    analysis = analyze_visit(visit, ctx)
    assert analysis.verdict is Verdict.MINER
    assert analysis.reasons[0] == finding.title


def test_pop_under_burning_cpu_with_a_known_miner_is_a_miner(ctx: AnalysisContext) -> None:
    body = b"var m = new CoinHive.Anonymous('Zx8qPl2mRt5vYw3kNc7bHd4fJg6sLa1e'); m.start();"
    script = ScriptObservation(ScriptKind.INLINE, "", "page", sha256_hex(body), len(body), body)
    afterlife = AfterlifeObservation(
        seconds=10.0, windows=("https://shop.example/popunder.html",), cpu_seconds=18.0
    )
    visit = PageVisit(
        url=URL, final_url=URL, status=200, rendered=True, scripts=(script,), afterlife=afterlife
    )
    analysis = analyze_visit(visit, ctx)
    (finding,) = [f for f in analysis.findings if f.rule_id == "MS601"]
    assert finding.severity is Severity.MEDIUM
    assert finding.title == (
        "Kept mining after the page was left: 1 window still open, 1.8 cores for 10 s"
    )
    assert analysis.verdict is Verdict.MINER  # the miner did not run on the page, but did after


def test_cpu_after_leaving_alone_is_suspicious(ctx: AnalysisContext) -> None:
    analysis = analyze_visit(left(windows=("https://x.example/",), cpu_seconds=9.0), ctx)
    assert analysis.verdict is Verdict.SUSPICIOUS
    assert analysis.reasons[-1] == (
        "kept burning CPU after the page was left, but no pool traffic or known miner"
    )


def test_polling_after_leaving_is_only_low(ctx: AnalysisContext) -> None:
    beacons = tuple(
        RequestObservation("https://stats.example/ping", "beacon", "POST", 204, time=20.0 + n)
        for n in range(4)
    )
    (finding,) = ms601(ctx, left(workers=(SW,), requests=beacons, cpu_seconds=0.1))
    assert finding.severity is Severity.LOW
    assert finding.title.startswith("Kept running after the page was left: ")
    assert analyze_visit(left(workers=(SW,), requests=beacons), ctx).verdict is Verdict.CLEAN


@pytest.mark.parametrize(
    "observed",
    [
        {},  # nothing left
        {"workers": (SW,)},  # an idle service worker is normal
        {"windows": ("https://shop.example/help",), "cpu_seconds": 0.3},  # an idle window
        {
            "websockets": (
                WebSocketSession(
                    "wss://chat.example/",
                    "page",
                    0.5,
                    frames=(WebSocketFrame(FrameDirection.RECEIVED, 12.0, "bye", 3),),
                    frames_received=1,
                ),
            )
        },  # one close message
    ],
)
def test_nothing_running_after_leaving_is_no_finding(
    ctx: AnalysisContext, observed: dict[str, object]
) -> None:
    assert ms601(ctx, left(**observed)) == []


def test_no_afterlife_recorded_is_no_finding(ctx: AnalysisContext) -> None:
    assert ms601(ctx, PageVisit(url=URL)) == []
