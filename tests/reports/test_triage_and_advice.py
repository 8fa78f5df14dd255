"""Fingerprints that survive re-runs, suppressions and baselines, and the advice a report gives."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from analyzers.base import Finding, PageAnalysis, Severity, Verdict
from minerscan.reports.advice import advice_for
from minerscan.reports.fingerprint import fingerprint
from minerscan.reports.inventory import injection_of, script_records
from minerscan.reports.triage import (
    Suppression,
    Triage,
    TriageError,
    check_expiry,
    load_baseline,
    parse_suppressions,
)
from model.observations import (
    DomInventory,
    DomSnapshot,
    PageVisit,
    RequestObservation,
    ScriptKind,
    ScriptObservation,
)
from model.results import PageResult

PAGE = "https://shop.example.org/blog/"


def cpu_finding(cores: float) -> Finding:
    return Finding(
        "MS501",
        Severity.MEDIUM,
        f"2 workers burned {cores:.1f} cores for 5.0 s",
        {"worker_cores": cores, "scripts": ["https://shop.example.org/w.js"]},
    )


def test_fingerprint_ignores_what_varies_between_runs() -> None:
    assert fingerprint(PAGE, cpu_finding(1.4)) == fingerprint(PAGE, cpu_finding(1.9))
    assert fingerprint(PAGE + "#top", cpu_finding(1.4)) == fingerprint(
        "HTTPS://Shop.Example.org/blog/", cpu_finding(1.4)
    )


def test_fingerprint_tells_pages_pools_and_rules_apart() -> None:
    pool = Finding("MS301", Severity.CRITICAL, "t", {"pool": "wss://a.example/"})
    other_pool = Finding("MS301", Severity.CRITICAL, "t", {"pool": "wss://b.example/"})
    assert fingerprint(PAGE, pool) != fingerprint(PAGE, other_pool)
    assert fingerprint(PAGE, pool) != fingerprint(PAGE + "other", pool)
    assert fingerprint(PAGE, pool) != fingerprint(
        PAGE, Finding("MS101", Severity.HIGH, "t", pool.evidence)
    )


def _page(url: str = PAGE, final: str = "") -> PageResult:
    return PageResult(
        1, PageVisit(url=url, final_url=final or url), PageAnalysis(Verdict.MINER, 1.0)
    )


def test_suppressions_match_rule_globs_and_either_url() -> None:
    s = Suppression("MS5*", "https://shop.example.org/*", "load test")
    assert s.matches(_page(), cpu_finding(1.0))
    assert not s.matches(_page(), Finding("MS301", Severity.CRITICAL, "t"))
    redirected = _page("http://shop.example.org/", "https://shop.example.org/home")
    assert s.matches(redirected, cpu_finding(1.0))
    assert not s.matches(_page("https://other.example/"), cpu_finding(1.0))


def test_expiry_is_inclusive_of_the_day_it_names() -> None:
    s = Suppression("MS301", "*", "r", date(2026, 12, 2))
    check_expiry([s], today=date(2026, 12, 2))
    with pytest.raises(TriageError, match="expired"):
        check_expiry([s], today=date(2026, 12, 3))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"rule": "MS301", "url": "*"}, "reason"),
        ({"rule": "MS301", "url": "*", "reason": "  "}, "reason"),
        ({"rule": "MS301", "url": "*", "reason": "r", "expires": "next week"}, "YYYY-MM-DD"),
        ({"rule": "MS301", "url": "*", "reason": "r", "until": "2027-01-01"}, "until"),
    ],
)
def test_bad_suppressions_are_rejected(entry: dict, message: str) -> None:
    with pytest.raises(TriageError, match=message):
        parse_suppressions([entry], "minerscan.toml")


def test_a_baseline_must_be_a_report(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"hello": 1}))
    with pytest.raises(TriageError, match="neither"):
        load_baseline(bad)


def test_triage_marks_but_keeps_findings() -> None:
    f = cpu_finding(1.0)
    triage = Triage((Suppression("MS501", "*", "ok"),), frozenset({fingerprint(PAGE, f)}))
    mark = triage.mark(_page(), f)
    assert mark.suppression is not None and mark.in_baseline and not mark.counts


def _third_party_miner() -> PageResult:
    miner = "https://coin.minerhost.example/lib.js"
    lib = "https://cdn.example.net/jquery.js"
    visit = PageVisit(
        url=PAGE,
        final_url=PAGE,
        scripts=(
            ScriptObservation(ScriptKind.EXTERNAL, miner, "page", "a" * 64, 10),
            ScriptObservation(ScriptKind.EXTERNAL, lib, "page", "b" * 64, 10),
        ),
        requests=(RequestObservation("https://api.example.net/cart", "fetch", third_party=True),),
        dom=DomSnapshot(served=DomInventory(script_srcs=(lib, miner))),
    )
    findings = (
        Finding(
            "MS201",
            Severity.HIGH,
            "coinhive",
            {"source": "script", "url": miner, "sha256": "a" * 64},
        ),
        Finding(
            "MS301", Severity.CRITICAL, "stratum", {"pool": "wss://pool.minerhost.example:443/"}
        ),
    )
    return PageResult(1, visit, PageAnalysis(Verdict.MINER, 1.0, findings))


def test_csp_blocks_the_miner_and_keeps_the_rest() -> None:
    page = _third_party_miner()
    advice = advice_for(page, list(page.analysis.findings))
    assert advice.csp == (
        "script-src 'self' https://cdn.example.net; connect-src 'self' https://api.example.net; "
        "worker-src 'self'"
    )
    assert "blocks the flagged hosts" in advice.csp_note
    first = advice.actions[0]
    assert "Remove the script https://coin.minerhost.example/lib.js" in first
    assert "<script src> tag in the HTML served" in first  # it was in the template
    assert any("Block wss://pool.minerhost.example:443" in a for a in advice.actions)


def test_csp_note_says_when_self_cannot_help() -> None:
    own = "https://shop.example.org/static/m.js"
    visit = PageVisit(
        url=PAGE,
        final_url=PAGE,
        scripts=(ScriptObservation(ScriptKind.EXTERNAL, own, "page", "c" * 64, 10),),
    )
    f = Finding("MS201", Severity.HIGH, "x", {"source": "script", "url": own, "sha256": "c" * 64})
    advice = advice_for(PageResult(1, visit, PageAnalysis(Verdict.MINER, 1.0, (f,))), [f])
    assert "only removing it helps" in advice.csp_note


def _runtime_visit() -> PageVisit:
    """The served HTML carries loader.js only; the loader added the rest."""
    loader, added = f"{PAGE}loader.js", "https://coin.minerhost.example/m.js"
    return PageVisit(
        url=PAGE,
        final_url=PAGE,
        scripts=(
            ScriptObservation(ScriptKind.EXTERNAL, loader, "page", "a" * 64, 10),
            ScriptObservation(ScriptKind.EXTERNAL, added, "page", "b" * 64, 10),
            ScriptObservation(ScriptKind.EVAL, "", "page", "c" * 64, 10, initiator_script=loader),
            ScriptObservation(ScriptKind.EVAL, "", "page", "d" * 64, 10, initiator_script=PAGE),
        ),
        requests=(
            RequestObservation(loader, "script"),
            RequestObservation(added, "script", initiator_script=loader),
        ),
        dom=DomSnapshot(
            served=DomInventory(script_srcs=(loader,)),
            rendered=DomInventory(script_srcs=(loader, added)),
        ),
    )


def test_injection_names_the_script_that_added_code_at_run_time() -> None:
    visit = _runtime_visit()
    loader = f"{PAGE}loader.js"
    tag = injection_of(visit, "https://coin.minerhost.example/m.js", "external")
    assert tag.where == "runtime" and f"added at run time by {loader}" in tag.text
    evald = injection_of(visit, "", "eval", initiator=loader)
    assert evald.where == "runtime" and evald.text.endswith(f"by {loader}")
    # An inline block's stack names its document: say so rather than name the page as a script.
    inline = injection_of(visit, "", "eval", initiator=PAGE)
    assert inline.text.endswith(f"by an inline script of {PAGE}")
    served = injection_of(visit, loader, "external")
    assert served.where == "served_html"
    # Nobody seen (an older database): the DOM comparison still says it was added at run time.
    unseen = replace(visit, requests=())
    assert "a script inserted it after load" in injection_of(unseen, visit.scripts[1].url).text
    # The JSON inventory carries the same answer for every script.
    assert [r["added_by"] for r in script_records(visit)] == [None, loader, loader, PAGE]
