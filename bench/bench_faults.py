"""The fault suite's sites, scanned with each Chromium build: what happened to every case.

    python bench/bench_faults.py                       # both builds (those installed)
    python bench/bench_faults.py --builds headless-shell

Three scans per build, as the fault suite runs them (tests/faults): the hostile pages (depth 1
from their index, default concurrency, a renderer "OOM killer" at 600 MB), the bad servers and
networks (one target each, depth 0), and the browser-recovery site (the Chromium browser
process SIGKILLed mid-scan, recycled every 3 pages). Printed: a table of case → outcome per
build (``ok:<verdict>`` or the failure reason), then per build the wall time of each scan, the
scans that completed (a report came back), the visits recorded, and the payloads neutralised:
cases whose attack on the scanner or its machine was stopped, each checked the way the fault
suite checks it (the dialog storm did not hang the scan, no downloaded byte reached the disk, a
redirect to another scheme was refused, a bad certificate was not trusted, a permission was
denied, the popup flood was cut to a few windows, nothing was written to HOME, ...).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "faults")]

from certs import KINDS, server_context
from conftest import BUILDS
from harness import ScanRun, files_under, run_scan
from hostile import DOWNLOAD_MARKER, REDIRECT_TARGETS, HostileServer, SilentServer
from procs import OomKiller
from test_browser_recovery import PAGES as RECOVERY_PAGES
from test_browser_recovery import BrowserWatch
from test_page_faults import PAGES, RENDERER_LIMIT, DiskWatch

from crawler.hygiene import KEPT_POPUPS
from minerscan.sites import free_port

Page = dict[str, Any]
Check = Callable[[Page], bool]


def _ok(page: Page) -> bool:
    return page["failure"] is None


def _failed_as(reason: str) -> Check:
    return lambda page: page["failure"] == reason


# case -> how to tell its harm was stopped (None: a case that attacks nothing, only the scan)
PAGE_DEFENCES: dict[str, Check | None] = {
    "spin.html": _ok,  # terminated, then watched: the scan did not hang
    "spin-early.html": _failed_as("timeout"),
    "dialogs.html": _ok,  # every dialog dismissed
    "print.html": _ok,
    "popups.html": lambda p: 1 <= len((p["afterlife"] or {}).get("windows", [])) <= KEPT_POPUPS,
    "navaway.html": None,
    "close.html": _ok,
    "crash.html": _failed_as("crash"),
    "binary.html": _ok,
    "malformed.html": _ok,
    "sockets.html": _ok,
    "workers.html": _ok,
    "download.html": None,  # judged on the disk, below
    "permission.html": None,  # judged on the beacons, below
    "after.html": None,
}


def page_faults(build: str, home: Path) -> tuple[ScanRun, dict[str, str], int, int]:
    disk = DiskWatch(home, DOWNLOAD_MARKER)
    with HostileServer() as server:
        run = run_scan(
            home,
            build,
            server.url(""),
            "--depth",
            "1",
            "--ignore-robots",
            timeout=900,
            watchers=[lambda pid: OomKiller(pid, RENDERER_LIMIT), lambda _pid: disk],
        )
        beacons = dict(b.split("=", 1) for b in server.beacons)
    outcomes, neutralised, cases = {}, 0, 0
    for name in PAGES:
        page = _find(run, server.url(name))
        outcomes[name] = _outcome(page)
        check = PAGE_DEFENCES[name]
        if check is not None and page is not None:
            cases += 1
            neutralised += check(page)
    cases += 3
    neutralised += disk.seen == set()  # no downloaded byte on disk
    neutralised += bool(beacons) and not any("granted" in v for v in beacons.values())
    neutralised += not list((home / "home").rglob("*"))  # nothing in HOME
    return run, outcomes, neutralised, cases


def network_faults(build: str, home: Path) -> tuple[ScanRun, dict[str, str], int, int]:
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(HostileServer())
        silent = stack.enter_context(SilentServer())
        tls = {
            kind: stack.enter_context(HostileServer(server_context(kind, home / "certs")))
            for kind in KINDS
        }
        targets = {
            "redirect loop": server.url("loop/0"),
            **{f"redirect to {n}:": server.url(f"redirect/{n}") for n in REDIRECT_TARGETS},
            "20 MB page": server.url("big.html"),
            "endless body": server.url("endless.html"),
            "headers then stall": server.url("stall.html"),
            "slow-loris": silent.url,
            "DNS failure": "http://no-such-host.invalid/",
            "connection refused": f"http://127.0.0.1:{free_port()}/",
            **{f"TLS {kind}": srv.url("after.html") for kind, srv in tls.items()},
            "ordinary page": server.url("after.html"),
        }
        run = run_scan(
            home, build, *targets.values(), "--depth", "0", "--ignore-robots", timeout=900
        )
    outcomes, neutralised, cases = {}, 0, 0
    for name, url in targets.items():
        page = _find(run, url)
        outcomes[name] = _outcome(page)
        if page is None:
            continue
        if name.startswith("redirect to"):
            cases += 1
            neutralised += page["failure"] == "error" and page["final_url"] is None
        elif name.startswith("TLS"):
            cases += 1
            neutralised += page["failure"] == "tls"
    return run, outcomes, neutralised, cases


def browser_recovery(build: str, home: Path) -> tuple[ScanRun, dict[str, str], int, int]:
    watches: list[BrowserWatch] = []
    with HostileServer() as server:

        def watch(pid: int) -> BrowserWatch:
            watches.append(BrowserWatch(pid, server))
            return watches[-1]

        run = run_scan(
            home,
            build,
            server.url("recovery/index.html"),
            "--depth",
            "1",
            "--concurrency",
            "2",
            "--recycle-browser",
            "3",
            timeout=900,
            watchers=[watch],
        )
        pages = {name: _find(run, server.url(f"recovery/{name}")) for name in RECOVERY_PAGES}
    ok_after = sum(1 for name, page in pages.items() if name != "kill.html" and page and _ok(page))
    outcomes = {
        "browser killed mid-scan": _outcome(pages["kill.html"]),
        "pages around the kill": f"{ok_after} of {len(pages) - 1} ok",
        "browsers launched (recycled every 3)": str(len(watches[0].seen)),
    }
    return run, outcomes, 0, 0


def _find(run: ScanRun, url: str) -> Page | None:
    return next((p for p in run.report.get("pages", []) if p["url"] == url), None)


def _outcome(page: Page | None) -> str:
    if page is None:
        return "NOT RECORDED"
    return f"ok:{page['verdict']}" if page["failure"] is None else page["failure"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", default=",".join(sorted(BUILDS)))
    args = parser.parse_args()
    builds = {}
    for name in args.builds.split(","):
        path = BUILDS[name]()
        if path is None:
            print(f"{name}: not installed, skipped")
        else:
            builds[name] = path
    table: dict[str, dict[str, str]] = {}
    figures: dict[str, list[str]] = {}
    for name, path in builds.items():
        completed = visits = neutralised = cases = 0
        walls = []
        for scan in (page_faults, network_faults, browser_recovery):
            with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
                run, outcomes, stopped, of = scan(path, Path(tmp))
                leftovers = list(files_under(Path(tmp) / "tmp"))
            completed += bool(run.report)
            visits += len(run.report.get("pages", []))
            neutralised, cases = neutralised + stopped, cases + of
            walls.append(f"{scan.__name__} {run.seconds:.0f} s (exit {run.returncode})")
            for case, outcome in outcomes.items():
                table.setdefault(case, {})[name] = outcome
            if leftovers:
                walls.append(f"{len(leftovers)} files left in TMPDIR")
        figures[name] = [
            f"wall time: {', '.join(walls)}",
            f"scans completed: {completed} of 3",
            f"visits recorded: {visits}",
            f"payloads neutralised: {neutralised} of {cases}",
        ]
    width = max(len(case) for case in table)
    print(f"\n{'case':<{width}}  " + "  ".join(f"{name:<16}" for name in builds))
    for case, row in table.items():
        print(f"{case:<{width}}  " + "  ".join(f"{row.get(n, '-'):<16}" for n in builds))
    for name, lines in figures.items():
        print(f"\n{name}:")
        for line in lines:
            print(f"  {line}")


if __name__ == "__main__":
    main()
