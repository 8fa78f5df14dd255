"""Raw observations as flat tables, so a survey joins with pandas or duckdb.

One row per observation; every row carries ``scan_id``, ``visit_id`` and ``page_url`` to join
on. JSON Lines and Parquet keep values exactly; CSV neutralises spreadsheet formulas and makes
control characters visible (as the CSV report does), so use JSONL or Parquet for exact text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from minerscan.reports.fingerprint import fingerprint
from minerscan.reports.inventory import is_third_party
from model.results import PageResult, ScanResult

Row = dict[str, Any]


def _base(scan_id: int, page: PageResult) -> Row:
    return {
        "scan_id": scan_id,
        "visit_id": page.visit_id,
        "page_url": page.visit.final_url or page.visit.url,
    }


def _pages(scan_id: int, page: PageResult) -> Iterator[Row]:
    v, a, cpu, watch = page.visit, page.analysis, page.visit.cpu, page.visit.watch
    yield {
        **_base(scan_id, page),
        "url": v.url,
        "status": v.status,
        "title": v.title,
        "depth": v.depth,
        "started_at": v.started_at,
        "load_seconds": v.load_seconds,
        "failure": v.failure.value if v.failure else None,
        "error": v.error,
        "profile": v.profile or None,
        "watched_seconds": watch.watched_seconds if watch else None,
        "verdict": str(page.verdict),
        "confidence": a.confidence if a else None,
        "findings": len(a.findings) if a else 0,
        "process_seconds": cpu.process_seconds if cpu else None,
        "worker_seconds": cpu.worker_seconds if cpu else None,
        "main_thread_seconds": cpu.main_thread_seconds if cpu else None,
        "demand_cores": cpu.demand_cores if cpu else None,
        "peak_workers": cpu.peak_workers if cpu else None,
    }


def _findings(scan_id: int, page: PageResult) -> Iterator[Row]:
    for f in page.analysis.findings if page.analysis else ():
        yield {
            **_base(scan_id, page),
            "rule_id": f.rule_id,
            "severity": str(f.severity),
            "title": f.title,
            "confidence": f.confidence,
            "fingerprint": fingerprint(page.visit.final_url or page.visit.url, f),
            "evidence": json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str),
        }


def _scripts(scan_id: int, page: PageResult) -> Iterator[Row]:
    for s in page.visit.scripts:
        yield {
            **_base(scan_id, page),
            "url": s.url,
            "kind": s.kind.value,
            "context": s.context,
            "sha256": s.sha256,
            "size": s.size,
            "third_party": is_third_party(s.url, page.visit),
            "truncated": s.truncated,
            "initiator_script": s.initiator_script,
        }


def _requests(scan_id: int, page: PageResult) -> Iterator[Row]:
    for r in page.visit.requests:
        yield {
            **_base(scan_id, page),
            "url": r.url,
            "resource_type": r.resource_type,
            "method": r.method,
            "status": r.status,
            "context": r.context,
            "third_party": r.third_party,
            "failure": r.failure,
            "time": r.time,
            "initiator_script": r.initiator_script,
        }


def _websockets(scan_id: int, page: PageResult) -> Iterator[Row]:
    for w in page.visit.websockets:
        yield {
            **_base(scan_id, page),
            "url": w.url,
            "context": w.context,
            "opened_at": w.opened_at,
            "closed_at": w.closed_at,
            "frames_sent": w.frames_sent,
            "frames_received": w.frames_received,
            "initiator_script": w.initiator_script,
            "error": w.error,
        }


def _frames(scan_id: int, page: PageResult) -> Iterator[Row]:
    for w in page.visit.websockets:
        for fr in w.frames:
            yield {
                **_base(scan_id, page),
                "socket_url": w.url,
                "direction": fr.direction.value,
                "index": fr.index,
                "time": fr.time,
                "size": fr.size,
                "binary": fr.binary,
                "truncated": fr.truncated,
                "payload": fr.payload,
            }


def _workers(scan_id: int, page: PageResult) -> Iterator[Row]:
    for w in page.visit.workers:
        yield {
            **_base(scan_id, page),
            "url": w.url,
            "type": w.type,
            "parent": w.parent,
            "started_at": w.started_at,
        }


def _wasm(scan_id: int, page: PageResult) -> Iterator[Row]:
    for m in page.visit.wasm_modules:
        yield {
            **_base(scan_id, page),
            "sha256": m.sha256,
            "size": m.size,
            "context": m.context,
            "exports": " ".join(m.exports),
            "imports": " ".join(m.imports),
            "truncated": m.truncated,
        }


def _cpu(scan_id: int, page: PageResult) -> Iterator[Row]:
    cpu = page.visit.cpu
    for t in cpu.per_target if cpu else ():
        yield {
            **_base(scan_id, page),
            "context": t.context,
            "cpu_seconds": t.cpu_seconds,
            "script_url": t.script_url,
        }


TABLES: dict[str, Callable[[int, PageResult], Iterator[Row]]] = {
    "pages": _pages,
    "findings": _findings,
    "scripts": _scripts,
    "requests": _requests,
    "websockets": _websockets,
    "frames": _frames,
    "workers": _workers,
    "wasm": _wasm,
    "cpu": _cpu,
}


def rows(table: str, results: Iterable[ScanResult]) -> Iterator[Row]:
    make = TABLES[table]
    for result in results:
        for page in result.pages:
            yield from make(result.scan.id, page)


_BASE = ["scan_id", "visit_id", "page_url"]
# Known even when a table has no rows: an empty CSV still has its header, Parquet its schema.
COLUMNS: dict[str, list[str]] = {
    "pages": _BASE
    + [
        "url",
        "status",
        "title",
        "depth",
        "started_at",
        "load_seconds",
        "failure",
        "error",
        "profile",
        "watched_seconds",
        "verdict",
        "confidence",
        "findings",
        "process_seconds",
        "worker_seconds",
        "main_thread_seconds",
        "demand_cores",
        "peak_workers",
    ],
    "findings": _BASE + ["rule_id", "severity", "title", "confidence", "fingerprint", "evidence"],
    "scripts": _BASE
    + ["url", "kind", "context", "sha256", "size", "third_party", "truncated", "initiator_script"],
    "requests": _BASE
    + [
        "url",
        "resource_type",
        "method",
        "status",
        "context",
        "third_party",
        "failure",
        "time",
        "initiator_script",
    ],
    "websockets": _BASE
    + [
        "url",
        "context",
        "opened_at",
        "closed_at",
        "frames_sent",
        "frames_received",
        "initiator_script",
        "error",
    ],
    "frames": _BASE
    + ["socket_url", "direction", "index", "time", "size", "binary", "truncated", "payload"],
    "workers": _BASE + ["url", "type", "parent", "started_at"],
    "wasm": _BASE + ["sha256", "size", "context", "exports", "imports", "truncated"],
    "cpu": _BASE + ["context", "cpu_seconds", "script_url"],
}


def columns(table: str) -> list[str]:
    return COLUMNS[table]


def to_csv(table: str, data: Iterable[Row]) -> str:
    from minerscan.reports.csv_report import _cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cols = columns(table)
    writer.writerow(cols)
    for row in data:
        writer.writerow([_cell(row.get(c)) for c in cols])
    return out.getvalue()


def to_jsonl(data: Iterable[Row]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in data)


class ParquetUnavailable(RuntimeError):
    """Parquet was asked for and pyarrow is not installed."""


def to_parquet(table: str, data: Iterable[Row]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ParquetUnavailable("--format parquet needs pyarrow, which is not installed") from None
    cols = columns(table)
    materialised = list(data)
    arrow = pa.table({c: [row.get(c) for row in materialised] for c in cols})
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink)
    return sink.getvalue().to_pybytes()
