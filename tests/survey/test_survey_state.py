"""A survey's per-site state in SQLite and PostgreSQL: claims, leases, attempts, no duplicates,
the outcome of each site from its stored visits, and ``--from-static`` over a stored scan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from minerscan.cli import main
from minerscan.config import ConfigError, build_config
from minerscan.survey import (
    SURVEY_SETTINGS,
    SurveyFeed,
    config_for_survey,
    sites_from_static,
    survey_settings,
    survey_status,
)
from model.analysis import Finding, PageAnalysis, Severity, Verdict
from model.observations import FailureReason, PageVisit
from storage import StorageError, Store
from storage.surveys import SiteOutcome, SurveySite

SITES = [SurveySite(i, f"site{i}.example", f"https://site{i}.example/") for i in range(1, 6)]


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


def _survey(store: Store, max_attempts: int = 2) -> int:
    return store.surveys.create("test-list", SITES, {"max_pages": 3}, max_attempts)


def test_a_site_is_listed_once_per_survey_whatever_the_code_path(store: Store) -> None:
    survey = _survey(store)
    with pytest.raises(StorageError):
        store.surveys.add_site(survey, SurveySite(9, "site1.example", "https://site1.example/x"))
    with pytest.raises(StorageError):
        store.surveys.create("dup", [SITES[0], SITES[0]], {}, 3)
    other = _survey(store)  # the same site in another survey is another row
    assert len(store.surveys.sites(survey)) == len(store.surveys.sites(other)) == 5


def test_a_site_is_claimed_by_one_worker_and_never_again_once_done(store: Store) -> None:
    surveys = store.surveys
    survey = _survey(store)
    ids = surveys.open_site_ids(survey)
    first = surveys.claim(ids[:3], "worker-a", lease_seconds=60)
    assert [c.domain for c in first] == ["site1.example", "site2.example", "site3.example"]
    second = surveys.claim(ids, "worker-b", lease_seconds=60)
    assert [c.domain for c in second] == ["site4.example", "site5.example"]  # nobody held them
    assert surveys.finish(first[0].id, "worker-a", SiteOutcome("done", 3, 0), None)
    assert not surveys.finish(first[0].id, "worker-a", SiteOutcome("done", 3, 0), None)
    assert surveys.claim([first[0].id], "worker-c", 60) == []
    # a lease that ran out puts the site back; the next claim is its second attempt
    requeued = surveys.expire_leases(survey, now=10**12)
    assert sorted(requeued) == sorted(ids[1:])
    again = surveys.claim([ids[1]], "worker-c", 60)
    assert [(c.domain, c.attempt) for c in again] == [("site2.example", 2)]
    # the dead worker's late report does not overwrite the site's new holder
    assert not surveys.finish(ids[1], "worker-a", SiteOutcome("done", 1, 0), None)


def test_attempts_run_out_and_ctrl_c_does_not_spend_one(store: Store) -> None:
    surveys = store.surveys
    survey = _survey(store, max_attempts=2)
    site = surveys.open_site_ids(survey)[0]
    assert surveys.claim([site], "w", 60)
    assert surveys.release([site], "w") == 1  # Ctrl-C: queued again, attempt not counted
    for _ in range(2):
        assert surveys.claim([site], "w", 60)
        surveys.expire_leases(survey, now=10**12)
    assert surveys.claim([site], "w", 60) == []
    row = next(r for r in surveys.sites(survey) if r["id"] == site)
    assert (row["state"], row["failure"], row["attempts"]) == ("failed", "gave_up", 2)


def _visit(url: str, depth: int = 0, **kw: object) -> PageVisit:
    return PageVisit(url=url, final_url=url, depth=depth, rendered=True, **kw)  # type: ignore[arg-type]


def test_each_site_ends_the_way_its_landing_page_did(store: Store) -> None:
    surveys = store.surveys
    names = ["ok", "crash", "dns", "http500", "http404", "tls"]
    survey = surveys.create(
        "kinds",
        [SurveySite(i, f"{n}.example", f"https://{n}.example/") for i, n in enumerate(names)],
        {},
        3,
    )
    feed = SurveyFeed(store, survey, "w", batch_size=10)
    claimed = feed.claim(None, 10)
    visits = [
        _visit("https://ok.example/"),
        _visit("https://ok.example/a", depth=1, failure=FailureReason.TIMEOUT, error="slow"),
        _visit("https://crash.example/", failure=FailureReason.CRASH, error="Page crashed"),
        _visit("https://dns.example/", failure=FailureReason.DNS, error="no such host"),
        _visit("https://http500.example/", status=500, failure=FailureReason.HTTP_STATUS),
        _visit("https://http404.example/", status=404, failure=FailureReason.HTTP_STATUS),
    ]
    for visit in visits:
        feed.stored(visit)
    # the crawl is done with every site; tls.example delivered a visit not stored yet
    delivered = Counter(s.site for s in claimed for v in visits if s.site in v.url)
    delivered["tls.example"] = 1
    feed.crawled(claimed, delivered)
    assert feed.finished() is False  # tls.example waits for its visit to be stored
    feed.stored(_visit("https://tls.example/", failure=FailureReason.TLS, error="handshake"))
    assert feed.finished() is True
    info = surveys.info(survey)
    assert info.states == {"queued": 0, "running": 0, "done": 1, "failed": 5}
    assert info.failures == {"crash": 1, "dns": 1, "http_5xx": 1, "http_4xx": 1, "tls": 1}
    assert (info.pages, info.failed_pages) == (7, 6)
    assert survey_status(info).as_json()["eta_seconds"] == 0.0


def test_from_static_takes_the_sites_a_static_scan_flagged(store: Store, tmp_path: Path) -> None:
    targets = ["https://dirty.example/", "https://clean.example/", "https://also.example/"]
    scan = store.start_scan(targets, {"static": True}, "test", "sig")
    finding = Finding("MS201", Severity.HIGH, "miner script", {"url": "x"}, 0.9)
    for url, findings in [(targets[0], (finding,)), (targets[1], ()), (targets[2], (finding,))]:
        visit_id = store.record_visit(scan, _visit(url))
        verdict = Verdict.MINER if findings else Verdict.CLEAN
        store.record_analysis(visit_id, PageAnalysis(verdict, 0.9, findings), "sig")
    store.finish_scan(scan, "complete")
    flagged = sites_from_static(store, scan, every_site=False)
    assert [(s.rank, s.domain) for s in flagged] == [(1, "dirty.example"), (2, "also.example")]
    assert len(sites_from_static(store, scan, every_site=True)) == 3
    browser_scan = store.start_scan(targets, {"static": False}, "test", "sig")
    with pytest.raises(ConfigError, match="not a static scan"):
        sites_from_static(store, browser_scan, every_site=True)


@pytest.mark.redis
def test_survey_from_static_queues_only_flagged_sites(tmp_path: Path, redis_prefix: str) -> None:
    from conftest import REDIS_URL

    db = str(tmp_path / "s.db")
    with Store.open(db) as store:
        scan = store.start_scan(
            ["https://a.example/", "https://b.example/"], {"static": True}, "test", "sig"
        )
        for url, findings in [
            ("https://a.example/", ()),
            ("https://b.example/", (Finding("MS101", Severity.HIGH, "pool", {}, 1.0),)),
        ]:
            vid = store.record_visit(scan, _visit(url))
            store.record_analysis(vid, PageAnalysis(Verdict.MINER, 1.0, findings), "sig")
    args = [
        "survey",
        "--from-static",
        str(scan),
        "--db",
        db,
        "--redis",
        REDIS_URL,
        "--redis-prefix",
        redis_prefix,
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    assert client.llen(f"{redis_prefix}:survey:1:sites") == 1
    with Store.open(db) as store:
        [site] = store.surveys.sites(1)
        assert site["domain"] == "b.example" and site["state"] == "queued"
        assert store.surveys.info(1).from_scan_id == scan


def test_every_crawl_setting_a_survey_is_given_reaches_each_workers_crawl(store: Store) -> None:
    # Every scan setting but the targets and the machine's own (one of each, none a default).
    given = {
        "depth": 0,
        "max_pages": 2,
        "obey_robots": False,
        "dwell": 1.5,
        "max_dwell": 2.5,
        "interact": False,
        "profiles": ("mobile",),
        "page_timeout": 12.0,
        "max_frames": 3,
        "frame_bytes": 100,
        "body_bytes": 1000,
        "dom_bytes": 2000,
        "afterlife": 0.5,
        "clock_ahead": 0.0,
        "closed_network": True,
        "user_agent": "audit-bot/1",
        "ignore_https_errors": True,
        "recycle_browser": 7,
    }
    assert set(given) == set(SURVEY_SETTINGS)
    config = build_config(targets=("https://site1.example/",), concurrency=3, **given)
    survey_id = store.surveys.create("list", SITES, survey_settings(config), 3)
    crawl = config_for_survey(store.surveys.info(survey_id), concurrency=5)
    assert {name: getattr(crawl, name) for name in given} == given
    assert crawl.concurrency == 5  # the worker's own, not the survey's
