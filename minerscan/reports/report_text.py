"""The content the HTML and Markdown reports share: sections, in order, as plain data.

Both formats show the same things (a summary by verdict, sites, flagged pages with evidence and
advice, every page, the scan's settings); only the markup differs. Strings here are raw and
page-controlled; each renderer escapes them for its own syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from minerscan.reports.advice import Advice, EvidenceItem, advice_for, evidence_items
from minerscan.reports.triage import NO_TRIAGE, MarkedFinding, Triage, page_findings
from model.analysis import Verdict
from model.results import PageResult, ScanResult

FLAGGED = (Verdict.MINER, Verdict.SUSPICIOUS)


@dataclass(frozen=True)
class FindingView:
    marked: MarkedFinding
    evidence: tuple[EvidenceItem, ...]

    @property
    def status(self) -> str:
        """ "" when it counts; otherwise why it does not (shown next to the finding)."""
        mark = self.marked.mark
        if mark.suppression is not None:
            s = mark.suppression
            until = f", until {s.expires.isoformat()}" if s.expires else ""
            return f"suppressed ({s.reason}{until})"
        if mark.in_baseline:
            return "in baseline"
        return ""


@dataclass(frozen=True)
class PageView:
    page: PageResult
    findings: tuple[FindingView, ...]
    advice: Advice | None  # for flagged pages only

    @property
    def url(self) -> str:
        return self.page.visit.final_url or self.page.visit.url

    @property
    def flagged(self) -> bool:
        return self.page.verdict in FLAGGED


def page_view(page: PageResult, triage: Triage = NO_TRIAGE) -> PageView:
    marked = page_findings(page, triage)
    views = tuple(FindingView(m, tuple(evidence_items(page, m.finding))) for m in marked)
    counting = [m.finding for m in marked if m.mark.counts] or [m.finding for m in marked]
    advice = advice_for(page, counting) if page.verdict in FLAGGED else None
    return PageView(page, views, advice)


def detailed_pages(result: ScanResult, triage: Triage = NO_TRIAGE) -> list[PageView]:
    """Pages with findings, flagged ones (miner first) before the rest, else in visit order."""
    order = {Verdict.MINER: 0, Verdict.SUSPICIOUS: 1}
    views = [page_view(p, triage) for p in result.pages if p.analysis and p.analysis.findings]
    return sorted(views, key=lambda v: order.get(v.page.verdict, 2))


def when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cpu_cell(page: PageResult) -> str:
    cpu = page.visit.cpu
    if cpu is None:
        return "-"
    return f"{cpu.worker_seconds:.2f} / {cpu.process_seconds:.2f}"


def watch_cell(page: PageResult) -> str:
    watch = page.visit.watch
    profile = page.visit.profile or "-"
    if watch is None:
        return profile
    reason = f", {watch.stop_reason}" if watch.stop_reason else ""
    return f"{profile}, {watch.watched_seconds:.1f} s{reason}"
