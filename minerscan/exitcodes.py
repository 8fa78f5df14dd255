"""Exit codes are a contract: CI jobs and survey scripts branch on them.

0 clean; 1 findings at or above ``--fail-on``; 2 usage or configuration error;
3 scan incomplete (too many pages failed, or the scan was interrupted).

Only findings that *count* can fail a run: suppressed ones and those already in the baseline
are reported but do not (see :mod:`minerscan.reports.triage`).
"""

from __future__ import annotations

from collections.abc import Callable

from analyzers.base import Finding, Severity
from minerscan.results import PageResult, ScanResult

CLEAN, FINDINGS, USAGE, INCOMPLETE = 0, 1, 2, 3

Counts = Callable[[PageResult, Finding], bool]


def worst_severity(result: ScanResult, counts: Counts | None = None) -> Severity | None:
    worst: Severity | None = None
    for page in result.pages:
        if page.analysis is None:
            continue
        for finding in page.analysis.findings:
            if counts is not None and not counts(page, finding):
                continue
            if worst is None or finding.severity > worst:
                worst = finding.severity
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
