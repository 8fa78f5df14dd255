"""Static triage: each page's HTML and its scripts fetched by plain Scrapy, no browser at all.

A first pass over a long list: nothing is rendered, so only what the server sends can be judged
(blocklists on the script and frame URLs, script signatures on the inline and external script
bodies). CPU, WebSockets, workers and wasm are not observed; the visits say so by their profile
(:data:`STATIC_PROFILE`), and a page whose scripts only arrive at run time looks clean here.

The crawl follows the same rules as the browser's: robots.txt for pages (scripts are fetched as a
browser would, whatever robots.txt says), link depth and the per-site page budget, one visit per
page. External scripts are fetched once per crawl and shared by the pages that load them.
``closed_network`` (``--offline``) fetches only localhost and 127.0.0.1, as the browser's
resolver rules do; other script URLs are recorded as requests that were not made, so the
blocklists still see them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import StopDownload
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure
from w3lib.url import parse_data_uri

from crawler.failures import LoadFailure, classify_failure
from crawler.pipeline import VisitSink
from crawler.run import CrawlConfig, CrawlStats, run_crawler_process
from crawler.spider import PageTask, extract_links, is_html
from crawler.urls import canonical_url, registrable_domain, strip_fragment
from model import TOOL_VERSION
from model.observations import (
    DomInventory,
    DomSnapshot,
    FailureReason,
    PageVisit,
    RequestObservation,
    ScriptKind,
    ScriptObservation,
    sha256_hex,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["STATIC_BROWSER", "STATIC_PROFILE", "crawl_static", "static_settings"]

log = logging.getLogger(__name__)

# The profile every static visit carries: it tells reports and re-analysis that nothing ran.
STATIC_PROFILE = "static"
STATIC_BROWSER = "none (static triage: HTML and scripts fetched, nothing rendered)"
# Plain requests are cheap: this many per browser slot of --concurrency.
REQUESTS_PER_SLOT = 8
PER_SITE_PER_SLOT = 2
MAX_DOWNLOAD = 32 << 20
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
OFFLINE_FAILURE = "not fetched: --offline fetches only localhost and 127.0.0.1"
FRAME_NOT_FETCHED = "not fetched: static triage does not load frames"
# <script type> values a browser runs (crawler/instrument/dom.py keeps the same list).
SCRIPT_TYPES = frozenset(
    {
        "",
        "text/javascript",
        "application/javascript",
        "module",
        "text/ecmascript",
        "application/ecmascript",
        "text/jscript",
        "text/livescript",
    }
)
MAX_SCRIPTS_PER_PAGE = 200
SCRIPT_CACHE_ENTRIES = 4096
SCRIPT_CACHE_BYTES = 256 << 20
KIND = "minerscan_static"
TASK = "minerscan_task"


def crawl_static(
    config: CrawlConfig,
    on_visit: Callable[[PageVisit], None],
    feed: object | None = None,
    *,
    deliver_on_loop: bool = False,
    on_idle: Callable[[], None] | None = None,
    on_scheduled: Callable[[int], None] | None = None,
) -> CrawlStats:
    """Like :func:`crawler.run.crawl`, without a browser: never looks for or starts Chromium.

    Surveys render (``feed`` is theirs): a static pass is a ``scan --static`` of the list.
    """
    if feed is not None:
        raise ValueError("a survey renders its sites; run `scan --static` for a static pass")
    sink = VisitSink(on_visit, on_loop=deliver_on_loop, on_idle=on_idle, on_scheduled=on_scheduled)
    if not config.targets:
        return CrawlStats(pages=0, failed=0, interrupted=False, browser=STATIC_BROWSER)
    spider_args: dict[str, object] = {"config": config, "sink": sink}
    return run_crawler_process(
        static_settings(config), StaticSpider, spider_args, sink, STATIC_BROWSER
    )


def static_user_agent(config: CrawlConfig) -> tuple[str, str]:
    """User agent and Accept-Language of the first profile, as a current Chrome would send."""
    from crawler.instrument.profiles import get_profile, identity

    found = identity(get_profile(config.profiles[0]), "", TOOL_VERSION)
    return config.user_agent or found.user_agent, found.accept_language


def static_settings(config: CrawlConfig) -> dict[str, Any]:
    from crawler.settings import ASYNCIO_REACTOR, ROBOTS_AGENT

    requests = config.concurrency * REQUESTS_PER_SLOT
    user_agent, languages = static_user_agent(config)
    return {
        "BOT_NAME": "minerscan",
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "CONCURRENT_REQUESTS": requests,
        # Politeness: one site gets no more at once than two requests per browser slot.
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrency * PER_SITE_PER_SLOT,
        "DOWNLOAD_TIMEOUT": config.page_timeout,
        "DOWNLOAD_MAXSIZE": MAX_DOWNLOAD,
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": config.obey_robots,
        "ROBOTSTXT_USER_AGENT": ROBOTS_AGENT,
        "DEPTH_LIMIT": 0,  # depth and the page budget are the spider's own, as in the browser's
        "USER_AGENT": user_agent,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": languages,
        },
        "RETRY_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "COOKIES_ENABLED": True,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {"crawler.pipeline.VisitPipeline": 100},
        "FEEDS": {},
    }


# -- the spider ---------------------------------------------------------------------------------


@dataclass
class _Budget:
    """Which URLs were scheduled, and how much of each site's page budget is left."""

    max_pages: int
    seen: set[str] = field(default_factory=set)
    spent: Counter[str] = field(default_factory=Counter)

    def admit(self, url: str, site: str) -> bool:
        key = canonical_url(url)
        if key in self.seen or self.spent[site] >= self.max_pages:
            return False
        self.seen.add(key)
        self.spent[site] += 1
        return True

    def refund(self, site: str) -> None:
        self.spent[site] -= 1


@dataclass(frozen=True)
class _Fetched:
    """One script URL's answer, shared by every page that loads it."""

    status: int | None
    body: bytes | None  # None when nothing usable came back
    failure: str | None = None


class _ScriptCache:
    """Script fetches by URL; concurrent pages wait on one download. Bounded by count and bytes."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, asyncio.Future[_Fetched]] = OrderedDict()
        self._bytes = 0

    def get(self, url: str) -> asyncio.Future[_Fetched] | None:
        found = self._entries.get(url)
        if found is not None:
            self._entries.move_to_end(url)
        return found

    def put(self, url: str, future: asyncio.Future[_Fetched]) -> None:
        self._entries[url] = future
        future.add_done_callback(self._account)
        self._evict()

    def _account(self, future: asyncio.Future[_Fetched]) -> None:
        if not future.cancelled() and future.exception() is None:
            self._bytes += len(future.result().body or b"")
        self._evict()

    def _evict(self) -> None:
        while len(self._entries) > SCRIPT_CACHE_ENTRIES or self._bytes > SCRIPT_CACHE_BYTES:
            _, old = self._entries.popitem(last=False)
            if old.done() and not old.cancelled() and old.exception() is None:
                self._bytes -= len(old.result().body or b"")


class StaticSpider(Spider):
    name = "minerscan-static"

    def __init__(self, config: CrawlConfig, sink: VisitSink, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.sink = sink
        self.budget = _Budget(config.max_pages)
        done = set(config.skip_urls) | {
            url for url, profile in config.skip_visits if profile == STATIC_PROFILE
        }
        self.skip = frozenset(canonical_url(url) for url in done)
        self.scripts = _ScriptCache()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> StaticSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(_stop_if_not_html, signal=signals.headers_received)
        return spider  # type: ignore[return-value]

    async def start(self) -> AsyncIterator[Request]:
        for target in self.config.targets:
            request = self._schedule(target, registrable_domain(target), depth=0)
            if request is not None:
                yield request

    def _schedule(self, url: str, site: str, depth: int) -> Request | None:
        if not self.budget.admit(url, site):
            return None
        task = PageTask(url=strip_fragment(url), site=site, depth=depth, profile=STATIC_PROFILE)
        again = canonical_url(task.url) in self.skip  # stored by an interrupted run: links only
        if not again:
            self.sink.scheduled(1)
        return Request(
            task.url,
            callback=self._links_only if again else self._page,
            errback=self._links_failed if again else self._failed,
            dont_filter=True,
            meta={TASK: task, KIND: "page", "started_at": time.time()},
        )

    def _follow(self, response: Response, task: PageTask) -> Iterator[Request]:
        if task.depth >= self.config.depth or not isinstance(response, TextResponse):
            return
        for link in extract_links(response):
            if registrable_domain(link) == task.site:
                request = self._schedule(link, task.site, task.depth + 1)
                if request is not None:
                    yield request

    async def _page(self, response: Response) -> AsyncIterator[PageVisit | Request]:
        task: PageTask = response.meta[TASK]
        content_type = _content_type(response)
        visit = PageVisit(
            url=task.url,
            final_url=response.url,
            status=response.status,
            content_type=content_type,
            depth=task.depth,
            started_at=response.meta["started_at"],
            load_seconds=response.meta.get("download_latency"),
            profile=STATIC_PROFILE,
        )
        if not is_html(content_type):
            media = content_type.split(";", 1)[0].strip().lower()
            yield replace(
                visit, failure=FailureReason.NOT_HTML, error=f"not an HTML page ({media})"
            )
            return
        if isinstance(response, TextResponse):
            visit = await self._observe(response, visit)
        if response.status >= 400:
            visit = replace(
                visit, failure=FailureReason.HTTP_STATUS, error=f"HTTP {response.status}"
            )
        yield visit
        self.budget.seen.add(
            canonical_url(response.url)
        )  # a redirect's target is not visited twice
        for request in self._follow(response, task):
            yield request

    async def _observe(self, response: TextResponse, visit: PageVisit) -> PageVisit:
        page = _parse(response, self.config.body_bytes)
        page_site = registrable_domain(response.url)
        fetched = await asyncio.gather(*(self._script(url, page_site) for url in page.srcs))
        scripts = [s for _, s in fetched if s is not None] + page.inline
        requests = [
            RequestObservation(response.url, "document", "GET", response.status, "page", False),
            *(request for request, _ in fetched),
            *(
                RequestObservation(
                    url,
                    "document",
                    status=None,
                    third_party=registrable_domain(url) != page_site,
                    failure=FRAME_NOT_FETCHED,
                )
                for url in page.inventory.iframes
            ),
        ]
        from crawler.instrument.dom import cap_text

        return replace(
            visit,
            title=page.title,
            scripts=tuple(scripts),
            inline_script_count=page.inventory.inline_scripts,
            requests=tuple(requests),
            dom=DomSnapshot(
                served_html=cap_text(response.text, self.config.dom_bytes),
                served=page.inventory,
            ),
        )

    async def _script(
        self, url: str, page_site: str
    ) -> tuple[RequestObservation, ScriptObservation | None]:
        third_party = registrable_domain(url) != page_site
        if url.startswith("data:"):
            return _data_script(url, self.config.body_bytes)
        host = (urlsplit(url).hostname or "").lower()
        if self.config.closed_network and host not in LOCAL_HOSTS:
            request = RequestObservation(url, "script", third_party=third_party)
            return replace(request, failure=OFFLINE_FAILURE), None
        future = self.scripts.get(url)
        if future is None:
            future = asyncio.ensure_future(self._download(url))
            self.scripts.put(url, future)
        got = await asyncio.shield(future)
        request = RequestObservation(
            url, "script", "GET", got.status, "page", third_party, got.failure
        )
        if got.body is None:
            return request, None
        body = got.body
        script = ScriptObservation(
            kind=ScriptKind.EXTERNAL,
            url=url,
            context="page",
            sha256=sha256_hex(body),
            size=len(body),
            body=body[: self.config.body_bytes],
            truncated=len(body) > self.config.body_bytes,
        )
        return request, script

    async def _download(self, url: str) -> _Fetched:
        assert self.crawler.engine is not None
        request = Request(
            url,
            dont_filter=True,
            headers={"Accept": "*/*"},
            # A browser fetches a page's scripts whatever robots.txt says; pages obey it.
            meta={KIND: "script", "dont_obey_robotstxt": True},
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - the request is recorded as failed
            return _Fetched(None, None, _classify(exc).message)
        if response.status >= 400:
            return _Fetched(response.status, None)  # a browser runs no error page as a script
        return _Fetched(response.status, response.body)

    async def _failed(self, failure: Failure) -> AsyncIterator[PageVisit]:
        request: Request = failure.request  # type: ignore[attr-defined]
        task: PageTask = request.meta[TASK]
        outcome = _classify(failure.value)
        if outcome.reason is FailureReason.ROBOTS:
            self.budget.refund(task.site)
            if task.depth > 0:
                self.sink.scheduled(-1)
                return  # a link robots.txt forbids is simply not visited
        yield PageVisit(
            url=task.url,
            depth=task.depth,
            started_at=request.meta.get("started_at", time.time()),
            profile=STATIC_PROFILE,
            failure=outcome.reason,
            error=outcome.message,
        )

    async def _links_only(self, response: Response) -> AsyncIterator[Request]:
        if is_html(_content_type(response)):
            for request in self._follow(response, response.meta[TASK]):
                yield request

    def _links_failed(self, failure: Failure) -> None:
        log.info("could not re-read the links of %s", failure.request.url)  # type: ignore[attr-defined]


# -- parsing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ServedPage:
    title: str
    srcs: tuple[str, ...]  # external script URLs, absolute, each once
    inline: list[ScriptObservation]
    inventory: DomInventory


def _parse(response: TextResponse, body_bytes: int) -> _ServedPage:
    """Scripts, frames and handlers of the served HTML, in one lxml pass (Scrapy's selector)."""
    srcs: list[str] = []
    inline: list[ScriptObservation] = []
    handlers_code: list[ScriptObservation] = []
    all_srcs: list[str] = []
    for element in response.xpath("//script"):
        kind = (element.attrib.get("type") or "").strip().lower()
        if kind not in SCRIPT_TYPES:
            continue
        src = (element.attrib.get("src") or "").strip()
        if src:
            try:
                absolute = response.urljoin(src)
            except ValueError:
                continue
            all_srcs.append(absolute)
            fetchable = absolute.startswith(("http://", "https://", "data:"))
            if fetchable and absolute not in srcs and len(srcs) < MAX_SCRIPTS_PER_PAGE:
                srcs.append(absolute)
            continue
        text = "".join(element.xpath("text()").getall())
        if text.strip() and len(inline) < MAX_SCRIPTS_PER_PAGE:
            inline.append(_inline(text.encode("utf-8", "surrogatepass"), body_bytes))
    # on*= handlers are code too (a browser compiles them as inline scripts when they fire).
    seen = {script.sha256 for script in inline}
    handler_codes = response.xpath("//@*[starts-with(name(), 'on')]").getall()
    for code in handler_codes:
        body = code.encode("utf-8", "surrogatepass")
        digest = sha256_hex(body)
        if code.strip() and digest not in seen and len(handlers_code) < MAX_SCRIPTS_PER_PAGE:
            seen.add(digest)
            handlers_code.append(_inline(body, body_bytes))
    iframes = []
    for src in response.xpath("//iframe/@src | //frame/@src").getall():
        try:
            iframes.append(response.urljoin(src.strip()))
        except ValueError:
            continue
    handlers = len(handler_codes)
    title = (response.xpath("//title/text()").get() or "").strip()[:1000]
    inventory = DomInventory(
        script_srcs=tuple(all_srcs),
        inline_scripts=len(inline),
        iframes=tuple(iframes),
        inline_handlers=handlers,
    )
    return _ServedPage(title, tuple(srcs), inline + handlers_code, inventory)


def _inline(body: bytes, body_bytes: int) -> ScriptObservation:
    return ScriptObservation(
        kind=ScriptKind.INLINE,
        url="",
        context="page",
        sha256=sha256_hex(body),
        size=len(body),
        body=body[:body_bytes],
        truncated=len(body) > body_bytes,
    )


def _data_script(url: str, body_bytes: int) -> tuple[RequestObservation, ScriptObservation | None]:
    """A ``data:`` script carries its body in its URL: nothing is fetched."""
    request = RequestObservation(url[:200], "script", status=None)
    try:
        body = parse_data_uri(url).data
    except ValueError:
        return replace(request, failure="malformed data: URL"), None
    script = ScriptObservation(
        kind=ScriptKind.DATA,
        url=url,
        context="page",
        sha256=sha256_hex(body),
        size=len(body),
        body=body[:body_bytes],
        truncated=len(body) > body_bytes,
    )
    return request, script


def _classify(exc: BaseException | None) -> LoadFailure:
    """Scrapy 2.19 wraps Twisted's download errors in its own; name those, else the usual way."""
    from scrapy import exceptions as scrapy_errors

    known = {
        "DownloadConnectionRefusedError": (FailureReason.CONNECTION, "connection refused"),
        "CannotResolveHostError": (FailureReason.DNS, "host name could not be resolved"),
        "DownloadTimeoutError": (FailureReason.TIMEOUT, "request timed out"),
        "ResponseDataLossError": (FailureReason.CONNECTION, "connection lost mid-response"),
        "DownloadFailedError": (FailureReason.CONNECTION, "download failed"),
    }
    for name, (reason, message) in known.items():
        kind = getattr(scrapy_errors, name, None)
        if kind is None or not isinstance(exc, kind):
            continue
        if name == "DownloadFailedError" and ("SSL" in repr(exc) or "certificate" in repr(exc)):
            return LoadFailure(FailureReason.TLS, "TLS handshake or certificate error")
        return LoadFailure(reason, message)
    return classify_failure(exc)


def _content_type(response: Response) -> str:
    raw = response.headers.get("Content-Type") or b""
    return raw.decode("latin-1").strip()[:200]


def _stop_if_not_html(headers: Any, body_length: int, request: Request, spider: Spider) -> None:
    """A page link that turns out a download (a video, an archive) is not read to its end."""
    if request.meta.get(KIND) != "page":
        return
    raw = headers.get(b"Content-Type") or b""
    if not is_html(raw.decode("latin-1")):
        raise StopDownload(fail=False)
