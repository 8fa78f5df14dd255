"""What a rendered page yields: the typed observations every stage shares.

The crawler builds these, storage persists them, analyzers read them. Nothing here imports
Scrapy, Playwright or SQLAlchemy, so a stored crawl can be analysed again without a browser.

Every object is frozen; collections are tuples. A page that failed to load is still a
:class:`PageVisit`, with ``failure`` and ``error`` set, never ``None``.

"Context" strings name where something happened, in one format across the model:
``page``, ``frame:<url>``, ``worker:<url>``, ``shared_worker:<url>``, ``service_worker:<url>``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FailureReason(StrEnum):
    """Why a page visit produced no rendered page (or an incomplete one)."""

    TIMEOUT = "timeout"
    DNS = "dns"
    CONNECTION = "connection"  # refused, reset, unreachable
    TLS = "tls"
    HTTP_STATUS = "http_status"  # 4xx/5xx: still rendered and analysed when HTML
    NOT_HTML = "not_html"  # recorded, not rendered
    CRASH = "crash"  # renderer or browser died
    ROBOTS = "robots"  # forbidden by robots.txt
    ERROR = "error"  # anything else; ``PageVisit.error`` says what


class ScriptKind(StrEnum):
    EXTERNAL = "external"  # <script src>, importScripts, module imports
    INLINE = "inline"  # <script> text, event handlers
    WORKER = "worker"  # a worker's top-level script
    BLOB = "blob"  # loaded from a blob: URL
    DATA = "data"  # loaded from a data: URL
    EVAL = "eval"  # eval / new Function / setTimeout(string): no URL of its own


@dataclass(frozen=True)
class ScriptObservation:
    """One script the JavaScript engine compiled, in the page, a frame or a worker."""

    kind: ScriptKind
    url: str  # "" for inline and eval'd code
    context: str
    sha256: str
    size: int  # full size in bytes, even when ``body`` was capped
    body: bytes | None = None  # None when not captured; may be truncated to the body cap
    truncated: bool = False
    # The script whose code added this one at run time (inserted an inline <script>, called
    # eval / new Function), from the engine's stack when it compiled it; None otherwise.
    initiator_script: str | None = None


@dataclass(frozen=True)
class HttpBody:
    """A request or response body of a fetch/XHR/beacon call, kept so polling can be read."""

    text: str  # text verbatim; binary bodies as base64 (``binary`` is True); capped
    size: int  # size of the whole body, even when ``text`` was capped
    binary: bool = False
    truncated: bool = False


@dataclass(frozen=True)
class RequestObservation:
    url: str
    resource_type: str  # Playwright/CDP resource type: document, script, xhr, websocket, ...
    method: str = "GET"
    status: int | None = None  # None when the request failed before a response
    context: str = "page"  # who initiated it
    third_party: bool = False  # registrable domain differs from the visited page's
    failure: str | None = None  # network error text, when it failed
    time: float | None = None  # seconds since the visit started, when it was sent
    # For a script fetched because another script inserted its tag: that script's URL (the
    # request's initiator stack). None for tags in the served HTML (the parser loaded them).
    initiator_script: str | None = None
    # Bodies are kept for fetch/XHR/beacon calls only (capped, and only the first and the
    # most recent calls per endpoint), so a miner polling for work over HTTP can be read.
    request_body: HttpBody | None = None
    response_body: HttpBody | None = None


class FrameDirection(StrEnum):
    SENT = "sent"
    RECEIVED = "received"


@dataclass(frozen=True)
class WebSocketFrame:
    direction: FrameDirection
    time: float  # seconds since the visit started
    payload: str  # text frames verbatim; binary frames as base64 (``binary`` is True)
    size: int  # size of the whole frame, even when ``payload`` was capped
    binary: bool = False
    truncated: bool = False
    # Ordinal of this frame among all frames of its direction on its socket (0-based). The
    # recorder keeps the first N and the last N of each direction; a gap in ``index`` shows
    # where frames were counted but not kept.
    index: int = 0


@dataclass(frozen=True)
class WebSocketSession:
    url: str
    context: str  # who opened it: page, frame or worker
    opened_at: float  # seconds since the visit started
    closed_at: float | None = None
    close_code: int | None = None
    frames: tuple[WebSocketFrame, ...] = ()  # first N and last N per direction, by time
    frames_sent: int = 0  # totals, including frames not kept
    frames_received: int = 0
    initiator_script: str | None = None  # script URL from the opener's stack, when known
    error: str | None = None


@dataclass(frozen=True)
class WorkerObservation:
    url: str
    type: str  # "dedicated", "shared", "service"
    parent: str  # context of the frame or worker that started it
    started_at: float | None = None  # seconds since the visit started


@dataclass(frozen=True)
class WasmModule:
    sha256: str
    size: int
    context: str  # frame or worker that compiled it
    body: bytes | None = None
    exports: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()  # "module.name"
    truncated: bool = False


@dataclass(frozen=True)
class TargetCpu:
    """CPU seconds one execution context used during the dwell."""

    context: str  # page, frame:<url> (out-of-process frames), worker:<url>, ...
    cpu_seconds: float
    script_url: str | None = None  # the script the time is attributed to, when known


@dataclass(frozen=True)
class CpuProfile:
    """CPU the page burned while we watched it (the dwell, after load)."""

    dwell_seconds: float
    process_seconds: float  # renderer CPU summed over every process the page's frames run in
    main_thread_seconds: float  # the top page's main thread
    worker_seconds: float  # all workers (dedicated, shared, service), all processes
    per_target: tuple[TargetCpu, ...] = ()
    timeline: tuple[float, ...] = ()  # cores used in each second of the dwell
    demand_cores: float | None = None  # run time + run-queue wait / dwell, from schedstat
    machine_busy: float | None = None  # fraction of all cores busy during the dwell
    peak_workers: int = 0
    load_seconds: float = 0.0  # renderer CPU during navigation and load, before the dwell

    @property
    def cores(self) -> float:
        """Mean cores used over the dwell."""
        return self.process_seconds / self.dwell_seconds if self.dwell_seconds > 0 else 0.0

    @property
    def worker_cores(self) -> float:
        return self.worker_seconds / self.dwell_seconds if self.dwell_seconds > 0 else 0.0


@dataclass(frozen=True)
class DomInventory:
    """What a beautifulsoup4 pass found in one HTML document."""

    script_srcs: tuple[str, ...] = ()
    inline_scripts: int = 0
    iframes: tuple[str, ...] = ()
    inline_handlers: int = 0  # on*= attributes


@dataclass(frozen=True)
class DomSnapshot:
    served_html: str = ""  # size-capped
    rendered_html: str = ""  # size-capped
    served: DomInventory = field(default_factory=DomInventory)
    rendered: DomInventory = field(default_factory=DomInventory)

    @property
    def injected_script_srcs(self) -> tuple[str, ...]:
        """Script URLs present after rendering that the server did not send."""
        sent = set(self.served.script_srcs)
        return tuple(s for s in self.rendered.script_srcs if s not in sent)


@dataclass(frozen=True)
class WatchRecord:
    """How the page was watched after load: for how long, how far its clock ran ahead, why it ended."""

    watched_seconds: float  # real (wall-clock) seconds of the dwell; CPU is judged on these
    clock_advanced_seconds: float = 0.0  # how far the page's timers were fast-forwarded
    # Why watching stopped: "quiet" (nothing new after the minimum dwell), "max_dwell",
    # "crash", "closed" (the page closed itself), "error".
    stop_reason: str = ""
    interactions: tuple[
        str, ...
    ] = ()  # what was done: mouse, scroll, focus, visibility, key, click


@dataclass(frozen=True)
class AfterlifeObservation:
    """What of the page still ran after it was navigated away and closed.

    Covert miners outlive the visit: a pop-under window, a service or shared worker that keeps
    its pool socket, a page that re-opens itself. Only activity *after* leaving is recorded here.
    """

    seconds: float  # how long the browser context was watched after leaving the page
    windows: tuple[str, ...] = ()  # URLs of windows the page opened that were still open
    workers: tuple[WorkerObservation, ...] = ()  # workers still alive (service, shared, ...)
    # Sockets still open after leaving, with only the frames exchanged after leaving.
    websockets: tuple[WebSocketSession, ...] = ()
    requests: tuple[RequestObservation, ...] = ()  # requests made after leaving
    cpu_seconds: float = 0.0  # CPU burned by whatever was left running, over ``seconds``

    @property
    def cores(self) -> float:
        return self.cpu_seconds / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class PageVisit:
    """Everything observed while loading and watching one URL."""

    url: str  # as requested
    final_url: str = ""  # after redirects; "" when nothing loaded
    status: int | None = None
    title: str = ""
    content_type: str = ""
    depth: int = 0
    started_at: float = 0.0  # unix time
    load_seconds: float | None = None
    failure: FailureReason | None = None
    error: str | None = None  # one line, human-readable
    rendered: bool = False
    scripts: tuple[ScriptObservation, ...] = ()
    inline_script_count: int = 0
    requests: tuple[RequestObservation, ...] = ()
    websockets: tuple[WebSocketSession, ...] = ()
    workers: tuple[WorkerObservation, ...] = ()
    wasm_modules: tuple[WasmModule, ...] = ()
    cpu: CpuProfile | None = None
    dom: DomSnapshot | None = None
    profile: str = ""  # the browser profile the page was visited with (desktop, mobile, scanner)
    watch: WatchRecord | None = None
    afterlife: AfterlifeObservation | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None or self.failure is FailureReason.HTTP_STATUS
