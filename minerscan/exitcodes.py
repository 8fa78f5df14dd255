"""Exit codes are a contract: CI jobs and survey scripts branch on them.

0 clean; 1 findings at or above ``--fail-on``; 2 usage or configuration error;
3 scan incomplete (too many pages failed, or the scan was interrupted).
"""

from __future__ import annotations

from analyzers.base import Severity, Verdict
from minerscan.results import ScanResult

CLEAN, FINDINGS, USAGE, INCOMPLETE = 0, 1, 2, 3


# A page called a miner fails a CI job at the default ``--fail-on high`` even when the evidence
# that made it one is several MEDIUM findings together (say, miner structure plus worker CPU).
MINER_SEVERITY = Severity.HIGH


def worst_severity(result: ScanResult) -> Severity | None:
    """The highest finding severity of any page; a ``miner`` page counts as at least HIGH."""
    worst: Severity | None = None
    for page in result.pages:
        if page.analysis is None:
            continue
        severities = [finding.severity for finding in page.analysis.findings]
        if page.analysis.verdict is Verdict.MINER:
            severities.append(MINER_SEVERITY)
        for severity in severities:
            if worst is None or severity > worst:
                worst = severity
    return worst


def exit_code(result: ScanResult, *, incomplete: bool, fail_on: Severity, exit_zero: bool) -> int:
    """The contract: 0 clean, 1 findings at or above fail_on, 3 scan incomplete."""
    if exit_zero:
        return CLEAN
    worst = worst_severity(result)
    if worst is not None and worst >= fail_on:
        return FINDINGS
    return INCOMPLETE if incomplete else CLEAN
