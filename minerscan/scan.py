"""One scan: crawl the targets, store every visit the moment it is complete, analyse it, report.

Each page visit is written (and committed) before anything else happens to it, and analysed right
after, so a scan killed half-way keeps every visit it had observed; ``--resume`` continues it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import minerscan
from analyzers.engine import AnalysisContext, analyze_visit
from minerscan.config import ScanConfig
from model.analysis import PageAnalysis, Verdict
from model.observations import PageVisit
from model.results import ScanResult
from storage import Store

if TYPE_CHECKING:  # crawling imports Scrapy and Playwright: only scans pay for that
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

    return CrawlConfig(
        targets=config.targets,
        depth=config.depth,
        max_pages=config.max_pages,
        obey_robots=config.obey_robots,
        concurrency=config.concurrency,
        dwell=config.dwell,
        max_dwell=config.max_dwell,
        interact=config.interact,
        max_frames=config.max_frames,
        frame_bytes=config.frame_bytes,
        body_bytes=config.body_bytes,
        dom_bytes=config.dom_bytes,
        page_timeout=config.page_timeout,
        browser_path=config.browser_path,
        closed_network=config.closed_network,
        ignore_https_errors=config.ignore_https_errors,
        recycle_browser=config.recycle_browser,
        skip_urls=skip_urls,
        skip_visits=skip_visits,
        profiles=config.profiles,
    )


def run_scan(
    config: ScanConfig,
    store: Store,
    context: AnalysisContext,
    progress: ProgressCallback | None = None,
) -> ScanOutcome:
    """Crawl, store, analyse. Crawling imports Scrapy and Playwright lazily (only scans need them)."""
    from crawler.run import crawl

    scan_id = None
    skip: frozenset[str] = frozenset()
    skip_visits: frozenset[tuple[str, str]] = frozenset()
    if config.resume:
        scan_id = store.find_scan(list(config.targets))
        if scan_id is not None:
            skip, skip_visits = _already_visited(store, scan_id)
            log.info(
                "resuming scan %s: %d visits already stored", scan_id, len(skip) + len(skip_visits)
            )
    if scan_id is None:
        scan_id = store.start_scan(
            list(config.targets),
            config.settings_record(),
            minerscan.__version__,
            context.signature_version,
        )

    errors = 0

    def on_visit(visit: PageVisit) -> None:
        nonlocal errors
        visit_id = store.record_visit(scan_id, visit)
        analysis = analyze_visit(visit, context, debug=config.debug)
        errors += len(analysis.errors)
        store.record_analysis(visit_id, analysis, context.signature_version)
        if progress is not None:
            progress(visit, analysis)

    started = time.monotonic()
    stats = crawl(crawl_config_for(config, skip, skip_visits), on_visit)
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
        analyzer_errors=errors,
    )
    return ScanOutcome(store.load_result(scan_id), incomplete, stats.interrupted, stats.browser)


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
        analysis = analyze_visit(visit, context, debug=debug)
        errors += len(analysis.errors)
        store.record_analysis(visit_id, analysis, context.signature_version)
        if progress is not None:
            progress(visit, analysis)
    store.note_reanalysis(scan_id, context.signature_version, errors)
    return store.load_result(scan_id)
