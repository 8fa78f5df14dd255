"""A deliberately slow analyzer, registered only by tests/stage: it sleeps in whatever process
analyses the visit and says which process that was."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from analyzers.base import rule
from model.analysis import Finding, Severity
from model.observations import PageVisit

RULE_ID = "TEST-SLOW-ANALYZER"
SLOW_SECONDS = float(os.environ.get("MINERSCAN_TEST_SLOW_SECONDS", "4"))


@rule(RULE_ID, Severity.INFO)
def slow_analyzer(visit: PageVisit, ctx: object) -> Iterator[Finding]:
    """A test rule that takes seconds per page, as a heavy analyzer might on a large bundle."""
    time.sleep(SLOW_SECONDS)  # blocks its thread the way CPU-bound analysis holds the GIL
    yield Finding(RULE_ID, Severity.INFO, "analysed", {"pid": os.getpid()})
