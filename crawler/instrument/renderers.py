"""Which renderer processes run what is left of a visit: the page's, its windows', its workers'.

CPU after leaving is read from /proc per process, so the processes must be the visit's own:
with many pages rendering at once, idle renderers look alike, and crediting a page with
another page's miner would be a false alarm. Each way of finding one is checked, and an
ambiguous answer is no answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from . import procfs
from .cpu import renderer_totals
from .targets import WORKER_TYPES, Target

_STEP_TIMEOUT = 1.5
_PID_TOLERANCE = 0.3  # seconds between a renderer's ProcessTime and its /proc CPU
_PID_TIE = 0.03
_THREAD_WINDOW = 1.5  # seconds between a worker target appearing and its thread starting
_TIE = 0.05


def worker_renderers(targets: list[Target], clock: Callable[[], float]) -> set[int]:
    """Renderers running this visit's workers, found by their threads: Chromium names a
    worker's thread by its kind, and it starts the moment the worker target appears.
    (The page's own renderer may not have been matched; a service worker may run in
    a process of its own.)"""
    # Dedicated workers run in their page's or frame's renderer, which is matched already.
    targets = [
        t for t in targets if t.type in ("shared_worker", "service_worker") and not t.detached
    ]
    if not targets:
        return set()
    threads: list[tuple[str, float, int]] = []  # kind, started, pid
    for pid in procfs.renderer_pids():
        snapshot = procfs.process_snapshot(pid)
        for thread in snapshot.threads.values() if snapshot else ():
            kind = procfs.worker_thread_kind(thread.name)
            started = procfs.thread_started(pid, thread.tid) if kind else None
            if kind and started is not None:
                threads.append((kind, started, pid))
    boot_offset = time.clock_gettime(time.CLOCK_BOOTTIME) - clock()
    pids: set[int] = set()
    for target in targets:
        appeared = boot_offset + target.attached_at
        gaps = sorted(
            (abs(started - appeared), pid)
            for kind, started, pid in threads
            if kind == WORKER_TYPES[target.type]
        )
        if not gaps or gaps[0][0] > _THREAD_WINDOW:
            continue
        if len(gaps) > 1 and gaps[1][1] != gaps[0][1] and gaps[1][0] - gaps[0][0] < _TIE:
            continue  # two contexts started such a worker together: no telling them apart
        pids.add(gaps[0][1])
    return pids


async def target_metrics(target: Target) -> dict[str, float] | None:
    reply = await target.send("Performance.getMetrics", timeout=_STEP_TIMEOUT)
    return _metrics(reply)


async def session_metrics(session: Any) -> dict[str, float] | None:
    try:
        reply = await asyncio.wait_for(session.send("Performance.getMetrics"), _STEP_TIMEOUT)
    except Exception:
        return None
    return _metrics(reply)


def _metrics(reply: Any) -> dict[str, float] | None:
    if not reply:
        return None
    return {m["name"]: float(m["value"]) for m in reply.get("metrics", ()) if "name" in m}


async def confirmed(matched: dict[Target, int]) -> set[int]:
    """The matched renderers whose CPU still agrees with their target's ``ProcessTime``.

    Idle renderers look alike, and a wrong match would credit this page with another
    page's CPU; a target too busy to answer keeps its match.
    """

    async def check(target: Target, pid: int) -> int | None:
        metrics = await target_metrics(target)
        process_time = (metrics or {}).get("ProcessTime")
        cpu = procfs.process_cpu(pid)
        if process_time is None or cpu is None:
            return pid
        return pid if abs(cpu - process_time) <= _PID_TOLERANCE else None

    answers = await asyncio.gather(*(check(t, pid) for t, pid in matched.items()))
    return {pid for pid in answers if pid is not None}


async def match_pid(
    read: Callable[[], Awaitable[dict[str, float] | None]], known: set[int]
) -> int | None:
    """The renderer whose /proc CPU matches the ``ProcessTime`` ``read`` answers.

    Idle renderers look alike; of several that fit equally, one already known to belong to
    this visit is taken (a same-site window shares its opener's process), else none.
    """
    metrics = await read()
    process_time = (metrics or {}).get("ProcessTime")
    if process_time is None:
        return None
    totals = renderer_totals()
    close = sorted((abs(cpu - process_time), pid) for pid, cpu in totals.items())
    if not close or close[0][0] > _PID_TOLERANCE:
        return None
    tied = [pid for error, pid in close if error - close[0][0] < _PID_TIE]
    if len(tied) == 1:
        return tied[0]
    ours = [pid for pid in tied if pid in known]
    return ours[0] if ours else None
