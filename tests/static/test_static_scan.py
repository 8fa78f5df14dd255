"""``minerscan scan --static``: triage without a browser, run as a user runs it.

One static scan of a local shop (a page tagging a script from a NoCoin host, a page with an
inline CoinHive snippet, a blog page loading a CryptoLoot copy from the site itself, clean pages,
a page robots.txt forbids, a PDF and a 404) is shared by the checks below. Every run passes a
Chromium path that does not exist: a scan that looked for a browser would exit 2 on it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crawler.static import OFFLINE_FAILURE, STATIC_PROFILE
from minerscan.cli import main
from minerscan.sites.server import SiteServer
from minerscan.static_triage import STATIC_NOTE
from minerscan.static_triage import STATIC_PROFILE as TRIAGE_PROFILE
from storage import Store

SITE = Path(__file__).parent / "site"
NO_BROWSER = "/nonexistent/chromium"


def minerscan(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minerscan", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "MINERSCAN_CHROMIUM": NO_BROWSER},
    )


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    server = SiteServer(SITE).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def static_scan(
    site: SiteServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("static")
    db, report = out / "static.db", out / "static.json"
    proc = minerscan(
        "scan",
        "--static",
        site.base_url,
        "--offline",
        "--browser-path",
        NO_BROWSER,
        "--db",
        str(db),
        "--format",
        "json",
        "-o",
        str(report),
        "--format",
        "table",
        "--progress",
        "always",
    )
    assert report.exists(), proc.stderr
    return proc, json.loads(report.read_text()), db


def _page(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return next(p for p in doc["pages"] if p["url"].endswith("/" + path))


def _rules(page: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in page["findings"]}


def test_the_browser_path_given_would_stop_a_rendered_scan(site: SiteServer, tmp_path: Path):
    args = ["scan", site.base_url, "--offline", "--browser-path", NO_BROWSER]
    refused = CliRunner().invoke(main, [*args, "--db", str(tmp_path / "x.db")])
    assert refused.exit_code == 2, refused.stderr
    assert "minerscan: error:" in refused.stderr and NO_BROWSER in refused.stderr


def test_static_scan_runs_without_a_browser_and_fails_on_the_miners(static_scan) -> None:
    proc, doc, _ = static_scan
    assert proc.returncode == 1, proc.stderr  # HIGH findings, the default --fail-on
    assert "static triage, no browser" in proc.stderr
    assert doc["scan"]["settings"]["static"] is True


def test_the_progress_bar_counts_what_the_crawl_has_queued(static_scan) -> None:
    proc, doc, _ = static_scan
    pages = len(doc["pages"])
    # Pages the crawl found and had not stored yet showed as queued, and none at the end...
    assert re.search(r"\b[1-9]\d* queued", proc.stderr), proc.stderr[-2000:]
    assert "0 queued" in proc.stderr
    # ...so the bar's total was the pages known, not the 50-page budget.
    assert f"{pages}/{pages}" in proc.stderr


def test_a_script_from_a_nocoin_host_is_found_without_fetching_it(static_scan, site) -> None:
    _, doc, _ = static_scan
    page = _page(doc, "tagged.html")
    assert page["verdict"] == "suspicious"
    found = next(f for f in page["findings"] if f["rule_id"] == "MS102")
    assert found["evidence"]["host"] == "coinhive.com"
    assert "coinhive.com" not in " ".join(site.requests)


def test_an_inline_snippet_and_a_same_site_copy_match_family_signatures(static_scan) -> None:
    _, doc, _ = static_scan
    snippet, blog = _page(doc, "snippet.html"), _page(doc, "blog/family.html")
    assert snippet["verdict"] == blog["verdict"] == "suspicious"
    assert "MS201" in _rules(snippet) and "MS201" in _rules(blog)
    blog_finding = next(f for f in blog["findings"] if f["rule_id"] == "MS201")
    assert blog_finding["evidence"]["url"].endswith("/js/loot.js")
    assert "CryptoLoot" in json.dumps(blog_finding["evidence"])


def test_a_miner_in_an_event_handler_attribute_is_found(static_scan) -> None:
    _, doc, db = static_scan
    page = _page(doc, "handler.html")
    assert page["verdict"] == "suspicious" and "MS201" in _rules(page)
    markdown = CliRunner().invoke(main, ["report", "--db", str(db), "--format", "markdown"])
    assert "handler attribute in the HTML served for" in markdown.stdout  # not "at run time"


def test_clean_pages_stay_clean(static_scan) -> None:
    _, doc, _ = static_scan
    for path in ("", "index.html", "about.html"):
        page = next(p for p in doc["pages"] if p["url"].endswith("/" + path))
        assert page["verdict"] == "clean", page
        assert page["findings"] == [], page  # the JSON-LD block quoting a miner is data


def test_static_verdicts_never_claim_cpu_or_sockets(static_scan) -> None:
    _, doc, _ = static_scan
    assert all(p["verdict"] != "miner" for p in doc["pages"])
    for page in doc["pages"]:
        assert page["reasons"][-1] == STATIC_NOTE
        assert not any("not started" in r or "mining-like CPU" in r for r in page["reasons"])
        assert page["cpu"] is None and page["profile"] == STATIC_PROFILE


def test_robots_depth_and_failures_follow_the_normal_rules(static_scan) -> None:
    _, doc, _ = static_scan
    urls = {p["url"].split("/", 3)[3] for p in doc["pages"]}
    assert not any(u.startswith("private") for u in urls)  # robots.txt forbids it
    assert _page(doc, "catalogue.pdf")["failure"] == "not_html"
    missing = _page(doc, "missing.html")
    assert missing["failure"] == "http_status" and missing["status"] == 404


def test_every_visit_is_stored_as_static(static_scan, site) -> None:
    _, doc, db = static_scan
    with Store.open(str(db)) as store:
        result = store.load_result(doc["scan"]["id"], with_bodies=True)
    assert result.scan.settings["static"] is True
    assert result.scan.stats["browser"].startswith("none (static triage")
    assert len(result.pages) == len(doc["pages"])
    assert {p.visit.profile for p in result.pages} == {STATIC_PROFILE}
    assert not any(p.visit.rendered or p.visit.cpu or p.visit.websockets for p in result.pages)
    tagged = next(p.visit for p in result.pages if p.visit.url.endswith("/tagged.html"))
    coinhive = next(r for r in tagged.requests if "coinhive.com" in r.url)
    assert coinhive.failure == OFFLINE_FAILURE and coinhive.status is None
    about = next(p.visit for p in result.pages if p.visit.url.endswith("/about.html"))
    widget = next(s for s in about.scripts if s.url.endswith("/js/widget.js"))
    assert widget.body is not None and b"reviewsWidget" in widget.body  # third party, fetched
    assert next(r for r in about.requests if r.url.endswith("/js/widget.js")).third_party
    # One script shared by every page is fetched once, not once per page.
    assert site.requests.count("/js/app.js") == 1


def test_the_table_report_says_static_triage(static_scan) -> None:
    proc, _, _ = static_scan
    assert "static triage" in proc.stdout


def test_reanalysis_of_a_static_scan_keeps_it_static(static_scan) -> None:
    _, doc, db = static_scan
    run = CliRunner().invoke(main, ["reanalyze", "--db", str(db), "--format", "json"])
    assert run.exit_code == 1, run.stderr
    again = json.loads(run.stdout)
    assert [p["verdict"] for p in again["pages"]] == [p["verdict"] for p in doc["pages"]]
    assert all(p["reasons"][-1] == STATIC_NOTE for p in again["pages"])


def test_max_pages_and_depth_bound_a_static_scan(site: SiteServer, tmp_path: Path) -> None:
    report = tmp_path / "small.json"
    proc = minerscan(
        "scan",
        "--static",
        site.base_url,
        "--offline",
        "--max-pages",
        "3",
        "--db",
        str(tmp_path / "small.db"),
        "--format",
        "json",
        "-o",
        str(report),
    )
    assert report.exists(), proc.stderr
    assert len(json.loads(report.read_text())["pages"]) == 3
    proc = minerscan(
        "scan",
        "--static",
        site.base_url,
        "--offline",
        "--depth",
        "0",
        "--db",
        str(tmp_path / "shallow.db"),
        "--format",
        "json",
        "-o",
        str(tmp_path / "d.json"),
    )
    assert proc.returncode == 0, proc.stderr
    assert [p["url"] for p in json.loads((tmp_path / "d.json").read_text())["pages"]] == [
        site.base_url
    ]


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = CliRunner().invoke(main, ["scan", "--static", "ftp://example.org", "--db", "b.db"])
    assert bad.exit_code == 2
    assert "only http:// and https://" in bad.stderr and "Traceback" not in bad.stderr
    bad = CliRunner().invoke(main, ["scan", "--static", "example.org", "--max-pages", "0"])
    assert bad.exit_code == 2 and "--max-pages must be at least 1" in bad.stderr


def test_an_unreachable_site_is_an_incomplete_scan(tmp_path: Path) -> None:
    from minerscan.sites.server import free_port

    proc = minerscan(
        "scan",
        "--static",
        f"http://127.0.0.1:{free_port()}/",
        "--offline",
        "--db",
        str(tmp_path / "down.db"),
    )
    assert proc.returncode == 3, proc.stderr
    assert "connection refused" in proc.stderr


def test_the_profile_names_agree() -> None:
    assert STATIC_PROFILE == TRIAGE_PROFILE


def test_resume_continues_only_a_scan_made_the_same_way(tmp_path: Path) -> None:
    targets = ["https://shop.example/"]
    with Store.open(str(tmp_path / "r.db")) as store:
        static = store.start_scan(targets, {"static": True}, "0", "sig")
        rendered = store.start_scan(targets, {"depth": 2}, "0", "sig")  # older scans: no key
        assert store.find_scan(targets, static=True) == static
        assert store.find_scan(targets) == rendered
        store.finish_scan(static, "complete")
        assert store.find_scan(targets, static=True) is None


def test_resume_of_an_interrupted_static_scan_visits_only_the_rest(
    site: SiteServer, static_scan, tmp_path: Path
) -> None:
    from model.observations import PageVisit

    _, full, _ = static_scan
    db = str(tmp_path / "resume.db")
    with Store.open(db) as store:  # as a static scan killed after its first page left it
        scan_id = store.start_scan([site.base_url], {"static": True}, "0", "sig")
        first = PageVisit(url=site.base_url, status=200, profile=STATIC_PROFILE)
        store.record_visit(scan_id, first)
    proc = minerscan("scan", "--static", "--resume", site.base_url, "--offline", "--db", db)
    assert proc.returncode == 1, proc.stderr
    with Store.open(db) as store:
        assert store.latest_scan_id() == scan_id
        urls = [p.visit.url for p in store.load_result(scan_id).pages]
    assert len(urls) == len(set(urls)) == len(full["pages"])  # none twice, none missing
