"""Pages that name miners without running one: an anti-miner extension's script, a blog post.

Family signatures are keyed to API use, not words, so both stay ``clean`` with no HIGH finding
(before, the blocklist script alone matched seven family rules at HIGH).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzers.base import Severity, Verdict
from analyzers.engine import AnalysisContext, analyze_visit
from model.observations import DomSnapshot, PageVisit, ScriptKind, ScriptObservation, sha256_hex

BENIGN = Path(__file__).parent / "samples" / "benign"


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.load(cores=2)


def _script(path: Path, url: str) -> ScriptObservation:
    body = path.read_bytes()
    return ScriptObservation(ScriptKind.EXTERNAL, url, "page", sha256_hex(body), len(body), body)


def test_anti_miner_blocklist_script_is_clean(ctx: AnalysisContext) -> None:
    visit = PageVisit(
        url="http://127.0.0.1/",
        final_url="http://127.0.0.1/",
        status=200,
        rendered=True,
        scripts=(_script(BENIGN / "anti_miner_blocklist.js", "chrome-extension://abc/content.js"),),
    )
    analysis = analyze_visit(visit, ctx)
    assert analysis.verdict is Verdict.CLEAN, analysis.reasons
    assert all(f.severity < Severity.MEDIUM for f in analysis.findings), analysis.findings


def test_blog_post_quoting_coinhive_and_webminerpool_is_clean(ctx: AnalysisContext) -> None:
    html = (BENIGN / "blog_post_quoting_miners.html").read_text()
    visit = PageVisit(
        url="http://127.0.0.1/blog/",
        final_url="http://127.0.0.1/blog/",
        status=200,
        rendered=True,
        title="How Coinhive and webminerpool ended up on thousands of shops",
        dom=DomSnapshot(served_html=html, rendered_html=html),
    )
    analysis = analyze_visit(visit, ctx)
    assert analysis.verdict is Verdict.CLEAN, analysis.reasons
    assert all(f.severity < Severity.HIGH for f in analysis.findings)
    assert analysis.reasons[-1] == "hints only, no miner"
