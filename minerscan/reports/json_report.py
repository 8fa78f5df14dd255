"""JSON and JSON Lines: the machine-readable report.

Shape (later versions extend it, never break it; ``minerscan/schemas/report.schema.json`` is
the full contract and a test validates real output against it)::

    {"format_version": 2,
     "scan": {id, started_at, finished_at, status, targets, settings, tool_version,
              signature_version, database, analyzer_errors},
     "summary": {pages, miner, suspicious, clean, failed, findings, suppressed, baselined},
     "sites": [{site, verdict, confidence, reasons, pages}],
     "pages": [{url, final_url, status, title, verdict, confidence, reasons, error, failure,
                load_seconds, profile, watch, cpu, websockets, workers, scripts, wasm_modules,
                injected_scripts, findings: [{rule_id, severity, title, evidence, confidence,
                fingerprint, suppressed, baselined}]}]}

JSON escapes every page-controlled string itself; nothing else is needed to make it safe.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from minerscan.reports.inventory import script_records, wasm_records
from minerscan.reports.sites import SiteResult, site_results
from minerscan.reports.triage import (
    NO_TRIAGE,
    MarkedFinding,
    Triage,
    marked_findings,
    page_findings,
)
from model.results import PageResult, ScanResult

FORMAT_VERSION = 2


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


def summary(result: ScanResult, triage: Triage = NO_TRIAGE) -> dict[str, int]:
    counts = Counter(str(p.verdict) for p in result.pages)
    marks = [m.mark for m in marked_findings(result, triage)]
    return {
        "pages": len(result.pages),
        **{v: counts.get(v, 0) for v in ("miner", "suspicious", "clean", "failed")},
        "findings": len(marks),
        "suppressed": sum(1 for m in marks if m.suppression is not None),
        "baselined": sum(1 for m in marks if m.in_baseline),
    }


def site_record(site: SiteResult) -> dict[str, Any]:
    return {
        "site": site.site,
        "verdict": str(site.verdict),
        "confidence": site.confidence,
        "reasons": list(site.reasons),
        "pages": site.pages,
    }


def finding_record(marked: MarkedFinding) -> dict[str, Any]:
    f, mark = marked.finding, marked.mark
    s = mark.suppression
    return {
        "rule_id": f.rule_id,
        "severity": str(f.severity),
        "title": f.title,
        "evidence": f.evidence,
        "confidence": f.confidence,
        "fingerprint": mark.fingerprint,
        "suppressed": None
        if s is None
        else {
            "rule": s.rule_id,
            "url": s.url,
            "reason": s.reason,
            "expires": s.expires.isoformat() if s.expires else None,
        },
        "baselined": mark.in_baseline,
    }


def _watch(page: PageResult) -> dict[str, Any] | None:
    watch = page.visit.watch
    if watch is None:
        return None
    return {
        "watched_seconds": round(watch.watched_seconds, 2),
        "clock_advanced_seconds": round(watch.clock_advanced_seconds, 2),
        "stop_reason": watch.stop_reason,
        "interactions": list(watch.interactions),
    }


def _afterlife(page: PageResult) -> dict[str, Any] | None:
    after = page.visit.afterlife
    if after is None:
        return None
    return {
        "seconds": round(after.seconds, 2),
        "windows": list(after.windows),
        "workers": [w.url for w in after.workers],
        "websockets": [ws.url for ws in after.websockets],
        "requests": len(after.requests),
        "cpu_seconds": round(after.cpu_seconds, 3),
    }


def page_record(page: PageResult, triage: Triage = NO_TRIAGE) -> dict[str, Any]:
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
        "profile": visit.profile or None,
        "watch": _watch(page),
        "cpu": None
        if cpu is None
        else {
            "dwell_seconds": round(cpu.dwell_seconds, 2),
            "process_seconds": round(cpu.process_seconds, 3),
            "worker_seconds": round(cpu.worker_seconds, 3),
            "main_thread_seconds": round(cpu.main_thread_seconds, 3),
            "demand_cores": cpu.demand_cores,
            "machine_busy": cpu.machine_busy,
            "peak_workers": cpu.peak_workers,
            "load_seconds": round(cpu.load_seconds, 3),
            "timeline": [round(c, 3) for c in cpu.timeline],
        },
        "websockets": [ws.url for ws in visit.websockets],
        "workers": [w.url for w in visit.workers],
        "scripts": script_records(visit),
        "wasm_modules": wasm_records(visit),
        "injected_scripts": list(visit.dom.injected_script_srcs) if visit.dom else [],
        "afterlife": _afterlife(page),
        "findings": [finding_record(m) for m in page_findings(page, triage)],
    }


def document(result: ScanResult, db_url: str = "", triage: Triage = NO_TRIAGE) -> dict[str, Any]:
    """The report as a JSON-ready dict (``minerscan diff`` compares two of these)."""
    return {
        "format_version": FORMAT_VERSION,
        "scan": scan_record(result, db_url),
        "summary": summary(result, triage),
        "sites": [site_record(s) for s in site_results(result)],
        "pages": [page_record(p, triage) for p in result.pages],
    }


def render(result: ScanResult, db_url: str = "", triage: Triage = NO_TRIAGE) -> str:
    doc = document(result, db_url, triage)
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def render_lines(result: ScanResult, db_url: str = "", triage: Triage = NO_TRIAGE) -> str:
    """One JSON object per line: the scan first, then one line per site, then one per page."""
    lines = [
        json.dumps(
            {"type": "scan", **scan_record(result, db_url), "summary": summary(result, triage)},
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
            {"type": "page", "scan_id": result.scan.id, **page_record(p, triage)},
            ensure_ascii=False,
            default=str,
        )
        for p in result.pages
    ]
    return "\n".join(lines) + "\n"
