"""Many tiny sites on one 127.0.0.1 server, told apart by host name (``site7.localhost``).

Chromium resolves every ``*.localhost`` name to loopback itself, and the closed network lets
them through, so each host is its own site (registrable domain) to the crawler. Some hosts
fail on purpose, one way each, for the failure breakdown.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = (
    "<!doctype html><html><head><title>{host}{path}</title></head><body>"
    "<h1>{host}</h1><p>A tiny site.</p>{links}</body></html>"
)
SLOW_SECONDS = 30.0
# Pages that eat memory until a renderer killer (tests/faults/procs.py's OomKiller, playing the
# kernel's OOM killer) kills their renderer. Typed arrays live outside V8's heap, so nothing else
# stops them (they stop at 2.5 GB). "crashload" eats in an inline script, so its load never ends;
# "crashdwell" eats when the mouse moves off the page's corner, as only the dwell's person moves
# it (headless shell moves it to 0,0 itself as a page loads).
_EAT = (
    "<script>var hoard = []; function eat() { while (hoard.length < 40) {"
    " var chunk = new Uint8Array(64 << 20);"
    " for (var i = 0; i < chunk.length; i += 4096) { chunk[i] = 1; }"  # resident, not reserved
    " hoard.push(chunk); } }</script>"
)
CRASH_PAGES = {
    "crashload": _EAT + "<script>eat();</script>",
    "crashdwell": _EAT
    + "<script>addEventListener('mousemove', function (e) { if (e.clientX > 0) eat(); });</script>",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args: object) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":", 1)[0].lower()
        path = self.path.split("?", 1)[0]
        self.server.hits.append((host, path))  # type: ignore[attr-defined]
        name = host.removesuffix(".localhost")
        if path == "/robots.txt":
            return self._send(404, "text/plain", b"")
        if name == "http500":
            return self._send(500, "text/html", b"<html><body>server error</body></html>")
        if name == "http404":
            return self._send(404, "text/html", b"<html><body>not found</body></html>")
        if name == "nothtml":
            return self._send(200, "application/pdf", b"%PDF-1.4\n%%EOF\n")
        if name in CRASH_PAGES:
            page = f"<!doctype html><html><body><h1>{host}</h1>{CRASH_PAGES[name]}</body></html>"
            return self._send(200, "text/html; charset=utf-8", page.encode())
        if name == "slow":
            time.sleep(SLOW_SECONDS)
            return self._send(200, "text/html", b"<html><body>late</body></html>")
        links = ""
        if path == "/":
            links = '<a href="/a.html">a</a> <a href="/b.html">b</a> <a href="/c.html">c</a>'
        body = PAGE.format(host=host, path=path, links=links).encode()
        self._send(200, "text/html; charset=utf-8", body)

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass


@dataclass
class SiteServer:
    port: int
    dead_port: int  # nothing listens here: connection refused
    hits: list[tuple[str, str]]

    def url(self, name: str) -> str:
        return f"http://{name}.localhost:{self.port}/"

    def refused_url(self) -> str:
        return f"http://refused.localhost:{self.dead_port}/"

    def tls_url(self) -> str:
        """HTTPS to a plain-HTTP port: the TLS handshake fails."""
        return f"https://tls.localhost:{self.port}/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def site_server() -> Iterator[SiteServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield SiteServer(httpd.server_address[1], _free_port(), httpd.hits)  # type: ignore[attr-defined]
    finally:
        httpd.shutdown()
        httpd.server_close()
