"""What analysis concludes about a page visit: severities, verdicts, findings.

These are data, shared by the analyzers that produce them, storage that keeps them and the
reporters that show them; nothing here runs a rule (that is :mod:`analyzers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            choices = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {name!r}; choose one of {choices}") from None

    def __str__(self) -> str:
        return self.name.lower()


class Verdict(StrEnum):
    MINER = "miner"
    SUSPICIOUS = "suspicious"
    CLEAN = "clean"
    FAILED = "failed"  # nothing could be rendered, so nothing can be said

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Finding:
    """One piece of evidence a rule found on one page visit."""

    rule_id: str
    severity: Severity
    title: str  # one line; may quote page-controlled text, so reporters escape it
    evidence: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable
    confidence: float = 1.0  # 0..1: how sure the rule is that this is mining


@dataclass(frozen=True)
class AnalyzerError:
    rule_id: str
    url: str
    message: str


@dataclass(frozen=True)
class PageAnalysis:
    """What the analyzers concluded about one page visit."""

    verdict: Verdict
    confidence: float
    findings: tuple[Finding, ...] = ()
    reasons: tuple[str, ...] = ()  # the evidence chain behind the verdict, in words
    errors: tuple[AnalyzerError, ...] = ()


_RANK = {Verdict.FAILED: 0, Verdict.CLEAN: 1, Verdict.SUSPICIOUS: 2, Verdict.MINER: 3}
MAX_SITE_PAGES = 10  # pages named in a site verdict's reasons


def site_verdict(
    analyses: Sequence[PageAnalysis], *, urls: Sequence[str] = ()
) -> tuple[Verdict, float, tuple[str, ...]]:
    """The worst page verdict of a site, with its pages as the reasons.

    ``urls`` names the pages (same order as ``analyses``); without it pages are numbered.
    """
    if not analyses:
        return Verdict.FAILED, 0.0, ("no page of the site was visited",)
    names = list(urls) + [f"page {i + 1}" for i in range(len(urls), len(analyses))]
    worst = max((a.verdict for a in analyses), key=_RANK.__getitem__)
    pages = [(name, a) for name, a in zip(names, analyses) if a.verdict is worst]
    failed = sum(1 for a in analyses if a.verdict is Verdict.FAILED)
    if worst is Verdict.CLEAN:
        confidence = sum(a.confidence for _, a in pages) / len(analyses)
    else:
        confidence = max(a.confidence for _, a in pages)
    reasons = [_page_reason(name, a) for name, a in pages[:MAX_SITE_PAGES]]
    if len(pages) > MAX_SITE_PAGES:
        reasons.append(f"and {len(pages) - MAX_SITE_PAGES} more {worst} pages")
    if failed and worst is not Verdict.FAILED:
        reasons.append(f"{failed} of {len(analyses)} pages failed to render")
    return worst, round(confidence, 3), tuple(reasons)


def _page_reason(name: str, analysis: PageAnalysis) -> str:
    first = f": {analysis.reasons[0]}" if analysis.reasons else ""
    return f"{name} is {analysis.verdict} ({analysis.confidence:.2f}){first}"
