"""Per-site verdicts: pages grouped by registrable domain, judged by the worst of them."""

from __future__ import annotations

from dataclasses import dataclass

from model.analysis import PageAnalysis, Verdict, site_verdict
from model.domains import registrable_domain
from model.results import PageResult, ScanResult


@dataclass(frozen=True)
class SiteResult:
    site: str  # registrable domain, or the bare host for IP addresses and localhost
    verdict: Verdict
    confidence: float
    reasons: tuple[str, ...]
    pages: int


def _analysis(page: PageResult) -> PageAnalysis:
    if page.analysis is not None:
        return page.analysis
    return PageAnalysis(page.verdict, 0.0)


def site_results(result: ScanResult) -> tuple[SiteResult, ...]:
    """One result per site, in the order the sites were first visited."""
    groups: dict[str, list[PageResult]] = {}
    for page in result.pages:
        groups.setdefault(registrable_domain(page.visit.url), []).append(page)
    sites = []
    for site, pages in groups.items():
        verdict, confidence, reasons = site_verdict(
            [_analysis(p) for p in pages], urls=[p.visit.final_url or p.visit.url for p in pages]
        )
        sites.append(SiteResult(site, verdict, confidence, reasons, len(pages)))
    return tuple(sites)
