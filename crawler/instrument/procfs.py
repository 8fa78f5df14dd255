"""CPU accounting of Chromium renderer processes and their threads, read from /proc (Linux).

Chromium's ``ProcessTime`` metric is the renderer's whole CPU time, but it cannot say which
worker burned it, nor how long threads waited for a core. The kernel can: each thread's
``stat`` has its CPU ticks and name ("DedicatedWorker thread" and friends), ``schedstat``
its run time and run-queue wait. Everything here returns empty results off Linux.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PROC = "/proc"


@dataclass(frozen=True)
class ThreadCpu:
    tid: int
    name: str
    cpu_seconds: float  # utime + stime
    demand_seconds: float  # run time + run-queue wait (schedstat); 0 when unavailable


@dataclass(frozen=True)
class ProcessCpu:
    pid: int
    cpu_seconds: float  # the whole process, every thread that ever ran in it
    threads: dict[int, ThreadCpu]


def _read(path: str) -> str:
    with open(path, encoding="ascii", errors="replace") as handle:
        return handle.read()


def _name_and_times(stat: str) -> tuple[str, float]:
    """Thread/process name and utime+stime seconds from a ``stat`` line."""
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    return name, (int(fields[11]) + int(fields[12])) / _TICK


# Processes whose command line says they are not, and never will be, a renderer. Every page
# looks for renderers once a second; with 16 pages on a busy machine re-reading every
# process's cmdline each time was most of the scanner's own CPU. A renderer-to-be shows
# either the zygote's command line (``--type=zygote``, it is forked from the zygote) or the
# browser's (launched by Playwright, ``--remote-debugging-pipe``) until it becomes one, so
# those are read again every time, and so is a pid that went away and came back.
_NOT_RENDERER: set[int] = set()
_MAY_BECOME_RENDERER = (b"--type=", b"--remote-debugging")


def renderer_pids() -> list[int]:
    """Every Chromium renderer process on the machine."""
    pids: list[int] = []
    try:
        entries = os.listdir(PROC)
    except OSError:
        return pids
    live: set[int] = set()
    for entry in entries:
        if not entry.isdigit():
            continue
        pid = int(entry)
        live.add(pid)
        if pid in _NOT_RENDERER:
            continue
        try:
            with open(f"{PROC}/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if b"--type=renderer" in cmdline:
            pids.append(pid)
        elif cmdline and not any(mark in cmdline for mark in _MAY_BECOME_RENDERER):
            _NOT_RENDERER.add(pid)
    _NOT_RENDERER.intersection_update(live)
    return pids


def process_started(pid: int) -> float | None:
    """When the process started, in seconds since boot (``CLOCK_BOOTTIME``)."""
    try:
        stat = _read(f"{PROC}/{pid}/stat")
        return int(stat[stat.rindex(")") + 2 :].split()[19]) / _TICK
    except (OSError, ValueError, IndexError):
        return None


def thread_started(pid: int, tid: int) -> float | None:
    """When a thread started, in seconds since boot (``CLOCK_BOOTTIME``)."""
    try:
        stat = _read(f"{PROC}/{pid}/task/{tid}/stat")
        return int(stat[stat.rindex(")") + 2 :].split()[19]) / _TICK
    except (OSError, ValueError, IndexError):
        return None


def process_cpu(pid: int) -> float | None:
    try:
        return _name_and_times(_read(f"{PROC}/{pid}/stat"))[1]
    except (OSError, ValueError, IndexError):
        return None


def process_snapshot(pid: int) -> ProcessCpu | None:
    """The process's CPU and each live thread's CPU and demand."""
    total = process_cpu(pid)
    if total is None:
        return None
    threads: dict[int, ThreadCpu] = {}
    try:
        tids = os.listdir(f"{PROC}/{pid}/task")
    except OSError:
        return None
    for tid_text in tids:
        base = f"{PROC}/{pid}/task/{tid_text}"
        try:
            name, cpu = _name_and_times(_read(f"{base}/stat"))
        except (OSError, ValueError, IndexError):
            continue  # the thread just ended
        try:
            run_ns, wait_ns = _read(f"{base}/schedstat").split()[:2]
            demand = (int(run_ns) + int(wait_ns)) / 1e9
        except (OSError, ValueError):
            demand = 0.0
        threads[int(tid_text)] = ThreadCpu(int(tid_text), name, cpu, demand)
    return ProcessCpu(pid, total, threads)


def machine_times() -> tuple[float, float] | None:
    """(busy, total) jiffies of all cores since boot, from the first line of /proc/stat."""
    try:
        fields = [int(x) for x in _read(f"{PROC}/stat").splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    total = float(sum(fields[:8]))  # guest time is already inside user/nice
    idle = float(fields[3] + (fields[4] if len(fields) > 4 else 0))
    return total - idle, total


def worker_thread_kind(name: str) -> str | None:
    """The worker type a renderer thread runs, from Chromium's thread names."""
    if name.startswith("DedicatedWorker"):
        return "dedicated"
    if name.startswith("SharedWorker"):
        return "shared"
    if name.startswith("ServiceWorker"):
        return "service"
    return None
