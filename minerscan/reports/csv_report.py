"""CSV: one row per finding (pages without findings get one row with empty finding columns)."""

from __future__ import annotations

import csv
import io
import json

from minerscan.reports.escape import visible
from minerscan.reports.triage import NO_TRIAGE, Triage, page_findings
from model.results import ScanResult

COLUMNS = [
    "scan_id",
    "url",
    "final_url",
    "status",
    "verdict",
    "confidence",
    "error",
    "rule_id",
    "severity",
    "finding",
    "evidence",
    "fingerprint",
    "suppressed",  # the suppression's reason, when one applies
    "baselined",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Page-controlled text must not become a spreadsheet formula when the CSV is opened,
    nor a terminal escape sequence when it is ``cat``-ed (controls and bidi shown visibly)."""
    text = "" if value is None else visible(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def render(result: ScanResult, triage: Triage = NO_TRIAGE) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for page in result.pages:
        visit, analysis = page.visit, page.analysis
        base = [
            result.scan.id,
            visit.url,
            visit.final_url,
            visit.status,
            str(page.verdict),
            round(analysis.confidence, 3) if analysis else "",
            visit.error,
        ]
        findings = page_findings(page, triage)
        if not findings:
            writer.writerow([_cell(v) for v in base + [""] * 7])
        for item in findings:
            f, mark = item.finding, item.mark
            row = base + [
                f.rule_id,
                str(f.severity),
                f.title,
                json.dumps(f.evidence, ensure_ascii=False, default=str),
                mark.fingerprint,
                mark.suppression.reason if mark.suppression else "",
                "yes" if mark.in_baseline else "",
            ]
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()
