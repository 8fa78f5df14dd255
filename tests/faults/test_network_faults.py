"""Servers and networks that fail: one depth-0 scan of every bad target, per Chromium build.

Redirect loops and redirects to other schemes, a 20 MB page, an endless body, a server that
accepts and never answers, one that sends headers then stalls, bad TLS certificates, an
unresolvable host and a refused connection; an ordinary page last must still be judged.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import pytest
from certs import KINDS, server_context
from harness import DWELL, PAGE_TIMEOUT, ScanRun, run_scan
from hostile import REDIRECT_TARGETS, HostileServer, SilentServer

from minerscan.sites import free_port

pytestmark = pytest.mark.browser

ROUND_SECONDS = DWELL + PAGE_TIMEOUT + 12


@pytest.fixture(scope="module")
def net_scan(
    build: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ScanRun, dict]]:
    home = tmp_path_factory.mktemp("network-faults")
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(HostileServer())
        silent = stack.enter_context(SilentServer())
        tls = {
            kind: stack.enter_context(HostileServer(server_context(kind, home / "certs")))
            for kind in KINDS
        }
        targets = {
            "loop": server.url("loop/0"),
            **{f"redirect-{name}": server.url(f"redirect/{name}") for name in REDIRECT_TARGETS},
            "big": server.url("big.html"),
            "endless": server.url("endless.html"),
            "stall": server.url("stall.html"),
            "slowloris": silent.url,
            "dns": "http://no-such-host.invalid/",
            "refused": f"http://127.0.0.1:{free_port()}/",
            **{f"tls-{kind}": srv.url("after.html") for kind, srv in tls.items()},
            "after": server.url("after.html"),
        }
        bound = 30 + math.ceil(len(targets) / 4) * ROUND_SECONDS
        run = run_scan(
            home, build, *targets.values(), "--depth", "0", "--ignore-robots", timeout=bound
        )
        yield run, {name: run.page(url) for name, url in targets.items()}


def test_every_target_is_recorded_and_the_last_one_judged(net_scan) -> None:
    run, pages = net_scan
    assert run.returncode == 1, run.stderr  # the ordinary page's miner code outranks failures
    after = pages["after"]
    assert after["failure"] is None and "MS201" in {f["rule_id"] for f in after["findings"]}
    assert "Traceback" not in run.stderr and "never retrieved" not in run.stderr, run.stderr


def test_redirect_loop_is_an_error_that_says_so(net_scan) -> None:
    page = net_scan[1]["loop"]
    assert (page["failure"], page["error"]) == (
        "error",
        "too many redirects (net::ERR_TOO_MANY_REDIRECTS)",
    )


@pytest.mark.parametrize("name", sorted(REDIRECT_TARGETS))
def test_redirect_to_another_scheme_is_refused_and_recorded(net_scan, name: str) -> None:
    page = net_scan[1][f"redirect-{name}"]
    assert page["failure"] == "error" and page["verdict"] == "failed", page
    assert page["final_url"] is None  # nothing at the other end was loaded
    scheme = REDIRECT_TARGETS[name].split(":", 1)[0]
    assert page["error"] == (
        f"redirect to a non-web URL ({scheme}:) refused (only http and https are followed)"
    ), page


@pytest.mark.parametrize("name", ["endless", "stall", "slowloris"])
def test_server_that_never_finishes_is_a_timeout(net_scan, name: str) -> None:
    page = net_scan[1][name]
    assert page["failure"] == "timeout", page
    assert page["error"] == f"page did not load within {PAGE_TIMEOUT:g} s"


def test_twenty_megabyte_page_is_recorded_in_bounded_time(net_scan) -> None:
    """Rendered when the machine is quick enough, else abandoned at the page timeout."""
    page = net_scan[1]["big"]
    assert page["failure"] in (None, "timeout"), page


def test_unresolvable_host_is_dns(net_scan) -> None:
    assert net_scan[1]["dns"]["failure"] == "dns"


def test_refused_connection_is_connection(net_scan) -> None:
    page = net_scan[1]["refused"]
    assert (page["failure"], page["error"]) == (
        "connection",
        "connection refused (net::ERR_CONNECTION_REFUSED)",
    )


@pytest.mark.parametrize("kind", KINDS)
def test_bad_certificate_is_tls(net_scan, kind: str) -> None:
    page = net_scan[1][f"tls-{kind}"]
    assert page["failure"] == "tls", page


def test_ignore_https_errors_loads_bad_certificates(
    build: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("tls-ignored")
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(HostileServer(server_context(kind, home / "certs")))
            for kind in KINDS
        ]
        urls = [srv.url("after.html") for srv in servers]
        run = run_scan(home, build, *urls, "--depth", "0", "--ignore-https-errors", timeout=90)
    for url in urls:
        page = run.page(url)
        assert page["failure"] is None and page["verdict"] != "failed", page
