"""The static site server: placeholders, content types, refusals, special routes, the proxy."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from minerscan.sites import PoolEmulator, SiteServer, free_port

SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("site")
    (base / "secret.txt").write_text(SECRET)
    root = base / "root"
    (root / "sub").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "index.html").write_text(
        "<p>pool={{POOL_WS}} origin={{ORIGIN}} alt={{ALT_ORIGIN}} proxy={{PROXY_WS}}</p>"
    )
    (root / "sub" / "index.html").write_text("<p>sub index</p>")
    (root / "app.js").write_text("var pool = '{{POOL_WS}}';")
    (root / "style.css").write_text("body { color: red }")
    (root / "m.wasm").write_bytes(b"\0asm\x01\0\0\0{{ORIGIN}}")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private\n")
    (root / "link-out.txt").symlink_to(base / "secret.txt")
    extra = base / "extra"
    extra.mkdir()
    (extra / "lib.js").write_text("// from the extra root")
    return root


@pytest.fixture(scope="module")
def pool() -> Iterator[PoolEmulator]:
    with PoolEmulator("stratum") as emulator:
        yield emulator


@pytest.fixture(scope="module")
def site(tree: Path, pool: PoolEmulator) -> Iterator[SiteServer]:
    with SiteServer(tree, pool, extra_roots={"lib": tree.parent / "extra"}) as server:
        yield server


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


def raw_get(port: int, raw_path: str) -> tuple[int, bytes]:
    """Send the path byte for byte: HTTP clients would normalise the dots away."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"GET {raw_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


def test_placeholders_are_filled_at_serve_time(site: SiteServer, pool: PoolEmulator) -> None:
    status, ctype, body = fetch(site.base_url)
    port = site.port
    assert status == 200 and ctype.startswith("text/html")
    assert body.decode() == (
        f"<p>pool={pool.ws_url} origin=http://127.0.0.1:{port} "
        f"alt=http://localhost:{site.alt_port} "
        f"proxy=ws://127.0.0.1:{port}/proxy</p>"
    )
    assert fetch(site.url("app.js"))[2] == f"var pool = '{pool.ws_url}';".encode()


def test_content_types_and_binary_files_untouched(site: SiteServer) -> None:
    status, ctype, body = fetch(site.url("m.wasm"))
    assert (status, ctype) == (200, "application/wasm")
    assert body == b"\0asm\x01\0\0\0{{ORIGIN}}"  # binary: no substitution
    assert fetch(site.url("app.js"))[1].startswith("text/javascript")
    assert fetch(site.url("style.css"))[1].startswith("text/css")
    status, ctype, body = fetch(site.url("robots.txt"))
    assert status == 200 and ctype.startswith("text/plain") and b"Disallow: /private" in body


def test_directories_serve_their_index_and_missing_files_404(site: SiteServer) -> None:
    assert fetch(site.url("sub/"))[2] == b"<p>sub index</p>"
    assert fetch(site.url("nope.html"))[0] == 404
    assert fetch(site.url("empty/"))[0] == 404


def test_the_second_origin_is_localhost_on_another_port_with_the_same_tree(
    site: SiteServer,
) -> None:
    assert site.alt_base_url == f"http://localhost:{site.alt_port}/"
    assert site.alt_port != site.port
    assert fetch(site.url("sub/", alt=True))[2] == b"<p>sub index</p>"


def test_extra_roots_are_mounted_under_their_prefix(site: SiteServer) -> None:
    assert fetch(site.url("lib/lib.js"))[2] == b"// from the extra root"
    assert fetch(site.url("lib/index.html"))[0] == 404


@pytest.mark.parametrize(
    "raw_path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/..%2f..%2fsecret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/lib/../../secret.txt",
        "/lib/%2e%2e/secret.txt",
        "//etc/passwd",
        "/link-out.txt",
    ],
)
def test_nothing_outside_the_root_is_ever_served(site: SiteServer, raw_path: str) -> None:
    status, response = raw_get(site.port, raw_path)
    assert status in (400, 404)
    assert SECRET.encode() not in response and b"root:" not in response


def test_requests_are_recorded_in_order(tree: Path) -> None:
    with SiteServer(tree) as server:
        fetch(server.url("sub/"))
        fetch(server.url("app.js?v=1"))
        fetch(server.url("missing", alt=True))
        assert server.requests == ["/sub/", "/app.js", "/missing"]


def test_status_route(site: SiteServer) -> None:
    status, ctype, body = fetch(site.url("status/503"))
    assert status == 503 and ctype.startswith("text/html") and b"503" in body
    assert fetch(site.url("status/204"))[0] == 204


def test_slow_route_answers_after_the_delay(site: SiteServer) -> None:
    started = time.monotonic()
    status, _, body = fetch(site.url("slow/0.6"))
    assert status == 200 and b"0.6" in body
    assert time.monotonic() - started >= 0.6


def test_stop_does_not_wait_for_a_slow_request(tree: Path) -> None:
    server = SiteServer(tree).start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/slow/60")
    time.sleep(0.2)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    conn.close()


def test_redirect_stays_on_the_site(site: SiteServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    conn.request("GET", "/redirect?to=/sub/")
    response = conn.getresponse()
    assert response.status == 302 and response.getheader("Location") == "/sub/"
    conn.close()
    for target in ("//evil.example/", "http://evil.example/", "evil", "/\\evil.example"):
        url = site.url("redirect") + "?to=" + urllib.parse.quote(target, safe="")
        assert fetch(url)[0] == 400, target


def test_proxy_relays_frames_to_the_pool_and_back(site: SiteServer, pool: PoolEmulator) -> None:
    login = json.dumps(
        {
            "id": 1,
            "jsonrpc": "2.0",
            "method": "login",
            "params": {"login": "proxied-wallet", "pass": "x"},
        }
    )

    async def scenario() -> dict[str, object]:
        async with (
            aiohttp.ClientSession() as http_session,
            http_session.ws_connect(site.proxy_ws_url) as ws,
        ):
            await ws.send_str(login)
            msg = await asyncio.wait_for(ws.receive(), 5)
            return dict(json.loads(msg.data))

    answer = asyncio.run(scenario())
    assert answer["id"] == 1 and answer["result"]["status"] == "OK"  # type: ignore[index]
    assert login in pool.received and "proxied-wallet" in pool.logins


def test_proxy_without_a_pool_is_unavailable(tree: Path) -> None:
    with SiteServer(tree) as server:
        assert fetch(server.url("proxy"))[0] == 503


def test_addresses_need_a_started_server_and_free_port_is_bindable(tree: Path) -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = SiteServer(tree).base_url
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
