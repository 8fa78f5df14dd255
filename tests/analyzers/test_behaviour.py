"""MS501–MS504: CPU behaviour thresholds on measured profiles."""

from __future__ import annotations

import pytest

from analyzers.base import Finding, Severity
from analyzers.behaviour import (
    cpu_after_load,
    sustained_worker_cpu,
    throttled_duty_cycle,
    worker_fan_out,
)
from analyzers.engine import AnalysisContext
from model.observations import CpuProfile, PageVisit, TargetCpu, WorkerObservation

WORKER_URL = "blob:https://shop.example/9b1f7c"
RULES = {
    "MS501": sustained_worker_cpu,
    "MS502": worker_fan_out,
    "MS503": throttled_duty_cycle,
    "MS504": cpu_after_load,
}


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.load(cores=2)


def visit(cpu: CpuProfile | None, workers: int = 0, url: str = WORKER_URL) -> PageVisit:
    started = tuple(
        WorkerObservation(url, "dedicated", parent="page", started_at=0.2) for _ in range(workers)
    )
    return PageVisit(
        url="https://shop.example/",
        final_url="https://shop.example/",
        status=200,
        rendered=True,
        cpu=cpu,
        workers=started,
    )


def fired(page: PageVisit, ctx: AnalysisContext) -> dict[str, Finding]:
    found: dict[str, Finding] = {}
    for rule_id, check in RULES.items():
        for finding in check(page, ctx):
            found[rule_id] = finding
    return found


def two_worker_miner() -> CpuProfile:
    return CpuProfile(
        dwell_seconds=5.0,
        process_seconds=9.6,
        main_thread_seconds=0.1,
        worker_seconds=9.5,
        per_target=(
            TargetCpu("page", 0.1),
            TargetCpu(f"worker:{WORKER_URL}", 4.76, script_url="https://cdn.example/m/worker.js"),
            TargetCpu(f"worker:{WORKER_URL}", 4.74, script_url="https://cdn.example/m/worker.js"),
        ),
        timeline=(1.88, 1.93, 1.92, 1.91, 1.96),
        peak_workers=2,
        load_seconds=0.3,
    )


def test_two_worker_miner_burning_two_cores(ctx: AnalysisContext) -> None:
    found = fired(visit(two_worker_miner(), workers=2), ctx)

    assert set(found) == {"MS501", "MS502", "MS504"}  # too busy to be throttled
    sustained = found["MS501"]
    assert sustained.severity is Severity.MEDIUM
    assert (
        sustained.title == "2 workers burned 1.9 cores for 5.0 s (https://cdn.example/m/worker.js)"
    )
    assert sustained.evidence["scripts"] == ["https://cdn.example/m/worker.js"]
    assert sustained.evidence["starved"] is False
    assert found["MS502"].evidence == {
        "script_url": WORKER_URL,
        "workers": 2,
        "cores": 2,
        "peak_workers": 2,
    }


def test_throttled_miner_at_a_quarter_core(ctx: AnalysisContext) -> None:
    profile = CpuProfile(
        dwell_seconds=8.0,
        process_seconds=2.05,
        main_thread_seconds=0.05,
        worker_seconds=2.0,
        timeline=(0.5, 0.02, 0.48, 0.03, 0.5, 0.01, 0.49, 0.02),  # one busy second in two
        peak_workers=1,
    )
    found = fired(visit(profile, workers=1), ctx)
    assert "MS503" in found and "MS501" in found
    throttled = found["MS503"]
    assert throttled.severity is Severity.LOW
    assert throttled.evidence["mean_cores"] == pytest.approx(0.256, abs=0.01)
    assert "steady 0.26 cores (26% of a core)" in throttled.title


@pytest.mark.parametrize(
    "timeline",
    [
        (0.05, 1.95, 0.08, 0.01, 0.01),  # a password hash or image decode: one burst, then nothing
        (0.15, 0.15, 3.0, 0.15, 0.15),  # a light background poller around one big burst
    ],
)
def test_one_spike_is_a_benign_page(ctx: AnalysisContext, timeline: tuple[float, ...]) -> None:
    profile = CpuProfile(
        dwell_seconds=5.0,
        process_seconds=sum(timeline),
        main_thread_seconds=0.1,
        worker_seconds=sum(timeline) - 0.1,
        timeline=timeline,
        peak_workers=2,
    )
    assert fired(visit(profile, workers=2), ctx).keys() <= {"MS502"}


def test_webgl_in_the_main_thread_is_not_worker_mining(ctx: AnalysisContext) -> None:
    profile = CpuProfile(
        dwell_seconds=5.0,
        process_seconds=3.0,
        main_thread_seconds=2.9,
        worker_seconds=0.0,
        timeline=(0.6, 0.6, 0.6, 0.6, 0.6),
    )
    assert set(fired(visit(profile), ctx)) == {"MS504"}  # busy, but neither workers nor throttled


def test_starved_miner_on_a_busy_machine(ctx: AnalysisContext) -> None:
    # eight pages at once: the renderer got 0.04 cores but asked for 1.9
    profile = CpuProfile(
        dwell_seconds=5.0,
        process_seconds=0.2,
        main_thread_seconds=0.01,
        worker_seconds=0.19,
        timeline=(0.04, 0.04, 0.03, 0.05, 0.04),
        demand_cores=1.9,
        machine_busy=0.98,
        peak_workers=2,
    )
    found = fired(visit(profile, workers=2), ctx)
    assert "MS501" in found
    assert found["MS501"].evidence["starved"] is True
    assert "wanted 1.8 cores (got 0.04: the machine was busy)" in found["MS501"].title


def test_idle_page_is_not_starved(ctx: AnalysisContext) -> None:
    profile = CpuProfile(
        dwell_seconds=5.0,
        process_seconds=0.05,
        main_thread_seconds=0.04,
        worker_seconds=0.0,
        timeline=(0.01, 0.01, 0.01, 0.01, 0.01),
        demand_cores=0.012,
        machine_busy=0.95,
    )
    assert fired(visit(profile), ctx) == {}


def test_fan_out_needs_half_the_cores(ctx: AnalysisContext) -> None:
    eight_cores = AnalysisContext.load(cores=8)
    assert list(worker_fan_out(visit(None, workers=2), eight_cores)) == []
    assert len(list(worker_fan_out(visit(None, workers=4), eight_cores))) == 1
    assert list(worker_fan_out(visit(None, workers=1), ctx)) == []  # one worker is no fan-out


def test_no_cpu_profile_no_findings(ctx: AnalysisContext) -> None:
    assert fired(visit(None), ctx) == {}
    zero_dwell = CpuProfile(
        dwell_seconds=0.0, process_seconds=0.0, main_thread_seconds=0.0, worker_seconds=0.0
    )
    assert fired(visit(zero_dwell), ctx) == {}
