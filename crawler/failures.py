"""Why a page did not load: an exception from Playwright, Twisted or Scrapy → a reason + one line.

Playwright reports navigation errors as text (``Page.goto: net::ERR_CONNECTION_REFUSED at …``
followed by a multi-line call log), so the Chromium net error code is the key we classify on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from model.observations import FailureReason

__all__ = ["ROBOTS_MESSAGE", "LoadFailure", "classify_failure", "refused_redirect"]

ROBOTS_MESSAGE = "forbidden by robots.txt (use --ignore-robots to scan it anyway)"

_NET_ERROR = re.compile(r"net::(ERR_[A-Z0-9_]+)")
# Playwright, when a navigation turns into a download in a context that refuses downloads.
_DOWNLOAD = re.compile(r"Failed to download (\S+?): Pass 'accept_downloads")

# Chromium net error → (reason, what a user should read). Prefix rules follow below.
_NET_ERRORS: dict[str, tuple[FailureReason, str]] = {
    "ERR_NAME_NOT_RESOLVED": (FailureReason.DNS, "host name could not be resolved"),
    "ERR_NAME_RESOLUTION_FAILED": (FailureReason.DNS, "host name could not be resolved"),
    "ERR_CONNECTION_REFUSED": (FailureReason.CONNECTION, "connection refused"),
    "ERR_CONNECTION_RESET": (FailureReason.CONNECTION, "connection reset by the server"),
    "ERR_CONNECTION_CLOSED": (FailureReason.CONNECTION, "connection closed by the server"),
    "ERR_CONNECTION_ABORTED": (FailureReason.CONNECTION, "connection aborted"),
    "ERR_CONNECTION_FAILED": (FailureReason.CONNECTION, "connection failed"),
    "ERR_ADDRESS_UNREACHABLE": (FailureReason.CONNECTION, "address unreachable"),
    "ERR_ADDRESS_INVALID": (FailureReason.CONNECTION, "invalid address"),
    "ERR_INTERNET_DISCONNECTED": (FailureReason.CONNECTION, "no network connection"),
    "ERR_NETWORK_CHANGED": (FailureReason.CONNECTION, "network changed during the load"),
    "ERR_EMPTY_RESPONSE": (
        FailureReason.CONNECTION,
        "server closed the connection without a response",
    ),
    "ERR_CONNECTION_TIMED_OUT": (FailureReason.TIMEOUT, "connection timed out"),
    "ERR_TIMED_OUT": (FailureReason.TIMEOUT, "request timed out"),
    "ERR_TOO_MANY_REDIRECTS": (FailureReason.ERROR, "too many redirects"),
    "ERR_UNSAFE_PORT": (FailureReason.ERROR, "Chromium refuses to connect to this port"),
    "ERR_INVALID_RESPONSE": (FailureReason.ERROR, "invalid HTTP response"),
    "ERR_ABORTED": (FailureReason.ERROR, "navigation aborted"),
    # Chromium refuses a redirect to file:, data:, chrome: and other non-web schemes itself.
    "ERR_UNSAFE_REDIRECT": (
        FailureReason.ERROR,
        "redirect to a non-http(s) URL refused (only http and https are followed)",
    ),
    "ERR_UNKNOWN_URL_SCHEME": (FailureReason.ERROR, "URL scheme refused (only http and https)"),
    "ERR_DISALLOWED_URL_SCHEME": (
        FailureReason.ERROR,
        "URL scheme refused (only http and https)",
    ),
}

# Playwright's words when a page replaced its own document while it was being read.
_NAVIGATING_MARKERS = (
    "page is navigating",
    "Execution context was destroyed",
)

_CRASH_MARKERS = (
    "Target crashed",
    "Page crashed",
    "has been closed",
    "Browser closed",
    "browser has disconnected",
    "Target closed",
)


@dataclass(frozen=True)
class LoadFailure:
    reason: FailureReason
    message: str  # one line


def classify_failure(exc: BaseException | None, url: str | None = None) -> LoadFailure:
    """Map an exception raised while loading ``url`` to a reason and a one-line message."""
    if exc is None:  # a Twisted Failure without a value: nothing to go on
        return LoadFailure(FailureReason.ERROR, "unknown error")
    text = _first_line(str(exc)) or type(exc).__name__
    download = _DOWNLOAD.search(str(exc))
    if download or "Download is starting" in text:
        # Downloads are refused (accept_downloads off), so Playwright fails the navigation.
        target = download.group(1) if download else url
        if url is None or target is None or _same_url(target, url):
            return LoadFailure(
                FailureReason.NOT_HTML, "the server sent a file, not a page (not downloaded)"
            )
        return LoadFailure(
            FailureReason.ERROR,
            f"the page started a download of {target} while loading (refused, nothing written)",
        )
    by_type = _classify_by_type(exc, text)
    if by_type is not None:
        return by_type
    if "BrowserType.launch" in text:  # every page will fail the same way: say it plainly
        return LoadFailure(FailureReason.ERROR, f"Chromium could not start: {text}")
    match = _NET_ERROR.search(str(exc))
    if match:
        return _classify_net_error(match.group(1))
    if "Timeout" in text and "exceeded" in text:
        return LoadFailure(FailureReason.TIMEOUT, _timeout_message(text))
    if any(marker in str(exc) for marker in _NAVIGATING_MARKERS):
        return LoadFailure(FailureReason.ERROR, "the page navigated away while it was being read")
    if any(marker in str(exc) for marker in _CRASH_MARKERS):
        return LoadFailure(FailureReason.CRASH, f"browser page crashed or closed: {text}")
    return LoadFailure(FailureReason.ERROR, f"{type(exc).__name__}: {text}")


def _same_url(a: str, b: str) -> bool:
    return a.split("#", 1)[0].rstrip("/") == b.split("#", 1)[0].rstrip("/")


def refused_redirect(scheme: str) -> LoadFailure:
    """A redirect to ``scheme:`` (file, javascript, data, ftp, ...) that was not followed."""
    shown = "".join(c for c in scheme[:40] if c.isalnum() or c in "+-.")
    return LoadFailure(
        FailureReason.ERROR,
        f"redirect to a non-web URL ({shown}:) refused (only http and https are followed)",
    )


def _classify_net_error(code: str) -> LoadFailure:
    known = _NET_ERRORS.get(code)
    if known is not None:
        reason, human = known
    elif code.startswith(("ERR_CERT_", "ERR_SSL_", "ERR_BAD_SSL_")):
        reason, human = FailureReason.TLS, "TLS handshake or certificate error"
    elif code.startswith(("ERR_PROXY_", "ERR_TUNNEL_")):
        reason, human = FailureReason.CONNECTION, "proxy connection failed"
    else:
        reason, human = FailureReason.ERROR, "navigation failed"
    return LoadFailure(reason, f"{human} (net::{code})")


def _classify_by_type(exc: BaseException, text: str) -> LoadFailure | None:
    """Twisted/Scrapy exceptions from plain (non-browser) requests: robots.txt, HEAD probes."""
    from scrapy.exceptions import IgnoreRequest
    from twisted.internet import error as tx
    from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

    if isinstance(exc, IgnoreRequest) and "robots.txt" in text:
        return LoadFailure(FailureReason.ROBOTS, ROBOTS_MESSAGE)
    if isinstance(exc, tx.DNSLookupError):
        return LoadFailure(FailureReason.DNS, "host name could not be resolved")
    if isinstance(exc, (tx.TimeoutError, tx.TCPTimedOutError)):
        return LoadFailure(FailureReason.TIMEOUT, "request timed out")
    if isinstance(exc, tx.ConnectionRefusedError):
        return LoadFailure(FailureReason.CONNECTION, "connection refused")
    if isinstance(
        exc,
        (
            tx.ConnectError,
            tx.ConnectionLost,
            tx.ConnectionDone,
            ResponseFailed,
            ResponseNeverReceived,
        ),
    ):
        if "SSL" in repr(exc) or "certificate" in repr(exc):
            return LoadFailure(FailureReason.TLS, f"TLS error: {text}")
        return LoadFailure(FailureReason.CONNECTION, f"connection failed: {text}")
    if type(exc).__name__ == "TimeoutError":  # asyncio's and Playwright's both carry this name
        return LoadFailure(FailureReason.TIMEOUT, _timeout_message(text))
    return None


def _timeout_message(text: str) -> str:
    match = re.search(r"Timeout (\d+)ms exceeded", text)
    if match:
        return f"page did not load within {int(match.group(1)) / 1000:g} s"
    return "page did not load in time"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""
