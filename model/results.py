"""What a finished (or interrupted) scan looks like to reporters: results, not the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.analysis import PageAnalysis, Verdict
from model.observations import PageVisit


@dataclass(frozen=True)
class ScanInfo:
    id: int
    started_at: float  # unix time
    finished_at: float | None
    status: str  # "running", "complete", "incomplete", "interrupted"
    targets: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    tool_version: str = ""
    signature_version: str = ""
    analyzer_errors: int = 0
    stats: dict[str, Any] = field(default_factory=dict)  # pages, failed, seconds, browser


@dataclass(frozen=True)
class PageResult:
    visit_id: int
    visit: PageVisit
    analysis: PageAnalysis | None  # None until analysed

    @property
    def verdict(self) -> Verdict:
        if self.analysis is not None:
            return self.analysis.verdict
        return Verdict.CLEAN if self.visit.ok else Verdict.FAILED


@dataclass(frozen=True)
class ScanResult:
    scan: ScanInfo
    pages: tuple[PageResult, ...] = ()
