"""What of a page still runs after it was left: the pop-under, the shared worker, the socket.

Covert miners outlive the visit. A pop-under window keeps mining behind the browser; a shared
or service worker keeps its pool socket while any window of its origin is open. So after the
dwell the page is navigated to ``about:blank`` and closed, its browser context is kept for a
few seconds (less once nothing of the page is left in it), and whatever is still there is
recorded:

- windows: the context's other pages (each visit has a context of its own, so every other
  page in it was opened by the visited one);
- workers: ``Target.getTargets`` on a browser CDP session, filtered to the context;
- sockets and requests: the recorders keep running (Playwright on the windows, CDP on workers
  through a browser-level target tree: the page's own sessions die with the page), and from
  the moment of leaving they file only what happens after;
- CPU: /proc CPU of the renderer processes of the page and its windows over the window.

Every step is bounded: a hostile page costs at most ``seconds`` plus a few seconds' margin.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from model.observations import AfterlifeObservation, WorkerObservation

from . import procfs
from .context_workers import ContextWorkers
from .cpu import CpuMeter
from .renderers import confirmed, match_pid, session_metrics, target_metrics, worker_renderers
from .requests import RequestRecorder
from .targets import WORKER_TYPES, Target, TargetTree
from .websockets import WebSocketRecorder

log = logging.getLogger(__name__)

_STEP_TIMEOUT = 1.5  # any one CDP or page call
_LEAVE_TIMEOUT = 2.0  # navigating away, closing
_MARGIN = 5.0  # on top of ``seconds``, for setting up and summing up
_SAMPLE_EVERY = 0.5  # a renderer that exits keeps the CPU it had at its last sample
_PREPARE_TIMEOUT = 2.0
# Once the context holds no window and no worker, nothing of the page can run any more (its
# sockets and timers lived in them): the watch ends then, this long after leaving at the
# earliest, for the requests sent as the page unloaded (beacons) to be seen.
_EMPTY_AFTER = 0.5
_MAX_WINDOWS = 50  # a window storm is listed this far, and the first few measured
_MEASURED_WINDOWS = 8


@dataclass
class _Window:
    page: Any
    session: Any = None  # a CDP session, for its ProcessTime when no pid could be matched
    pid: int | None = None
    process_time: float | None = None  # at the start, when measured by ProcessTime


@dataclass
class _Watch:
    """State of one afterlife watch; whatever is in it when time is up is the answer."""

    left_at: float | None = None
    ended_at: float | None = None
    windows: list[_Window] = field(default_factory=list)
    pids: dict[int, float] = field(default_factory=dict)  # pid -> CPU at the start
    last_cpu: dict[int, float] = field(default_factory=dict)
    workers: list[WorkerObservation] = field(default_factory=list)
    live_targets: set[str] | None = None  # ids of the workers alive at the end, when known
    window_cpu: float = 0.0  # ProcessTime deltas of windows with no matched pid


class AfterlifeWatch:
    """Leaves the page and watches its browser context for ``seconds``."""

    def __init__(
        self,
        *,
        seconds: float,
        clock: Callable[[], float],
        tree: TargetTree | None,
        sockets: WebSocketRecorder | None,
        requests: RequestRecorder | None,
        cpu: CpuMeter | None,
        context_workers: ContextWorkers | None,
        page_url: str,
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._tree = tree
        self._sockets = sockets
        self._requests = requests
        self._cpu = cpu
        self._workers = context_workers
        self._page_url = page_url
        self._state = _Watch()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.errors: list[str] = []

    async def run(self, page: Any) -> AfterlifeObservation:
        """Never raises; the page is closed afterwards, and so is every window it opened."""
        try:
            await asyncio.wait_for(self._watch(page), self.seconds + _MARGIN)
        except Exception as exc:  # time is up, or the browser went away: what was seen stands
            self.errors.append(f"afterlife cut short: {type(exc).__name__}: {exc}")
        observation = self._observation()
        await self._clean_up(page)
        return observation

    # -- the watch --------------------------------------------------------------------------

    async def _watch(self, page: Any) -> None:
        state = self._state
        context = page.context
        try:  # a window too busy to answer is watched without its own CPU figure
            await asyncio.wait_for(self._prepare(page, context), _PREPARE_TIMEOUT)
        except TimeoutError:
            self.errors.append("afterlife: the page's windows did not answer in time")
        state.left_at = self._clock()
        if self._sockets is not None:
            self._sockets.leave()
        self._read_cpu(start=True)
        context.on("page", lambda popup: self._spawn(self._add_window(popup)))
        await self._leave(page)
        if self._workers is not None:
            await self._workers.follow_service_workers()
        deadline = state.left_at + self.seconds
        while (left := deadline - self._clock()) > 0:
            await asyncio.sleep(min(_SAMPLE_EVERY, left))
            self._read_cpu()
            if self._clock() - state.left_at >= _EMPTY_AFTER and await self._nothing_left():
                break
        state.ended_at = self._clock()
        await asyncio.gather(self._final_workers(), self._final_window_cpu())
        if self._requests is not None:
            await self._requests.settle(0.5)

    async def _nothing_left(self) -> bool:
        """Whether the browser says the context has no target left (no window, no worker of
        any kind). False whenever that cannot be told."""
        if self._workers is None or any(not w.page.is_closed() for w in self._state.windows):
            return False
        return await self._workers.empty()

    async def _prepare(self, page: Any, context: Any) -> None:
        """Before leaving: which renderer processes are the page's and its windows'."""
        state = self._state
        matched = self._cpu.renderer_pids() if self._cpu is not None else {}
        known = await confirmed(matched) | self._worker_pids()
        if not known and self._tree is not None and not page.is_closed():
            pid = await match_pid(lambda: target_metrics(self._tree.root), set())
            known = {pid} if pid is not None else set()
        for pid in known:
            state.pids[pid] = 0.0
        others = [p for p in context.pages if p is not page and not p.is_closed()]
        state.windows = [_Window(p) for p in others[:_MAX_WINDOWS]]
        measured = state.windows[:_MEASURED_WINDOWS]
        await asyncio.gather(*(self._measure_window(w, context) for w in measured))

    async def _leave(self, page: Any) -> None:
        if page.is_closed():
            return
        try:
            await asyncio.wait_for(page.goto("about:blank"), _LEAVE_TIMEOUT)
        except Exception as exc:  # a renderer that does not let go is closed all the same
            self.errors.append(f"leaving the page: {type(exc).__name__}")
        with contextlib.suppress(Exception):
            await asyncio.wait_for(page.close(), _LEAVE_TIMEOUT)

    # -- windows ----------------------------------------------------------------------------

    async def _add_window(self, popup: Any) -> None:
        if len(self._state.windows) >= _MAX_WINDOWS:
            return
        window = _Window(popup)
        self._state.windows.append(window)
        if len(self._state.windows) > _MEASURED_WINDOWS:
            return
        await self._measure_window(window, popup.context)
        if window.pid is not None and window.pid not in self._state.pids:
            cpu = procfs.process_cpu(window.pid)  # measured from when it was found
            if cpu is not None:
                self._state.pids[window.pid] = self._state.last_cpu[window.pid] = cpu

    async def _measure_window(self, window: _Window, context: Any) -> None:
        session = await self._bounded(context.new_cdp_session(window.page))
        if session is None:
            return
        window.session = session
        await self._bounded(session.send("Performance.enable"))

        async def metrics() -> dict[str, float] | None:
            return await session_metrics(session)

        window.pid = await match_pid(metrics, set(self._state.pids))
        if window.pid is None:
            reading = await metrics()
            window.process_time = (reading or {}).get("ProcessTime")
        elif window.pid not in self._state.pids and self._state.left_at is None:
            self._state.pids[window.pid] = 0.0

    async def _final_window_cpu(self) -> None:
        """ProcessTime deltas of the windows no renderer pid was found for."""
        pending = [
            w
            for w in self._state.windows
            if w.pid is None and w.process_time is not None and w.session is not None
        ]
        readings = await asyncio.gather(*(session_metrics(w.session) for w in pending))
        for window, reading in zip(pending, readings):
            end = (reading or {}).get("ProcessTime")
            if end is not None and window.process_time is not None:
                self._state.window_cpu += max(0.0, end - window.process_time)

    async def _final_workers(self) -> None:
        if self._workers is None:
            return
        trees = [self._workers.tree, *([self._tree] if self._tree is not None else [])]
        earlier = {t.target_id: t for tree in trees for t in tree.targets if t.target_id}
        live = await self._workers.targets()
        self._state.live_targets = {str(info.get("targetId", "")) for info in live}
        for info in live:
            kind = info.get("type")
            if kind not in WORKER_TYPES:
                continue
            seen: Target | None = earlier.get(str(info.get("targetId", "")))
            parent = "" if seen is None else seen.parent.context if seen.parent else "page"
            started = seen.attached_at if seen is not None else None
            self._state.workers.append(
                WorkerObservation(
                    url=str(info.get("url", "")),
                    type=WORKER_TYPES[kind],
                    parent=parent,
                    started_at=round(started, 3) if started is not None else None,
                )
            )

    def _worker_pids(self) -> set[int]:
        trees = [t for t in (self._tree, self._workers.tree if self._workers else None) if t]
        return worker_renderers([t for tree in trees for t in tree.targets], self._clock)

    # -- CPU --------------------------------------------------------------------------------

    def _read_cpu(self, start: bool = False) -> None:
        state = self._state
        for pid in list(state.pids):
            cpu = procfs.process_cpu(pid)
            if cpu is None:
                if start:
                    del state.pids[pid]  # gone already: nothing of it runs on
                continue  # exited: its last reading stands
            if start:
                state.pids[pid] = cpu
            state.last_cpu[pid] = cpu

    def _cpu_seconds(self) -> float:
        state = self._state
        burned = sum(
            max(0.0, state.last_cpu[pid] - start)
            for pid, start in state.pids.items()
            if pid in state.last_cpu
        )
        return round(burned + state.window_cpu, 3)

    # -- summing up -------------------------------------------------------------------------

    def _observation(self) -> AfterlifeObservation:
        state = self._state
        left_at = state.left_at
        if left_at is None:
            return AfterlifeObservation(seconds=0.0)
        ended = state.ended_at if state.ended_at is not None else self._clock()
        windows = []
        for window in state.windows:
            with contextlib.suppress(Exception):
                if not window.page.is_closed():
                    windows.append(window.page.url)
        return AfterlifeObservation(
            seconds=round(ended - left_at, 3),
            windows=tuple(windows),
            workers=tuple(state.workers),
            websockets=(
                self._sockets.afterlife_sessions(state.live_targets) if self._sockets else ()
            ),
            requests=(
                self._requests.requests(self._page_url, since=left_at) if self._requests else ()
            ),
            cpu_seconds=self._cpu_seconds(),
        )

    async def _clean_up(self, page: Any) -> None:
        """Close the page and every window (the spider closes the context after this)."""
        state = self._state
        pages = [page, *(w.page for w in state.windows)]
        await asyncio.gather(*(_close_page(p) for p in pages))
        if self._workers is not None:
            await self._workers.close()
        if self._requests is not None:
            await self._requests.settle(0.0)
        for task in list(self._tasks):
            task.cancel()

    # -- helpers ----------------------------------------------------------------------------

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _bounded(self, work: Awaitable[Any]) -> Any:
        try:
            return await asyncio.wait_for(work, _STEP_TIMEOUT)
        except Exception as exc:
            log.debug("afterlife step failed on %s: %s", self._page_url, exc)
            return None


async def _close_page(page: Any) -> None:
    with contextlib.suppress(Exception):
        if not page.is_closed():
            await asyncio.wait_for(page.close(), _LEAVE_TIMEOUT)
