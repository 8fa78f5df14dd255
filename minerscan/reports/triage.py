"""What counts toward the exit code: suppressions and a baseline, applied to every finding.

Suppressed and baselined findings stay in every report, marked; they only stop counting. A
suppression names a rule id, a URL pattern (shell-style ``*`` globs over the page URL), a reason
(required: a suppression nobody can explain is a hole) and an optional expiry date after which
it is an error, so a temporary exception cannot quietly become permanent.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from minerscan.reports.fingerprint import fingerprint
from model.analysis import Finding
from model.results import PageResult, ScanResult


class TriageError(ValueError):
    """A suppression or baseline that cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Suppression:
    rule_id: str  # a rule id, or a glob such as "MS5*"
    url: str  # glob over the page URL (requested or final)
    reason: str
    expires: date | None = None

    def matches(self, page: PageResult, finding: Finding) -> bool:
        if not fnmatch.fnmatchcase(finding.rule_id, self.rule_id):
            return False
        urls = {page.visit.url, page.visit.final_url} - {""}
        return any(fnmatch.fnmatchcase(u, self.url) for u in urls)

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def describe(self) -> str:
        until = f" until {self.expires.isoformat()}" if self.expires else ""
        return f"{self.rule_id} on {self.url}{until}: {self.reason}"


@dataclass(frozen=True)
class FindingMark:
    fingerprint: str
    suppression: Suppression | None = None
    in_baseline: bool = False

    @property
    def counts(self) -> bool:
        """Whether this finding may fail a CI job."""
        return self.suppression is None and not self.in_baseline


@dataclass(frozen=True)
class Triage:
    suppressions: tuple[Suppression, ...] = ()
    baseline: frozenset[str] | None = None  # fingerprints of a previous report; None: no baseline

    def mark(self, page: PageResult, finding: Finding) -> FindingMark:
        fp = fingerprint(page.visit.final_url or page.visit.url, finding)
        suppression = next((s for s in self.suppressions if s.matches(page, finding)), None)
        return FindingMark(fp, suppression, self.baseline is not None and fp in self.baseline)

    def counts(self, page: PageResult, finding: Finding) -> bool:
        return self.mark(page, finding).counts


NO_TRIAGE = Triage()


@dataclass(frozen=True)
class MarkedFinding:
    page: PageResult
    finding: Finding
    mark: FindingMark


def marked_findings(result: ScanResult, triage: Triage = NO_TRIAGE) -> Iterator[MarkedFinding]:
    for page in result.pages:
        for finding in page.analysis.findings if page.analysis else ():
            yield MarkedFinding(page, finding, triage.mark(page, finding))


def page_findings(page: PageResult, triage: Triage = NO_TRIAGE) -> list[MarkedFinding]:
    findings = page.analysis.findings if page.analysis else ()
    return [MarkedFinding(page, f, triage.mark(page, f)) for f in findings]


def parse_suppressions(entries: Iterable[Any], where: str) -> tuple[Suppression, ...]:
    """``[[suppressions]]`` tables: rule, url, reason (required), expires (YYYY-MM-DD)."""
    out = []
    for i, entry in enumerate(entries, 1):
        label = f"{where}: suppression {i}"
        if not isinstance(entry, dict):
            raise TriageError(f"{label} must be a table with rule, url and reason")
        unknown = set(entry) - {"rule", "url", "reason", "expires"}
        if unknown:
            raise TriageError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}")
        missing = [k for k in ("rule", "url", "reason") if not str(entry.get(k, "")).strip()]
        if missing:
            raise TriageError(
                f"{label} needs {', '.join(missing)} (a reason is required: say why it is safe)"
            )
        expires = entry.get("expires")
        if expires is not None and not isinstance(expires, date):
            try:
                expires = date.fromisoformat(str(expires))
            except ValueError:
                raise TriageError(
                    f"{label}: expires {expires!r} is not a YYYY-MM-DD date"
                ) from None
        out.append(
            Suppression(str(entry["rule"]), str(entry["url"]), str(entry["reason"]), expires)
        )
    return tuple(out)


def check_expiry(suppressions: Iterable[Suppression], today: date | None = None) -> None:
    """Expired suppressions fail loudly: the exception they granted has run out."""
    today = today or date.today()
    expired = [s for s in suppressions if s.expired(today)]
    if expired:
        listed = "; ".join(s.describe() for s in expired)
        raise TriageError(
            f"{len(expired)} suppression(s) expired: {listed}. Fix the finding, or renew the "
            "suppression with a new expires date"
        )


def load_baseline(path: Path) -> frozenset[str]:
    """Fingerprints from a previous ``--format json`` report (or a SARIF file)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TriageError(f"baseline {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TriageError(f"baseline {path} is not a readable JSON report: {exc}") from None
    prints: set[str] = set()
    if isinstance(doc, dict) and isinstance(doc.get("pages"), list):
        for page in doc["pages"]:
            for finding in page.get("findings") or ():
                if finding.get("fingerprint"):
                    prints.add(str(finding["fingerprint"]))
    elif isinstance(doc, dict) and isinstance(doc.get("runs"), list):
        from minerscan.reports.fingerprint import VERSION

        for run in doc["runs"]:
            for res in run.get("results") or ():
                fp = (res.get("partialFingerprints") or {}).get(VERSION)
                if fp:
                    prints.add(str(fp))
    else:
        raise TriageError(
            f"baseline {path} is neither a minerscan JSON report nor SARIF; "
            "make one with --format json -o FILE"
        )
    return frozenset(prints)
