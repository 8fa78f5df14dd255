"""The analysis stage without a browser: a stored visit is analysed in a pool process and its
analysis recorded as soon as it is ready, not only when the next visit comes."""

from __future__ import annotations

import time
from pathlib import Path

from analyzers.engine import AnalysisContext
from minerscan.stage import AnalysisStage, ContextRecipe
from model.observations import PageVisit, ScriptKind, ScriptObservation, sha256_hex
from storage import Store

MINER = b"var miner = new CoinHive.Anonymous('SITEKEY', {threads: 4}); miner.start();"


def test_an_analysis_done_in_the_pool_is_recorded_before_the_stage_finishes(tmp_path: Path) -> None:
    context = AnalysisContext.load()
    heard: list[tuple[str, str]] = []
    with Store.open(str(tmp_path / "stage.db")) as store:
        scan_id = store.start_scan(["http://127.0.0.1/"], {}, "test", context.signature_version)
        stage = AnalysisStage(
            store,
            scan_id,
            context,
            ContextRecipe.of(context, []),
            workers=1,
            progress=lambda visit, analysis: heard.append((visit.url, str(analysis.verdict))),
        )
        try:
            visit = PageVisit(
                url="http://127.0.0.1/",
                final_url="http://127.0.0.1/",
                status=200,
                content_type="text/html",
                rendered=True,
                scripts=(
                    ScriptObservation(
                        ScriptKind.INLINE, "", "page", sha256_hex(MINER), len(MINER), MINER
                    ),
                ),
            )
            stage.on_visit(visit)
            deadline = time.monotonic() + 60
            while not heard and time.monotonic() < deadline:
                stage.record_ready()
                time.sleep(0.1)
            assert heard, "the analysis never came back from the pool"
            (page,) = store.load_result(scan_id).pages
            assert page.analysis is not None
            assert any(f.rule_id.startswith("MS2") for f in page.analysis.findings)
        finally:
            stage.finish()
    assert heard == [("http://127.0.0.1/", str(page.analysis.verdict))]
