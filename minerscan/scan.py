"""One scan: crawl the targets, store every visit the moment it is complete, analyse it, report.

Each page visit is written (and committed) before anything else happens to it, and analysed
after, off the browser's loop (minerscan/stage.py), so a scan killed half-way keeps every visit
it had stored; ``--resume`` continues it and analyses what was stored but not analysed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import minerscan
from analyzers.engine import AnalysisContext, analyze_visit
from minerscan.config import ScanConfig
from minerscan.stage import AnalysisStage, ContextRecipe, default_analysis_workers
from minerscan.static_triage import static_triage
from model.analysis import PageAnalysis, Verdict
from model.observations import PageVisit
from model.results import ScanResult
from storage import Store

if TYPE_CHECKING:  # crawling imports Scrapy and Playwright: only scans pay for that
    from crawler.frontier import SiteFeed
    from crawler.run import CrawlConfig

log = logging.getLogger(__name__)

ProgressCallback = Callable[[PageVisit, PageAnalysis], None]


@dataclass(frozen=True)
class ScanOutcome:
    result: ScanResult
    incomplete: bool  # too many pages failed, or the crawl was interrupted
    interrupted: bool
    browser: str


def crawl_config_for(
    config: ScanConfig,
    skip_urls: frozenset[str] = frozenset(),
    skip_visits: frozenset[tuple[str, str]] = frozenset(),
) -> CrawlConfig:
    from crawler.run import CrawlConfig

    return CrawlConfig.from_settings(config, skip_urls=skip_urls, skip_visits=skip_visits)


def run_scan(
    config: ScanConfig,
    store: Store,
    context: AnalysisContext,
    progress: ProgressCallback | None = None,
    feed: SiteFeed | None = None,
    *,
    scheduled: Callable[[int], None] | None = None,
    extra_lists: Sequence[Path] | None = None,
    analysis_on_loop: bool = False,
) -> ScanOutcome:
    """Crawl, store, analyse. Crawling imports Scrapy and Playwright lazily (only scans need them).

    Visits are stored and analysed off the browser's loop (minerscan/stage.py). The analysis
    processes rebuild ``context`` from ``extra_lists`` (default: the lists of ``signatures
    update`` and the config's) and ``config.extra_rule_dirs``. ``analysis_on_loop`` stores and
    analyses inside the crawler's item pipeline instead, as scans once did (benchmarks only).

    A survey passes a ``feed`` (crawler.frontier): it learns the scan's id before the crawl
    starts, then hands the crawl its sites; ``progress`` is called once each visit is stored,
    ``scheduled`` each time the crawl schedules visits (a progress bar's "queued").
    """
    if config.static:  # --static: HTML and scripts fetched without a browser (crawler/static.py)
        from crawler.static import crawl_static as crawl
    else:
        from crawler.run import crawl

    scan_id = None
    skip: frozenset[str] = frozenset()
    skip_visits: frozenset[tuple[str, str]] = frozenset()
    if config.resume:
        scan_id = store.find_scan(list(config.targets), static=config.static)
        if scan_id is not None:
            skip, skip_visits = _already_visited(store, scan_id)
            log.info(
                "resuming scan %s: %d visits already stored", scan_id, len(skip) + len(skip_visits)
            )
    resumed = scan_id is not None
    if scan_id is None:
        scan_id = store.start_scan(
            list(config.targets),
            config.settings_record(),
            minerscan.__version__,
            context.signature_version,
        )

    if extra_lists is None:
        from minerscan.datadir import updated_lists

        extra_lists = [*updated_lists(), *config.extra_lists]
    workers = config.analysis_workers
    if workers is None:
        workers = default_analysis_workers()
    stage = AnalysisStage(
        store,
        scan_id,
        context,
        ContextRecipe.of(context, extra_lists),
        workers=0 if analysis_on_loop else workers,
        debug=config.debug,
        progress=progress,
    )
    started = time.monotonic()
    if feed is not None:
        feed.scan_started(scan_id)
    try:
        if resumed:
            _analyse_left_over(store, scan_id, stage)
        stats = crawl(
            crawl_config_for(config, skip, skip_visits),
            stage.on_visit,
            feed,
            deliver_on_loop=analysis_on_loop,
            on_idle=stage.record_ready,
            on_scheduled=scheduled,
        )
        try:
            stage.finish()
        except Exception as exc:
            from crawler.run import VisitSinkError

            raise VisitSinkError(f"storing an analysis failed: {exc!r}") from exc
    finally:
        stage.close()
    result = store.load_result(scan_id)
    failed = sum(1 for p in result.pages if p.verdict is Verdict.FAILED)
    total = len(result.pages)
    incomplete = stats.interrupted or total == 0 or failed / total > config.max_failed
    status = "interrupted" if stats.interrupted else ("incomplete" if incomplete else "complete")
    store.finish_scan(
        scan_id,
        status,
        {
            "pages": total,
            "failed": failed,
            "seconds": round(time.monotonic() - started, 2),
            "browser": stats.browser,
        },
        analyzer_errors=stage.errors,
    )
    return ScanOutcome(store.load_result(scan_id), incomplete, stats.interrupted, stats.browser)


def _analyse_left_over(store: Store, scan_id: int, stage: AnalysisStage) -> None:
    """Visits a killed run stored but did not analyse are analysed now."""
    missing = {page.visit_id for page in store.load_result(scan_id).pages if page.analysis is None}
    if not missing:
        return
    log.info("resuming scan %s: analysing %d stored visits", scan_id, len(missing))
    for visit_id, visit in store.iter_visits(scan_id, with_bodies=True):
        if visit_id in missing:
            stage.analyse_stored(visit_id, visit)


def _already_visited(
    store: Store, scan_id: int
) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """URLs done for every profile, and (url, profile) pairs done for one.

    A visit stored without a profile (before profiles existed) counts for all of them.
    """
    pairs = store.visited_pages(scan_id)
    everywhere = frozenset(url for url, profile in pairs if not profile)
    return everywhere, frozenset(pair for pair in pairs if pair[1])


def reanalyze(
    store: Store,
    scan_id: int,
    context: AnalysisContext,
    *,
    debug: bool = False,
    progress: ProgressCallback | None = None,
) -> ScanResult:
    """Run the current analyzers over a stored scan without crawling again."""
    errors = 0
    for visit_id, visit in store.iter_visits(scan_id, with_bodies=True):
        analysis = static_triage(visit, analyze_visit(visit, context, debug=debug))
        errors += len(analysis.errors)
        store.record_analysis(visit_id, analysis, context.signature_version)
        if progress is not None:
            progress(visit, analysis)
    store.note_reanalysis(scan_id, context.signature_version, errors)
    return store.load_result(scan_id)
