"""The Chromium processes a scan started, read from /proc (Linux), and the harm tests do to them.

``OomKiller`` plays the kernel's part in a memory blow-up: it kills a renderer of the scan once
its resident memory passes a limit, as the OOM killer (or a cgroup limit) would, without letting
the page take the whole machine's memory first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path
from typing import Self

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            # the command name is in parentheses and may hold spaces: split after it
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(root: int, parents: dict[int, int] | None = None) -> list[int]:
    """Every live process below ``root`` (children, grandchildren, ...)."""
    parents = _parents() if parents is None else parents
    found: list[int] = []
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def cmdline(pid: int) -> list[str]:
    """The arguments of ``pid``. Chromium's child processes rewrite their title into one
    space-separated string, so they are split on spaces too."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    parts = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
    return parts[0].split(" ") if len(parts) == 1 else parts


def resident_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def browser_processes(root: int) -> list[int]:
    """The browser (main) processes under ``root``: those Playwright's driver started.

    Not told by their arguments: Chromium rewrites its process title (full Chromium's can lose
    the flags Playwright appended), and Debian's ``chromium`` is a wrapper script that execs.
    """
    parents = _parents()
    below = descendants(root, parents)
    drivers = {pid for pid in below if "run-driver" in cmdline(pid)}
    return [pid for pid in below if parents.get(pid) in drivers]


def renderers(root: int) -> list[int]:
    return [pid for pid in descendants(root) if "--type=renderer" in cmdline(pid)]


class OomKiller:
    """Kill any renderer under ``root`` whose resident memory passes ``limit`` bytes."""

    def __init__(self, root: int, limit: int) -> None:
        self.root = root
        self.limit = limit
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="oom-killer", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            for pid in renderers(self.root):
                if resident_bytes(pid) > self.limit:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                        self.killed.append(pid)
