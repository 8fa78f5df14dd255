"""Store, then analyse, every visit off the browser's loop.

The crawler calls :meth:`AnalysisStage.on_visit` on its delivery thread (crawler/pipeline.py),
which is this stage's writer: it commits the visit, hands it to a process pool for analysis
(YARA, the wasm decoder and BeautifulSoup are CPU-bound Python: in a thread they would still
hold the GIL the browser's loop needs), and records each analysis once it comes back, in the
order the visits came. A visit is committed before it is analysed, so a scan killed at any
moment keeps every visit it had stored; ``--resume`` analyses the ones left without analysis.

Each pool process builds its own :class:`AnalysisContext` once (compiling the YARA rules,
loading the blocklists) from a :class:`ContextRecipe`, and imports every module that registered
a rule in the parent, so the rules it runs are the parent's; it refuses to start if its lists
and rules still differ. A context the recipe does not describe (built by hand from other lists),
or a pool that cannot start, is analysed on the writer thread instead, with a warning.
"""

from __future__ import annotations

import collections
import importlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from analyzers.base import registered_rules
from analyzers.engine import (
    SIGNATURE_VERSION,
    AnalysisContext,
    _signature_files,
    analyze_visit,
    compute_signature_version,
)
from minerscan.static_triage import static_triage
from model.analysis import PageAnalysis
from model.observations import PageVisit
from storage import Store

__all__ = ["AnalysisStage", "ContextRecipe", "default_analysis_workers"]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[PageVisit, PageAnalysis], None]
# Analyses submitted but not yet recorded, per pool process: enough to keep each one busy
# while the writer stores the next visit, few enough that a kill loses little work.
_PENDING_PER_WORKER = 4


def default_analysis_workers(cores: int | None = None) -> int:
    """One process per core beyond the first (the browser needs one), at least one, at most 4."""
    if cores is None:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:
            cores = os.cpu_count() or 1
    return max(1, min(4, cores - 1))


@dataclass(frozen=True)
class ContextRecipe:
    """How a pool process rebuilds the parent's AnalysisContext (no compiled objects inside)."""

    extra_lists: tuple[Path, ...]
    extra_rule_dirs: tuple[Path, ...]
    cores: int
    signature_version: str  # what the parent stores with each analysis
    rule_modules: tuple[str, ...]  # modules whose import registers the parent's rules
    # The signatures (files and rule ids) as the parent has them now, every rule registered:
    # the pool processes must arrive at the same.
    fingerprint: str

    @classmethod
    def of(cls, context: AnalysisContext, extra_lists: Sequence[Path]) -> ContextRecipe:
        modules = {r.check.__module__ for r in registered_rules().values()}
        lists = tuple(Path(p) for p in extra_lists)
        rule_dirs = tuple(context.extra_rule_dirs)
        return cls(
            extra_lists=lists,
            extra_rule_dirs=rule_dirs,
            cores=context.cores,
            signature_version=context.signature_version,
            rule_modules=tuple(sorted(m for m in modules if m != "__main__")),
            fingerprint=_fingerprint(lists, rule_dirs),
        )

    def describes(self, context: AnalysisContext) -> bool:
        """Whether the context was built from these lists and rules (as far as can be told:
        the engine's own version is computed when it is imported, perhaps before a rule)."""
        return context.signature_version in (self.fingerprint, SIGNATURE_VERSION)

    def build(self) -> AnalysisContext:
        for module in self.rule_modules:
            importlib.import_module(module)
        context = AnalysisContext.load(
            extra_lists=self.extra_lists, extra_rule_dirs=self.extra_rule_dirs, cores=self.cores
        )
        if _fingerprint(self.extra_lists, self.extra_rule_dirs) != self.fingerprint:
            raise RuntimeError("the analysis process loaded other signatures than the scan")
        return replace(context, signature_version=self.signature_version)


def _fingerprint(extra_lists: tuple[Path, ...], rule_dirs: tuple[Path, ...]) -> str:
    return compute_signature_version(extra_lists + tuple(_signature_files(rule_dirs)))


# -- in each pool process -------------------------------------------------------------------------

_WORKER_CONTEXT: AnalysisContext | None = None


def _start_worker(recipe: ContextRecipe) -> None:
    global _WORKER_CONTEXT
    # Ctrl-C reaches the whole process group; the parent decides when the pool stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_CONTEXT = recipe.build()


def _worker_ready() -> bool:
    return _WORKER_CONTEXT is not None


def _analyze_in_worker(visit: PageVisit, debug: bool) -> PageAnalysis:
    assert _WORKER_CONTEXT is not None
    return static_triage(visit, analyze_visit(visit, _WORKER_CONTEXT, debug=debug))


# -- in the scanning process ----------------------------------------------------------------------


@dataclass
class _Pending:
    visit_id: int
    visit: PageVisit
    future: Future[PageAnalysis]


class AnalysisStage:
    """Stores each visit, analyses it in a process pool, stores the analysis.

    ``workers=0`` analyses on the calling (writer) thread instead of a pool.
    """

    def __init__(
        self,
        store: Store,
        scan_id: int,
        context: AnalysisContext,
        recipe: ContextRecipe,
        *,
        workers: int,
        debug: bool = False,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.store = store
        self.scan_id = scan_id
        self.context = context
        self.debug = debug
        self.progress = progress
        self.errors = 0  # analyzer errors recorded
        self._pending: collections.deque[_Pending] = collections.deque()
        self._max_pending = max(1, workers) * _PENDING_PER_WORKER
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # on_visit (writer thread) against finish (main thread)
        self._check: Future[bool] | None = None  # whether the pool started
        if workers > 0 and not recipe.describes(context):
            log.warning(
                "the analysis context was not built from the scan's lists and rules: "
                "analysing on the storing thread"
            )
            workers = 0
        if workers > 0:
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(recipe,),
            )
            self._check = self._pool.submit(_worker_ready)  # also starts the processes

    # -- the writer ------------------------------------------------------------------------------

    def on_visit(self, visit: PageVisit) -> None:
        """Commit ``visit``, queue its analysis, record the analyses that are done."""
        with self._lock:
            visit_id = self.store.record_visit(self.scan_id, visit)
            self._record_done(block=False)
            while len(self._pending) >= self._max_pending:
                self._record_done(block=True, one=True)
            self._submit(visit_id, visit)

    def record_ready(self) -> None:
        """Record the analyses that are done (the writer calls this when no visit comes)."""
        with self._lock:
            self._record_done(block=False)

    def analyse_stored(self, visit_id: int, visit: PageVisit) -> None:
        """Queue the analysis of a visit already stored (one a killed run left unanalysed)."""
        with self._lock:
            while len(self._pending) >= self._max_pending:
                self._record_done(block=True, one=True)
            self._submit(visit_id, visit)

    def finish(self) -> None:
        """Record every analysis still pending, then stop the pool."""
        try:
            with self._lock:
                self._record_done(block=True)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def close(self) -> None:
        """Stop the pool without waiting for what is pending (after a failure)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # -- inside -------------------------------------------------------------------------------

    def _submit(self, visit_id: int, visit: PageVisit) -> None:
        future: Future[PageAnalysis]
        if self._pool is not None and self._pool_matches():
            try:
                future = self._pool.submit(_analyze_in_worker, visit, self.debug)
            except BrokenProcessPool:
                log.error("the analysis processes died; analysing on the storing thread")
                self._pool = None
                future = self._here(visit)
        else:
            future = self._here(visit)
        self._pending.append(_Pending(visit_id, visit, future))

    def _pool_matches(self) -> bool:
        if self._check is None:
            return True
        try:
            ready = self._check.result()
        except Exception as exc:  # noqa: BLE001 - a pool that cannot start is not fatal
            log.error(
                "analysis processes could not start (%s); analysing on the storing thread", exc
            )
            ready = False
        self._check = None
        if not ready:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        return ready

    def _here(self, visit: PageVisit) -> Future[PageAnalysis]:
        future: Future[PageAnalysis] = Future()
        try:
            future.set_result(
                static_triage(visit, analyze_visit(visit, self.context, debug=self.debug))
            )
        except Exception as exc:  # noqa: BLE001 - only under --debug: re-raised when recorded
            future.set_exception(exc)
        return future

    def _record_done(self, *, block: bool, one: bool = False) -> None:
        """Record finished analyses in visit order; wait for them when ``block``."""
        while self._pending and (block or self._pending[0].future.done()):
            item = self._pending.popleft()
            try:
                analysis = item.future.result()
            except BrokenProcessPool:
                log.error(
                    "an analysis process died; analysing %s on the storing thread", item.visit.url
                )
                self._pool = None
                analysis = static_triage(
                    item.visit, analyze_visit(item.visit, self.context, debug=self.debug)
                )
            self.errors += len(analysis.errors)
            self.store.record_analysis(item.visit_id, analysis, self.context.signature_version)
            if self.progress is not None:
                self.progress(item.visit, analysis)
            if one:
                return
