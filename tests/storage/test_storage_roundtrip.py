"""What is recorded comes back unchanged, on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import Engine, text

from analyzers.base import AnalyzerError, Finding, PageAnalysis, Severity, Verdict
from model.observations import PageVisit
from storage import Store

from .conftest import HOSTILE

SETTINGS = {"dwell": 5.0, "concurrency": 4, "note": HOSTILE}


def test_rich_visit_round_trips_equal(store: Store, rich_visit: Callable[..., PageVisit]) -> None:
    scan_id = store.start_scan(["https://shop.example/"], SETTINGS, "0.1.0", "sig-1")
    visit = rich_visit()
    visit_id = store.record_visit(scan_id, visit)

    assert list(store.iter_visits(scan_id)) == [(visit_id, visit)]


def test_without_bodies_everything_but_bytes_and_html_comes_back(
    store: Store, rich_visit: Callable[..., PageVisit]
) -> None:
    scan_id = store.start_scan(["https://shop.example/"], {}, "0.1.0", "sig-1")
    visit = rich_visit()
    store.record_visit(scan_id, visit)

    [(_, light)] = store.iter_visits(scan_id, with_bodies=False)

    assert visit.dom is not None and light.dom is not None
    assert light.dom.served_html == light.dom.rendered_html == ""
    assert [s.body for s in light.scripts] == [None] * len(visit.scripts)
    assert [m.body for m in light.wasm_modules] == [None, None]
    # Everything else (hashes, sizes, frames, CPU, DOM inventories) is intact.
    without_bytes = dataclasses.replace(
        visit,
        scripts=tuple(dataclasses.replace(s, body=None) for s in visit.scripts),
        wasm_modules=tuple(dataclasses.replace(m, body=None) for m in visit.wasm_modules),
        dom=dataclasses.replace(visit.dom, served_html="", rendered_html=""),
    )
    assert light == without_bytes


def test_failed_visit_round_trips(store: Store, failed_visit: Callable[..., PageVisit]) -> None:
    scan_id = store.start_scan(["https://down.example/"], {}, "0.1.0", "sig-1")
    visit = failed_visit()
    store.record_visit(scan_id, visit)

    result = store.load_result(scan_id)

    [page] = result.pages
    assert page.visit == visit
    assert page.visit.final_url == "" and page.visit.cpu is None and page.visit.dom is None
    assert page.analysis is None
    assert page.verdict is Verdict.FAILED


def test_hostile_text_is_stored_verbatim_as_data(
    store: Store, sql: Engine, rich_visit: Callable[..., PageVisit]
) -> None:
    scan_id = store.start_scan([HOSTILE], {"x": HOSTILE}, "0.1.0", "sig-1")
    visit = rich_visit()
    store.record_visit(scan_id, visit)

    with sql.connect() as conn:
        titles = conn.execute(text("SELECT title FROM page_visits")).scalars().all()
        scans = conn.execute(text("SELECT count(*) FROM scans")).scalar_one()
    assert titles == [visit.title]
    assert scans == 1  # the DROP TABLE in the title stayed a title
    assert store.scans()[0].targets == (HOSTILE,)


def test_a_body_shared_by_two_visits_is_stored_once(
    store: Store, sql: Engine, rich_visit: Callable[..., PageVisit]
) -> None:
    library = b"function sharedLibrary() { return 42; }" * 100
    scan_id = store.start_scan(["https://a.example/"], {}, "0.1.0", "sig-1")
    first = rich_visit("https://a.example/", shared_script=library)
    second = rich_visit("https://a.example/other", shared_script=library)
    store.record_visit(scan_id, first)
    store.record_visit(scan_id, second)

    with sql.connect() as conn:
        copies = conn.execute(
            text("SELECT count(*) FROM bodies WHERE size = :size"), {"size": len(library)}
        ).scalar_one()
        referencing = conn.execute(
            text(
                "SELECT count(*) FROM scripts s JOIN bodies b ON b.sha256 = s.body_sha256 "
                "WHERE b.size = :size"
            ),
            {"size": len(library)},
        ).scalar_one()
        all_bodies = conn.execute(text("SELECT count(*) FROM bodies")).scalar_one()
    assert copies == 1
    assert referencing == 2
    # The second visit repeats every body of the first, so it added none.
    assert all_bodies == len({s.body for s in first.scripts if s.body}) + 1  # + the wasm module
    assert [v for _, v in store.iter_visits(scan_id)] == [first, second]


def _analysis(verdict: Verdict, rule_id: str, evidence: dict[str, object]) -> PageAnalysis:
    return PageAnalysis(
        verdict=verdict,
        confidence=0.9,
        findings=(
            Finding(rule_id, Severity.HIGH, f"pool login from {HOSTILE}", evidence, 0.95),
            Finding("CPU001", Severity.LOW, "busy workers", {}, 0.4),
        ),
        reasons=("stratum login to pool.example", HOSTILE),
        errors=(AnalyzerError("WASM001", "https://shop.example/", "bad opcode at 0x10"),),
    )


def test_reanalysis_keeps_history_and_reports_the_newest(
    store: Store, sql: Engine, rich_visit: Callable[..., PageVisit]
) -> None:
    scan_id = store.start_scan(["https://shop.example/"], {}, "0.1.0", "sig-1")
    analysed = store.record_visit(scan_id, rich_visit())
    unanalysed = store.record_visit(scan_id, rich_visit("https://shop.example/2"))
    old = _analysis(Verdict.SUSPICIOUS, "SIG001", {"matched": ["a", "b"], "n": 2})
    new = _analysis(Verdict.MINER, "WS001", {"pool": "pool.example:3333", "wallet": "4" * 95})
    store.record_analysis(analysed, old, "sig-1")
    store.record_analysis(analysed, new, "sig-2")

    result = store.load_result(scan_id)

    assert [p.visit_id for p in result.pages] == [analysed, unanalysed]
    assert result.pages[0].analysis == new
    assert result.pages[0].verdict is Verdict.MINER
    assert result.pages[1].analysis is None
    with sql.connect() as conn:
        history = conn.execute(
            text("SELECT signature_version, verdict FROM analyses WHERE visit_id = :v ORDER BY id"),
            {"v": analysed},
        ).all()
        rules = conn.execute(text("SELECT rule_id FROM findings ORDER BY rule_id")).scalars().all()
    assert [tuple(r) for r in history] == [("sig-1", "suspicious"), ("sig-2", "miner")]
    assert rules == ["CPU001", "CPU001", "SIG001", "WS001"]


def test_scan_lifecycle_and_resume_lookup(
    store: Store, failed_visit: Callable[..., PageVisit]
) -> None:
    targets = ["https://a.example/", "https://b.example/"]
    done = store.start_scan(targets, {}, "0.1.0", "sig-1")
    store.finish_scan(done, "complete", {"pages": 0})
    stopped = store.start_scan(targets, {}, "0.1.0", "sig-1")
    store.record_visit(stopped, failed_visit("https://a.example/"))
    store.record_visit(stopped, failed_visit("https://a.example/x"))
    store.finish_scan(stopped, "interrupted", {"pages": 2}, analyzer_errors=1)
    other = store.start_scan(["https://c.example/"], {}, "0.1.0", "sig-1")

    assert store.find_scan(list(reversed(targets))) == stopped  # the same set of targets
    assert store.find_scan(targets, status="complete") == done
    assert store.find_scan(["https://a.example/"]) is None
    assert store.visited_urls(stopped) == {"https://a.example/", "https://a.example/x"}
    assert store.visited_urls(done) == set()
    assert store.latest_scan_id() == other
    infos = {s.id: s for s in store.scans()}
    assert infos[stopped].status == "interrupted"
    assert infos[stopped].analyzer_errors == 1
    assert infos[stopped].finished_at is not None
    assert infos[other].status == "running" and infos[other].finished_at is None
    assert store.load_result(stopped).scan == infos[stopped]


def test_a_scan_left_running_by_a_dead_writer_is_resumable(store: Store) -> None:
    scan_id = store.start_scan(["https://a.example/"], {}, "0.1.0", "sig-1")

    assert store.find_scan(["https://a.example/"]) == scan_id


def test_empty_database_has_no_latest_scan(store: Store) -> None:
    assert store.latest_scan_id() is None
    assert store.scans() == []


def test_text_no_database_can_hold_is_replaced_not_fatal(store: Store, db_url: str) -> None:
    # A JavaScript string may hold a lone surrogate (UTF-8 cannot encode it) and a title may
    # hold NUL (PostgreSQL text cannot store it). The visit is still recorded.
    scan_id = store.start_scan(["https://a.example/"], {}, "0.1.0", "sig-1")
    store.record_visit(
        scan_id, PageVisit(url="https://a.example/", title="nul\x00 lone\ud800 ok😀")
    )

    [(_, visit)] = store.iter_visits(scan_id)

    on_postgres = "postgresql" in db_url
    assert visit.title == ("nul\ufffd" if on_postgres else "nul\x00") + " lone\ufffd ok😀"


def test_evidence_values_json_cannot_express_are_still_stored(
    store: Store, rich_visit: Callable[..., PageVisit]
) -> None:
    scan_id = store.start_scan(["https://a.example/"], {}, "0.1.0", "sig-1")
    visit_id = store.record_visit(scan_id, rich_visit())
    odd = {"sites": {"b", "a"}, "raw": b"\x00\x01", "severity": Severity.HIGH, "lone": "\ud800"}
    store.record_analysis(visit_id, _analysis(Verdict.MINER, "SIG001", odd), "sig-1")

    [page] = store.load_result(scan_id).pages

    assert page.analysis is not None
    assert page.analysis.findings[0].evidence == {
        "sites": ["a", "b"],
        "raw": "AAE=",
        "severity": 3,
        "lone": "\ud800",
    }
