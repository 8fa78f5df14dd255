"""Failure reasons for what the fault suite's pages make Playwright raise (no browser needed)."""

from __future__ import annotations

import pytest

from crawler.failures import classify_failure
from model.observations import FailureReason


class PlaywrightError(Exception):
    """Stands in for playwright's Error: only its text is classified."""


@pytest.mark.parametrize(
    ("text", "reason", "words"),
    [
        ("Page.goto: net::ERR_UNSAFE_REDIRECT at http://h/r", FailureReason.ERROR, "redirect"),
        ("Page.goto: net::ERR_UNKNOWN_URL_SCHEME at x", FailureReason.ERROR, "scheme"),
        ("Page.goto: net::ERR_CERT_DATE_INVALID at https://h/", FailureReason.TLS, "TLS"),
        ("Page.goto: net::ERR_CERT_AUTHORITY_INVALID at x", FailureReason.TLS, "TLS"),
        ("Page.goto: net::ERR_CERT_COMMON_NAME_INVALID at x", FailureReason.TLS, "TLS"),
        ("Page.goto: net::ERR_NAME_NOT_RESOLVED at x", FailureReason.DNS, "resolved"),
        ("Page.goto: net::ERR_CONNECTION_REFUSED at x", FailureReason.CONNECTION, "refused"),
        ("Page.goto: Timeout 8000ms exceeded.\nCall log:", FailureReason.TIMEOUT, "8 s"),
        ("Page.goto: Page crashed", FailureReason.CRASH, "crashed"),
        ("Browser closed.\n==== logs ====", FailureReason.CRASH, "closed"),
        (
            (
                "Page.content: Unable to retrieve content because the page is navigating and "
                "changing the content."
            ),
            FailureReason.ERROR,
            "navigated away",
        ),
    ],
)
def test_playwright_error_text_is_classified(text: str, reason: FailureReason, words: str) -> None:
    failure = classify_failure(PlaywrightError(text))
    assert failure.reason is reason
    assert words in failure.message and "\n" not in failure.message
