"""What a static-triage verdict may and may not say.

A visit made by ``scan --static`` (profile ``static``) was never rendered: no CPU was measured
and no socket could open. Its verdict comes from blocklists and script signatures alone, so a
known miner there is ``suspicious`` at most, and its reasons must not read as if CPU and pool
traffic had been watched and found absent. Applied after every analysis, first and re-run alike.
"""

from __future__ import annotations

from dataclasses import replace

from analyzers.verdict import NOT_STARTED
from model.analysis import PageAnalysis
from model.observations import PageVisit

STATIC_PROFILE = "static"  # crawler.static.STATIC_PROFILE (a test keeps the two equal)
STATIC_NOTE = "static triage: no rendering, CPU and sockets not observed"


def is_static(visit: PageVisit) -> bool:
    return visit.profile == STATIC_PROFILE


def static_triage(visit: PageVisit, analysis: PageAnalysis) -> PageAnalysis:
    """``analysis`` unchanged for a rendered visit; for a static one, its reasons say so."""
    if not is_static(visit):
        return analysis
    reasons = tuple(r for r in analysis.reasons if r not in (NOT_STARTED, STATIC_NOTE))
    return replace(analysis, reasons=(*reasons, STATIC_NOTE))
