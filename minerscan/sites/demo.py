"""The bundled demo site (a small shop/blog where one page carries an injected miner)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from minerscan.sites.pool import PoolEmulator
from minerscan.sites.server import SiteServer

DEMO_ROOT = Path(__file__).resolve().parent.parent / "demo_site"
# The miner library, its workers and its wasm module; fixture pages mount it at /static/.
MINER_STATIC = DEMO_ROOT / "static"
# The page the miner was injected into, relative to the site root; the others are clean.
DEMO_MINER_PAGE = "blog/first-post.html"
DEMO_CLEAN_PAGES = ("index.html", "about.html", "products.html", "contact.html")


@contextmanager
def demo_servers() -> Iterator[tuple[SiteServer, PoolEmulator]]:
    """Start the stratum pool emulator and the demo site on free loopback ports; stop both."""
    with PoolEmulator("stratum") as pool, SiteServer(DEMO_ROOT, pool) as site:
        yield site, pool


def miner_pages_server(root: Path, pool: PoolEmulator | None = None) -> SiteServer:
    """A (not yet started) server for ``root`` with the miner library mounted at ``/static/``.

    The fixture pages under ``tests/pages`` load ``/static/m.js`` and friends this way, so
    there is one copy of the miner code.
    """
    return SiteServer(root, pool, extra_roots={"static": MINER_STATIC})
