"""What the instrumentation is asked to do, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass

from model.observations import (
    CpuProfile,
    DomSnapshot,
    RequestObservation,
    ScriptObservation,
    WasmModule,
    WatchRecord,
    WebSocketSession,
    WorkerObservation,
)
from model.settings import ScanSettings, default

from .profiles import DESKTOP, BrowserProfile

# The page-level settings a visit is instrumented with; their defaults are the scan settings'.
PAGE_SETTINGS = (
    "dwell",
    "max_dwell",
    "interact",
    "max_frames",
    "frame_bytes",
    "body_bytes",
    "dom_bytes",
    "afterlife",
    "clock_ahead",
)


@dataclass(frozen=True)
class InstrumentOptions:
    """What one visit is watched with (see model/settings.py for what each setting means).

    max_frames and frame_bytes also bound what is kept of fetch/XHR/beacon bodies (calls per
    endpoint, bytes per body).
    """

    dwell: float = default("dwell")
    max_dwell: float = default("max_dwell")
    interact: bool = default("interact")
    max_frames: int = default("max_frames")
    frame_bytes: int = default("frame_bytes")
    body_bytes: int = default("body_bytes")
    dom_bytes: int = default("dom_bytes")
    afterlife: float = default("afterlife")
    profile: BrowserProfile = DESKTOP  # the browser the page sees
    clock_ahead: float = default("clock_ahead")

    def __post_init__(self) -> None:
        if self.dwell < 0 or self.max_dwell < self.dwell:
            raise ValueError("need 0 <= dwell <= max_dwell")
        if self.clock_ahead < 0:
            raise ValueError("clock_ahead must not be negative")
        if min(self.max_frames, self.frame_bytes, self.body_bytes, self.dom_bytes) < 0:
            raise ValueError("caps must not be negative")
        if not 0 <= self.afterlife <= 60:
            raise ValueError("need 0 <= afterlife <= 60 seconds")

    @classmethod
    def from_settings(cls, settings: ScanSettings, profile: BrowserProfile) -> InstrumentOptions:
        """The options of a visit with ``profile``, every page-level setting from ``settings``."""
        return cls(profile=profile, **{name: getattr(settings, name) for name in PAGE_SETTINGS})


@dataclass(frozen=True)
class Instrumented:
    """Everything the spider needs to build a PageVisit (see model/observations.py)."""

    title: str
    scripts: tuple[ScriptObservation, ...]
    inline_script_count: int
    requests: tuple[RequestObservation, ...]
    websockets: tuple[WebSocketSession, ...]
    workers: tuple[WorkerObservation, ...]
    wasm_modules: tuple[WasmModule, ...]
    cpu: CpuProfile | None
    dom: DomSnapshot | None
    crashed: bool = False  # the renderer died during the visit; the rest is what was seen
    watch: WatchRecord | None = None  # how the dwell went (None when it never started)
    errors: tuple[str, ...] = ()  # instrumentation problems worth a log line, one per entry
