"""CSV: one row per finding (pages without findings get one row with empty finding columns)."""

from __future__ import annotations

import csv
import io
import json

from minerscan.results import ScanResult

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
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Page-controlled text must not become a spreadsheet formula when the CSV is opened."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render(result: ScanResult) -> str:
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
        findings = analysis.findings if analysis else ()
        if not findings:
            writer.writerow([_cell(v) for v in base + ["", "", "", ""]])
        for f in findings:
            row = base + [
                f.rule_id,
                str(f.severity),
                f.title,
                json.dumps(f.evidence, ensure_ascii=False, default=str),
            ]
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()
