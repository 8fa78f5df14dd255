"""Requests made by the page, its frames, its workers and the windows it opened, with who made
them, when, and for fetch/XHR/beacon calls what was sent and answered.

Playwright reports the page's and frames' requests (a worker's top-level script fetch
included); requests a worker makes itself come from ``Network`` in that worker's session.
Bodies are read in the background (Playwright's ``response.body()``, CDP's
``Network.getResponseBody``), a few at a time and each bounded, so reading them never holds
the dwell up; ``settle`` waits a little for the last ones and gives up on the rest.

A miner that polls for work over HTTP makes hundreds of identical calls. Bodies are kept for
the first and the most recent ``max_calls`` calls of each endpoint (scheme, host and path), so
both its first job and its latest result can be read, in bounded memory; every call is counted.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import tldextract

from model.observations import HttpBody, RequestObservation

from .retention import HeadTail, http_body
from .targets import Target, TargetTree, initiator_script_url

log = logging.getLogger(__name__)

_MAX_REQUESTS = 5000
# Offline: the bundled public suffix list, never a download; no cache in the user's home.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
# Resource types whose bodies are data a script exchanged, not content (Playwright and CDP
# names, lower-cased; sendBeacon is "ping").
BODY_TYPES = frozenset({"fetch", "xhr", "ping", "beacon", "eventsource"})
_STREAMS = frozenset({"eventsource"})  # a response that never ends: its body cannot be read
_MAX_BODY_ENDPOINTS = 200
_CONCURRENT_READS = 4
_READ_TIMEOUT = 5.0
# Larger responses are not pulled over the pipe at all; their size is still recorded.
_MAX_READ_BYTES = 16 * 1024 * 1024
# Playwright's and CDP's reports of one worker request arrive within milliseconds of each
# other, or a few hundred on a loaded machine (seconds; pairing keeps their order, so a poll
# faster than this is still paired one to one).
_TWIN_SECONDS = 0.5


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


def endpoint_of(url: str) -> str:
    """scheme://host:port/path: calls to one endpoint differ only in their query."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@dataclass(eq=False)
class _Request:
    url: str
    resource_type: str
    method: str
    context: str | Target  # a Target is resolved to its context when collected
    time: float | None = None
    status: int | None = None
    failure: str | None = None
    from_worker: bool = False
    slot: int = 0  # position in the recorder's list
    wants_body: bool = False  # among the first or most recent calls of its endpoint
    request_body: HttpBody | None = None
    response_body: HttpBody | None = None
    reader: asyncio.Task[Any] | None = None

    def forget_bodies(self) -> None:
        self.wants_body = False
        self.request_body = self.response_body = None
        if self.reader is not None and not self.reader.done():
            self.reader.cancel()
        self.reader = None


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


def _window_context(popup: Any, request: Any) -> str:
    """``window:<url>`` for whatever a window the page opened requests."""
    try:
        url = popup.url
        if request.resource_type == "document" and request.frame.parent_frame is None:
            url = request.url
    except Exception:
        url = ""
    return f"window:{url or request.url}"


class RequestRecorder:
    def __init__(
        self,
        tree: TargetTree,
        page_url: str,
        clock: Callable[[], float] | None = None,
        *,
        max_calls: int = 20,
        body_bytes: int = 4096,
    ) -> None:
        self._page_url = page_url
        self._clock = clock
        self._max_calls = max_calls
        self._body_bytes = body_bytes
        self._requests: list[_Request] = []
        self._by_playwright: dict[int, _Request] = {}
        self._by_cdp: dict[tuple[str, str], _Request] = {}
        self._endpoints: dict[str, HeadTail[_Request]] = {}
        # script URL -> the script that inserted its tag (CDP initiator; Playwright has none)
        self._script_initiators: dict[str, str] = {}
        self._reads: set[asyncio.Task[Any]] = set()
        self._read_slots = asyncio.Semaphore(_CONCURRENT_READS)
        self.watch(tree)

    def watch(self, tree: TargetTree) -> None:
        """Record what workers in ``tree`` request (the page's tree, or one made later)."""
        tree.on("Network.requestWillBeSent", self._cdp_request)
        tree.on("Network.responseReceived", self._cdp_response)
        tree.on("Network.loadingFinished", self._cdp_finished)
        tree.on("Network.loadingFailed", self._cdp_failed)

    def _now(self) -> float | None:
        return round(self._clock(), 3) if self._clock is not None else None

    # -- which calls keep their bodies ------------------------------------------------------

    def _add(self, record: _Request) -> bool:
        """File ``record``; False when the recorder is full and nothing could make room."""
        window: HeadTail[_Request] | None = None
        if record.resource_type in BODY_TYPES:
            # Workers' calls apart: Playwright reports a dedicated worker's calls a second time
            # (as the page's), and those copies must not crowd the worker's own out.
            key = f"{int(record.from_worker)} {endpoint_of(record.url)}"
            window = self._endpoints.get(key)
            if window is None and len(self._endpoints) < _MAX_BODY_ENDPOINTS:
                window = self._endpoints[key] = HeadTail(self._max_calls)
        if window is None:
            if len(self._requests) >= _MAX_REQUESTS:
                return False
            record.slot = len(self._requests)
            self._requests.append(record)
            return True
        kept, evicted = window.add(record)
        record.wants_body = kept
        if evicted is not None:
            evicted.forget_bodies()
        if len(self._requests) < _MAX_REQUESTS:
            record.slot = len(self._requests)
            self._requests.append(record)
        elif evicted is not None:
            # Full: the newest call of a polling endpoint takes the place of the call that
            # just left its window, so the latest poll stays visible.
            record.slot = evicted.slot
            self._requests[record.slot] = record
        else:
            record.wants_body = False
            return False
        return True

    def _read(self, record: _Request, work: Any) -> None:
        """Run ``work`` (a body read) in the background, bounded, a few at a time."""

        async def bounded() -> None:
            async with self._read_slots:
                try:
                    await asyncio.wait_for(work, _READ_TIMEOUT)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # body gone, target closed, too slow
                    log.debug("body of %s not read: %s", record.url, exc)

        task = asyncio.ensure_future(bounded())
        record.reader = task
        self._reads.add(task)
        task.add_done_callback(self._reads.discard)
        # Cancelled before its turn came, ``work`` never started: closed, not left un-awaited.
        task.add_done_callback(lambda _: work.close())

    async def settle(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for body reads in flight, then give up on them."""
        pending = [t for t in self._reads if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        for task in list(self._reads):
            task.cancel()

    # -- Playwright: the page, its frames and the windows it opens ----------------------------

    def attach(self, page: Any) -> None:
        page.on("request", self._pw_request)
        page.on("response", self._pw_response)
        page.on("requestfinished", self._pw_finished)
        page.on("requestfailed", self._pw_failed)
        try:
            page.context.on("page", self._attach_window)
        except Exception as exc:  # a page without a context (test doubles)
            log.debug("cannot watch windows: %s", exc)

    def _attach_window(self, popup: Any) -> None:
        popup.on("request", lambda request: self._pw_request(request, popup))
        popup.on("response", self._pw_response)
        popup.on("requestfinished", self._pw_finished)
        popup.on("requestfailed", self._pw_failed)

    def _pw_request(self, request: Any, window: Any = None) -> None:
        record = _Request(
            url=request.url,
            resource_type=request.resource_type,
            method=request.method,
            context=(_window_context(window, request) if window else _playwright_context(request)),
            time=self._now(),
        )
        if not self._add(record):
            return
        self._by_playwright[id(request)] = record
        if record.wants_body:
            try:
                data = request.post_data_buffer
            except Exception:  # the request went away already
                data = None
            if data:
                record.request_body = http_body(data, self._body_bytes)

    def _pw_response(self, response: Any) -> None:
        record = self._by_playwright.get(id(response.request))
        if record is not None:
            record.status = response.status

    def _pw_finished(self, request: Any) -> None:
        record = self._by_playwright.get(id(request))
        if record is None or not record.wants_body or record.resource_type in _STREAMS:
            return
        self._read(record, self._pw_read(record, request))

    async def _pw_read(self, record: _Request, request: Any) -> None:
        response = await request.response()
        if response is None:
            return
        declared = _declared_length(response.headers.get("content-length"))
        if declared is not None and declared > _MAX_READ_BYTES:
            record.response_body = HttpBody(text="", size=declared, truncated=True)
            return
        body = await response.body()
        if record.wants_body:
            record.response_body = http_body(body, self._body_bytes)

    def _pw_failed(self, request: Any) -> None:
        record = self._by_playwright.get(id(request))
        if record is not None:
            failure = request.failure
            record.failure = str(failure)[:300] if failure else "failed"

    # -- CDP: requests workers make -------------------------------------------------------

    @staticmethod
    def _key(target: Target, params: dict[str, Any]) -> tuple[str, str]:
        # By target id, so a session opened on the same worker later finds its requests.
        return (target.target_id or str(id(target)), str(params.get("requestId", "")))

    def _cdp_request(self, target: Target, params: dict[str, Any]) -> None:
        if not target.is_worker:
            self._note_script_initiator(params)
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
            time=self._now(),
            from_worker=True,
        )
        if not self._add(record):
            return
        self._by_cdp[self._key(target, params)] = record
        if record.wants_body:
            data = _cdp_post_data(request)
            if data is not None:
                record.request_body = http_body(data, self._body_bytes)
            elif request.get("hasPostData"):
                self._read(record, self._cdp_read_post(record, target, params))

    def _note_script_initiator(self, params: dict[str, Any]) -> None:
        """Remember which script inserted the tag of a script the page fetched."""
        initiator = params.get("initiator") or {}
        if params.get("type") != "Script" or initiator.get("type") != "script":
            return  # the HTML parser's own tags, preloads, and everything not a script
        url = str((params.get("request") or {}).get("url", ""))
        who = initiator_script_url(initiator)
        if url and who and who != url and len(self._script_initiators) < _MAX_REQUESTS:
            self._script_initiators.setdefault(url, who)

    async def _cdp_read_post(
        self, record: _Request, target: Target, params: dict[str, Any]
    ) -> None:
        reply = await target.send(
            "Network.getRequestPostData", {"requestId": params.get("requestId", "")}
        )
        if reply and record.wants_body and "postData" in reply:
            data = str(reply["postData"]).encode("utf-8", "surrogatepass")
            record.request_body = http_body(data, self._body_bytes)

    def _cdp_response(self, target: Target, params: dict[str, Any]) -> None:
        record = self._by_cdp.get(self._key(target, params))
        if record is not None:
            record.status = (params.get("response") or {}).get("status")

    def _cdp_finished(self, target: Target, params: dict[str, Any]) -> None:
        record = self._by_cdp.get(self._key(target, params))
        if record is None or not record.wants_body or record.resource_type in _STREAMS:
            return
        length = params.get("encodedDataLength")
        if isinstance(length, (int, float)) and length > _MAX_READ_BYTES:
            record.response_body = HttpBody(text="", size=int(length), truncated=True)
            return
        self._read(record, self._cdp_read_body(record, target, params))

    async def _cdp_read_body(
        self, record: _Request, target: Target, params: dict[str, Any]
    ) -> None:
        reply = await target.send(
            "Network.getResponseBody", {"requestId": params.get("requestId", "")}, timeout=4.0
        )
        if not reply or not record.wants_body:
            return
        text = str(reply.get("body", ""))
        data = base64.b64decode(text) if reply.get("base64Encoded") else text.encode("utf-8")
        record.response_body = http_body(data, self._body_bytes)

    def _cdp_failed(self, target: Target, params: dict[str, Any]) -> None:
        record = self._by_cdp.get(self._key(target, params))
        if record is not None:
            record.failure = str(params.get("errorText") or "failed")[:300]

    # -- results --------------------------------------------------------------------------

    def requests(
        self, page_url: str | None = None, since: float | None = None
    ) -> tuple[RequestObservation, ...]:
        """Everything recorded (only what was sent at or after ``since``, when given), in
        the order it was sent; third parties judged against ``page_url`` (after redirects)."""
        page_url = page_url or self._page_url
        records = sorted(self._requests, key=lambda r: (r.time or 0.0, r.slot))
        if since is not None:
            records = [r for r in records if r.time is not None and r.time >= since]
        # Playwright also reports a dedicated worker's own requests (on the page, as if the
        # page made them): keep the worker-attributed copy and drop the page copy reported
        # with it, handing its bodies over if the worker's copy has none.
        by_worker: dict[str, list[_Request]] = {}
        for record in records:
            if record.from_worker:
                by_worker.setdefault(record.url, []).append(record)
        unpaired = {url: 0 for url in by_worker}  # first worker copy not yet paired, per URL
        paired: set[int] = set()
        out: list[RequestObservation] = []
        for record in records:
            copies = by_worker.get(record.url)
            if (
                copies is None
                or record.from_worker
                or record.context != "page"
                or record.resource_type == "document"
            ):
                out.append(self._observation(record, page_url))
                continue
            twin = self._twin(record, copies, unpaired, paired)
            if twin is not None:
                twin.request_body = twin.request_body or record.request_body
                twin.response_body = twin.response_body or record.response_body
                continue
            at = record.time or 0.0
            if (
                at <= (copies[0].time or 0.0) + _TWIN_SECONDS
                or at >= (copies[-1].time or 0.0) - _TWIN_SECONDS
            ):
                # Sent before the worker's Network domain was on, or still in flight when
                # collected: the worker's all the same.
                record.context = copies[0].context
            out.append(self._observation(record, page_url))
        return tuple(out)

    @staticmethod
    def _twin(
        record: _Request, copies: list[_Request], unpaired: dict[str, int], paired: set[int]
    ) -> _Request | None:
        """The worker's copy of a page-reported request: same URL, reported about then.

        Both reports come in send order, but on different channels whose delays differ on
        a loaded machine, so the earliest unpaired copy within the window is taken (order
        kept), or the one that sent the very same body when bodies were kept."""
        at = record.time or 0.0
        index = unpaired[record.url]
        while index < len(copies) and (
            id(copies[index]) in paired or (copies[index].time or 0.0) < at - _TWIN_SECONDS
        ):
            index += 1
        unpaired[record.url] = index
        near = []
        for candidate in copies[index:]:
            if (candidate.time or 0.0) > at + _TWIN_SECONDS:
                break
            if id(candidate) not in paired:
                near.append(candidate)
        body = record.request_body.text if record.request_body is not None else None
        same = [c for c in near if body is not None and c.request_body is not None]
        same = [c for c in same if c.request_body is not None and c.request_body.text == body]
        best = same[0] if same else (near[0] if near else None)
        if best is not None:
            paired.add(id(best))
        return best

    def _observation(self, record: _Request, page_url: str) -> RequestObservation:
        context = record.context if isinstance(record.context, str) else record.context.context
        return RequestObservation(
            url=record.url,
            resource_type=record.resource_type,
            method=record.method,
            status=record.status,
            context=context,
            third_party=is_third_party(record.url, page_url),
            failure=record.failure,
            time=record.time,
            initiator_script=(
                self._script_initiators.get(record.url)
                if record.resource_type == "script"
                else None
            ),
            request_body=record.request_body,
            response_body=record.response_body,
        )


def _cdp_post_data(request: dict[str, Any]) -> bytes | None:
    """The request body CDP sent along, exact bytes when it gave the entries."""
    entries = request.get("postDataEntries")
    if entries:
        try:
            return b"".join(base64.b64decode(e.get("bytes", "")) for e in entries)
        except (ValueError, TypeError):
            pass
    data = request.get("postData")
    return str(data).encode("utf-8", "surrogatepass") if data is not None else None


def _declared_length(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
