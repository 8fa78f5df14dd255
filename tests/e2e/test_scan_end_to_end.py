"""The whole path a user takes: crawl a local site in real Chromium, store, analyse, report, exit.

Sites and the Stratum pool emulator run on free 127.0.0.1 ports in this process; minerscan runs
as a separate process, exactly as a user or CI job runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from minerscan.sites.demo import miner_pages_server
from minerscan.sites.pool import PoolEmulator
from minerscan.sites.server import SiteServer, free_port
from storage import Store

HERE = Path(__file__).parent
MINER_PAGES = {"care/watering.html", "care/light.html", "care/soil.html"}
CLEAN_PAGES = {"", "index.html", "about.html"}

pytestmark = pytest.mark.browser


def minerscan(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minerscan", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def miner_site() -> Iterator[tuple[SiteServer, PoolEmulator]]:
    with PoolEmulator("stratum") as pool, miner_pages_server(HERE / "miner-site", pool) as site:
        yield site, pool


@pytest.fixture(scope="module")
def miner_scan(
    miner_site: tuple[SiteServer, PoolEmulator], tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], dict, Path]:
    site, _ = miner_site
    out = tmp_path_factory.mktemp("scan")
    db, report = out / "scan.db", out / "scan.json"
    proc = minerscan(
        "scan",
        site.base_url,
        "--offline",
        "--dwell",
        "4",
        "--db",
        str(db),
        "--format",
        "json",
        "-o",
        str(report),
    )
    assert report.exists(), proc.stderr
    return proc, json.loads(report.read_text()), db


def _page(doc: dict, suffix: str) -> dict:
    return next(p for p in doc["pages"] if (p["final_url"] or p["url"]).endswith("/" + suffix))


def test_miner_site_exits_1_with_every_miner_page_flagged(miner_scan) -> None:  # type: ignore[no-untyped-def]
    proc, doc, _ = miner_scan
    assert proc.returncode == 1, proc.stderr
    for suffix in MINER_PAGES:
        page = _page(doc, suffix)
        assert page["verdict"] == "miner", (suffix, page["reasons"])
        assert any(f["severity"] in ("high", "critical") for f in page["findings"]), page
    for suffix in ("index.html", "about.html"):
        assert _page(doc, suffix)["verdict"] == "clean"
    [site] = doc["sites"]  # one site, judged by its worst page
    assert site["site"] == "127.0.0.1" and site["verdict"] == "miner" and site["pages"] == 6


def test_miner_evidence_names_pool_protocol_and_worker_cpu(miner_scan, miner_site) -> None:  # type: ignore[no-untyped-def]
    _, doc, _ = miner_scan
    _, pool = miner_site
    plain = _page(doc, "care/watering.html")
    evidence = json.dumps(plain["findings"])
    assert pool.ws_url.rstrip("/") in evidence  # the pool's WebSocket URL
    assert "login" in evidence.lower()  # the mining-protocol message seen on the wire
    assert plain["cpu"]["worker_seconds"] > 0.5  # two unthrottled workers over a 4 s dwell
    assert plain["cpu"]["worker_seconds"] <= plain["cpu"]["process_seconds"] + 0.05
    # the socket opened inside a worker was seen and attributed
    soil = _page(doc, "care/soil.html")
    assert any(url.startswith(pool.ws_url.rstrip("/")) for url in soil["websockets"])
    assert soil["workers"], "the worker that mines was not recorded"


def test_every_visited_page_is_in_the_database(miner_scan, miner_site) -> None:  # type: ignore[no-untyped-def]
    _, doc, db = miner_scan
    store = Store.open(str(db))
    try:
        result = store.load_result(doc["scan"]["id"])
    finally:
        store.close()
    stored = {p.visit.final_url or p.visit.url for p in result.pages}
    assert stored == {p["final_url"] or p["url"] for p in doc["pages"]}
    paths = {u.split("/", 3)[3] for u in stored}
    assert paths == CLEAN_PAGES | MINER_PAGES  # "/" and "/index.html" are different URLs
    # fragments and repeated links did not cause repeated visits
    assert len(result.pages) == len(stored)
    assert result.scan.status == "complete"


def test_clean_site_exits_0(tmp_path: Path) -> None:
    with SiteServer(HERE / "clean-site") as site:
        proc = minerscan(
            "scan",
            site.base_url,
            "--offline",
            "--dwell",
            "2",
            "--db",
            str(tmp_path / "clean.db"),
            "--format",
            "json",
        )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["pages"] == 4  # /, index.html, hours.html, events.html
    assert {p["verdict"] for p in doc["pages"]} == {"clean"}


def test_unreachable_host_is_recorded_and_exits_3(tmp_path: Path) -> None:
    port = free_port()  # nobody listens here
    db = tmp_path / "down.db"
    proc = minerscan(
        "scan", f"http://127.0.0.1:{port}/", "--offline", "--dwell", "0", "--db", str(db)
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "scan incomplete" in proc.stderr
    store = Store.open(str(db))
    try:
        result = store.load_result(store.latest_scan_id())  # type: ignore[arg-type]
    finally:
        store.close()
    [page] = result.pages
    assert page.visit.failure is not None and page.visit.failure.value == "connection"
    assert page.visit.error


def test_demo_command_finds_the_injected_miner(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "minerscan", "demo", "--db", str(tmp_path / "d.db")],
        check=False,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    progress = [line.split() for line in proc.stderr.splitlines() if line.startswith("  ")]
    verdicts = {url.rsplit("/", 1)[-1] or "/": verdict for verdict, url, *_ in progress}
    assert verdicts.pop("first-post.html") == "miner"
    assert set(verdicts.values()) == {"clean"} and len(verdicts) == 5
    assert "6 pages: 1 miner, 0 suspicious, 5 clean, 0 failed" in proc.stdout
    assert "Stratum" in proc.stdout and "MS301" in proc.stdout  # the evidence column
