"""Targets the user types, and which site a link belongs to."""

from __future__ import annotations

import pytest

from crawler.urls import InvalidTarget, canonical_url, normalize_target, registrable_domain


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("example.org", "https://example.org/"),
        ("  example.org  ", "https://example.org/"),
        ("Example.ORG/shop?page=2", "https://example.org/shop?page=2"),
        ("http://example.org", "http://example.org/"),
        ("https://www.example.org/a/b.html#intro", "https://www.example.org/a/b.html"),
        ("HTTP://Example.org:8080/x", "http://example.org:8080/x"),
        ("localhost:8000", "https://localhost:8000/"),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("http://intranet/", "http://intranet/"),
        ("bücher.example", "https://xn--bcher-kva.example/"),
    ],
)
def test_normalize_target_accepts_domains_and_http_urls(given: str, expected: str) -> None:
    assert normalize_target(given) == expected


@pytest.mark.parametrize(
    ("given", "complaint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ftp://example.org/", "only http"),
        ("not a url", "spaces"),
        ("http://", "no host"),
        ("https:///path", "no host"),
        ("mailto:owner@example.org", "not an http"),
        ("javascript:alert(1)", "not an http"),
        ("http://exa mple.org/", "spaces"),
        ("http://user:secret@example.org/", "credentials"),
        ("http://example.org:99999/", "port"),
        ("http://exa$mple.org/", "invalid host"),
        ("intranet", "not a domain"),
    ],
)
def test_normalize_target_rejects_everything_else_with_one_line(given: str, complaint: str) -> None:
    with pytest.raises(InvalidTarget) as raised:
        normalize_target(given)
    message = str(raised.value)
    assert complaint in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.shop.example.co.uk/x", "example.co.uk"),
        ("https://example.org/", "example.org"),
        ("http://EXAMPLE.org./", "example.org"),
        ("https://alice.github.io/", "alice.github.io"),  # private suffix: one owner per subdomain
        ("http://127.0.0.1:8000/", "127.0.0.1"),
        ("http://127.0.0.1:9000/other", "127.0.0.1"),
        ("http://localhost:8000/", "localhost"),
        ("http://[::1]:80/", "::1"),
        ("http://intranet/page", "intranet"),
    ],
)
def test_registrable_domain(url: str, site: str) -> None:
    assert registrable_domain(url) == site


def test_canonical_url_ignores_fragments_and_query_order() -> None:
    assert canonical_url("http://a.example/p?b=2&a=1#top") == canonical_url(
        "http://a.example/p?a=1&b=2"
    )
    assert canonical_url("http://a.example/p") != canonical_url("http://a.example/q")
