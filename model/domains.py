"""Which site a URL belongs to: its registrable domain, computed offline.

A *site* is a registrable domain (``example.co.uk`` for ``www.shop.example.co.uk``), from
tldextract's bundled public-suffix snapshot. Private suffixes count, so ``alice.github.io`` and
``bob.github.io`` are different sites. Hosts without a public suffix (IP addresses,
``localhost``, intranet names) are their own site. Every stage groups by this one function.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

__all__ = ["registrable_domain"]

# suffix_list_urls=() keeps tldextract offline (bundled snapshot); cache_dir=None keeps it from
# writing to the user's home directory.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


@lru_cache(maxsize=4096)
def registrable_domain(url: str) -> str:
    """The site ``url`` belongs to: its registrable domain, or the bare host when there is none."""
    host = (urlsplit(url).hostname or "").rstrip(".")
    if not host or parse_ip(host) is not None:
        return host
    extracted = _EXTRACT(host)
    if extracted.suffix and extracted.domain:
        return f"{extracted.domain}.{extracted.suffix}"
    return host


def parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
