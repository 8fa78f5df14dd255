"""CPU the page burns during the dwell: per process, per thread, per second.

Two sources are combined. ``Performance.getMetrics`` on the page (and on each out-of-process
frame) gives ``ProcessTime``, the renderer process's CPU (workers included), and main-thread
``ThreadTime``. /proc gives the same process totals plus every thread's CPU and run-queue
wait, which is what lets us name the worker that burned it. The renderer pid is found by
matching ``ProcessTime`` samples against each renderer's CPU read at the same moment, which
stays right with many pages rendering concurrently.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from model.observations import CpuProfile, TargetCpu

from . import procfs
from .targets import WORKER_TYPES, Target, TargetTree

_MATCH_TOLERANCE = 0.3  # seconds; ProcessTime and /proc tick at 10 ms, replies take a moment
_CANDIDATE_WINDOW = 0.6
_TIE = 0.03
_MOVED = 0.1
_START_WINDOW = 5.0  # a target's renderer starts at most this long before it attaches
_START_TIE = 0.05
# From this many samples on, once every process target has kept the same renderer match for
# two samples running, the other renderers' threads stop being read for this page: with N
# pages open each page otherwise read every thread of N renderers once a second (N² reads).
_SETTLED_AFTER = 3
# Generous: an out-of-process frame answers from a main thread competing with its miners.
_METRICS_TIMEOUT = 3.0
_WORKER_PREFIX = {"dedicated": "worker", "shared": "shared_worker", "service": "service_worker"}


@dataclass
class _Sample:
    at: float
    metrics: dict[Target, dict[str, float]]  # page and out-of-process frames that answered
    renderers: dict[int, float]  # every renderer's CPU seconds
    # Every renderer's CPU read the moment each target answered, to match its ProcessTime.
    at_reply: dict[Target, dict[int, float]] = field(default_factory=dict)
    threads: dict[int, procfs.ProcessCpu] = field(default_factory=dict)


async def read_metrics(target: Target) -> dict[str, float] | None:
    reply = await target.send("Performance.getMetrics", timeout=_METRICS_TIMEOUT)
    if not reply:
        return None
    return {m["name"]: float(m["value"]) for m in reply.get("metrics", ()) if "name" in m}


def renderer_totals(pids: list[int] | None = None) -> dict[int, float]:
    """CPU seconds of each renderer in ``pids`` (default: every renderer, found in /proc)."""
    if pids is None:
        pids = procfs.renderer_pids()
    return {pid: cpu for pid in pids if (cpu := procfs.process_cpu(pid)) is not None}


async def _metrics_and_renderers(
    target: Target, pids: list[int]
) -> tuple[dict[str, float] | None, dict[int, float]]:
    metrics = await read_metrics(target)
    return metrics, (renderer_totals(pids) if metrics else {})


class CpuMeter:
    def __init__(self, tree: TargetTree, clock: Callable[[], float]) -> None:
        self._tree = tree
        self._clock = clock
        self._at_attach: float | None = None
        self._samples: list[_Sample] = []
        self._machine_start: tuple[float, float] | None = None
        self._machine_end: tuple[float, float] | None = None
        self._thread_base: dict[int, dict[int, procfs.ThreadCpu]] = {}  # pid -> tid -> first
        self._thread_last: dict[int, dict[int, procfs.ThreadCpu]] = {}
        # Renderers ruled out for this page (see _SETTLED_AFTER): never read or matched again.
        self._ruled_out: set[int] = set()
        self._last_matches: dict[Target, int | None] | None = None
        # Converts visit-clock times to seconds since boot, the unit of process start times.
        self._boot_offset = time.clock_gettime(time.CLOCK_BOOTTIME) - clock()

    async def baseline(self) -> None:
        """Called right after attach: the renderer's CPU before navigation."""
        metrics = await read_metrics(self._tree.root)
        if metrics:
            self._at_attach = metrics.get("ProcessTime")

    def _process_targets(self) -> list[Target]:
        return [
            t
            for t in self._tree.targets
            if (t.parent is None or t.type == "iframe") and not t.detached
        ]

    async def sample(self) -> None:
        """One measurement of every process target; the first one starts the dwell."""
        targets = self._process_targets()
        # Finding the renderers reads every process's cmdline: once per sample, not once per
        # target. A renderer born after this is counted from the next sample (a renderer
        # first seen during the dwell spent all of its CPU in it, see _pid_delta).
        pids = procfs.renderer_pids()
        candidates = [pid for pid in pids if pid not in self._ruled_out]
        replies = await asyncio.gather(*(_metrics_and_renderers(t, candidates) for t in targets))
        at = self._clock()
        renderers = renderer_totals(pids)
        metrics = {t: m for t, (m, _) in zip(targets, replies) if m}
        at_reply = {t: r for t, (m, r) in zip(targets, replies) if m}
        first = not self._samples
        if first:
            self._machine_start = procfs.machine_times()
        self._machine_end = procfs.machine_times()
        sample = _Sample(at, metrics, renderers, at_reply)
        watch = self._candidate_pids(sample)
        if first and self._tree.root not in metrics:
            watch |= set(renderers)  # the page did not answer: keep every thread's baseline
        for pid in watch:
            snapshot = procfs.process_snapshot(pid)
            if snapshot is None:
                continue
            if pid not in self._thread_base:
                # A renderer started during the dwell spent all its CPU in it; one that
                # existed already is measured from now.
                born = bool(self._samples) and pid not in self._samples[0].renderers
                self._thread_base[pid] = {} if born else dict(snapshot.threads)
            base = self._thread_base[pid]
            for tid, thread in snapshot.threads.items():
                # A thread first seen after its process was first read was born in the dwell.
                base.setdefault(tid, procfs.ThreadCpu(tid, thread.name, 0.0, 0.0))
            self._thread_last.setdefault(pid, {}).update(snapshot.threads)
        self._samples.append(sample)
        self._rule_out_others(targets)

    def _rule_out_others(self, targets: list[Target]) -> None:
        """Stop reading renderers that are not this page's, once its matches have settled."""
        if len(self._samples) < _SETTLED_AFTER:
            return
        answered = [t for t in targets if t in self._samples[-1].metrics]
        matches = {t: self._match(t) for t in answered}
        settled = bool(matches) and all(pid is not None for pid in matches.values())
        if settled and matches == self._last_matches:
            keep = set(matches.values())
            for pid in [p for p in self._thread_base if p not in keep]:
                self._ruled_out.add(pid)
                self._thread_base.pop(pid, None)
                self._thread_last.pop(pid, None)
        self._last_matches = matches if settled else None

    def _candidate_pids(self, sample: _Sample) -> set[int]:
        # (at_reply holds only renderers not ruled out, so neither does the result)
        close: set[int] = set(self._thread_base)
        for target, metrics in sample.metrics.items():
            process_time = metrics.get("ProcessTime")
            if process_time is None:
                continue
            close |= {
                pid
                for pid, cpu in sample.at_reply.get(target, {}).items()
                if abs(cpu - process_time) <= _CANDIDATE_WINDOW
            }
        return close

    # -- the profile ------------------------------------------------------------------------

    def _match(self, target: Target) -> int | None:
        """The renderer pid whose CPU tracked this target's ProcessTime best."""
        errors: dict[int, list[float]] = {}
        seen: list[float] = []
        for sample in self._samples:
            process_time = sample.metrics.get(target, {}).get("ProcessTime")
            if process_time is None:
                continue
            seen.append(process_time)
            for pid, cpu in sample.at_reply.get(target, {}).items():
                if pid not in self._ruled_out:
                    errors.setdefault(pid, []).append(abs(cpu - process_time))
        moved = max(seen) - min(seen) if seen else 0.0
        # Renderers of other pages and browsers can sit near the page's total by chance: one
        # read in fewer than half the samples (a closed page's, gone after the first), or one
        # that stood still while the page's ProcessTime moved, is not the page's.
        scored = sorted(
            (sum(e) / len(e), -len(e), pid)
            for pid, e in errors.items()
            if 2 * len(e) >= len(seen) and _moved_with(self._samples, target, pid, moved)
        )
        if not scored or scored[0][0] > _MATCH_TOLERANCE:
            return None
        tied = [pid for error, _, pid in scored if error - scored[0][0] < _TIE]
        if len(tied) > 1 and moved < _MOVED:
            # Several renderers fit a series that barely moved (idle processes look alike):
            # the one that started closest to when this target appeared is the target's.
            return self._started_near(target, tied)
        return scored[0][2]

    def _started_near(self, target: Target, pids: list[int]) -> int | None:
        appeared = self._boot_offset + target.attached_at
        gaps = sorted(
            (abs(started - appeared), pid)
            for pid in pids
            if (started := procfs.process_started(pid)) is not None
        )
        if not gaps or gaps[0][0] > _START_WINDOW:
            return None
        if len(gaps) > 1 and gaps[1][0] - gaps[0][0] < _START_TIE:
            return None  # pages opened together: no way to tell their renderers apart
        return gaps[0][1]

    def renderer_pids(self) -> dict[Target, int]:
        """The renderer process matched to the page and to each out-of-process frame."""
        targets = {t for s in self._samples for t in s.metrics}
        return {t: pid for t in targets if (pid := self._match(t)) is not None}

    def profile(self, peak_worker_targets: int) -> CpuProfile | None:
        if len(self._samples) < 2:
            return None
        first, last = self._samples[0], self._samples[-1]
        dwell = max(last.at - first.at, 1e-6)
        owners: dict[int, list[Target]] = {}
        unmatched: list[Target] = []
        for target in {t for s in self._samples for t in s.metrics}:
            pid = self._match(target)
            if pid is None:
                unmatched.append(target)
            else:
                owners.setdefault(pid, []).append(target)
        process_seconds = sum(_pid_delta(pid, first, last) for pid in owners)
        process_seconds += sum(_metric_delta(t, "ProcessTime", self._samples) for t in unmatched)
        per_target, worker_seconds, main_seconds = self._per_target(owners)
        root = self._tree.root
        if not any(root in ts for ts in owners.values()):
            main_seconds = _metric_delta(root, "ThreadTime", self._samples)
            has_workers = any(t.is_worker for t in self._tree.targets)
            worker_seconds = max(0.0, process_seconds - main_seconds) if has_workers else 0.0
        return CpuProfile(
            dwell_seconds=round(dwell, 3),
            process_seconds=round(process_seconds, 3),
            main_thread_seconds=round(main_seconds, 3),
            worker_seconds=round(worker_seconds, 3),
            per_target=tuple(per_target),
            timeline=self._timeline(list(owners), unmatched),
            demand_cores=self._demand(list(owners), dwell),
            machine_busy=self._machine_busy(),
            peak_workers=max(self._peak_metric_workers(), peak_worker_targets),
            load_seconds=round(self._load_seconds(first), 3),
        )

    def _per_target(self, owners: dict[int, list[Target]]) -> tuple[list[TargetCpu], float, float]:
        per_target: list[TargetCpu] = []
        worker_total = main_total = 0.0
        root = self._tree.root
        for pid, targets in owners.items():
            deltas = self._thread_deltas(pid)
            main = deltas.pop(pid, (None, 0.0))[1]
            owner = min(targets, key=lambda t: (t.parent is not None, t.attached_at))
            per_target.append(TargetCpu(owner.context, round(main, 3)))
            if owner is root:
                main_total += main
            workers = [t for t in self._tree.targets if t.is_worker and t.process_owner in targets]
            for context, url, seconds in _attribute_workers(deltas, workers):
                per_target.append(TargetCpu(context, round(seconds, 3), script_url=url))
                worker_total += seconds
        return per_target, worker_total, main_total

    def _thread_deltas(self, pid: int) -> dict[int, tuple[str | None, float]]:
        """tid -> (worker kind, CPU seconds in the dwell); the main thread's tid is the pid."""
        base = self._thread_base.get(pid, {})
        out: dict[int, tuple[str | None, float]] = {}
        for tid, thread in self._thread_last.get(pid, {}).items():
            start = base.get(tid)
            seconds = thread.cpu_seconds - (start.cpu_seconds if start else 0.0)
            out[tid] = (procfs.worker_thread_kind(thread.name), max(0.0, seconds))
        return out

    def _timeline(self, pids: list[int], unmatched: list[Target]) -> tuple[float, ...]:
        cores: list[float] = []
        for before, after in zip(self._samples, self._samples[1:]):
            span = after.at - before.at
            if span <= 0:
                continue
            used = sum(_pid_delta(pid, before, after) for pid in pids)
            used += sum(_metric_delta(t, "ProcessTime", [before, after]) for t in unmatched)
            cores.append(round(used / span, 3))
        return tuple(cores)

    def _demand(self, pids: list[int], dwell: float) -> float | None:
        if not pids:
            return None
        total = 0.0
        for pid in pids:
            base = self._thread_base.get(pid, {})
            for tid, thread in self._thread_last.get(pid, {}).items():
                start = base.get(tid)
                total += thread.demand_seconds - (start.demand_seconds if start else 0.0)
        return round(max(0.0, total) / dwell, 3)

    def _machine_busy(self) -> float | None:
        if self._machine_start is None or self._machine_end is None:
            return None
        busy = self._machine_end[0] - self._machine_start[0]
        total = self._machine_end[1] - self._machine_start[1]
        return round(busy / total, 3) if total > 0 else None

    def _peak_metric_workers(self) -> int:
        peak = 0
        for sample in self._samples:
            count = sum(m.get("WorkerGlobalScopes", 0.0) for m in sample.metrics.values())
            peak = max(peak, int(count))
        return peak

    def _load_seconds(self, first: _Sample) -> float:
        total = 0.0
        for target, metrics in first.metrics.items():
            process_time = metrics.get("ProcessTime", 0.0)
            if (
                target is self._tree.root
                and self._at_attach is not None
                and self._at_attach <= process_time
            ):
                process_time -= self._at_attach
            total += process_time
        return total

    def timeline_so_far(self) -> tuple[float, ...]:
        """Cores used per interval so far (page process only), for the dwell extension."""
        out: list[float] = []
        root = self._tree.root
        for before, after in zip(self._samples, self._samples[1:]):
            span = after.at - before.at
            if span > 0 and root in before.metrics and root in after.metrics:
                out.append(_metric_delta(root, "ProcessTime", [before, after]) / span)
        return tuple(out)


def _moved_with(samples: list[_Sample], target: Target, pid: int, moved: float) -> bool:
    """Whether ``pid``'s CPU moved about as much as ``target``'s ProcessTime over the samples
    the target answered (within the match tolerance, or half of what the target moved)."""
    seen = [s.at_reply[target][pid] for s in samples if pid in s.at_reply.get(target, {})]
    if moved < _MOVED:
        return True
    return len(seen) >= 2 and abs((seen[-1] - seen[0]) - moved) <= max(
        _MATCH_TOLERANCE, 0.5 * moved
    )


def _pid_delta(pid: int, before: _Sample, after: _Sample) -> float:
    if pid not in after.renderers:
        return 0.0
    # A renderer that appeared during the dwell spent all of its CPU in it.
    return max(0.0, after.renderers[pid] - before.renderers.get(pid, 0.0))


def _metric_delta(target: Target, name: str, samples: list[_Sample]) -> float:
    values = [
        s.metrics[target][name]
        for s in samples
        if target in s.metrics and name in s.metrics[target]
    ]
    return max(0.0, values[-1] - values[0]) if len(values) >= 2 else 0.0


def _attribute_workers(
    deltas: dict[int, tuple[str | None, float]], workers: list[Target]
) -> list[tuple[str, str | None, float]]:
    """Give each worker thread's CPU to a worker target of its kind.

    Chromium names threads by worker kind, not URL. One worker of a kind takes every thread
    of that kind; several are paired with threads in creation order (targets by attach time,
    threads by tid, which the kernel hands out increasing).
    """
    out: list[tuple[str, str | None, float]] = []
    for kind in ("dedicated", "shared", "service"):
        threads = sorted((tid, s) for tid, (k, s) in deltas.items() if k == kind)
        if not threads:
            continue
        of_kind = sorted(
            (w for w in workers if WORKER_TYPES.get(w.type) == kind), key=lambda w: w.attached_at
        )
        if not of_kind:
            seconds = sum(s for _, s in threads)
            if seconds > 0:
                out.append((f"{_WORKER_PREFIX[kind]}:unknown", None, seconds))
            continue
        shares = [0.0] * len(of_kind)
        for index, (_, seconds) in enumerate(threads):
            shares[min(index, len(of_kind) - 1)] += seconds
        out.extend((w.context, w.url, s) for w, s in zip(of_kind, shares))
    return out
