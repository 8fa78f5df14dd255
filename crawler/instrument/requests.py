"""Requests made by the page, its frames and its workers, with who made them.

Playwright reports the page's and frames' requests (a worker's top-level script fetch
included); requests a worker makes itself come from ``Network`` in that worker's session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import tldextract

from minerscan.observations import RequestObservation

from .targets import Target, TargetTree

log = logging.getLogger(__name__)

_MAX_REQUESTS = 5000
# Offline: the bundled public suffix list, never a download.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=())


@lru_cache(maxsize=4096)
def site_of(url: str) -> str:
    """The registrable domain (eTLD+1) of ``url``; the host itself for IPs and localhost."""
    url = url.removeprefix("blob:")  # blob:https://origin/uuid belongs to its origin
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    if not host:
        return ""
    parts = _EXTRACT(host)
    return (parts.top_domain_under_public_suffix or host).lower()


def is_third_party(url: str, page_url: str) -> bool:
    site = site_of(url)
    return bool(site) and site != site_of(page_url)


@dataclass
class _Request:
    url: str
    resource_type: str
    method: str
    context: str | Target  # a Target is resolved to its context when collected
    status: int | None = None
    failure: str | None = None
    from_worker: bool = False


def _playwright_context(request: Any) -> str:
    try:
        if getattr(request, "service_worker", None) is not None:
            return f"service_worker:{request.service_worker.url}"
        frame = request.frame
        if frame.parent_frame is None:
            return "page"
        # A frame's own document request is made before the frame has that URL.
        url = request.url if request.resource_type == "document" else (frame.url or request.url)
        return f"frame:{url}"
    except Exception:  # worker requests have no frame
        return "page"


class RequestRecorder:
    def __init__(self, tree: TargetTree, page_url: str) -> None:
        self._page_url = page_url
        self._requests: list[_Request] = []
        self._by_playwright: dict[int, _Request] = {}
        self._by_cdp: dict[tuple[int, str], _Request] = {}
        tree.on("Network.requestWillBeSent", self._cdp_request)
        tree.on("Network.responseReceived", self._cdp_response)
        tree.on("Network.loadingFailed", self._cdp_failed)

    # -- Playwright: the page and its frames ------------------------------------------------

    def attach(self, page: Any) -> None:
        page.on("request", self._pw_request)
        page.on("response", self._pw_response)
        page.on("requestfailed", self._pw_failed)

    def _pw_request(self, request: Any) -> None:
        if len(self._requests) >= _MAX_REQUESTS:
            return
        record = _Request(
            url=request.url,
            resource_type=request.resource_type,
            method=request.method,
            context=_playwright_context(request),
        )
        self._requests.append(record)
        self._by_playwright[id(request)] = record

    def _pw_response(self, response: Any) -> None:
        record = self._by_playwright.get(id(response.request))
        if record is not None:
            record.status = response.status

    def _pw_failed(self, request: Any) -> None:
        record = self._by_playwright.get(id(request))
        if record is not None:
            failure = request.failure
            record.failure = str(failure)[:300] if failure else "failed"

    # -- CDP: requests workers make -------------------------------------------------------

    def _cdp_request(self, target: Target, params: dict[str, Any]) -> None:
        if not target.is_worker or len(self._requests) >= _MAX_REQUESTS:
            return  # page and frame requests come from Playwright
        request = params.get("request") or {}
        url = request.get("url", "")
        if url == target.url:
            return  # the worker's own script: fetched for, and reported by, its parent
        record = _Request(
            url=url,
            resource_type=str(params.get("type", "other")).lower(),
            method=request.get("method", "GET"),
            context=target,
            from_worker=True,
        )
        self._requests.append(record)
        self._by_cdp[(id(target), params.get("requestId", ""))] = record

    def _cdp_response(self, target: Target, params: dict[str, Any]) -> None:
        record = self._by_cdp.get((id(target), params.get("requestId", "")))
        if record is not None:
            record.status = (params.get("response") or {}).get("status")

    def _cdp_failed(self, target: Target, params: dict[str, Any]) -> None:
        record = self._by_cdp.get((id(target), params.get("requestId", "")))
        if record is not None:
            record.failure = str(params.get("errorText") or "failed")[:300]

    def requests(self, page_url: str | None = None) -> tuple[RequestObservation, ...]:
        """Everything recorded; third parties judged against ``page_url`` (after redirects)."""
        page_url = page_url or self._page_url
        # Playwright may also report a worker's own requests (on the page, with no frame):
        # keep the worker-attributed copy and drop one page copy per worker request.
        worker_urls: dict[str, int] = {}
        for record in self._requests:
            if record.from_worker:
                worker_urls[record.url] = worker_urls.get(record.url, 0) + 1
        out: list[RequestObservation] = []
        for record in self._requests:
            if (
                not record.from_worker
                and record.context == "page"
                and worker_urls.get(record.url, 0) > 0
                and record.resource_type != "document"
            ):
                worker_urls[record.url] -= 1
                continue
            context = record.context if isinstance(record.context, str) else record.context.context
            out.append(
                RequestObservation(
                    url=record.url,
                    resource_type=record.resource_type,
                    method=record.method,
                    status=record.status,
                    context=context,
                    third_party=is_third_party(record.url, page_url),
                    failure=record.failure,
                )
            )
        return tuple(out)
