"""What a page (and its workers) see of the browser under each profile, through the real CLI.

A miner reads navigator.webdriver, the user agent and its client hints, the core count, and
whether the tab has focus, before it decides to start; the probe page writes what it read into
its title, which the JSON report carries back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from minerscan.sites.server import SiteServer

HERE = Path(__file__).parent

pytestmark = pytest.mark.browser


def test_each_profile_shows_its_own_browser_to_the_page_and_its_workers(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    with SiteServer(HERE / "profile-site") as site:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "minerscan",
                "scan",
                site.base_url,
                site.url("late.html"),
                site.url("late-worker.html"),
                site.url("click.html"),
                "--offline",
                "--depth",
                "0",
                "--dwell",
                "3",
                "--profile",
                "desktop",
                "--profile",
                "mobile",
                "--profile",
                "scanner",
                "--format",
                "json",
                "-o",
                str(report),
                "--db",
                str(tmp_path / "p.db"),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
        )
    assert proc.returncode == 0, proc.stderr
    pages = json.loads(report.read_text("utf-8"))["pages"]
    late = {p["profile"]: p for p in pages if p["url"].endswith("late.html")}
    late_worker = {p["profile"]: p for p in pages if p["url"].endswith("late-worker.html")}
    clicks = {p["profile"]: p for p in pages if p["url"].endswith("click.html")}
    pages = [p for p in pages if p["url"].endswith("/")]
    seen = {page["profile"]: json.loads(page["title"]) for page in pages}
    assert set(seen) == {"desktop", "mobile", "scanner"}, [p["title"] for p in pages]

    desktop, mobile, scanner = seen["desktop"], seen["mobile"], seen["scanner"]
    for person in (desktop, mobile):
        assert "Headless" not in person["ua"] and "minerscan" not in person["ua"]
        assert "HeadlessChrome" not in (person["brands"] or [])
        assert "Google Chrome" in (person["brands"] or [])
        assert person["webdriver"] is False
        assert person["cores"] == 8 and person["worker_cores"] == 8
        assert person["worker_ua"] == person["ua"]
        assert person["focus"] is True
    assert "Windows" in desktop["ua"] and desktop["mobile"] is False and desktop["plugins"] > 0
    assert "Android" in mobile["ua"] and mobile["mobile"] is True and mobile["touch"] > 0
    # The honest scanner says who it is and shows the machine as it is.
    assert "HeadlessChrome" in scanner["ua"] and "minerscan/" in scanner["ua"]
    assert scanner["webdriver"] is True
    # (Its tab has focus all the same: Playwright emulates focus for every page it drives.)

    # A setTimeout(start, 30 s) fires within the dwell for a person's profile: the page's clock
    # ran ahead while the real seconds watched (what CPU is judged on) stayed short.
    for profile in ("desktop", "mobile"):
        page = late[profile]
        assert page["title"] == "started", page
        assert page["watch"]["clock_advanced_seconds"] >= 30, page["watch"]
        assert page["watch"]["watched_seconds"] < 20, page["watch"]
        assert page["watch"]["stop_reason"] in ("quiet", "max_dwell"), page["watch"]
    assert late["scanner"]["title"] == "waiting"  # the scanner waits like a crawler: not long
    assert late["scanner"]["watch"]["clock_advanced_seconds"] == 0
    # A timer inside a dedicated worker runs ahead with the page's clock.
    assert late_worker["desktop"]["title"] == "worker started", late_worker["desktop"]
    assert late_worker["scanner"]["title"] == "waiting"

    # A person's idle click lands on empty space, never on the link or the form.
    desktop_click = clicks["desktop"]
    assert desktop_click["final_url"].endswith("click.html"), desktop_click
    assert desktop_click["title"] in ("clicked BODY", "clicked HTML", "clicked P"), desktop_click
    assert "click" in desktop_click["watch"]["interactions"]
    assert clicks["scanner"]["title"] == "no click yet"
