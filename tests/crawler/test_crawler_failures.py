"""Exceptions Playwright, Twisted and Scrapy raise → the reason and line a user reads."""

from __future__ import annotations

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as tx

from crawler.failures import classify_failure
from model.observations import FailureReason

CALL_LOG = '\nCall log:\n  - navigating to "http://x/", waiting until "load"\n'


@pytest.mark.parametrize(
    ("exc", "reason", "message"),
    [
        (
            PlaywrightError("Page.goto: net::ERR_NAME_NOT_RESOLVED at http://x/" + CALL_LOG),
            FailureReason.DNS,
            "host name could not be resolved (net::ERR_NAME_NOT_RESOLVED)",
        ),
        (
            PlaywrightError("Page.goto: net::ERR_CONNECTION_RESET at http://x/" + CALL_LOG),
            FailureReason.CONNECTION,
            "connection reset by the server (net::ERR_CONNECTION_RESET)",
        ),
        (
            PlaywrightError("Page.goto: net::ERR_ADDRESS_UNREACHABLE at http://x/"),
            FailureReason.CONNECTION,
            "address unreachable (net::ERR_ADDRESS_UNREACHABLE)",
        ),
        (
            PlaywrightError("Page.goto: net::ERR_CERT_AUTHORITY_INVALID at https://x/"),
            FailureReason.TLS,
            "TLS handshake or certificate error (net::ERR_CERT_AUTHORITY_INVALID)",
        ),
        (
            PlaywrightError("Page.goto: net::ERR_SSL_PROTOCOL_ERROR at https://x/"),
            FailureReason.TLS,
            "TLS handshake or certificate error (net::ERR_SSL_PROTOCOL_ERROR)",
        ),
        (
            PlaywrightTimeout("Page.goto: Timeout 30000ms exceeded." + CALL_LOG),
            FailureReason.TIMEOUT,
            "page did not load within 30 s",
        ),
        (
            PlaywrightError("Page.goto: Target crashed " + CALL_LOG),
            FailureReason.CRASH,
            "browser page crashed or closed: Page.goto: Target crashed",
        ),
        (
            PlaywrightError("Page.goto: Target page, context or browser has been closed"),
            FailureReason.CRASH,
            (
                "browser page crashed or closed: "
                "Page.goto: Target page, context or browser has been closed"
            ),
        ),
        (
            PlaywrightError("BrowserType.launch: Target page, context or browser has been closed"),
            FailureReason.ERROR,
            (
                "Chromium could not start: "
                "BrowserType.launch: Target page, context or browser has been closed"
            ),
        ),
        (IgnoreRequest("Forbidden by robots.txt"), FailureReason.ROBOTS, None),
        (tx.DNSLookupError("x"), FailureReason.DNS, "host name could not be resolved"),
        (tx.ConnectionRefusedError(), FailureReason.CONNECTION, "connection refused"),
        (tx.TimeoutError(), FailureReason.TIMEOUT, "request timed out"),
        (ValueError("something odd\nmore"), FailureReason.ERROR, "ValueError: something odd"),
    ],
)
def test_classify_failure(exc: BaseException, reason: FailureReason, message: str | None) -> None:
    failure = classify_failure(exc)
    assert failure.reason is reason
    if message is not None:
        assert failure.message == message
    assert "\n" not in failure.message
