"""The spider: from each target, render same-site pages in Chromium and emit one PageVisit each.

Every HTML page goes through scrapy-playwright in a browser context of its own (its own renderer
process, so the CPU we measure is the page's), with our instrumentation attached before
navigation. The spider keeps the page and closes page *and* context itself, in the callback and
in the errback alike: a context left open would hold one of the ``concurrency`` slots forever.

Links that look like files (``.pdf``, ``.zip``, images…) are first asked for with a plain HEAD
request, so a download never needs a browser; whatever the server says is not HTML is recorded
as a NOT_HTML visit. Pages already visited in an interrupted run (``skip_urls``) are fetched
once more without the browser, only to find their links again, and produce no visit.

Each page is visited once per browser profile (``--profile desktop --profile mobile``): one
PageVisit per (URL, profile), each in a context of its own that looks like that browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.admission import ADMITTED, Admission
from crawler.failures import LoadFailure, classify_failure, refused_redirect
from crawler.hygiene import BrowserRecycler, PopupGuard, quiet_gone_target_errors
from crawler.instrument import InstrumentOptions, PageInstrumentation
from crawler.instrument.profiles import DEFAULT_PROFILE, get_profile, identity
from crawler.urls import (
    canonical_url,
    is_crawlable_link,
    registrable_domain,
    strip_fragment,
)
from model import TOOL_VERSION
from model.observations import FailureReason, PageVisit

if TYPE_CHECKING:
    from playwright.async_api import Page
    from playwright.async_api import Response as BrowserResponse

    from crawler.pipeline import VisitSink
    from crawler.run import CrawlConfig

__all__ = ["MinerscanSpider", "PageTask", "extract_links", "is_html"]

_Outcome = TypeVar("_Outcome", Response, Failure)

logger = logging.getLogger(__name__)

TASK = "minerscan_task"
LOAD = "minerscan_load"
ABORTED = "minerscan_aborted"  # the failure of a page whose HEAD probe asks why it was aborted
_ASK_WHY = ("net::ERR_ABORTED", "net::ERR_UNSAFE_REDIRECT")  # perhaps a refused redirect
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Links with these extensions are probed with HEAD first; anything may still turn out HTML.
FILE_EXTENSIONS = frozenset(
    (  # noqa: SIM905 - a word list reads better than 67 quoted strings
        "pdf zip gz tgz bz2 xz 7z rar tar exe msi dmg apk deb rpm iso bin img "
        "jpg jpeg png gif webp bmp ico tif tiff svg avif heic "
        "mp3 mp4 m4a m4v wav ogg oga webm avi mov mkv flv wmv "
        "doc docx xls xlsx ppt pptx odt ods odp rtf csv txt json xml "
        "css js mjs wasm woff woff2 ttf otf eot"
    ).split()
)
HEAD_NOT_SUPPORTED = (405, 501)
BODY_TIMEOUT = 5.0  # seconds to read the served document back from the renderer
CLOSE_TIMEOUT = 10.0  # seconds to close a page or context whose renderer may be stuck


@dataclass(frozen=True)
class PageTask:
    """One URL the crawl decided to visit, and why."""

    url: str  # as requested (fragment stripped)
    site: str  # registrable domain of the target that led here
    depth: int  # links followed from the target
    profile: str = DEFAULT_PROFILE  # the browser profile this visit presents


@dataclass
class _Load:
    """What the page init callback set up, and what it saw during navigation."""

    instrumentation: PageInstrumentation
    started_at: float
    attach_error: str | None = None
    document: BrowserResponse | None = None  # last main-frame navigation response
    guard: asyncio.Future[None] | None = None  # unsticks a spinning page until it is handed over
    popups: PopupGuard = field(default_factory=PopupGuard)

    def handed_over(self) -> None:
        if self.guard is not None and not self.guard.done():
            self.guard.cancel()


@dataclass
class _Frontier:
    """Which URLs were already scheduled, and how much of each site's page budget is left."""

    max_pages: int
    seen: set[str] = field(default_factory=set)
    spent: Counter[str] = field(default_factory=Counter)
    refunded: set[str] = field(default_factory=set)
    urls_of: dict[str, set[str]] = field(default_factory=dict)  # site -> its keys in ``seen``

    def admit(self, url: str, site: str, *, target: bool = False) -> bool:
        """Whether to visit ``url`` (with every profile: the budget counts pages, not visits).

        A listed target is always visited; it spends budget, but the budget only refuses
        discovered links (several targets may share a site)."""
        key = canonical_url(url)
        if key in self.seen or (self.spent[site] >= self.max_pages and not target):
            return False
        self.remember(url, site)
        self.spent[site] += 1
        return True

    def remember(self, url: str, site: str) -> None:
        """``url`` was visited for ``site`` (also a redirect's end): never schedule it again."""
        key = canonical_url(url)
        self.seen.add(key)
        self.urls_of.setdefault(site, set()).add(key)

    def forget(self, site: str) -> None:
        """A finished site: a long survey keeps no memory of it, and a site retried later gets
        a fresh budget."""
        for key in self.urls_of.pop(site, ()):
            self.seen.discard(key)
            self.refunded.discard(key)
        self.spent.pop(site, None)

    def refund(self, url: str, site: str) -> None:
        """A scheduled URL that was never visited (robots.txt) gives its budget back, once
        however many profiles were refused it."""
        key = canonical_url(url)
        if key not in self.refunded:
            self.refunded.add(key)
            self.spent[site] -= 1


def _settles(
    callback: Callable[[MinerscanSpider, _Outcome], AsyncIterator[Any]],
) -> Callable[[MinerscanSpider, _Outcome], AsyncIterator[Any]]:
    """Wrap a callback or errback: once what it yields is taken, its request is no longer in
    flight (the visits it yielded are counted too), and the spider hears of it."""

    @functools.wraps(callback)
    async def settling(spider: MinerscanSpider, outcome: _Outcome) -> AsyncIterator[Any]:
        site = outcome.request.meta[TASK].site  # type: ignore[union-attr]
        try:
            async for output in callback(spider, outcome):
                if isinstance(output, PageVisit):
                    spider.yielded[site] += 1
                yield output
        finally:
            spider.in_flight[site] -= 1
            spider._settled(site)

    return settling


class MinerscanSpider(Spider):
    name = "minerscan"

    def __init__(self, config: CrawlConfig, sink: VisitSink, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.sink = sink
        profiles = tuple(dict.fromkeys(config.profiles)) or (DEFAULT_PROFILE,)
        self.profiles = profiles
        self.options = {
            name: InstrumentOptions.from_settings(config, get_profile(name)) for name in profiles
        }
        self.frontier = _Frontier(max_pages=config.max_pages)
        self.skip = frozenset(canonical_url(url) for url in config.skip_urls)
        self.skip_visits = frozenset(
            (canonical_url(url), profile) for url, profile in config.skip_visits
        )
        self._context_ids = itertools.count(1)
        # Per site: requests scheduled and not called back yet, visits the callbacks yielded.
        # A site with no request in flight is completely crawled (see _settled).
        self.in_flight: Counter[str] = Counter()
        self.yielded: Counter[str] = Counter()
        self.recycler = BrowserRecycler(config.recycle_browser)
        # Pages start only while the CPU has room, but always at least one a core (admission.py).
        self.admission = Admission(floor=min(config.pages_at_once, _cores()))
        quiet_gone_target_errors()

    async def start(self) -> AsyncIterator[Request]:
        for target in self.config.targets:
            site = registrable_domain(target)
            for request in self._schedule(target, site, depth=0, target=True):
                yield request

    # -- scheduling ---------------------------------------------------------------------------

    def _schedule(self, url: str, site: str, depth: int, *, target: bool = False) -> list[Request]:
        """A request per profile that has not visited ``url`` yet (none if the frontier says
        no); a page every profile visited in an earlier run is only re-read for its links."""
        if not self.frontier.admit(url, site, target=target):
            return []
        tasks = [
            PageTask(url=strip_fragment(url), site=site, depth=depth, profile=profile)
            for profile in self.profiles
        ]
        pending = [task for task in tasks if not self._visited_before(task)]
        if not pending:
            return [self._reseed_request(tasks[0])]
        self.sink.scheduled(len(pending))
        if _looks_like_file(tasks[0].url):
            return [self._probe_request(task) for task in pending]
        return [self._page_request(task) for task in pending]

    def _settled(self, site: str) -> None:
        """A request of ``site`` was called back, and whatever it yielded was taken: the hook
        of a crawl that wants to know when a site is done (``FrontierSpider``)."""

    def _visited_before(self, task: PageTask) -> bool:
        key = canonical_url(task.url)
        return key in self.skip or (key, task.profile) in self.skip_visits

    def _plain_headers(self, task: PageTask) -> dict[str, str]:
        """Requests made without the browser (HEAD probes) still say who is asking."""
        version = self.settings.get("MINERSCAN_BROWSER_VERSION", "") if self.settings else ""
        found = identity(get_profile(task.profile), version, TOOL_VERSION)
        return {"User-Agent": found.user_agent, "Accept-Language": found.accept_language}

    def _page_request(self, task: PageTask) -> Request:
        self.in_flight[task.site] += 1  # until its callback or errback is done
        return Request(
            task.url,
            callback=self._rendered,
            errback=self._failed,
            dont_filter=True,  # the frontier already de-duplicates, on canonical URLs
            meta={
                TASK: task,
                "playwright": True,
                "playwright_include_page": True,
                "playwright_context": f"minerscan-page-{next(self._context_ids)}",
                "playwright_context_kwargs": {
                    "ignore_https_errors": self.config.ignore_https_errors,
                    # A page's download is never written, not even to a temporary folder.
                    "accept_downloads": False,
                    **get_profile(task.profile).context_options(),
                },
                "playwright_page_init_callback": self._attach,
            },
        )

    def _probe_request(self, task: PageTask) -> Request:
        self.in_flight[task.site] += 1  # until its callback or errback is done
        return Request(
            task.url,
            method="HEAD",
            headers=self._plain_headers(task),
            callback=self._probed,
            errback=self._failed,
            dont_filter=True,
            meta={TASK: task, "started_at": time.time()},
        )

    def _abort_probe(self, task: PageTask, outcome: LoadFailure, started: float) -> Request:
        self.in_flight[task.site] += 1  # until its callback or errback is done
        return Request(
            task.url,
            method="HEAD",
            headers=self._plain_headers(task),
            callback=self._abort_probed,
            errback=self._abort_probe_failed,
            dont_filter=True,
            meta={
                TASK: task,
                "started_at": started,
                ABORTED: outcome,
                "dont_redirect": True,
                "handle_httpstatus_all": True,
            },
        )

    def _reseed_request(self, task: PageTask) -> Request:
        self.in_flight[task.site] += 1  # until its callback or errback is done
        return Request(
            task.url,
            callback=self._reseeded,
            errback=self._reseed_failed,
            dont_filter=True,
            meta={TASK: task},
        )

    def _follow(self, response: Response, task: PageTask) -> Iterator[Request]:
        if task.depth >= self.config.depth or not isinstance(response, TextResponse):
            return
        for link in extract_links(response):
            if registrable_domain(link) != task.site:
                continue
            yield from self._schedule(link, task.site, task.depth + 1)

    # -- browser pages ------------------------------------------------------------------------

    async def _attach(self, page: Page, request: Request) -> None:
        """scrapy-playwright's page init callback: runs before ``goto``.

        scrapy-playwright only logs what this raises, so failures are kept for the visit.
        """
        task: PageTask = request.meta[TASK]
        options = self.options[task.profile]
        load = _Load(PageInstrumentation(options, page_url=request.url), time.time())
        request.meta[LOAD] = load

        def note_document(response: BrowserResponse) -> None:
            # Service-worker responses have no frame and raise on ``.frame``.
            with contextlib.suppress(Exception):
                if response.request.is_navigation_request() and response.frame == page.main_frame:
                    load.document = response

        page.on("response", note_document)
        self.recycler.page_started(page, self._playwright_handlers())
        try:
            await load.popups.install(page)
            await load.instrumentation.attach(page)
        except Exception as exc:  # noqa: BLE001 - scrapy-playwright would only log it
            load.attach_error = f"instrumentation could not attach: {_one_line(exc)}"
            logger.warning("%s: %s", request.url, load.attach_error)
            return
        load.guard = asyncio.ensure_future(load.instrumentation.unstick_until_handed_over(page))

    @_settles
    async def _rendered(self, response: Response) -> AsyncIterator[PageVisit | Request]:
        task: PageTask = response.meta[TASK]
        page: Page | None = response.meta.get("playwright_page")
        if (load := response.meta.get(LOAD)) is not None:
            load.handed_over()
        try:
            visit = await self._observe(response, task, page)
        finally:
            await _close(page)
            await self.recycler.page_closed()
            self._left(response.meta)
        yield visit
        self.frontier.remember(response.url, task.site)  # redirects: don't visit it twice
        if is_html(visit.content_type):
            for request in self._follow(response, task):
                yield request

    async def _observe(self, response: Response, task: PageTask, page: Page | None) -> PageVisit:
        load: _Load | None = response.meta.get(LOAD)
        content_type = _content_type(response)
        visit = PageVisit(
            url=task.url,
            final_url=response.url,
            status=response.status,
            content_type=content_type,
            depth=task.depth,
            started_at=load.started_at if load else time.time(),
            load_seconds=response.meta.get("download_latency"),
            profile=task.profile,
        )
        if not is_html(content_type):
            return _with_failure(
                visit,
                LoadFailure(
                    FailureReason.NOT_HTML, f"not an HTML page ({_media_type(content_type)})"
                ),
            )
        status_failure = _status_failure(response.status)
        if page is None or load is None:
            return _with_failure(visit, LoadFailure(FailureReason.ERROR, "no browser page"))
        try:
            await load.instrumentation.watch(page)
            served = await _served_html(load, response)
            result = await load.instrumentation.collect(page, served_html=served)
            # Leaves and closes the page; a crashed renderer has no afterlife to watch (what
            # would be measured is the blank page's new renderer).
            afterlife = None if result.crashed else await load.instrumentation.afterlife(page)
        except Exception as exc:  # noqa: BLE001 - recorded as the visit's failure
            failure = classify_failure(exc)
            if not await _browser_alive(page):
                failure = BROWSER_DIED
            if failure.reason is FailureReason.ERROR:
                failure = LoadFailure(
                    FailureReason.ERROR, f"while watching the page: {failure.message}"
                )
            return _with_failure(visit, failure)
        rendered = replace(
            visit,
            rendered=True,
            title=result.title,
            scripts=result.scripts,
            inline_script_count=result.inline_script_count,
            requests=result.requests,
            websockets=result.websockets,
            workers=result.workers,
            wasm_modules=result.wasm_modules,
            cpu=result.cpu,
            dom=result.dom,
            afterlife=afterlife,
            watch=result.watch,
        )
        for problem in result.errors:
            logger.info("%s: instrumentation: %s", task.url, problem)
        if load.popups.closed:
            logger.info(
                "%s: %d windows opened, %d closed at once (only %d are kept)",
                task.url,
                load.popups.opened,
                load.popups.closed,
                load.popups.keep,
            )
        if not await _browser_alive(page):
            # What was gathered is partial: the browser went away while the page was watched.
            return _with_failure(rendered, BROWSER_DIED)
        if result.crashed:
            return _with_failure(
                rendered,
                LoadFailure(
                    FailureReason.CRASH, "the page's renderer crashed while it was watched"
                ),
            )
        if load.attach_error:
            # Observations are incomplete: a clean verdict from them would be a lie.
            return _with_failure(rendered, LoadFailure(FailureReason.ERROR, load.attach_error))
        if status_failure is not None:
            return _with_failure(rendered, status_failure)
        return rendered

    @_settles
    async def _failed(self, failure: Failure) -> AsyncIterator[PageVisit]:
        """Errback of browser pages and HEAD probes: close what was opened, record why."""
        request: Request = failure.request  # type: ignore[attr-defined]
        task: PageTask = request.meta[TASK]
        load: _Load | None = request.meta.get(LOAD)
        if load is not None:
            load.handed_over()
        page = request.meta.get("playwright_page")
        browser_died = page is not None and not await _browser_alive(page)
        await _close(page)
        await self.recycler.page_closed()
        self._left(request.meta)
        outcome = classify_failure(failure.value, task.url)
        if browser_died:
            outcome = BROWSER_DIED
        elif request.meta.get("playwright") and any(c in outcome.message for c in _ASK_WHY):
            # Chromium says only "aborted" when a redirect goes to javascript:, ftp: or an
            # unknown scheme, and shows no response: ask the server (HEAD, no redirects) why.
            yield self._abort_probe(task, outcome, load.started_at if load else time.time())
            return
        if outcome.reason is FailureReason.ROBOTS:
            self.frontier.refund(task.url, task.site)
            if task.depth > 0:
                self.sink.scheduled(-1)
                return  # an ordinary link robots.txt forbids: simply not visited
        started = load.started_at if load else request.meta.get("started_at", time.time())
        visit = PageVisit(url=task.url, depth=task.depth, started_at=started, profile=task.profile)
        yield _with_failure(visit, outcome)

    def _left(self, meta: dict[str, Any]) -> None:
        """A request the admission let through is done (its page closed, or it failed)."""
        if meta.pop(ADMITTED, False):
            self.admission.left()

    def _playwright_handlers(self) -> list[Any]:
        """scrapy-playwright's download handlers (one per scheme), for the recycler."""
        with contextlib.suppress(AttributeError):
            handlers = self.crawler.engine.downloader.handlers._handlers
            return [h for h in handlers.values() if hasattr(h, "_browser_disconnected_callback")]
        return []

    async def closed(self, reason: str) -> None:
        """Scrapy's spider_closed hook: the retired browsers still open are closed."""
        await self.recycler.close()

    # -- plain requests -----------------------------------------------------------------------

    @_settles
    async def _probed(self, response: Response) -> AsyncIterator[PageVisit | Request]:
        task: PageTask = response.meta[TASK]
        content_type = _content_type(response)
        if is_html(content_type) or response.status in HEAD_NOT_SUPPORTED:
            yield self._page_request(task)
            return
        yield PageVisit(
            url=task.url,
            final_url=response.url,
            status=response.status,
            content_type=content_type,
            depth=task.depth,
            started_at=response.meta.get("started_at", time.time()),
            load_seconds=response.meta.get("download_latency"),
            failure=FailureReason.NOT_HTML,
            error=f"not an HTML page ({_media_type(content_type)})",
            profile=task.profile,
        )

    @_settles
    async def _abort_probed(self, response: Response) -> AsyncIterator[PageVisit]:
        """The answer to an aborted page's HEAD probe: a refused redirect, or as it was."""
        task: PageTask = response.meta[TASK]
        outcome: LoadFailure = response.meta[ABORTED]
        location = (response.headers.get("Location") or b"").decode("latin-1")
        scheme = _other_scheme(response.url, location) if 300 <= response.status < 400 else None
        if scheme is not None:
            outcome = refused_redirect(scheme)
        visit = PageVisit(
            url=task.url,
            depth=task.depth,
            started_at=response.meta["started_at"],
            profile=task.profile,
        )
        yield _with_failure(visit, outcome)

    @_settles
    async def _abort_probe_failed(self, failure: Failure) -> AsyncIterator[PageVisit]:
        request: Request = failure.request  # type: ignore[attr-defined]
        task: PageTask = request.meta[TASK]
        visit = PageVisit(
            url=task.url,
            depth=task.depth,
            started_at=request.meta["started_at"],
            profile=task.profile,
        )
        yield _with_failure(visit, request.meta[ABORTED])

    @_settles
    async def _reseeded(self, response: Response) -> AsyncIterator[Request]:
        task: PageTask = response.meta[TASK]
        if is_html(_content_type(response)):
            for request in self._follow(response, task):
                yield request

    @_settles
    async def _reseed_failed(self, failure: Failure) -> AsyncIterator[PageVisit]:
        """Its visit is stored already; only the links behind it are lost."""
        request: Request = failure.request  # type: ignore[attr-defined]
        logger.info(
            "could not re-read links of already visited %s: %s",
            request.url,
            classify_failure(failure.value).message,
        )
        return
        yield  # an async generator, like every callback @_settles wraps


# -- helpers ------------------------------------------------------------------------------------


def extract_links(response: TextResponse) -> list[str]:
    """Absolute http(s) URLs of ``<a href>``, ``<area href>``, ``<iframe src>``; no fragments."""
    hrefs = response.xpath("//a/@href | //area/@href | //iframe/@src").getall()
    links: list[str] = []
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith("#"):
            continue
        try:
            absolute = response.urljoin(href)
        except ValueError:
            continue
        if is_crawlable_link(absolute):
            links.append(strip_fragment(absolute))
    return links


def is_html(content_type: str) -> bool:
    """A response without a Content-Type is treated as HTML, as browsers sniff it."""
    media = _media_type(content_type)
    return media == "" or media in HTML_TYPES


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _content_type(response: Response) -> str:
    raw = response.headers.get("Content-Type") or b""
    return raw.decode("latin-1").strip()[:200]


def _looks_like_file(url: str) -> bool:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower().lstrip(".")
    return suffix in FILE_EXTENSIONS


def _status_failure(status: int) -> LoadFailure | None:
    if status >= 400:
        return LoadFailure(FailureReason.HTTP_STATUS, f"HTTP {status}")
    return None


BROWSER_DIED = LoadFailure(
    FailureReason.CRASH, "the browser process died while the page was open (it was relaunched)"
)


def _other_scheme(url: str, location: str) -> str | None:
    """The scheme a redirect points at, when it is not http(s)."""
    if not location:
        return None
    try:
        scheme = urlsplit(urljoin(url, location.strip())).scheme.lower()
    except ValueError:
        return None
    return scheme if scheme and scheme not in ("http", "https") else None


async def _browser_alive(page: Page | None) -> bool:
    """Whether the page's browser still answers. ``is_connected`` alone lags behind: a page
    whose browser was just killed fails its own calls at once, before Playwright has heard of
    the disconnection, so the browser is asked (its cookie store: a round trip, no renderer)."""
    if page is None:
        return True
    try:
        browser = page.context.browser
        if browser is not None and not browser.is_connected():
            return False
        await asyncio.wait_for(page.context.cookies(), BODY_TIMEOUT)
    except Exception:  # noqa: BLE001 - the context went away with its browser
        return False
    return True


def _with_failure(visit: PageVisit, failure: LoadFailure) -> PageVisit:
    return replace(visit, failure=failure.reason, error=failure.message)


async def _served_html(load: _Load, response: Response) -> str:
    """The document as the server sent it, before scripts ran (Scrapy's body is the DOM)."""
    fallback = response.text if isinstance(response, TextResponse) else ""
    if load.document is None:
        return fallback
    try:
        # Playwright reads the body from the renderer: a page whose main thread spins never
        # answers, so this must not wait for ever.
        body = await asyncio.wait_for(load.document.body(), BODY_TIMEOUT)
    except Exception:  # noqa: BLE001 - body gone (redirect), or the renderer is stuck
        return fallback
    charset = "utf-8"
    for param in (load.document.headers.get("content-type") or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


async def _close(page: Page | None) -> None:
    """Close the page and its context (each page has its own); errors mean it is gone already."""
    if page is None:
        return
    with contextlib.suppress(Exception):  # closed, crashed or stuck: the context goes next
        if not page.is_closed():
            await asyncio.wait_for(page.close(), CLOSE_TIMEOUT)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(page.context.close(), CLOSE_TIMEOUT)


def _one_line(exc: BaseException) -> str:
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
