"""MS101–MS103: request and WebSocket URLs against adblock and hosts lists; list updates."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from analyzers.base import Finding, Severity
from analyzers.blocklist import known_miner_request, known_miner_script, known_pool_socket
from analyzers.engine import AnalysisContext
from analyzers.lists import ListFormat, parse_list, read_list, update_lists
from model.observations import (
    PageVisit,
    RequestObservation,
    ScriptKind,
    ScriptObservation,
    WebSocketSession,
    WorkerObservation,
)

CUSTOM_FILTERS = """[Adblock Plus 2.0]
! test list: one filter per option under test
||pool.test^$websocket
||cdn.test^$third-party
/hashlet.js$script,domain=bad.test
/x.wasm$xmlhttprequest
||vouched.test^
@@||vouched.test/ok.js
$websocket,domain=pirate.test
"""
CUSTOM_HOSTS = """# minerscan test hosts list
0.0.0.0 minerhost.test
127.0.0.1 203.0.113.9
"""


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> AnalysisContext:
    directory = tmp_path_factory.mktemp("lists")
    (directory / "custom.txt").write_text(CUSTOM_FILTERS)
    (directory / "custom-hosts").write_text(CUSTOM_HOSTS)
    return AnalysisContext.load(
        extra_lists=[directory / "custom.txt", directory / "custom-hosts"], cores=2
    )


def page(url: str = "https://shop.example/", **observed: object) -> PageVisit:
    return PageVisit(url=url, final_url=url, status=200, rendered=True, **observed)  # type: ignore[arg-type]


def ws(url: str, context: str = "page") -> WebSocketSession:
    return WebSocketSession(url, context, 0.5)


def req(url: str, resource_type: str = "script", context: str = "page") -> RequestObservation:
    return RequestObservation(url, resource_type, status=200, context=context)


def run(rule, visit: PageVisit, ctx: AnalysisContext) -> list[Finding]:  # type: ignore[no-untyped-def]
    return list(rule(visit, ctx))


def test_bundled_nocoin_list_flags_a_public_pool_socket(ctx: AnalysisContext) -> None:
    [finding] = run(known_pool_socket, page(websockets=(ws("wss://ws3.crypto-loot.com/"),)), ctx)
    assert finding.severity is Severity.HIGH
    assert finding.evidence["matches"][0] == {
        "list": "nocoin/nocoin.txt",
        "filter": "||crypto-loot.com^$third-party",
        "broad": False,
    }
    assert finding.evidence["request_type"] == "websocket"
    assert finding.evidence["source_url"] == "https://shop.example/"
    assert "wss://ws3.crypto-loot.com/" in finding.title


def test_bundled_nocoin_list_flags_a_miner_script_name(ctx: AnalysisContext) -> None:
    visit = page(requests=(req("https://static.example/js/coinhive.min.js"),))
    [finding] = run(known_miner_script, visit, ctx)
    assert finding.evidence["matches"][0]["filter"] == "/coinhive.min.js"


def test_websocket_option_matches_sockets_only(ctx: AnalysisContext) -> None:
    socket_visit = page(websockets=(ws("wss://pool.test/proxy"),))
    script_visit = page(requests=(req("https://pool.test/proxy.js"),))
    assert [
        f.evidence["matches"][0]["filter"] for f in run(known_pool_socket, socket_visit, ctx)
    ] == ["||pool.test^$websocket"]
    assert run(known_miner_script, script_visit, ctx) == []


def test_websocket_requests_are_checked_as_websockets_even_from_the_request_log(
    ctx: AnalysisContext,
) -> None:
    visit = page(
        requests=(
            req(
                "wss://pool.test/proxy",
                resource_type="websocket",
                context="worker:https://shop.example/w.js",
            ),
        )
    )
    [finding] = run(known_pool_socket, visit, ctx)
    assert finding.evidence["context"] == "worker:https://shop.example/w.js"


def test_third_party_option(ctx: AnalysisContext) -> None:
    script = req("https://cdn.test/lib.js")
    assert len(run(known_miner_script, page("https://shop.example/", requests=(script,)), ctx)) == 1
    # the same host is first-party on its own site (www. and the apex share a registrable domain)
    assert run(known_miner_script, page("https://www.cdn.test/", requests=(script,)), ctx) == []


def test_domain_option_uses_the_requesting_document(ctx: AnalysisContext) -> None:
    miner = req("https://static.other/hashlet.js")
    assert len(run(known_miner_script, page("https://bad.test/", requests=(miner,)), ctx)) == 1
    assert run(known_miner_script, page("https://good.test/", requests=(miner,)), ctx) == []
    # a frame from bad.test embedded in good.test: the frame is the source
    in_frame = req("https://static.other/hashlet.js", context="frame:https://bad.test/embed")
    [finding] = run(known_miner_script, page("https://good.test/", requests=(in_frame,)), ctx)
    assert finding.evidence["source_url"] == "https://bad.test/embed"
    # a worker started by that frame inherits it
    worker = WorkerObservation(
        "https://bad.test/w.js", "dedicated", parent="frame:https://bad.test/embed"
    )
    from_worker = req("https://static.other/hashlet.js", context="worker:https://bad.test/w.js")
    visit = page("https://good.test/", requests=(from_worker,), workers=(worker,))
    assert [f.evidence["source_url"] for f in run(known_miner_script, visit, ctx)] == [
        "https://bad.test/embed"
    ]


def test_script_option_needs_a_script_request(ctx: AnalysisContext) -> None:
    as_xhr = req("https://static.other/hashlet.js", resource_type="xhr")
    assert run(known_miner_script, page("https://bad.test/", requests=(as_xhr,)), ctx) == []
    assert run(known_miner_request, page("https://bad.test/", requests=(as_xhr,)), ctx) == []


def test_xhr_and_fetch_are_xmlhttprequest(ctx: AnalysisContext) -> None:
    visit = page(
        requests=(
            req("https://shop.example/x.wasm", resource_type="fetch"),
            req("https://shop.example/x.wasm?v=2", resource_type="image"),
        )
    )
    [finding] = run(known_miner_request, visit, ctx)
    assert finding.evidence["request_type"] == "xmlhttprequest"
    assert finding.severity is Severity.MEDIUM


def test_exception_filters_are_honoured(ctx: AnalysisContext) -> None:
    visit = page(requests=(req("https://vouched.test/ok.js"), req("https://vouched.test/other.js")))
    assert [f.evidence["url"] for f in run(known_miner_script, visit, ctx)] == [
        "https://vouched.test/other.js"
    ]


def test_broad_filters_are_reported_at_medium(ctx: AnalysisContext) -> None:
    [finding] = run(
        known_pool_socket,
        page("https://pirate.test/", websockets=(ws("wss://chat.pirate.test/"),)),
        ctx,
    )
    assert finding.severity is Severity.MEDIUM
    assert finding.evidence["matches"][0]["broad"] is True
    assert finding.confidence < 0.5


def test_hosts_list_matches_host_and_parent_domains(ctx: AnalysisContext) -> None:
    visit = page(
        requests=(
            req("https://a.b.minerhost.test/m.js"),
            req("https://minerhost.test/m2.js"),
            req("https://notminerhost.test/m.js"),
            req("https://minerhost.test.evil.example/m.js"),
            req("http://203.0.113.9:8080/m.js"),
        )
    )
    found = run(known_miner_script, visit, ctx)
    assert [f.evidence["url"] for f in found] == [
        "https://a.b.minerhost.test/m.js",
        "https://minerhost.test/m2.js",
        "http://203.0.113.9:8080/m.js",
    ]
    assert found[0].evidence["matches"] == [
        {"list": str(ctx.blocklists.lists[-1].name), "filter": "minerhost.test", "broad": False}
    ]


def test_workers_and_compiled_scripts_are_checked_too(ctx: AnalysisContext) -> None:
    visit = page(
        workers=(
            WorkerObservation("https://minerhost.test/worker.js", "dedicated", parent="page"),
            WorkerObservation("blob:https://minerhost.test/5d2e", "dedicated", parent="page"),
        ),
        scripts=(
            ScriptObservation(
                ScriptKind.EXTERNAL,
                "https://cdn.test/a.js",
                "frame:https://shop.example/f",
                "00",
                10,
            ),
        ),
    )
    urls = {f.evidence["url"] for f in run(known_miner_script, visit, ctx)}
    assert urls == {
        "https://minerhost.test/worker.js",
        "https://cdn.test/a.js",
    }  # blob: has no host of its own


def test_clean_page_has_no_findings(ctx: AnalysisContext) -> None:
    visit = page(
        requests=(req("https://shop.example/app.js"), req("https://fonts.example/f.woff2", "font")),
        websockets=(ws("wss://shop.example/live"),),
    )
    assert (
        run(known_pool_socket, visit, ctx)
        + run(known_miner_script, visit, ctx)
        + run(known_miner_request, visit, ctx)
        == []
    )


# --- list files -------------------------------------------------------------------------------


def test_formats_are_detected_from_content(tmp_path: Path) -> None:
    (tmp_path / "a").write_text(CUSTOM_HOSTS + "".join(f"0.0.0.0 h{i}.test\n" for i in range(3)))
    (tmp_path / "b").write_text("\n".join(f"pool{i}.example" for i in range(12)))
    (tmp_path / "c").write_text(CUSTOM_FILTERS)
    assert read_list(tmp_path / "a").format is ListFormat.HOSTS
    assert read_list(tmp_path / "b").format is ListFormat.HOSTS
    assert read_list(tmp_path / "c").format is ListFormat.ADBLOCK


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00garbage", b"<!DOCTYPE html><html><body>Not found</body></html>"],
    ids=["empty", "binary", "html"],
)
def test_invalid_extra_list_is_a_clear_value_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match="bad.txt"):
        AnalysisContext.load(extra_lists=[bad])


def test_missing_extra_list_is_a_clear_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read blocklist .*missing.txt"):
        AnalysisContext.load(extra_lists=[tmp_path / "missing.txt"])


# --- signatures update against a real HTTP server -------------------------------------------

GOOD_LIST = "[Adblock Plus 2.0]\n" + "".join(f"||pool{i}.example^$third-party\n" for i in range(40))


class _ListServer(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str]]] = {
        "/good.txt": (200, GOOD_LIST),
        "/hosts.txt": (200, "".join(f"0.0.0.0 miner{i}.example\n" for i in range(30))),
        "/broken.txt": (
            200,
            "<html><head><title>Captive portal</title></head><body>log in</body></html>",
        ),
        "/short.txt": (200, "||a.example^\n||b.example^\n"),
        "/error": (500, "internal error"),
    }

    def do_GET(self) -> None:  # http.server's naming
        status, body = self.routes.get(self.path, (404, "not found"))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def list_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ListServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_update_writes_good_lists_and_keeps_old_copies_on_failure(
    tmp_path: Path, list_server: str
) -> None:
    previous = "".join(f"||old{i}.example^\n" for i in range(12))
    for name in ("broken.txt", "error.txt", "short.txt"):
        (tmp_path / name).write_text(previous)

    report = update_lists(
        {
            "nocoin/good.txt": f"{list_server}/good.txt",
            "hosts.txt": f"{list_server}/hosts.txt",
            "broken.txt": f"{list_server}/broken.txt",
            "error.txt": f"{list_server}/error",
            "short.txt": f"{list_server}/short.txt",
            "fresh.txt": f"{list_server}/error",
        },
        tmp_path,
    )

    by_name = {item.name: item for item in report.lists}
    assert (tmp_path / "nocoin" / "good.txt").read_text() == GOOD_LIST
    assert by_name["nocoin/good.txt"].updated and by_name["nocoin/good.txt"].rules == 40
    assert by_name["hosts.txt"].message == "updated: 30 hosts rules"
    for name in ("broken.txt", "error.txt", "short.txt"):
        assert not by_name[name].updated
        assert (tmp_path / name).read_text() == previous, name
        assert "kept the previous copy (12 rules)" in by_name[name].message
    assert "HTTP Error 500" in by_name["error.txt"].message
    assert "HTML" in by_name["broken.txt"].message
    assert "only 2 adblock rules" in by_name["short.txt"].message
    assert (
        not (tmp_path / "fresh.txt").exists() and "no previous copy" in by_name["fresh.txt"].message
    )
    assert not report.ok and {item.name for item in report.failed} == {
        "broken.txt",
        "error.txt",
        "short.txt",
        "fresh.txt",
    }
    assert not [p for p in tmp_path.rglob("*.tmp")]  # no half-written files left behind


def test_update_refuses_a_list_that_lost_most_of_its_rules(
    tmp_path: Path, list_server: str
) -> None:
    (tmp_path / "big.txt").write_text("".join(f"||old{i}.example^\n" for i in range(200)))
    [item] = update_lists({"big.txt": f"{list_server}/good.txt"}, tmp_path).lists
    assert not item.updated and "implausible: 40 rules where there were 200" in item.message


def test_update_never_writes_outside_its_directory(tmp_path: Path, list_server: str) -> None:
    with pytest.raises(ValueError, match="relative path"):
        update_lists({"../escape.txt": f"{list_server}/good.txt"}, tmp_path / "lists")
    assert not (tmp_path / "escape.txt").exists()


def test_downloaded_list_is_usable_by_the_engine(tmp_path: Path, list_server: str) -> None:
    update_lists({"extra.txt": f"{list_server}/good.txt"}, tmp_path)
    ctx = AnalysisContext.load(extra_lists=[tmp_path / "extra.txt"])
    [finding] = run(known_pool_socket, page(websockets=(ws("wss://pool7.example/"),)), ctx)
    assert finding.evidence["matches"][0]["filter"] == "||pool7.example^$third-party"
    assert parse_list("x", GOOD_LIST).rule_count == 40
