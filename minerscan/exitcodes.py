"""Exit codes are a contract: CI jobs and survey scripts branch on them.

0 clean; 1 findings at or above ``--fail-on``; 2 usage or configuration error;
3 scan incomplete (too many pages failed, or the scan was interrupted).

Only findings that *count* can fail a run: suppressed ones and those already in the baseline
are reported but do not (see :mod:`minerscan.reports.triage`).
"""

from __future__ import annotations

from collections.abc import Callable

from model.analysis import Finding, Severity, Verdict
from model.results import PageResult, ScanResult

CLEAN, FINDINGS, USAGE, INCOMPLETE = 0, 1, 2, 3

Counts = Callable[[PageResult, Finding], bool]

# A page called a miner fails a CI job at the default ``--fail-on high`` even when the evidence
# that made it one is several MEDIUM findings together (say, miner structure plus worker CPU).
MINER_SEVERITY = Severity.HIGH


def worst_severity(result: ScanResult, counts: Counts | None = None) -> Severity | None:
    """The highest counted finding severity of any page; a ``miner`` page whose findings
    count counts as at least HIGH."""
    worst: Severity | None = None
    for page in result.pages:
        if page.analysis is None:
            continue
        counted = [
            finding for finding in page.analysis.findings if counts is None or counts(page, finding)
        ]
        severities = [finding.severity for finding in counted]
        if page.analysis.verdict is Verdict.MINER and counted:
            severities.append(MINER_SEVERITY)
        for severity in severities:
            if worst is None or severity > worst:
                worst = severity
    return worst


def exit_code(
    result: ScanResult,
    *,
    incomplete: bool,
    fail_on: Severity | None,
    exit_zero: bool,
    counts: Counts | None = None,
) -> int:
    """The contract: 0 clean, 1 findings at or above fail_on, 3 scan incomplete.

    ``fail_on=None`` (``--fail-on none``) never fails on findings; ``counts`` says which
    findings may fail the run (default: all).
    """
    if exit_zero:
        return CLEAN
    worst = worst_severity(result, counts)
    if fail_on is not None and worst is not None and worst >= fail_on:
        return FINDINGS
    return INCOMPLETE if incomplete else CLEAN
