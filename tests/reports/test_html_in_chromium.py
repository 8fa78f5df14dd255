"""The HTML report opened in real Chromium: it renders, no page script runs, nothing is fetched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Route, sync_playwright
from scan_fixture import HOSTILE

from minerscan.reports import Format, render
from minerscan.reports.escape import visible
from model.results import ScanResult

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    *(["--no-sandbox"] if os.geteuid() == 0 else []),
]


def test_html_report_renders_in_chromium_inert_and_offline(
    stored_scan: ScanResult, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    report.write_text(render(stored_scan, Format.HTML), encoding="utf-8")
    url = report.as_uri()
    requests: list[str] = []
    errors: list[str] = []

    def only_the_file(route: Route) -> None:
        if route.request.url == url:
            route.continue_()
            return
        requests.append(route.request.url)
        route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", only_the_file)
            page.on("request", lambda r: r.url != url and requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="load")
            page.wait_for_timeout(300)  # a deferred onerror or timer would have fired by now
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            pwned = page.evaluate("() => window.__pwned ?? null")
            scripts = page.evaluate("() => document.scripts.length")
            images = page.evaluate("() => document.images.length")
            svgs = page.evaluate(
                "() => [...document.querySelectorAll('svg.cpu')]"
                ".map(s => s.getBoundingClientRect().height)"
            )
            text = page.inner_text("body")
        finally:
            browser.close()

    assert requests == [], f"the report fetched {requests}"
    assert pwned is None and scripts == 0 and images == 0 and errors == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    assert len(svgs) == 2 and all(h > 100 for h in svgs)  # a CPU picture per flagged page
    # the hostile title is shown, as text, with its control and bidi characters made visible
    assert visible(HOSTILE, 2000).split("\\x1b")[0] in text
    assert "What to do" in text and "added at run time" in text
