"""The settings of a scan: what to crawl, how long to watch each page, how much to keep.

Declared once, here. ``minerscan.config`` reads them (built-in defaults, a config file, the
command line) into a ``ScanConfig``, which is a ``ScanSettings`` with the CLI's own options on
top; the crawler's ``CrawlConfig`` is a ``ScanSettings`` with the resume sets on top, and the
page instrumentation's options are derived from it (``crawler.instrument.options``). A default
changed here is the default everywhere.

Concurrency left unset is chosen from the machine (:func:`machine_concurrency`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any, Self

__all__ = [
    "CONCURRENCY_LIMIT",
    "MachineConcurrency",
    "ScanSettings",
    "default",
    "machine_concurrency",
]

CONCURRENCY_LIMIT = 64
# Pages rendered at once per core. A page mostly waits out its dwell: at the default 5 s dwell
# an ordinary page costs about 0.65 CPU-s from load to close (renderer, browser, GPU, driver
# and this process, bench/bench_survey.py) and holds its slot about 6.7 s, so 8 pages a core
# keep the cores about three quarters busy, with room for the miners among them. (At 4 a core
# the old, busier person-like interaction missed its idle click under load; the cheaper one
# does not, tests/e2e/test_profiles.py runs at this default.) --concurrency goes higher by hand.
_PAGES_PER_CORE = 8
_MAX_DEFAULT = 32
_MIN_DEFAULT = 2
# Memory a rendered page may need (full Chromium ≈85 MB a page, plus its share of the analysis
# and the bodies in flight), and what the browser, the scanner and the analysis pool take first.
_PAGE_BYTES = 200 << 20
_BASE_BYTES = 1 << 30


@dataclass(frozen=True)
class MachineConcurrency:
    pages: int
    cores: int
    memory_bytes: int | None

    def describe(self) -> str:
        memory = (
            f", {self.memory_bytes / (1 << 30):.1f} GiB" if self.memory_bytes is not None else ""
        )
        return f"chosen for {self.cores} cores{memory}"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def machine_concurrency(
    cores: int | None = None, memory_bytes: int | None = None
) -> MachineConcurrency:
    """Pages to render at once on this machine: 8 per core, 2 to 32, as memory allows."""
    cores = cores if cores is not None else _cores()
    memory = memory_bytes if memory_bytes is not None else _memory_bytes()
    pages = min(_MAX_DEFAULT, max(_MIN_DEFAULT, cores * _PAGES_PER_CORE))
    if memory is not None:
        pages = min(pages, max(1, (memory - _BASE_BYTES) // _PAGE_BYTES))
    return MachineConcurrency(max(1, pages), cores, memory)


@dataclass(frozen=True)
class ScanSettings:
    targets: tuple[str, ...] = ()
    depth: int = 2  # link depth from each target
    max_pages: int = 50  # per site (registrable domain), for discovered links; targets always
    obey_robots: bool = True
    concurrency: int | None = None  # pages rendered at once; None: chosen from the machine
    # Why ``concurrency`` is what it is ("" when it was given); set when it was chosen.
    concurrency_basis: str = ""
    dwell: float = 5.0  # seconds to watch after load
    max_dwell: float = 15.0  # the dwell may extend up to this while workers/sockets still appear
    interact: bool = True  # move the mouse, scroll, press a key, click empty space
    # Browser profiles every page is visited with, once each (crawler/instrument/profiles).
    profiles: tuple[str, ...] = ("desktop",)
    page_timeout: float = 30.0  # navigation timeout, seconds
    max_frames: int = 20  # WebSocket frames kept per direction per socket
    frame_bytes: int = 4096  # per-frame payload cap
    body_bytes: int = 4 << 20  # per script / wasm body cap
    dom_bytes: int = 2 << 20  # served / rendered HTML cap
    # Seconds the browser context is watched after the page was left, for pop-unders, workers
    # and sockets that outlive it; 0 skips the step.
    afterlife: float = 3.0
    # How far the page's timers are run ahead during the dwell, so a miner waiting on a long
    # setTimeout starts while we watch; 0 leaves the page's clock alone.
    clock_ahead: float = 90.0
    browser_path: str | None = None  # --browser-path / MINERSCAN_CHROMIUM
    closed_network: bool = False  # tests/demo: Chromium resolves only localhost/127.0.0.1
    user_agent: str | None = None  # for requests made without the browser (robots.txt, ...)
    # Load pages whose certificate is bad (self-signed, expired, wrong host) instead of
    # recording them as `tls` failures.
    ignore_https_errors: bool = False
    # A fresh browser after this many pages (0: never); a crashed one is relaunched anyway.
    recycle_browser: int = 100

    def __post_init__(self) -> None:
        if self.concurrency is None:
            chosen = machine_concurrency()
            object.__setattr__(self, "concurrency", chosen.pages)
            object.__setattr__(self, "concurrency_basis", chosen.describe())
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with these settings, each said as the option a user would fix."""
        problems = []
        if self.depth < 0:
            problems.append("--depth must be 0 or more")
        if self.max_pages < 1:
            problems.append("--max-pages must be at least 1")
        if not isinstance(self.concurrency, int) or not (
            1 <= self.concurrency <= CONCURRENCY_LIMIT
        ):
            problems.append(f"--concurrency must be between 1 and {CONCURRENCY_LIMIT}")
        if self.dwell < 0:
            problems.append("--dwell must be 0 or more seconds")
        if self.max_dwell < self.dwell:
            problems.append(
                f"--max-dwell ({self.max_dwell:g}) is shorter than --dwell ({self.dwell:g})"
            )
        if self.page_timeout <= 0:
            problems.append("--page-timeout must be more than 0 seconds")
        if self.max_frames < 0 or self.frame_bytes < 1 or self.body_bytes < 1 or self.dom_bytes < 1:
            problems.append("capture limits must be positive")
        if not 0 <= self.afterlife <= 60:
            problems.append("afterlife must be between 0 and 60 seconds")
        if self.clock_ahead < 0:
            problems.append("clock_ahead must not be negative")
        return problems

    @property
    def pages_at_once(self) -> int:
        """``concurrency``, resolved (never None after construction)."""
        assert self.concurrency is not None
        return self.concurrency

    def scan_settings(self) -> ScanSettings:
        """Only the settings declared here (a subclass's own options left out)."""
        return ScanSettings(**self.settings_values())

    def settings_values(self) -> dict[str, Any]:
        """The values of the fields declared here, by name."""
        return {f.name: getattr(self, f.name) for f in fields(ScanSettings)}

    @classmethod
    def from_settings(cls, settings: ScanSettings, **extra: Any) -> Self:
        """A subclass instance carrying ``settings`` and its own ``extra`` options."""
        return cls(**settings.settings_values(), **extra)


def default(name: str) -> Any:
    """The default of one setting, for option types derived from these settings."""
    for f in fields(ScanSettings):
        if f.name == name:
            return f.default
    raise KeyError(f"no setting named {name!r}")
