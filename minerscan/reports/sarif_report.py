"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF consumer).

Rules come from the analyzer registry (id, name, docstring as help, ``security-severity``), so
a rule's documentation is written once. GitHub rejects ``http(s)`` artifact URIs, so each page
is located as a relative path ``host[_port]/path`` under the ``SCANNED_SITES`` base, with the
full URL in the message and the result's properties. ``partialFingerprints`` carry the stable
fingerprint (:mod:`minerscan.reports.fingerprint`) so alerts survive re-runs.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import analyzers  # noqa: F401  (registers the built-in rules: SARIF describes every one)
from analyzers.base import Rule, Severity, registered_rules
from minerscan.reports.fingerprint import VERSION
from minerscan.reports.json_report import _iso
from minerscan.reports.triage import NO_TRIAGE, MarkedFinding, Triage, marked_findings
from model.results import ScanResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
URI_BASE = "SCANNED_SITES"

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub maps security-severity to its own levels: >= 9 critical, 7-8.9 high, 4-6.9 medium.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _name(rule: Rule) -> str:
    return "".join(word.capitalize() for word in rule.check.__name__.split("_"))


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": _name(rule),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.description, "markdown": rule.description},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "tags": ["security", "cryptojacking", f"external/minerscan/{rule.id}"],
            "precision": "high" if rule.severity >= Severity.HIGH else "medium",
        },
    }


def _unknown_rule(rule_id: str, severity: Severity) -> dict[str, Any]:
    """A finding from a rule no longer (or not yet) registered: still describe it."""
    text = f"Rule {rule_id}, not registered in this minerscan version."
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": text},
        "help": {"text": text},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[severity]},
    }


def artifact_path(url: str) -> str:
    """``https://Shop.example:8443/a b?q=1`` → ``shop.example_8443/a%20b%3Fq%3D1``."""
    parts = urlsplit(url)
    host = (parts.hostname or "unknown-host").lower()
    if parts.port:
        host += f"_{parts.port}"
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if path.endswith("/"):
        path += "index.html"
    return quote(host, safe=".-_") + quote(path, safe="/-._~")


def _result(item: MarkedFinding, rule_index: int, with_baseline: bool) -> dict[str, Any]:
    page, f, mark = item.page, item.finding, item.mark
    url = page.visit.final_url or page.visit.url
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": f"{f.title} (page {url}; verdict {page.verdict})"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_path(url), "uriBaseId": URI_BASE},
                    "region": {"startLine": 1},
                },
                "message": {"text": url},
            }
        ],
        "partialFingerprints": {VERSION: mark.fingerprint},
        "properties": {
            "url": page.visit.url,
            "final_url": url,
            "verdict": str(page.verdict),
            "confidence": f.confidence,
            "security-severity": SECURITY_SEVERITY[f.severity],
            "evidence": f.evidence,
        },
    }
    if mark.suppression is not None:
        s = mark.suppression
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": s.reason
                + (f" (until {s.expires.isoformat()})" if s.expires else ""),
            }
        ]
    if with_baseline:
        out["baselineState"] = "unchanged" if mark.in_baseline else "new"
    return out


def document(result: ScanResult, triage: Triage = NO_TRIAGE) -> dict[str, Any]:
    registry = registered_rules()
    rules = [_rule(registry[rid]) for rid in sorted(registry)]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for item in marked_findings(result, triage):
        if item.finding.rule_id not in index:
            index[item.finding.rule_id] = len(rules)
            rules.append(_unknown_rule(item.finding.rule_id, item.finding.severity))
        results.append(_result(item, index[item.finding.rule_id], triage.baseline is not None))
    scan = result.scan
    invocation: dict[str, Any] = {
        "executionSuccessful": scan.status == "complete",
        "startTimeUtc": _iso(scan.started_at).replace("+00:00", "Z"),
    }
    if scan.finished_at is not None:
        invocation["endTimeUtc"] = _iso(scan.finished_at).replace("+00:00", "Z")
    failed = [p for p in result.pages if not p.visit.ok]
    if failed:  # pages nobody could check belong in the log, or a clean run would lie
        invocation["toolExecutionNotifications"] = [
            {
                "level": "warning",
                "message": {
                    "text": f"page {p.visit.url} was not scanned: "
                    f"{p.visit.error or p.visit.failure or 'failed'}"
                },
                "descriptor": {"id": f"failed/{p.visit.failure or 'error'}"},
            }
            for p in failed
        ]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "minerscan",
                        "version": scan.tool_version or "unknown",
                        "rules": rules,
                        "properties": {"signature_version": scan.signature_version},
                    }
                },
                "automationDetails": {"id": "minerscan/"},
                "originalUriBaseIds": {
                    URI_BASE: {
                        "description": {
                            "text": "Scanned pages, named host[_port]/path; each result's "
                            "message and properties hold the full URL."
                        }
                    }
                },
                "invocations": [invocation],
                "results": results,
                "properties": {"scan_id": scan.id, "targets": list(scan.targets)},
            }
        ],
    }


def render(result: ScanResult, *, triage: Triage = NO_TRIAGE) -> str:
    return json.dumps(document(result, triage), indent=2, ensure_ascii=False, default=str) + "\n"
