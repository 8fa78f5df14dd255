"""The bundled demo site and the fixture pages, served and checked without a browser."""

from __future__ import annotations

import re
import tomllib
import urllib.error
import urllib.request
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from minerscan.sites import PoolEmulator
from minerscan.sites.demo import (
    DEMO_CLEAN_PAGES,
    DEMO_MINER_PAGE,
    DEMO_ROOT,
    demo_servers,
    miner_pages_server,
)

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "tests" / "pages"
KNOWN_PLACEHOLDER = re.compile(r"\{\{(POOL_WS|ORIGIN|ALT_ORIGIN|PROXY_WS)\}\}")


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value and not value.startswith(("data:", "#")):
                self.links.append(value)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


def test_every_demo_page_serves_and_every_link_and_asset_resolves() -> None:
    with demo_servers() as (site, _pool):
        for page in (*DEMO_CLEAN_PAGES, DEMO_MINER_PAGE):
            status, html = get(site.url(page))
            assert status == 200, page
            parser = LinkParser()
            parser.feed(html)
            assert parser.links, page
            for link in parser.links:
                target = urljoin(site.url(page), link)
                assert urlsplit(target).netloc == urlsplit(site.base_url).netloc, target
                assert get(target)[0] == 200, (page, link)
        assert "Disallow:" in get(site.url("robots.txt"))[1]


def test_only_the_blog_post_carries_the_miner_and_it_points_at_the_pool() -> None:
    with demo_servers() as (site, pool):
        miner_page = get(site.url(DEMO_MINER_PAGE))[1]
        assert "/static/m.js" in miner_page and "Miner.Anonymous(" in miner_page
        assert f"pool: '{pool.ws_url}'" in miner_page
        assert "throttle: 0.3" in miner_page and "threads: 2" in miner_page
        for page in DEMO_CLEAN_PAGES:
            html = get(site.url(page))[1]
            assert "m.js" not in html and "Miner" not in html and "ws://" not in html, page


def test_demo_site_files_are_all_shipped_as_package_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    for path in DEMO_ROOT.rglob("*"):
        if path.is_file():
            assert any(fnmatch(path.name, pattern) for pattern in patterns), path


def test_fixture_pages_use_only_known_placeholders_and_are_documented() -> None:
    readme = (PAGES / "README.md").read_text()
    cases = sorted(p.name for p in PAGES.iterdir() if p.is_dir())
    assert len(cases) >= 12
    for case in cases:
        assert (PAGES / case / "index.html").is_file(), case
        assert f"`{case}/`" in readme, f"{case} is not described in tests/pages/README.md"
    for path in PAGES.rglob("*"):
        if path.suffix in (".html", ".js"):
            text = path.read_text()
            assert KNOWN_PLACEHOLDER.sub("", text).count("{{") == 0, path


def test_fixture_pages_reach_the_shared_miner_library() -> None:
    with PoolEmulator() as pool, miner_pages_server(PAGES, pool) as site:
        for script in ("m.js", "m-worker.js", "m-hash.js"):
            assert get(site.url(f"static/{script}"))[0] == 200, script
        with urllib.request.urlopen(site.url("static/m.wasm"), timeout=10) as response:
            assert response.headers["Content-Type"] == "application/wasm"
        worker = get(site.url("worker-socket/worker.js"))[1]
        assert pool.ws_url in worker
        frame = get(site.url("cross-site-iframe/"))[1]
        assert f"http://localhost:{site.alt_port}/cross-site-iframe/frame.html" in frame
