"""Targets and links: what the user may ask us to scan, and which site a URL belongs to.

A *site* is a registrable domain (``example.co.uk`` for ``www.shop.example.co.uk``), computed
offline from tldextract's bundled public-suffix snapshot. Private suffixes count, so
``alice.github.io`` and ``bob.github.io`` are different sites. Hosts without a public suffix
(IP addresses, ``localhost``, intranet names) are their own site.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from model.domains import parse_ip, registrable_domain

__all__ = [
    "InvalidTarget",
    "canonical_url",
    "is_crawlable_link",
    "normalize_target",
    "registrable_domain",
    "strip_fragment",
]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_HOST_LABELS = re.compile(
    r"^[a-z0-9_](?:[a-z0-9_\-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_\-]*[a-z0-9_])?)*\.?$"
)


class InvalidTarget(ValueError):
    """A target the user gave is not an http(s) URL or domain we can scan."""


def normalize_target(raw: str) -> str:
    """``example.org`` → ``https://example.org/``; ``http(s)://…`` kept, fragment dropped.

    Raises :class:`InvalidTarget` with a one-line reason for anything else.
    """
    text = raw.strip()
    if not text:
        raise InvalidTarget("empty target")
    if any(ch.isspace() for ch in text):
        raise InvalidTarget(f"{raw.strip()!r} is not a URL or domain (contains spaces)")
    has_scheme = bool(_SCHEME.match(text))
    if not has_scheme and ":" in text.split("/", 1)[0] and not _looks_like_host_port(text):
        raise InvalidTarget(f"{text!r} is not an http(s) URL or domain")
    parts = urlsplit(text if has_scheme else "https://" + text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidTarget(f"{text!r}: only http:// and https:// targets can be scanned")
    if parts.username is not None or parts.password is not None:
        raise InvalidTarget(f"{text!r}: credentials in the URL are not supported")
    host = _valid_host(parts.hostname or "", text, bare=not has_scheme)
    try:
        port = parts.port
    except ValueError:
        raise InvalidTarget(f"{text!r}: invalid port") from None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _looks_like_host_port(text: str) -> bool:
    """``localhost:8000`` has no scheme but a colon; it is a host and a port, not a scheme."""
    authority = text.split("/", 1)[0]
    host, _, port = authority.rpartition(":")
    return bool(host) and port.isdigit()


def _valid_host(host: str, text: str, *, bare: bool) -> str:
    if not host:
        raise InvalidTarget(f"{text!r}: no host name")
    if parse_ip(host) is not None:
        return host
    try:
        # IDNA: a Unicode domain becomes its punycode form, as Chromium would send it.
        ascii_host = host.encode("idna").decode("ascii").lower() if not host.isascii() else host
    except UnicodeError:
        raise InvalidTarget(f"{text!r}: invalid host name") from None
    if not _HOST_LABELS.match(ascii_host):
        raise InvalidTarget(f"{text!r}: invalid host name")
    # A bare word given without a scheme ("foo") is far more likely a typo than an intranet host.
    if bare and "." not in ascii_host.rstrip(".") and ascii_host != "localhost":
        raise InvalidTarget(
            f"{text!r} is not a domain (write http://{ascii_host}/ for a local host)"
        )
    return ascii_host


def strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def canonical_url(url: str) -> str:
    """A key under which two spellings of the same page compare equal (fragment ignored)."""
    return canonicalize_url(strip_fragment(url), keep_fragments=False)


def is_crawlable_link(url: str) -> bool:
    """Only http(s) links are pages; mailto:, javascript:, tel:, data: and friends are not."""
    return urlsplit(url).scheme in ("http", "https")
