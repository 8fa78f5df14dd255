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


def test_a_refused_download_is_not_html_when_it_is_the_page_itself() -> None:
    text = (
        "Page.goto: Failed to download http://h.localhost:1/doc.pdf: Pass 'accept_downloads=True'"
        " when you are creating your browser context."
    )
    own = classify_failure(PlaywrightError(text), "http://h.localhost:1/doc.pdf")
    assert own.reason is FailureReason.NOT_HTML and "not downloaded" in own.message
    other = classify_failure(PlaywrightError(text), "http://h.localhost:1/page.html")
    assert other.reason is FailureReason.ERROR
    assert other.message == (
        "the page started a download of http://h.localhost:1/doc.pdf while loading "
        "(refused, nothing written)"
    )
