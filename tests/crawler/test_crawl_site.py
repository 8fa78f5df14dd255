"""Crawling a small real site in real Chromium: which pages are visited, what each visit says."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from model.observations import FailureReason

pytestmark = pytest.mark.browser

# tests/crawler/site: index links (with fragments and duplicates) to about, products/, a PDF, a
# .txt, a robots-forbidden page, a missing page, the other origin and mailto:/javascript:/tel:;
# about → contact (depth 2) → deep/level3 (depth 3); products/ → item (depth 2).
DEPTH_1 = {"/", "/about.html", "/products/", "/docs/manual.pdf", "/notes.txt", "/missing.html"}
DEPTH_2 = DEPTH_1 | {"/contact.html", "/products/item.html"}


def paths(run) -> list[str]:
    return sorted(urlsplit(visit.url).path for visit in run.visits)


def test_site_crawl_visits_each_same_site_page_once(site, run_crawl, fast_config) -> None:
    run = run_crawl(fast_config(site.base_url, depth=2))

    assert paths(run) == sorted(DEPTH_2)  # each once: fragments and duplicate links collapse
    assert all(
        urlsplit(v.url).hostname == "127.0.0.1" for v in run.visits
    )  # localhost is another site
    assert "/private/secret.html" not in site.requests  # robots.txt obeyed
    assert "/deep/level3.html" not in site.requests  # depth 3

    visits = run.by_path()
    home = visits["/"]
    assert (home.depth, home.status, home.title, home.rendered, home.failure) == (
        0,
        200,
        "Home",
        True,
        None,
    )
    assert home.final_url == site.base_url
    assert home.content_type.startswith("text/html")
    assert home.load_seconds is not None and home.load_seconds > 0
    assert home.started_at > 0
    assert home.dom is not None and "<h1>Home</h1>" in home.dom.served_html
    assert home.cpu is not None
    assert {visits[p].depth for p in ("/contact.html", "/products/item.html")} == {2}
    assert visits["/products/"].title == "Products"

    for path, media in (("/docs/manual.pdf", "application/pdf"), ("/notes.txt", "text/plain")):
        visit = visits[path]
        assert visit.failure is FailureReason.NOT_HTML, visit
        assert not visit.rendered and visit.status == 200
        assert visit.content_type.startswith(media) and media in (visit.error or "")

    missing = visits["/missing.html"]
    assert (missing.status, missing.failure, missing.error) == (
        404,
        FailureReason.HTTP_STATUS,
        "HTTP 404",
    )
    assert missing.rendered and missing.title == "404 Not Found" and missing.ok

    assert run.stats.pages == len(DEPTH_2)
    assert run.stats.failed == 2  # the two NOT_HTML files; HTTP_STATUS pages still count as ok
    assert not run.stats.interrupted
    assert "Chromium" in run.stats.browser


@pytest.mark.parametrize(("depth", "expected"), [(0, {"/"}), (1, DEPTH_1)])
def test_depth_limits_how_far_links_are_followed(
    site, run_crawl, fast_config, depth, expected
) -> None:
    run = run_crawl(fast_config(site.base_url, depth=depth))
    assert set(paths(run)) == expected
    assert len(run.visits) == len(expected)


def test_max_pages_caps_visits_per_site(site, run_crawl, fast_config) -> None:
    run = run_crawl(fast_config(site.base_url, depth=2, max_pages=3))
    assert len(run.visits) == 3
    assert "/" in paths(run)
    assert set(paths(run)) <= DEPTH_2


def test_ignore_robots_visits_forbidden_pages(site, run_crawl, fast_config) -> None:
    run = run_crawl(fast_config(site.base_url, depth=1, obey_robots=False))
    assert set(paths(run)) == DEPTH_1 | {"/private/secret.html"}
    assert run.by_path()["/private/secret.html"].title == "Secret"


def test_start_url_forbidden_by_robots_is_one_visit_saying_why(
    site, run_crawl, fast_config
) -> None:
    run = run_crawl(fast_config(site.url("private/secret.html"), depth=2))
    [visit] = run.visits
    assert visit.failure is FailureReason.ROBOTS
    assert "robots.txt" in (visit.error or "") and not visit.rendered
    assert visit.url == site.url("private/secret.html")


def test_resume_skips_visited_pages_but_still_finds_the_pages_behind_them(
    site, run_crawl, fast_config
) -> None:
    done = frozenset({site.base_url, site.url("about.html")})
    run = run_crawl(fast_config(site.base_url, depth=2, skip_urls=done))
    # contact.html is linked only from about.html: found because about.html was re-read for links.
    assert set(paths(run)) == DEPTH_2 - {"/", "/about.html"}


def test_interrupt_stops_gracefully_and_keeps_what_was_observed(
    site, start_crawl, fast_config
) -> None:
    crawl = start_crawl(
        fast_config(site.base_url, depth=2, dwell=2.0, max_dwell=2.0, concurrency=1)
    )
    crawl.wait_for_visits(1, timeout=60)
    crawl.interrupt()
    run = crawl.finish(timeout=60)

    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stats is not None and run.stats.interrupted
    assert 1 <= len(run.visits) < len(DEPTH_2)
    assert run.stats.pages == len(run.visits)
    # Pages in flight were finished, not torn down: no crashes from the shutdown.
    assert all(
        v.failure in (None, FailureReason.NOT_HTML, FailureReason.HTTP_STATUS) for v in run.visits
    )


def test_a_failing_store_stops_the_crawl_with_its_error(site, start_crawl, fast_config) -> None:
    crawl = start_crawl(fast_config(site.base_url, depth=2), store_fails_after=2)
    run = crawl.finish(timeout=90)
    assert run.returncode != 0 and run.stats is None
    assert "VisitSinkError" in run.stderr and "disk full" in run.stderr
    assert len(run.visits) == 2
