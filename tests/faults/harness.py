"""Running the real CLI against hostile servers: the scan as a subprocess, and what it reported."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What the issue promises: about dwell + page timeout per page, whatever the pages do.
DWELL = 2.0
PAGE_TIMEOUT = 8.0


@dataclass(frozen=True)
class ScanRun:
    """One finished ``minerscan scan`` subprocess and what it reported."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    home: Path  # HOME, TMPDIR and the working directory of the scan all live under here
    report: dict[str, Any] = field(default_factory=dict)

    def page(self, url: str) -> dict[str, Any]:
        """The report's record of ``url`` (as requested), failing with what *was* recorded."""
        for page in self.report.get("pages", []):
            if page["url"] == url:
                return page
        recorded = [p["url"] for p in self.report.get("pages", [])]
        raise AssertionError(f"{url} was not recorded; recorded: {recorded}\n{self.stderr}")


def scan_env(home: Path, browser: str) -> dict[str, str]:
    """A scan's environment: its own HOME and TMPDIR (to find anything written there)."""
    for sub in ("home", "tmp", "cwd"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        HOME=str(home / "home"),
        TMPDIR=str(home / "tmp"),
        MINERSCAN_CHROMIUM=browser,
        PYTHONUNBUFFERED="1",
    )
    return env


def scan_command(
    db: Path, *args: str, dwell: float = DWELL, max_dwell: float | None = None
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "minerscan",
        "scan",
        *args,
        "--offline",
        "--dwell",
        str(dwell),
        "--max-dwell",
        str(dwell if max_dwell is None else max_dwell),
        "--page-timeout",
        str(PAGE_TIMEOUT),
        "--format",
        "json",
        "--db",
        str(db),
    ]


def run_scan(
    home: Path,
    browser: str,
    *args: str,
    timeout: float,
    watchers: Sequence[Callable[[int], AbstractContextManager[object]]] = (),
    max_dwell: float | None = None,
) -> ScanRun:
    """Run the CLI to the end (``timeout`` is the bound the test asserts), parse its JSON.

    Each of ``watchers`` is given the scan's pid and entered for as long as the scan runs.
    """
    env = scan_env(home, browser)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        proc = subprocess.Popen(
            scan_command(home / "scan.db", *args, max_dwell=max_dwell),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=home / "cwd",
            env=env,
        )
        stack.callback(_reap, proc)
        for watcher in watchers:
            stack.enter_context(watcher(proc.pid))
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
            raise AssertionError(
                f"the scan did not finish within {timeout} s:\n{stderr[-3000:]}"
            ) from None
    seconds = time.monotonic() - started
    report = json.loads(stdout) if stdout.strip().startswith("{") else {}
    return ScanRun(proc.returncode, stdout, stderr, seconds, home, report)


def _reap(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


def files_under(root: Path) -> Iterator[Path]:
    """Files below ``root``; folders that vanish while we look (a profile being removed) are fine."""
    for folder, _dirs, names in os.walk(root, onerror=lambda _error: None):
        for name in names:
            path = Path(folder) / name
            if path.is_file():
                yield path
