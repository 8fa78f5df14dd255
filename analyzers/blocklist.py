"""Known mining infrastructure: every request and WebSocket URL against the blocklists.

Adblock-format lists are matched by adblock-rust (the ``adblock`` package) with the request's
type and the URL of the document that made it, so ``$websocket``, ``$script``,
``$third-party`` and ``domain=`` options mean what they mean in a browser's blocker. Hosts
lists match the request's host or any of its parent domains.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import adblock

from analyzers.base import Finding, Severity, rule
from analyzers.lists import FilterList, ListFormat, bundled_lists, read_lists
from model.observations import PageVisit

if TYPE_CHECKING:
    from analyzers.engine import AnalysisContext

# Playwright/CDP resource types -> the request types adblock filters name ($xmlhttprequest...).
_REQUEST_TYPES = {
    "script": "script",
    "xhr": "xmlhttprequest",
    "fetch": "xmlhttprequest",
    "websocket": "websocket",
    "stylesheet": "stylesheet",
    "image": "image",
    "media": "media",
    "font": "font",
    "manifest": "web_manifest",
    "ping": "ping",
    "beacon": "ping",
    "cspviolationreport": "csp_report",
    "csp_report": "csp_report",
    "object": "object",
}
_CHECKED_SCHEMES = ("http", "https", "ws", "wss")
_WORKER_KINDS = ("worker", "shared_worker", "service_worker")
# Enough to show a campaign; a page making 500 requests to one pool host needs no 500 findings.
MAX_FINDINGS_PER_RULE = 25


@dataclass(frozen=True)
class ListHit:
    """One list entry that matched a URL."""

    list_name: str
    filter: str  # the adblock filter, or the hosts entry, that matched
    broad: bool = False  # a heuristic filter (any socket on a site, TLD regex), not a named host

    def as_evidence(self) -> dict[str, object]:
        return {"list": self.list_name, "filter": self.filter, "broad": self.broad}


@dataclass(frozen=True)
class CheckedRequest:
    """A URL the page (or one of its frames or workers) fetched, ready for the matchers."""

    url: str
    request_type: str  # adblock request type
    context: str
    source_url: str  # document the request was made from: decides third-party and domain=


class Blocklists:
    """Compiled blocklists: one adblock engine per adblock list, a host set per hosts list."""

    def __init__(self, lists: Sequence[FilterList]) -> None:
        self.lists = tuple(lists)
        self._engines: list[tuple[str, adblock.Engine]] = []
        self._hosts: dict[str, list[str]] = {}  # host -> names of the lists holding it
        for filter_list in self.lists:
            if filter_list.format is ListFormat.HOSTS:
                for host in filter_list.rules:
                    self._hosts.setdefault(host, []).append(filter_list.name)
            else:
                filter_set = adblock.FilterSet(debug=True)  # debug keeps the filter text
                filter_set.add_filters(list(filter_list.rules), format="standard")
                self._engines.append((filter_list.name, adblock.Engine(filter_set, optimize=False)))

    @classmethod
    def load(cls, extra_lists: Sequence[Path] = ()) -> Blocklists:
        """The bundled NoCoin lists plus user lists; ValueError when a list is unreadable."""
        return cls(bundled_lists() + read_lists(list(extra_lists)))

    def check(self, url: str, request_type: str, source_url: str) -> tuple[ListHit, ...]:
        hits = [*self._adblock_hits(url, request_type, source_url), *self._hosts_hits(url)]
        return tuple(hits)

    def _adblock_hits(self, url: str, request_type: str, source_url: str) -> Iterator[ListHit]:
        for name, engine in self._engines:
            result = engine.check_network_urls(url, source_url, request_type)
            # An @@exception match means the list's authors vouch for this URL.
            if result.matched and not result.exception and result.filter:
                yield ListHit(name, result.filter, broad=_is_broad_filter(result.filter))

    def _hosts_hits(self, url: str) -> Iterator[ListHit]:
        host = (urlsplit(url).hostname or "").rstrip(".")
        for candidate in _host_and_parents(host):
            for name in self._hosts.get(candidate, ()):
                yield ListHit(name, candidate)


def _host_and_parents(host: str) -> Iterator[str]:
    """``a.b.pool.example`` -> itself, ``b.pool.example``, ``pool.example`` (never a bare TLD)."""
    if not host:
        return
    yield host
    if host.replace(".", "").isdigit() or ":" in host:
        return  # IP addresses have no parent domains
    labels = host.split(".")
    for start in range(1, len(labels) - 1):
        yield ".".join(labels[start:])


def _is_broad_filter(text: str) -> bool:
    """Filters that name no host or path: ``$websocket,domain=…`` or a TLD regex.

    NoCoin uses them as heuristics (every third-party socket to a cheap TLD, every socket on a
    pirate site). A match is worth reporting but is not proof of a *known* miner.
    """
    return text.startswith(("$", "/^"))


def document_url(visit: PageVisit, context: str) -> str:
    """URL of the document behind an execution context (a worker's is its creator's)."""
    page_url = visit.final_url or visit.url
    parents = {worker.url: worker.parent for worker in visit.workers}
    seen: set[str] = set()
    while context not in seen:
        seen.add(context)
        kind, _, url = context.partition(":")
        if kind == "frame" and url:
            return url
        if kind in _WORKER_KINDS and url in parents:
            context = parents[url]
            continue
        break
    return page_url


def checked_requests(visit: PageVisit) -> list[CheckedRequest]:
    """Every distinct (URL, type) the page fetched or opened, page, frames and workers alike."""
    page_urls = {visit.url, visit.final_url}
    seen: set[tuple[str, str]] = set()
    found: list[CheckedRequest] = []

    def add(url: str, request_type: str, context: str) -> None:
        scheme = url.partition(":")[0].lower()
        if scheme not in _CHECKED_SCHEMES:
            return  # blob:, data:, about: carry no host of their own
        if scheme in ("ws", "wss"):
            request_type = "websocket"
        if (url, request_type) not in seen:
            seen.add((url, request_type))
            found.append(CheckedRequest(url, request_type, context, document_url(visit, context)))

    for request in visit.requests:
        add(
            request.url,
            _request_type(request.resource_type, request.url, page_urls),
            request.context,
        )
    for session in visit.websockets:
        add(session.url, "websocket", session.context)
    for worker in visit.workers:
        add(worker.url, "script", worker.parent)  # blockers treat worker scripts as scripts
    for script in visit.scripts:
        if script.url:
            add(script.url, "script", script.context)
    return found


def _request_type(resource_type: str, url: str, page_urls: set[str]) -> str:
    kind = resource_type.lower()
    if kind == "document":
        return "document" if url in page_urls else "subdocument"
    return _REQUEST_TYPES.get(kind, "other")


def _hits_of(
    visit: PageVisit,
    context: AnalysisContext,
    types: Iterable[str] | None,
    exclude: Iterable[str] = (),
) -> list[tuple[CheckedRequest, tuple[ListHit, ...]]]:
    wanted = set(types) if types is not None else None
    excluded = set(exclude)
    results = []
    for request in checked_requests(visit):
        if wanted is not None and request.request_type not in wanted:
            continue
        if request.request_type in excluded:
            continue
        hits = context.blocklists.check(request.url, request.request_type, request.source_url)
        if hits:
            results.append((request, hits))
    return results[:MAX_FINDINGS_PER_RULE]


def _finding(
    rule_id: str, what: str, request: CheckedRequest, hits: tuple[ListHit, ...], strong: Severity
) -> Finding:
    broad_only = all(hit.broad for hit in hits)
    first = hits[0]
    where = "" if request.context == "page" else f" from {request.context}"
    return Finding(
        rule_id=rule_id,
        severity=Severity.MEDIUM if broad_only else strong,
        title=f"{what} {request.url}{where} is on {first.list_name} ({first.filter})",
        evidence={
            "url": request.url,
            "host": urlsplit(request.url).hostname or "",
            "request_type": request.request_type,
            "context": request.context,
            "source_url": request.source_url,
            "matches": [hit.as_evidence() for hit in hits],
        },
        confidence=0.4 if broad_only else (0.9 if strong >= Severity.HIGH else 0.6),
    )


@rule(id="MS101", severity=Severity.HIGH, observes=("websockets", "requests"))
def known_pool_socket(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """WebSocket to known mining infrastructure (NoCoin and user blocklists).

    Browser miners reach their pool through a WebSocket proxy; the NoCoin list names the
    public ones (coinhive.com, crypto-loot, webminepool, …). Every socket opened by the page,
    its frames and its workers is checked as a ``websocket`` request from the document that
    opened it. Heuristic filters (any third-party socket to some cheap TLDs) are reported at
    MEDIUM: they catch unnamed pools, and chat servers too.
    """
    for request, hits in _hits_of(visit, context, types=("websocket",)):
        yield _finding("MS101", "WebSocket", request, hits, Severity.HIGH)


@rule(id="MS102", severity=Severity.HIGH, observes=("requests", "scripts", "workers"))
def known_miner_script(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """Script or worker loaded from known mining infrastructure.

    Miner loaders (``coinhive.min.js``, ``crlt.js``, ``webmr.js``, …) and their worker scripts
    are checked as ``script`` requests, whether the page, a frame or a worker loaded them.
    """
    for request, hits in _hits_of(visit, context, types=("script",)):
        yield _finding("MS102", "Script", request, hits, Severity.HIGH)


@rule(id="MS103", severity=Severity.MEDIUM, observes=("requests",))
def known_miner_request(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """Other request (wasm download, frame, XHR) to known mining infrastructure.

    Miners fetch their WebAssembly (``cn.wasm``, ``bootstrap.wasm``) by XHR/fetch and are
    sometimes embedded as an iframe from a mining host. Weaker than a socket or a script on the
    list: the request alone does not show that mining started.
    """
    for request, hits in _hits_of(visit, context, types=None, exclude=("websocket", "script")):
        yield _finding("MS103", "Request", request, hits, Severity.MEDIUM)
