"""The engine: every registered rule runs, a failing rule is recorded, signatures are versioned."""

from __future__ import annotations

import ast
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import analyzers
from analyzers import base
from analyzers.base import AnalyzerError, Finding, Rule, Severity, Verdict, registered_rules
from analyzers.engine import (
    SIGNATURE_VERSION,
    AnalysisContext,
    analyze_visit,
    compute_signature_version,
)
from model.observations import (
    PageVisit,
    RequestObservation,
    ScriptKind,
    ScriptObservation,
    sha256_hex,
)

ANALYZERS_DIR = Path(analyzers.__file__).resolve().parent
BLOCKED = RequestObservation("https://coinhive.com/lib/coinhive.min.js", "script", status=200)


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.load(cores=2)


def visit() -> PageVisit:
    return PageVisit(
        url="https://shop.example/",
        final_url="https://shop.example/",
        status=200,
        rendered=True,
        requests=(BLOCKED,),
    )


def _register(monkeypatch: pytest.MonkeyPatch, rule_id: str, check) -> None:  # type: ignore[no-untyped-def]
    """Add a rule to the registry for one test; monkeypatch removes it afterwards."""
    monkeypatch.setitem(
        base._REGISTRY, rule_id, Rule(rule_id, Severity.LOW, "test rule", "test rule", check)
    )


@pytest.fixture
def failing_rule(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    def explode(visit: PageVisit, context: AnalysisContext) -> list[Finding]:
        raise RuntimeError("parser fell over")

    _register(monkeypatch, "MS000", explode)  # sorts first: the others must still run after it
    yield "MS000"


def test_built_in_rules_are_registered_and_documented() -> None:
    rules = registered_rules()
    assert {"MS101", "MS102", "MS103", "MS301", "MS501", "MS502", "MS503", "MS504"} <= set(rules)
    for rule_id, registered in rules.items():
        assert re.fullmatch(r"MS[1-6]\d\d", rule_id)
        assert registered.title and len(registered.description) > len(registered.title), rule_id
    assert rules["MS301"].severity is Severity.CRITICAL


def test_every_rule_runs_on_a_visit(ctx: AnalysisContext) -> None:
    analysis = analyze_visit(visit(), ctx)
    assert [f.rule_id for f in analysis.findings] == ["MS102"]
    assert analysis.verdict is Verdict.SUSPICIOUS
    assert analysis.errors == ()


def test_a_failing_rule_is_recorded_and_does_not_stop_the_others(
    ctx: AnalysisContext, failing_rule: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="analyzers.engine"):
        analysis = analyze_visit(visit(), ctx)
    assert analysis.errors == (
        AnalyzerError(failing_rule, "https://shop.example/", "RuntimeError: parser fell over"),
    )
    assert [f.rule_id for f in analysis.findings] == ["MS102"]
    assert analysis.verdict is Verdict.SUSPICIOUS
    [record] = caplog.records
    assert failing_rule in record.getMessage() and "https://shop.example/" in record.getMessage()


def test_debug_reraises(ctx: AnalysisContext, failing_rule: str) -> None:
    with pytest.raises(RuntimeError, match="parser fell over"):
        analyze_visit(visit(), ctx, debug=True)


def test_a_rule_returning_junk_is_an_error(
    ctx: AnalysisContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(monkeypatch, "MS998", lambda v, c: ["not a finding"])
    [error] = analyze_visit(visit(), ctx).errors
    assert error.rule_id == "MS998" and "not a Finding" in error.message


def test_signature_version_names_the_signatures(tmp_path: Path) -> None:
    assert re.fullmatch(r"sig-[0-9a-f]{12}", SIGNATURE_VERSION)
    assert compute_signature_version() == SIGNATURE_VERSION  # deterministic
    assert AnalysisContext.load().signature_version == SIGNATURE_VERSION
    extra = tmp_path / "mine.txt"
    extra.write_text("||pool.example^\n")
    with_extra = AnalysisContext.load(extra_lists=[extra]).signature_version
    assert with_extra != SIGNATURE_VERSION
    extra.write_text("||other-pool.example^\n")
    assert AnalysisContext.load(extra_lists=[extra]).signature_version not in (
        SIGNATURE_VERSION,
        with_extra,
    )


def test_signature_version_changes_with_the_rule_set(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "MS997", lambda v, c: [])
    assert compute_signature_version() != SIGNATURE_VERSION


def test_load_rejects_bad_configuration(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rule directory .*nowhere"):
        AnalysisContext.load(extra_rule_dirs=[tmp_path / "nowhere"])
    with pytest.raises(ValueError, match="cores"):
        AnalysisContext.load(cores=0)
    with pytest.raises(ValueError, match="cannot read blocklist"):
        AnalysisContext.load(extra_lists=[tmp_path])  # a directory is not a list


def test_cores_default_to_this_machine() -> None:
    assert AnalysisContext.load().cores >= 1
    assert AnalysisContext.load(cores=6).cores == 6


def test_analyzers_never_import_scrapy_or_playwright() -> None:
    forbidden = {"scrapy", "scrapy_playwright", "playwright"}
    for path in ANALYZERS_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {name.split(".")[0] for name in names} & forbidden, (
                f"{path.name} imports {names}"
            )
    # and nothing they import pulls them in either
    code = "import sys, analyzers.engine; print(sorted(m for m in sys.modules if m.split('.')[0] in {'scrapy', 'playwright', 'scrapy_playwright'}))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_extra_rule_dirs_reach_the_script_signatures(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "house.yar").write_text(
        'rule house_miner { meta: id = "MS209" severity = "high" family = "house" description = "our miner"'
        ' strings: $a = "HouseMiner.start(" condition: $a }\n'
    )
    ctx = AnalysisContext.load(extra_rule_dirs=[rules])
    assert ctx.signature_version != SIGNATURE_VERSION
    body = b"window.onload = function () { HouseMiner.start({threads: 2}); };"
    script = ScriptObservation(ScriptKind.INLINE, "", "page", sha256_hex(body), len(body), body)
    page = PageVisit(
        url="https://shop.example/",
        final_url="https://shop.example/",
        rendered=True,
        scripts=(script,),
    )
    assert [f.rule_id for f in analyze_visit(page, ctx).findings] == ["MS209"]
    assert analyze_visit(page, AnalysisContext.load()).findings == ()  # only with the extra folder
    (rules / "broken.yar").write_text("rule broken { condition: }\n")
    with pytest.raises(ValueError, match="broken.yar"):
        AnalysisContext.load(extra_rule_dirs=[rules])


def test_engine_works_without_the_optional_rule_modules() -> None:
    # while the signature or wasm module is missing (mid-development), the rest must load and run
    code = (
        "import sys\n"
        "sys.modules['analyzers.yara_rules'] = None\n"
        "sys.modules['analyzers.wasm'] = None\n"
        "from analyzers.base import registered_rules\n"
        "from analyzers.engine import AnalysisContext\n"
        "ctx = AnalysisContext.load()\n"
        "print(ctx.yara_rules, sorted(registered_rules()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "None ['MS101', 'MS102', 'MS103', 'MS301', 'MS310', 'MS501', 'MS502', 'MS503', 'MS504',"
        " 'MS601']"
    )
