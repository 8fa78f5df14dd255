"""Inventory of the served and the rendered HTML: what scripts and frames each one names."""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from model.observations import DomInventory, DomSnapshot

log = logging.getLogger(__name__)

# <script type=...> values a browser runs; anything else (JSON, templates) is data.
_SCRIPT_TYPES = {
    "",
    "text/javascript",
    "application/javascript",
    "module",
    "text/ecmascript",
    "application/ecmascript",
    "text/jscript",
    "text/livescript",
}
_MAX_ITEMS = 2000


def cap_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never mid-character."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def inventory(html: str, base_url: str) -> DomInventory:
    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception:  # lxml missing or choking: the slower pure-Python parser
        soup = BeautifulSoup(html, "html.parser")
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        base_url = urljoin(base_url, str(base_tag.get("href", "")))
    script_srcs: list[str] = []
    inline = 0
    for script in soup.find_all("script"):
        kind = str(script.get("type") or "").strip().lower()
        if kind not in _SCRIPT_TYPES:
            continue
        src = script.get("src")
        if src:
            if len(script_srcs) < _MAX_ITEMS:
                script_srcs.append(_absolute(base_url, str(src)))
        elif script.string and script.string.strip():
            inline += 1
    iframes = [
        _absolute(base_url, str(f.get("src")))
        for f in soup.find_all(["iframe", "frame"])
        if f.get("src")
    ][:_MAX_ITEMS]
    handlers = sum(
        1 for tag in soup.find_all(True) for name in tag.attrs if name.lower().startswith("on")
    )
    return DomInventory(
        script_srcs=tuple(script_srcs),
        inline_scripts=inline,
        iframes=tuple(iframes),
        inline_handlers=handlers,
    )


def _absolute(base_url: str, src: str) -> str:
    try:
        return urljoin(base_url, src.strip())
    except ValueError:
        return src.strip()


def snapshot(
    served_html: str | None, rendered_html: str | None, base_url: str, limit: int
) -> DomSnapshot | None:
    """Both documents, capped, with their inventories (taken before capping)."""
    if served_html is None and rendered_html is None:
        return None
    served = served_html or ""
    rendered = rendered_html or ""
    return DomSnapshot(
        served_html=cap_text(served, limit),
        rendered_html=cap_text(rendered, limit),
        served=inventory(served, base_url) if served else DomInventory(),
        rendered=inventory(rendered, base_url) if rendered else DomInventory(),
    )
