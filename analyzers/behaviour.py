"""CPU behaviour: what a miner does to the visitor's processor, measured during the dwell.

A miner hashes without pause in Web Workers, usually one per core, and is often throttled to a
steady fraction of each core so the visitor does not notice. Benign pages burn CPU too (a
WebGL scene, a one-off hash, a heavy framework booting), so these rules are MEDIUM or LOW:
CPU alone never makes a page a miner; the verdict needs a protocol or a known-miner signal.

When the machine is busy, the renderer gets less CPU than it asks for. ``demand_cores`` (run
time plus run-queue wait) tells such a *starved* page, which wanted the cores, from an idle
one; the rules then judge the demand, scaled onto the measured timeline.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from analyzers.base import Finding, Severity, rule
from model.observations import CpuProfile, PageVisit, TargetCpu

if TYPE_CHECKING:
    from analyzers.engine import AnalysisContext

# Worker CPU a page sustains for the whole dwell before it is worth a finding: a fifth of a
# core is below any unthrottled miner (≈1 core per worker) and above an idle page (≈0.01).
SUSTAINED_WORKER_CORES = 0.2
BUSY_SECOND_CORES = 0.1  # a timeline second above this is "busy"
SUSTAINED_BUSY_FRACTION = 0.6  # busy in most seconds, not one burst
MAX_SPIKE_SHARE = 0.5  # one second holding half the dwell's CPU is a spike, not a load
MIN_TIMELINE_SECONDS = 3
# Throttled miners run at a fixed duty cycle: a steady mean between these, in workers.
THROTTLE_MIN_CORES, THROTTLE_MAX_CORES = 0.1, 0.8
THROTTLE_MIN_SECONDS = 4
STEADY_TOLERANCE = 0.4  # each half of the dwell within ±40 % of the overall mean
WORKER_SHARE = 0.5  # most of the CPU in workers, not the main thread (WebGL, layout)
# Stopped: idle for the last two seconds and quarter of the dwell after being busy.
STOPPED_MIN_IDLE_SECONDS = 2
STOPPED_IDLE_FRACTION = 0.25
PERSISTENT_CORES = 0.25  # still busy at the end of the dwell, after loading finished
# Starved: the page asked for at least this and got less than half of it.
STARVED_MIN_DEMAND = 0.2
# CPU coupled to a work/result exchange (MS310) is judged against the lowest throttle a miner
# is known to run at, 5 % of one core, not against the fifth of a core CPU alone must show: a
# miner that slows itself down still hashes in every second, and the exchange (not the amount)
# is what tells it from an animation. Idle pages measured 0.01..0.04 cores, sockets included.
EXCHANGE_CPU_CORES = 0.05
_WORKER_KINDS = ("worker", "shared_worker", "service_worker")


@dataclass(frozen=True)
class CpuReading:
    """The CPU profile as the rules judge it: demand when the page was starved."""

    profile: CpuProfile
    cores: float  # mean cores over the dwell
    worker_cores: float
    timeline: tuple[float, ...]  # cores per second
    starved: bool

    @property
    def dwell(self) -> float:
        return self.profile.dwell_seconds

    @property
    def worker_share(self) -> float:
        return self.worker_cores / self.cores if self.cores > 0 else 0.0


def read_cpu(profile: CpuProfile | None) -> CpuReading | None:
    if profile is None or profile.dwell_seconds <= 0:
        return None
    measured = profile.cores
    worker_share = (
        profile.worker_seconds / profile.process_seconds if profile.process_seconds > 0 else 0.0
    )
    demand = profile.demand_cores
    if (
        demand is not None
        and demand >= STARVED_MIN_DEMAND
        and demand > 2 * measured
        and measured > 0
    ):
        scale = demand / measured
        timeline = tuple(sample * scale for sample in profile.timeline)
        return CpuReading(profile, demand, demand * min(worker_share, 1.0), timeline, starved=True)
    return CpuReading(profile, measured, profile.worker_cores, profile.timeline, starved=False)


def _is_sustained(timeline: tuple[float, ...], busy_cores: float = BUSY_SECOND_CORES) -> bool:
    if len(timeline) < MIN_TIMELINE_SECONDS:
        return False
    total = sum(timeline)
    # Judge two-second windows: a miner throttled to one busy second in two is still sustained.
    windows = [(a + b) / 2 for a, b in pairwise(timeline)] if len(timeline) >= 4 else list(timeline)
    busy = sum(1 for window in windows if window >= busy_cores)
    return (
        total > 0
        and busy >= SUSTAINED_BUSY_FRACTION * len(windows)
        and max(timeline) <= MAX_SPIKE_SHARE * total
    )


def cpu_stopped_after(
    timeline: tuple[float, ...], busy_cores: float = BUSY_SECOND_CORES
) -> float | None:
    """Seconds into the dwell after which a busy page went idle for good, or None.

    Work that ends (hashing a password, compressing a file, solving one captcha) is not mining:
    a miner hashes until the page is closed. The page counts as stopped when it was busy at
    first and then idle for the rest of the dwell: at least two seconds and a quarter of it.
    """
    if len(timeline) < MIN_TIMELINE_SECONDS:
        return None
    busy = [i for i, sample in enumerate(timeline) if sample >= busy_cores]
    if not busy:
        return None
    ended = busy[-1] + 1
    idle_tail = len(timeline) - ended
    if idle_tail < max(STOPPED_MIN_IDLE_SECONDS, math.ceil(STOPPED_IDLE_FRACTION * len(timeline))):
        return None
    return float(ended)


@dataclass(frozen=True)
class CpuJudgement:
    """Whether the page kept a processor busy to the end of the dwell, worker or main thread."""

    reading: CpuReading
    sustained: bool
    stopped_after: float | None  # seconds into the dwell, when the CPU went idle for good

    @property
    def cores(self) -> float:
        return self.reading.cores

    def evidence(self) -> dict[str, Any]:
        evidence = _cpu_evidence(self.reading)
        evidence["sustained"] = self.sustained
        evidence["stopped_after_seconds"] = self.stopped_after
        return evidence


def sustained_cpu(
    profile: CpuProfile | None,
    floor: float = SUSTAINED_WORKER_CORES,
    busy_cores: float = BUSY_SECOND_CORES,
) -> CpuJudgement | None:
    """Judge a page's CPU over the dwell, wherever it ran; None when it was not measured.

    Sustained means at least ``floor`` cores on average (0.2), busy (``busy_cores``, 0.1) in
    most seconds when the timeline is known, and not stopped before the end. Main-thread CPU
    counts too: a miner may hash on the main thread, and it is the work/result exchange, not
    the thread, that tells it from WebGL.
    """
    reading = read_cpu(profile)
    if reading is None:
        return None
    stopped = cpu_stopped_after(reading.timeline, busy_cores)
    timeline_ok = len(reading.timeline) < MIN_TIMELINE_SECONDS or _is_sustained(
        reading.timeline, busy_cores
    )
    sustained = reading.cores >= floor and timeline_ok and stopped is None
    return CpuJudgement(reading, sustained, stopped)


def exchange_cpu(profile: CpuProfile | None) -> CpuJudgement | None:
    """The CPU a work/result exchange goes with, sustained at a throttled miner's pace: at
    least 5 % of one core on average and in most seconds, to the end of the dwell."""
    return sustained_cpu(profile, EXCHANGE_CPU_CORES, EXCHANGE_CPU_CORES)


def _worker_targets(profile: CpuProfile) -> list[TargetCpu]:
    targets = [t for t in profile.per_target if t.context.partition(":")[0] in _WORKER_KINDS]
    return sorted(targets, key=lambda t: t.cpu_seconds, reverse=True)


def _target_script(target: TargetCpu) -> str:
    return target.script_url or target.context.partition(":")[2]


def _cpu_evidence(reading: CpuReading) -> dict[str, Any]:
    profile = reading.profile
    return {
        "dwell_seconds": round(profile.dwell_seconds, 2),
        "process_seconds": round(profile.process_seconds, 3),
        "worker_seconds": round(profile.worker_seconds, 3),
        "main_thread_seconds": round(profile.main_thread_seconds, 3),
        "cores": round(reading.cores, 3),
        "worker_cores": round(reading.worker_cores, 3),
        "timeline": [round(sample, 3) for sample in profile.timeline],
        "demand_cores": profile.demand_cores,
        "machine_busy": profile.machine_busy,
        "starved": reading.starved,
        "peak_workers": profile.peak_workers,
    }


def _how_much(reading: CpuReading, cores: float) -> str:
    if reading.starved:
        return f"wanted {cores:.1f} cores (got {reading.profile.cores:.2f}: the machine was busy)"
    return f"burned {cores:.1f} cores"


@rule(id="MS501", severity=Severity.MEDIUM, observes=("cpu", "workers"))
def sustained_worker_cpu(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """Workers burn CPU for the whole dwell, attributed to their script when known.

    Miners hash in Web Workers from start to end. The rule needs at least 0.2 cores in workers
    on average *and* CPU in most seconds of the timeline, so a page that hashes a password once
    or decodes an image in a worker (one spike) does not fire; nor does work that stops before
    the end of the dwell (idle for the last two seconds and quarter of it). Attribution names the worker
    scripts by CPU seconds.
    """
    reading = read_cpu(visit.cpu)
    if reading is None or reading.worker_cores < SUSTAINED_WORKER_CORES:
        return
    timeline_known = len(reading.timeline) >= MIN_TIMELINE_SECONDS
    if timeline_known and not _is_sustained(reading.timeline):
        return
    if cpu_stopped_after(reading.timeline) is not None:
        return  # work that ended before the dwell did: not "for the whole dwell"
    targets = _worker_targets(reading.profile)
    busy_targets = [t for t in targets if t.cpu_seconds > 0]
    count = len(busy_targets) or reading.profile.peak_workers or len(visit.workers)
    scripts = list(dict.fromkeys(_target_script(t) for t in busy_targets if _target_script(t)))
    noun = "worker" if count == 1 else "workers"
    title = f"{count or 'Unattributed'} {noun} {_how_much(reading, reading.worker_cores)} for {reading.dwell:.1f} s"
    if scripts:
        title += f" ({scripts[0]}{' and others' if len(scripts) > 1 else ''})"
    evidence = _cpu_evidence(reading)
    evidence["workers"] = count
    evidence["targets"] = [
        {
            "context": t.context,
            "script_url": _target_script(t),
            "cpu_seconds": round(t.cpu_seconds, 3),
        }
        for t in targets
    ]
    evidence["scripts"] = scripts
    yield Finding(
        "MS501", Severity.MEDIUM, title, evidence, confidence=0.6 if timeline_known else 0.4
    )


@rule(id="MS502", severity=Severity.LOW, observes=("workers",))
def worker_fan_out(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """Many workers started from one script, about one per core.

    Miners start ``navigator.hardwareConcurrency`` copies of the same worker (or a share of
    them). Two or more workers with one script URL, and at least half the cores, match. Worker
    pools in benign apps exist too, hence LOW.
    """
    per_script = Counter(w.url for w in visit.workers if w.type != "service")
    if not per_script:
        return
    script, count = per_script.most_common(1)[0]
    cores = context.cores
    if count < 2 or count < cores / 2:
        return
    yield Finding(
        "MS502",
        Severity.LOW,
        f"{count} workers started from the same script {script} ({cores} cores)",
        {
            "script_url": script,
            "workers": count,
            "cores": cores,
            "peak_workers": visit.cpu.peak_workers if visit.cpu else None,
        },
        confidence=0.3,
    )


@rule(id="MS503", severity=Severity.LOW, observes=("cpu",))
def throttled_duty_cycle(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """A steady, partial CPU load in workers: a throttled miner's duty cycle.

    Throttled miners hash for a fixed share of each interval and sleep the rest, which shows as
    a mean between 10 % and 80 % of a core that stays level across the dwell (each half within
    ±40 % of the mean, no single second holding half the CPU), mostly in workers.
    """
    reading = read_cpu(visit.cpu)
    if reading is None or len(reading.timeline) < THROTTLE_MIN_SECONDS:
        return
    timeline = reading.timeline
    mean = statistics.fmean(timeline)
    if not THROTTLE_MIN_CORES <= mean <= THROTTLE_MAX_CORES or reading.worker_share < WORKER_SHARE:
        return
    half = len(timeline) // 2
    halves = (statistics.fmean(timeline[:half]), statistics.fmean(timeline[half:]))
    if any(abs(h - mean) > STEADY_TOLERANCE * mean for h in halves) or max(
        timeline
    ) > MAX_SPIKE_SHARE * sum(timeline):
        return
    busy = sum(1 for sample in timeline if sample >= BUSY_SECOND_CORES) / len(timeline)
    evidence = _cpu_evidence(reading)
    evidence.update(
        {
            "mean_cores": round(mean, 3),
            "busy_fraction": round(busy, 2),
            "half_means": [round(h, 3) for h in halves],
        }
    )
    verb = "wanted" if reading.starved else "used"
    title = f"Throttled CPU: workers {verb} a steady {mean:.2f} cores ({mean:.0%} of a core) for {reading.dwell:.1f} s"
    yield Finding("MS503", Severity.LOW, title, evidence, confidence=0.35)


@rule(id="MS504", severity=Severity.LOW, observes=("cpu",))
def cpu_after_load(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """CPU stays high after the page finished loading, to the end of the dwell.

    A page normally spends its CPU while loading and then idles; a miner keeps going. The
    rule compares the last third of the dwell with the first: still at least 0.25 cores and
    not decaying. Animations and games do this too (in the main thread), hence LOW.
    """
    reading = read_cpu(visit.cpu)
    if reading is None or len(reading.timeline) < MIN_TIMELINE_SECONDS:
        return
    timeline = reading.timeline
    third = max(1, len(timeline) // 3)
    head, tail = statistics.fmean(timeline[:third]), statistics.fmean(timeline[-third:])
    if reading.cores < PERSISTENT_CORES or tail < PERSISTENT_CORES or tail < 0.5 * head:
        return
    evidence = _cpu_evidence(reading)
    evidence.update({"load_seconds": reading.profile.load_seconds, "tail_cores": round(tail, 3)})
    title = (
        f"CPU stayed at {tail:.1f} cores to the end of the {reading.dwell:.1f} s dwell after load "
        f"(load used {reading.profile.load_seconds:.1f} s)"
    )
    yield Finding("MS504", Severity.LOW, title, evidence, confidence=0.3)
