"""``python scan_child.py URL DB OUT DWELL [--resume]``: one run_scan with the slow test rule
registered (slow_rule.py; MINERSCAN_TEST_SLOW_SECONDS says how slow), as a scan process of its
own. Writes {"pid", "progressed"} to OUT when the scan ends."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import slow_rule  # noqa: F401 - registers the rule here; the pool processes import it too

from analyzers.engine import AnalysisContext
from minerscan.config import build_config
from minerscan.scan import run_scan
from storage import Store


def main(url: str, db: str, out: str, dwell: str, *flags: str) -> None:
    config = build_config(
        targets=(url,),
        db=db,
        dwell=float(dwell),
        max_dwell=float(dwell),
        interact=False,
        closed_network=True,
        concurrency=3,
        page_timeout=15.0,
        afterlife=0.0,  # these tests watch the dwell and the analysis, not what outlives a page
        depth=2,
        analysis_workers=int(os.environ.get("MINERSCAN_TEST_WORKERS", "2")),
        resume="--resume" in flags,
    )
    progressed: list[str] = []
    with Store.open(config.db) as store:
        run_scan(
            config,
            store,
            AnalysisContext.load(),
            lambda visit, analysis: progressed.append(visit.url),
            extra_lists=[],
        )
    Path(out).write_text(json.dumps({"pid": os.getpid(), "progressed": progressed}))


if __name__ == "__main__":
    main(*sys.argv[1:])
