"""Campaigns: miner pages grouped across sites by what their operator reuses.

One operator injects the same miner into many sites: the same site key or wallet, the same
pool or proxy, the same script body, the same wasm build. Each of those values, seen on the
miner or suspicious pages of one or more scans, is a campaign with its member sites.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from minerscan.reports.escape import terminal_safe
from model.analysis import Verdict
from model.domains import registrable_domain
from model.results import PageResult, ScanResult

KINDS = ("wallet", "site_key", "pool", "script_sha256", "wasm_sha256")
FLAGGED = (Verdict.MINER, Verdict.SUSPICIOUS)


@dataclass(frozen=True)
class Campaign:
    kind: str  # one of KINDS
    value: str
    pages: int
    sites: tuple[str, ...]
    scans: tuple[int, ...]
    first_seen: float
    last_seen: float


def _keys(page: PageResult) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for f in page.analysis.findings if page.analysis else ():
        ev = f.evidence
        for wallet in ev.get("wallets") or ():
            if isinstance(wallet, dict) and wallet.get("address"):
                keys.add(("wallet", str(wallet["address"])))
        for key in ev.get("site_keys") or ():
            keys.add(("site_key", str(key)))
        if f.rule_id.startswith("MS3") and ev.get("pool"):
            keys.add(("pool", str(ev["pool"])))
        if f.rule_id in ("MS101",) and ev.get("url"):
            keys.add(("pool", str(ev["url"])))
        if f.rule_id.startswith("MS2") and ev.get("source") == "script" and ev.get("sha256"):
            keys.add(("script_sha256", str(ev["sha256"])))
        if f.rule_id.startswith("MS4") and ev.get("sha256"):
            keys.add(("wasm_sha256", str(ev["sha256"])))
    return keys


def campaigns(results: Iterable[ScanResult]) -> list[Campaign]:
    """Every campaign key seen on a flagged page, the most widespread first."""
    groups: dict[tuple[str, str], list[tuple[int, PageResult]]] = {}
    for result in results:
        for page in result.pages:
            if page.verdict in FLAGGED:
                for key in _keys(page):
                    groups.setdefault(key, []).append((result.scan.id, page))
    out = []
    for (kind, value), members in groups.items():
        seen = [p.visit.started_at for _, p in members]
        sites = sorted({registrable_domain(p.visit.final_url or p.visit.url) for _, p in members})
        out.append(
            Campaign(
                kind,
                value,
                len(members),
                tuple(sites),
                tuple(sorted({scan_id for scan_id, _ in members})),
                min(seen),
                max(seen),
            )
        )
    return sorted(out, key=lambda c: (-len(c.sites), -c.pages, KINDS.index(c.kind), c.value))


def record(c: Campaign) -> dict[str, Any]:
    from minerscan.reports.json_report import _iso

    return {
        "kind": c.kind,
        "value": c.value,
        "pages": c.pages,
        "site_count": len(c.sites),
        "sites": list(c.sites),
        "scans": list(c.scans),
        "first_seen": _iso(c.first_seen),
        "last_seen": _iso(c.last_seen),
    }


def render_json(found: list[Campaign]) -> str:
    return json.dumps([record(c) for c in found], indent=2, ensure_ascii=False) + "\n"


def render_csv(found: list[Campaign]) -> str:
    from minerscan.reports.csv_report import _cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = ["kind", "value", "pages", "site_count", "sites", "scans", "first_seen", "last_seen"]
    writer.writerow(columns)
    for c in found:
        rec = record(c)
        rec["sites"] = " ".join(rec["sites"])
        rec["scans"] = " ".join(str(s) for s in rec["scans"])
        writer.writerow([_cell(rec[k]) for k in columns])
    return out.getvalue()


def render_table(found: list[Campaign]) -> str:
    lines = [f"{'kind':<14} {'pages':>5} {'sites':>5}  value / member sites / first .. last seen"]
    for c in found:
        rec = record(c)
        lines.append(f"{c.kind:<14} {c.pages:>5} {len(c.sites):>5}  {terminal_safe(c.value, 100)}")
        lines.append(f"{'':<27}{terminal_safe(', '.join(c.sites), 200)}")
        lines.append(f"{'':<27}{rec['first_seen']} .. {rec['last_seen']}")
    lines.append(f"{len(found)} campaign keys")
    return "\n".join(lines) + "\n"
