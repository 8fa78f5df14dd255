"""JSON and JSON Lines: the machine-readable report.

Shape (later versions extend it, never break it)::

    {"scan": {id, started_at, finished_at, status, targets, settings, tool_version,
              signature_version, database, analyzer_errors},
     "summary": {pages, miner, suspicious, clean, failed},
     "sites": [{site, verdict, confidence, reasons, pages}],
     "pages": [{url, final_url, status, title, verdict, confidence, reasons, error, failure,
                load_seconds, cpu, websockets, workers, findings: [{rule_id, severity, title,
                evidence, confidence}]}]}

JSON escapes every page-controlled string itself; nothing else is needed to make it safe.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from minerscan.reports.sites import SiteResult, site_results
from minerscan.results import PageResult, ScanResult


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).isoformat(timespec="seconds")


def scan_record(result: ScanResult, db_url: str = "") -> dict[str, Any]:
    scan = result.scan
    return {
        "id": scan.id,
        "started_at": _iso(scan.started_at),
        "finished_at": _iso(scan.finished_at),
        "status": scan.status,
        "targets": list(scan.targets),
        "settings": scan.settings,
        "tool_version": scan.tool_version,
        "signature_version": scan.signature_version,
        "database": db_url,
        "analyzer_errors": scan.analyzer_errors,
    }


def summary(result: ScanResult) -> dict[str, int]:
    counts = Counter(str(p.verdict) for p in result.pages)
    return {
        "pages": len(result.pages),
        **{v: counts.get(v, 0) for v in ("miner", "suspicious", "clean", "failed")},
    }


def site_record(site: SiteResult) -> dict[str, Any]:
    return {
        "site": site.site,
        "verdict": str(site.verdict),
        "confidence": site.confidence,
        "reasons": list(site.reasons),
        "pages": site.pages,
    }


def page_record(page: PageResult) -> dict[str, Any]:
    visit, analysis = page.visit, page.analysis
    cpu = visit.cpu
    return {
        "url": visit.url,
        "final_url": visit.final_url or None,
        "status": visit.status,
        "title": visit.title,
        "verdict": str(page.verdict),
        "confidence": round(analysis.confidence, 3) if analysis else None,
        "reasons": list(analysis.reasons) if analysis else [],
        "error": visit.error,
        "failure": visit.failure.value if visit.failure else None,
        "load_seconds": visit.load_seconds,
        "cpu": None
        if cpu is None
        else {
            "dwell_seconds": round(cpu.dwell_seconds, 2),
            "process_seconds": round(cpu.process_seconds, 3),
            "worker_seconds": round(cpu.worker_seconds, 3),
            "main_thread_seconds": round(cpu.main_thread_seconds, 3),
            "demand_cores": cpu.demand_cores,
            "peak_workers": cpu.peak_workers,
        },
        "websockets": [ws.url for ws in visit.websockets],
        "workers": [w.url for w in visit.workers],
        "findings": [
            {
                "rule_id": f.rule_id,
                "severity": str(f.severity),
                "title": f.title,
                "evidence": f.evidence,
                "confidence": f.confidence,
            }
            for f in (analysis.findings if analysis else ())
        ],
    }


def render(result: ScanResult, db_url: str = "") -> str:
    doc = {
        "scan": scan_record(result, db_url),
        "summary": summary(result),
        "sites": [site_record(s) for s in site_results(result)],
        "pages": [page_record(p) for p in result.pages],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def render_lines(result: ScanResult, db_url: str = "") -> str:
    """One JSON object per line: the scan first, then one line per site, then one per page."""
    lines = [
        json.dumps(
            {"type": "scan", **scan_record(result, db_url), "summary": summary(result)},
            ensure_ascii=False,
            default=str,
        )
    ]
    lines += [
        json.dumps(
            {"type": "site", "scan_id": result.scan.id, **site_record(s)},
            ensure_ascii=False,
            default=str,
        )
        for s in site_results(result)
    ]
    lines += [
        json.dumps(
            {"type": "page", "scan_id": result.scan.id, **page_record(p)},
            ensure_ascii=False,
            default=str,
        )
        for p in result.pages
    ]
    return "\n".join(lines) + "\n"
