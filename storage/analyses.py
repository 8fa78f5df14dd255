"""PageAnalysis and ScanInfo to rows and back."""

from __future__ import annotations

import time

from model.analysis import AnalyzerError, Finding, PageAnalysis, Severity, Verdict
from model.results import ScanInfo
from storage.models import AnalysisRow, AnalyzerErrorRow, FindingRow, ScanRow


def analysis_to_row(visit_id: int, analysis: PageAnalysis, signature_version: str) -> AnalysisRow:
    return AnalysisRow(
        visit_id=visit_id,
        signature_version=signature_version,
        verdict=analysis.verdict.value,
        confidence=analysis.confidence,
        reasons=list(analysis.reasons),
        created_at=time.time(),
        findings=[
            FindingRow(
                seq=i,
                rule_id=f.rule_id,
                severity=int(f.severity),
                title=f.title,
                evidence=f.evidence,
                confidence=f.confidence,
            )
            for i, f in enumerate(analysis.findings)
        ],
        errors=[
            AnalyzerErrorRow(seq=i, rule_id=e.rule_id, url=e.url, message=e.message)
            for i, e in enumerate(analysis.errors)
        ],
    )


def row_to_analysis(row: AnalysisRow) -> PageAnalysis:
    return PageAnalysis(
        verdict=Verdict(row.verdict),
        confidence=row.confidence,
        findings=tuple(
            Finding(
                rule_id=f.rule_id,
                severity=Severity(f.severity),
                title=f.title,
                evidence=f.evidence,
                confidence=f.confidence,
            )
            for f in row.findings
        ),
        reasons=tuple(row.reasons),
        errors=tuple(
            AnalyzerError(rule_id=e.rule_id, url=e.url, message=e.message) for e in row.errors
        ),
    )


def scan_info(row: ScanRow) -> ScanInfo:
    return ScanInfo(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        targets=tuple(row.targets),
        settings=dict(row.settings),
        tool_version=row.tool_version,
        signature_version=row.signature_version,
        analyzer_errors=row.analyzer_errors,
        stats=dict(row.stats or {}),
    )
