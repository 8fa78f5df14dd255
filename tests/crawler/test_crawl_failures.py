"""Pages that do not load are still visits, each with a reason and a one-line error."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial

import pytest

from minerscan.sites import free_port
from model.observations import FailureReason

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def failed_crawl(site, run_crawl_once, fast_config):
    """One crawl (depth 0) of targets that each fail differently."""
    refused = f"http://127.0.0.1:{free_port()}/"
    targets = {
        "refused": refused,
        "slow": site.url("slow/8"),
        # closed_network: Chromium resolves nothing but loopback
        "dns": "http://no-such-host.invalid/",
        "server_error": site.url("status/503"),
    }
    # robots.txt is fetched by Scrapy itself, outside the browser's closed network: skip it so
    # the unresolvable host costs no real DNS query.
    run = run_crawl_once(
        fast_config(*targets.values(), depth=0, page_timeout=2.0, obey_robots=False)
    )
    by_url = {visit.url: visit for visit in run.visits}
    assert len(run.visits) == len(targets)
    return {name: by_url[url] for name, url in targets.items()}, run


def test_connection_refused_is_a_connection_failure(failed_crawl) -> None:
    visit = failed_crawl[0]["refused"]
    assert visit.failure is FailureReason.CONNECTION
    assert visit.error == "connection refused (net::ERR_CONNECTION_REFUSED)"
    assert not visit.rendered and visit.status is None and visit.started_at > 0


def test_page_slower_than_page_timeout_is_a_timeout(failed_crawl) -> None:
    visit = failed_crawl[0]["slow"]
    assert visit.failure is FailureReason.TIMEOUT
    assert visit.error == "page did not load within 2 s"


def test_unresolvable_host_is_a_dns_failure(failed_crawl) -> None:
    visit = failed_crawl[0]["dns"]
    assert visit.failure is FailureReason.DNS
    assert "net::ERR_NAME_NOT_RESOLVED" in (visit.error or "")


def test_server_error_page_is_rendered_and_flagged(failed_crawl) -> None:
    visit = failed_crawl[0]["server_error"]
    assert (visit.status, visit.failure, visit.error) == (
        503,
        FailureReason.HTTP_STATUS,
        "HTTP 503",
    )
    assert visit.rendered and visit.title == "Status 503"


def test_stats_count_failures(failed_crawl) -> None:
    run = failed_crawl[1]
    assert (run.stats.pages, run.stats.failed, run.stats.interrupted) == (4, 3, False)
    assert all("\n" not in (v.error or "") for v in run.visits)


class _MethodLog(http.server.SimpleHTTPRequestHandler):
    """A static server that answers HEAD (unlike SiteServer) and notes every method and path."""

    seen: list[tuple[str, str]]

    def do_HEAD(self) -> None:
        self.seen.append(("HEAD", self.path))
        super().do_HEAD()

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path))
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def head_server(site_dir) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (_MethodLog,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(handler, directory=str(site_dir))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    server.shutdown()
    server.server_close()


def test_linked_files_are_recorded_without_being_downloaded(
    head_server, run_crawl, fast_config
) -> None:
    base, seen = head_server
    run = run_crawl(fast_config(base, depth=1))
    visits = run.by_path()
    assert visits["/docs/manual.pdf"].failure is FailureReason.NOT_HTML
    assert visits["/docs/manual.pdf"].content_type == "application/pdf"
    assert ("HEAD", "/docs/manual.pdf") in seen
    assert ("GET", "/docs/manual.pdf") not in seen  # no browser, no download
    assert visits["/about.html"].rendered
