"""PageInstrumentation: attach before navigation, watch during the dwell, collect at the end."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING, Any

from model import TOOL_VERSION
from model.observations import ScriptObservation, WasmModule, WatchRecord, WorkerObservation

from . import dom as dom_module
from .afterlife import AfterlifeWatch
from .context_workers import ContextWorkers
from .cpu import CpuMeter
from .interaction import interact
from .options import Instrumented, InstrumentOptions
from .profiles import (
    Identity,
    chrome_version,
    identity,
    page_script,
    warp_call,
    worker_script,
)
from .requests import RequestRecorder
from .scripts import ScriptRecorder, enable_debugger
from .targets import AUTO_ATTACH, WORKER_TYPES, Target, TargetTree, monotonic_clock
from .websockets import WebSocketRecorder

if TYPE_CHECKING:
    from model.observations import AfterlifeObservation

log = logging.getLogger(__name__)

_SETUP_TIMEOUT = 5.0
_PAGE_CALL_TIMEOUT = 3.0
_MAX_SCRIPT_RESPONSES = 500
# The dwell goes on while something new happened this recently (seconds).
_RECENT = 2.0
# ...or while the page's CPU use still climbs by this many cores per second,
_RISING_CORES = 0.15
# ...or until a page that went busy late (a gate that opened, a timer run ahead) has been busy
# for this many samples: judged on one or two busy seconds at the end, a miner that started
# late looks like a burst, and on a loaded machine its climb is too slow to count as rising.
_BUSY_CORES = 0.1
_BUSY_SAMPLES = 3
# A working page the machine starved (it ran at least a throttled miner's 5 % of a core, asked
# for at least 0.2 cores and twice what it got) is watched longer in proportion, up to this
# many dwells. An idle page's wake-ups wait in the run queue too, but it does no work to wait.
_STARVED_MIN_CORES = 0.05
_STARVED_DEMAND = 0.2
_STARVED_STRETCH = 1.5
# After the load event, scrapy-playwright reads the DOM (page.content()) before our callback
# runs; that read needs the page's main thread. A page that spins it never answers, so past
# this grace its script is terminated, every _UNSTICK_INTERVAL, until the page is handed over.
_HANDOVER_GRACE = 3.0
_UNSTICK_INTERVAL = 1.0
# The page's timers run ahead by this much every this many real seconds, so a miner waiting
# a minute on setTimeout starts within the first few seconds of the dwell.
_CLOCK_STEP = 15.0
_CLOCK_PERIOD = 0.5
_CLOCK_CALL_TIMEOUT = 1.0
_INSTALL_TRIES = 200  # a worker's profile script, tried every _INSTALL_RETRY s (2 s in all)
_INSTALL_RETRY = 0.01
_CLOCK_MISSES = 6  # unanswered jumps in a row after which a worker keeps its own time


class PageInstrumentation:
    """Watches one Playwright page: its frames and workers, their scripts, sockets and CPU."""

    def __init__(self, options: InstrumentOptions, *, page_url: str) -> None:
        self.options = options
        self.page_url = page_url
        self._clock = monotonic_clock()
        self._tree: TargetTree | None = None
        self._scripts: ScriptRecorder | None = None
        self._sockets: WebSocketRecorder | None = None
        self._requests: RequestRecorder | None = None
        self._cpu: CpuMeter | None = None
        self._context_workers: ContextWorkers | None = None
        self._script_responses: dict[str, Any] = {}
        self._crashed = False
        self._closed = False
        self._errors: list[str] = []
        self._identity: Identity | None = None
        self._warp: str | None = None  # name of the page's hidden clock-warp function
        self._clock_advanced = 0.0
        self._interactions: list[str] = []
        self._watch: WatchRecord | None = None
        self._dwell_started: float | None = None

    # -- before navigation ------------------------------------------------------------------

    async def attach(self, page: Any) -> None:
        """Set up every listener and the CDP session; call before ``page.goto``."""
        self._clock = monotonic_clock()
        page.on("crash", lambda _: self._mark_crashed())
        page.on("close", lambda _: self._mark_closed())
        page.on("response", self._remember_script_response)
        await self._prepare_page(page)
        try:
            session = await asyncio.wait_for(page.context.new_cdp_session(page), _SETUP_TIMEOUT)
        except Exception as exc:
            self._errors.append(f"no CDP session: {exc}")
            self._sockets = WebSocketRecorder(
                _NullTree(),
                self._clock,  # type: ignore[arg-type]
                self.options.max_frames,
                self.options.frame_bytes,
            )
            self._sockets.attach(page)
            return
        tree = TargetTree(session, self._clock)
        self._tree = tree
        self._scripts = ScriptRecorder(tree, self.options.body_bytes)
        self._sockets = WebSocketRecorder(
            tree, self._clock, self.options.max_frames, self.options.frame_bytes
        )
        self._requests = RequestRecorder(
            tree,
            self.page_url,
            self._clock,
            max_calls=self.options.max_frames,
            body_bytes=self.options.frame_bytes,
        )
        self._cpu = CpuMeter(tree, self._clock)
        tree.on_attach(self._present_profile)  # first: overrides reach a child before it runs
        tree.on_attach(_prepare_child)
        tree.start()
        self._sockets.attach(page)
        self._requests.attach(page)
        root = tree.root
        await self._present_profile_to_page(page, root)
        enable_debugger(root)
        for method, params in (
            ("Network.enable", {}),
            ("Performance.enable", {}),
            ("Target.setAutoAttach", dict(AUTO_ATTACH)),
        ):
            if await root.send(method, params, timeout=_SETUP_TIMEOUT) is None:
                self._errors.append(f"{method} failed on the page")
        await self._cpu.baseline()
        await self._follow_context_workers(page)

    async def _follow_context_workers(self, page: Any) -> None:
        """Shared workers are no page's children: follow them from the browser (and, after
        leaving, whatever worker outlives the page)."""
        if self._tree is None or self._sockets is None or self._requests is None:
            return
        try:
            self._context_workers = await ContextWorkers.follow(
                page, self._tree.root, self._clock, (self._sockets, self._requests)
            )
        except Exception as exc:
            self._errors.append(f"shared workers not followed: {type(exc).__name__}: {exc}")

    def _mark_crashed(self) -> None:
        self._crashed = True

    async def unstick_until_handed_over(self, page: Any) -> None:
        """Terminate a main thread that blocks the hand-over of the loaded page.

        Run as a task from before navigation; the spider cancels it when the page reaches its
        callback or errback. Full Chromium and headless-shell differ in how early after load
        a spinning script grabs the main thread, so without this a scan could hang on one page
        for ever (``page.content()`` has no timeout). ``Runtime.terminateExecution`` goes over
        the session opened before the page ran, which still answers while the thread spins.
        """
        if self._tree is None:
            return
        try:
            loaded = asyncio.Event()
            page.once("load", lambda *_: loaded.set())
            await loaded.wait()
            await asyncio.sleep(_HANDOVER_GRACE)
            terminated = 0
            while True:
                await self._tree.root.send("Runtime.terminateExecution", timeout=1.0)
                terminated += 1
                if terminated == 1:
                    self._errors.append(
                        "the page's main thread did not yield after load; its script was terminated"
                    )
                await asyncio.sleep(_UNSTICK_INTERVAL)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the page went away: nothing left to unstick
            log.debug("unstick guard on %s ended: %s", self.page_url, exc)

    def _mark_closed(self) -> None:
        self._closed = True

    # -- the browser the page sees ----------------------------------------------------------

    async def _prepare_page(self, page: Any) -> None:
        """The profile's init script, before navigation, in every frame (Playwright also runs
        it in out-of-process ones), with the timers the dwell can run ahead.

        Not Playwright's ``page.clock``: its scripts run in the page's own world, where the
        script recorder would count them among the page's scripts.
        """
        runs_ahead = self.options.clock_ahead > 0 and self.options.profile.acts_human
        warp = f"__{secrets.token_hex(8)}" if runs_ahead else None
        script = page_script(self.options.profile, warp)
        try:
            await asyncio.wait_for(page.add_init_script(script), _SETUP_TIMEOUT)
            self._warp = warp
        except Exception as exc:
            self._errors.append(f"profile script not installed: {type(exc).__name__}: {exc}")

    async def _present_profile_to_page(self, page: Any, root: Target) -> None:
        profile = self.options.profile
        version = ""
        try:
            version = page.context.browser.version
        except Exception:  # a persistent context has no Browser object
            reply = await root.send("Browser.getVersion", timeout=_SETUP_TIMEOUT)
            version = str((reply or {}).get("product", ""))
        self._identity = identity(profile, chrome_version(version), TOOL_VERSION)
        override = self._identity.override()
        if await root.send("Emulation.setUserAgentOverride", override) is None:
            # An older Chromium that does not know formFactors refuses the whole override.
            self._identity = _without_form_factors(self._identity)
            override = self._identity.override()
            if await root.send("Emulation.setUserAgentOverride", override) is None:
                self._errors.append("user agent override failed on the page")
        if profile.hardware_concurrency is not None:
            await root.send(
                "Emulation.setHardwareConcurrencyOverride",
                {"hardwareConcurrency": profile.hardware_concurrency},
            )
        # A focused, visible tab (Playwright asks for this too; keep it true whatever it does).
        if profile.acts_human:
            await root.send("Emulation.setFocusEmulationEnabled", {"enabled": True})

    def _present_profile(self, target: Target) -> None:
        """Attach hook: the same browser in frames and workers, sent before they are resumed.

        Workers inherit the page's user agent but not its core count, and init scripts never
        run in them. Playwright resumes dedicated workers itself, so their first few
        milliseconds may still see the machine's values; service and shared workers wait.
        """
        if self._identity is None:
            return
        profile = self.options.profile
        target.post("Emulation.setUserAgentOverride", self._identity.override())
        if profile.hardware_concurrency is not None:
            target.post(
                "Emulation.setHardwareConcurrencyOverride",
                {"hardwareConcurrency": profile.hardware_concurrency},
            )
        # Dedicated workers get the page's runnable-ahead timers (a miner may wait inside its
        # worker); shared and service workers outlive the page and keep real time.
        script = worker_script(profile, self._warp if target.type == "worker" else None)
        if target.is_worker and script is not None:
            target.tree.spawn(self._install_in_worker(target, script))

    async def _install_in_worker(self, target: Target, script: str) -> None:
        """Evaluate the worker's profile script, again until it takes.

        Chromium holds a new worker before its global scope is set up: an evaluation that
        early finds no ``setTimeout`` or ``navigator`` and throws. Tried again every few
        milliseconds, it takes as soon as the worker runs (the script is idempotent)."""
        for _ in range(_INSTALL_TRIES):
            reply = await target.send(
                "Runtime.evaluate", {"expression": script, "silent": True}, timeout=2.0
            )
            if reply is None or target.detached:
                return  # gone, or not answering: nothing more to do
            result = reply.get("result") or {}
            if "exceptionDetails" not in reply and result.get("subtype") != "error":
                return
            await asyncio.sleep(_INSTALL_RETRY)
        self._errors.append(f"profile script not installed in worker {target.url}")

    def _remember_script_response(self, response: Any) -> None:
        # Kept so a worker that never answered the debugger still has its script body.
        try:
            if (
                response.request.resource_type == "script"
                and len(self._script_responses) < _MAX_SCRIPT_RESPONSES
            ):
                self._script_responses.setdefault(response.url, response)
        except Exception as exc:  # the response's page went away
            log.debug("cannot keep script response: %s", exc)

    # -- the dwell --------------------------------------------------------------------------

    async def watch(self, page: Any) -> WatchRecord:
        """Watch the loaded page for ``dwell`` seconds, longer (to ``max_dwell``) while it
        is still starting workers, opening sockets or ramping up its CPU.

        Meanwhile a person's activity is played on the page (see ``interaction.py``) and its
        timers are run ahead, so miners waiting for a human or for a minute to pass start
        while we watch. CPU is still measured over the real seconds of the dwell.
        """
        self._dwell_started = None
        reason = "error"
        try:
            reason = await asyncio.wait_for(self._dwell(page), self.options.max_dwell + 5.0)
        except Exception as exc:  # timeout or a closed page: what was sampled stands
            self._errors.append(f"dwell cut short: {type(exc).__name__}: {exc}")
            reason = self._ended_by() or "error"
        started = self._dwell_started
        self._watch = WatchRecord(
            watched_seconds=round(self._clock() - started, 3) if started is not None else 0.0,
            clock_advanced_seconds=round(self._clock_advanced, 3),
            stop_reason=reason,
            interactions=tuple(dict.fromkeys(self._interactions)),
        )
        return self._watch

    def _ended_by(self) -> str | None:
        if self._crashed:
            return "crash"
        if self._closed:
            return "closed"
        return None

    async def _dwell(self, page: Any) -> str:
        cpu = self._cpu
        helpers: list[asyncio.Future[Any]] = []
        if cpu is not None:
            await cpu.sample()
        started = self._dwell_started = self._clock()
        if self.options.interact:
            root = self._tree.root if self._tree is not None else None
            helpers.append(
                asyncio.ensure_future(
                    interact(
                        page,
                        self._interactions,
                        root=root,
                        human=self.options.profile.acts_human,
                    )
                )
            )
        clock = (
            asyncio.ensure_future(self._run_clock_ahead())
            if self._warp is not None and self._tree is not None
            else None
        )
        if clock is not None:
            helpers.append(clock)
        try:
            while True:
                ended = self._ended_by()
                if ended is not None:
                    return ended
                elapsed = self._clock() - started
                if elapsed >= self.options.max_dwell - 1e-3:
                    return "max_dwell"
                clock_done = clock is None or clock.done()
                if (
                    elapsed >= self.options.dwell - 1e-3
                    and clock_done
                    and not self._still_starting()
                    and not self._starved_for(elapsed)
                ):
                    return "quiet"
                step = min(1.0, self.options.max_dwell - elapsed)
                if elapsed < self.options.dwell:
                    step = min(step, self.options.dwell - elapsed)
                await asyncio.sleep(max(step, 0.05))
                if cpu is None:
                    continue
                try:
                    await cpu.sample()
                except Exception as exc:  # one bad sample must not end the dwell early
                    log.debug("CPU sample failed on %s: %s", self.page_url, exc)
                    self._errors.append(f"CPU sample failed: {type(exc).__name__}: {exc}")
        finally:
            for helper in helpers:
                if not helper.done():
                    helper.cancel()

    async def _run_clock_ahead(self) -> None:
        """Run the page's clock ahead in steps until ``clock_ahead`` seconds are gone.

        Each jump fires every due timer once, so an interval or a throttling loop runs a
        little more often, never in a burst. Cross-site frames jump with the page. Each
        dedicated worker has its own ``clock_ahead``, counted from its first jump that it
        answered: a worker started late, or slow to run its script on a loaded machine,
        still gets its minute (shared and service workers keep real time). A page that does
        not answer (a spinning main thread) is left at the time it reached; a worker that
        does not answer a few jumps in a row is left too.
        """
        tree, warp = self._tree, self._warp
        if tree is None or warp is None:
            return
        budget = self.options.clock_ahead
        workers: dict[Target, list[float]] = {}  # worker -> [seconds advanced, misses]
        page_going = True
        while True:
            for child in tree.targets:
                if child.type == "worker" and not child.detached:
                    workers.setdefault(child, [0.0, 0.0])
            going = [
                w
                for w, (done, misses) in workers.items()
                if not w.detached and done < budget - 1e-6 and misses < _CLOCK_MISSES
            ]
            if not page_going and not going:
                return
            await asyncio.sleep(_CLOCK_PERIOD)
            calls = []
            if page_going:
                amount = min(_CLOCK_STEP, budget - self._clock_advanced)
                call = {"expression": warp_call(warp, amount), "returnByValue": True}
                # Cross-site frames run their own copy in their own process.
                for child in tree.targets:
                    if child.type == "iframe" and not child.detached:
                        child.post("Runtime.evaluate", dict(call))
                calls.append(
                    (
                        None,
                        amount,
                        tree.root.send("Runtime.evaluate", call, timeout=_CLOCK_CALL_TIMEOUT),
                    )
                )
            for worker in going:
                amount = min(_CLOCK_STEP, budget - workers[worker][0])
                call = {"expression": warp_call(warp, amount), "returnByValue": True}
                calls.append(
                    (
                        worker,
                        amount,
                        worker.send("Runtime.evaluate", call, timeout=_CLOCK_CALL_TIMEOUT),
                    )
                )
            replies = await asyncio.gather(*(c for _, _, c in calls), return_exceptions=True)
            for (worker, amount, _), reply in zip(calls, replies, strict=True):
                value = (
                    ((reply or {}).get("result") or {}).get("value")
                    if isinstance(reply, dict)
                    else None
                )
                answered = isinstance(value, (int, float))
                if worker is None:
                    if not answered:
                        log.debug("clock warp stopped on %s: %s", self.page_url, reply)
                        page_going = False
                        continue
                    self._clock_advanced += amount
                    page_going = self._clock_advanced < budget - 1e-6
                elif answered:
                    workers[worker][0] += amount
                    workers[worker][1] = 0.0
                else:  # not yet running its script, or busy: try again, a few times
                    workers[worker][1] += 1
                    log.debug("clock warp missed in %s: %s", worker.url, reply)

    def _starved_for(self, elapsed: float) -> bool:
        """Whether a working page the machine starved still needs watching: it got a fraction
        of the CPU it asked for (demand at least twice the cores it got), so it is watched
        longer in proportion, up to 1.5 dwells, to trade more of its work while we watch."""
        if self._cpu is None:
            return False
        try:
            profile = self._cpu.profile(0)
        except Exception as exc:  # a half-read sample: judge the next one
            log.debug("CPU profile so far failed on %s: %s", self.page_url, exc)
            return False
        if profile is None or profile.demand_cores is None:
            return False
        if profile.cores < _STARVED_MIN_CORES:
            return False
        demand = profile.demand_cores
        if demand < _STARVED_DEMAND or demand < 2 * profile.cores:
            return False
        stretch = min(demand / profile.cores, _STARVED_STRETCH)
        return elapsed < self.options.dwell * stretch

    def _still_starting(self) -> bool:
        now = self._clock()
        tree = self._tree
        if tree is not None and any(
            t.attached_at > now - _RECENT for t in tree.targets if t.parent is not None
        ):
            return True
        opened = self._sockets.last_opened_at() if self._sockets else None
        if opened is not None and opened > now - _RECENT:
            return True
        timeline = self._cpu.timeline_so_far() if self._cpu else ()
        if len(timeline) >= 2 and timeline[-1] - timeline[-2] > _RISING_CORES:
            return True
        return went_busy_lately(timeline)

    # -- after the dwell --------------------------------------------------------------------

    async def collect(self, page: Any, served_html: str | None = None) -> Instrumented:
        """Everything observed. Never raises for page-caused problems."""
        try:
            return await asyncio.wait_for(self._collect(page, served_html), 20.0)
        except Exception as exc:
            log.warning("collecting %s failed: %s", self.page_url, exc)
            self._errors.append(f"collect failed: {type(exc).__name__}: {exc}")
            return Instrumented(
                title="",
                scripts=(),
                inline_script_count=0,
                requests=(),
                websockets=self._sockets.sessions() if self._sockets else (),
                workers=(),
                wasm_modules=(),
                cpu=None,
                dom=None,
                crashed=self._crashed,
                watch=self._watch,
                errors=tuple(self._errors),
            )

    async def _collect(self, page: Any, served_html: str | None) -> Instrumented:
        tree = self._tree
        # All bounded and concurrent, so a hung or crashed page costs a few seconds at most.
        _, _, _, title, rendered = await asyncio.gather(
            tree.refresh_urls() if tree is not None else asyncio.sleep(0),
            self._requests.settle(2.0) if self._requests is not None else asyncio.sleep(0),
            self._scripts.settle(2.5) if self._scripts is not None else asyncio.sleep(0),
            self._page_call(page.title()),
            self._page_call(page.content()) if not self._crashed else asyncio.sleep(0),
        )
        if not isinstance(title, str) or not title:
            title = await self._title_from_browser(page)
        rendered = rendered if isinstance(rendered, str) else None
        final_url = self._final_url(page)
        # Parsing both documents (a hostile one can be many MB) must not hold up the loop
        # that every other page's dwell runs on.
        snapshot = await asyncio.to_thread(
            dom_module.snapshot, served_html, rendered, final_url, self.options.dom_bytes
        )
        workers = self._workers()
        scripts: tuple[ScriptObservation, ...] = ()
        wasm: tuple[WasmModule, ...] = ()
        if self._scripts is not None:
            fallback = await self._worker_script_bodies(workers)
            scripts = self._scripts.scripts(self._document_urls(page, final_url), fallback)
            wasm = self._scripts.wasm_modules()
        result = Instrumented(
            title=title,
            scripts=scripts,
            inline_script_count=snapshot.rendered.inline_scripts if snapshot else 0,
            requests=self._requests.requests(final_url) if self._requests else (),
            websockets=self._sockets.sessions() if self._sockets else (),
            workers=workers,
            wasm_modules=wasm,
            cpu=self._cpu.profile(len(workers)) if self._cpu else None,
            dom=snapshot,
            crashed=self._crashed,
            watch=self._watch,
            errors=tuple(self._errors),
        )
        if tree is not None:
            await tree.close()
        if self.options.afterlife <= 0 and self._context_workers is not None:
            await self._context_workers.close()
        return result

    async def afterlife(self, page: Any) -> AfterlifeObservation | None:
        """After ``collect``: leave and close the page, then watch for ``options.afterlife``
        seconds what of it still runs (windows, workers, sockets, requests, CPU)."""
        if self.options.afterlife <= 0:
            return None
        if self._context_workers is not None:
            self._context_workers.hold()
        watch = AfterlifeWatch(
            seconds=self.options.afterlife,
            clock=self._clock,
            tree=self._tree,
            sockets=self._sockets,
            requests=self._requests,
            cpu=self._cpu,
            context_workers=self._context_workers,
            page_url=self.page_url,
        )
        observation = await watch.run(page)
        for problem in watch.errors:
            log.info("%s: %s", self.page_url, problem)
        return observation

    async def _title_from_browser(self, page: Any) -> str:
        """The title as the browser knows it: answers even when the renderer is blocked
        (a modal dialog, a spinning main thread), where ``page.title()`` cannot."""
        if self._tree is None:
            return ""
        reply = await self._tree.root.send("Target.getTargetInfo", timeout=1.0)
        info = (reply or {}).get("targetInfo") or {}
        title = str(info.get("title") or "")
        # With no <title>, Chromium shows the URL (without the scheme) instead.
        url = str(info.get("url") or "")
        return "" if not title or url.endswith(title) else title

    async def _page_call(self, call: Any) -> Any:
        try:
            return await asyncio.wait_for(call, _PAGE_CALL_TIMEOUT)
        except Exception as exc:
            log.debug("page call failed on %s: %s", self.page_url, exc)
            return None

    def _final_url(self, page: Any) -> str:
        try:
            url = page.url
        except Exception:
            url = ""
        return url if url and url != "about:blank" else self.page_url

    def _document_urls(self, page: Any, final_url: str) -> set[str]:
        urls = {self.page_url, final_url}
        try:
            urls |= {frame.url for frame in page.frames}
        except Exception as exc:  # a closed or crashed page has no frames to list
            log.debug("cannot list frames: %s", exc)
        if self._tree is not None:
            urls |= {t.url for t in self._tree.targets if t.type == "iframe"}
        urls.discard("")
        return urls

    def _workers(self) -> tuple[WorkerObservation, ...]:
        if self._tree is None:
            return ()
        shared = self._context_workers.workers() if self._context_workers else []
        return tuple(
            WorkerObservation(
                url=t.url,
                type=WORKER_TYPES[t.type],
                parent=t.parent.context if t.parent else "page",
                started_at=round(t.attached_at, 3),
            )
            for t in [*self._tree.targets, *shared]
            if t.is_worker
        )

    async def _worker_script_bodies(
        self, workers: tuple[WorkerObservation, ...]
    ) -> dict[str, bytes]:
        """Bodies of worker scripts, from the network, for workers too busy to answer."""
        bodies: dict[str, bytes] = {}
        for worker in workers:
            response = self._script_responses.get(worker.url)
            if response is None or worker.url in bodies:
                continue
            body = await self._page_call(response.body())
            if isinstance(body, bytes):
                bodies[worker.url] = body
        return bodies


def went_busy_lately(timeline: tuple[float, ...]) -> bool:
    """Whether the page was idle at first and has been busy for fewer than three samples."""
    busy = 0
    for sample in reversed(timeline):
        if sample < _BUSY_CORES:
            break
        busy += 1
    return 0 < busy < min(_BUSY_SAMPLES, len(timeline))


def _prepare_child(target: Target) -> None:
    """Domains every new child gets before it is resumed (the tree resumes it next)."""
    enable_debugger(target)
    if target.type in ("iframe", *WORKER_TYPES):
        target.post("Network.enable")
    if target.type == "iframe":
        target.post("Performance.enable")


def _without_form_factors(found: Identity) -> Identity:
    metadata = {k: v for k, v in found.metadata.items() if k != "formFactors"}
    return Identity(found.user_agent, found.accept_language, metadata)


class _NullTree:
    """Stands in for the target tree when no CDP session could be opened."""

    def __init__(self) -> None:
        self.targets: list[Target] = []

    def on(self, *_: Any) -> None:
        pass
