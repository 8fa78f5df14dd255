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

from .profiles import DESKTOP, BrowserProfile


@dataclass(frozen=True)
class InstrumentOptions:
    dwell: float = 5.0  # seconds to watch after load
    max_dwell: float = 15.0  # the dwell may extend up to this while workers/sockets still appear
    interact: bool = True  # move the mouse, scroll, press a key, click empty space
    max_frames: int = 20  # WebSocket frames kept per direction per socket
    frame_bytes: int = 4096  # per-frame payload cap
    body_bytes: int = 4 * 1024 * 1024  # per script / wasm body cap
    dom_bytes: int = 2 * 1024 * 1024  # served / rendered HTML cap
    # Seconds the browser context is watched after the page was left and closed, for pop-unders,
    # workers and sockets that outlive it; 0 skips the step. max_frames and frame_bytes also
    # bound what is kept of fetch/XHR/beacon bodies (calls per endpoint, bytes per body).
    afterlife: float = 3.0
    profile: BrowserProfile = DESKTOP  # the browser the page sees
    # How far the page's timers are run ahead during the dwell, so a miner waiting on a
    # long setTimeout starts while we watch; 0 leaves the page's clock alone.
    clock_ahead: float = 90.0

    def __post_init__(self) -> None:
        if self.dwell < 0 or self.max_dwell < self.dwell:
            raise ValueError("need 0 <= dwell <= max_dwell")
        if self.clock_ahead < 0:
            raise ValueError("clock_ahead must not be negative")
        if min(self.max_frames, self.frame_bytes, self.body_bytes, self.dom_bytes) < 0:
            raise ValueError("caps must not be negative")
        if not 0 <= self.afterlife <= 60:
            raise ValueError("need 0 <= afterlife <= 60 seconds")


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
