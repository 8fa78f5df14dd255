"""Surveys: a ranked list of sites, crawled a few pages each, resumable, on one or many machines.

A survey is stored in the database (storage/surveys.py): one row per site with its rank and
state. Crawling goes through the ordinary scan (:func:`minerscan.scan.run_scan`): each process
that works on a survey is one scan, fed its sites by a :class:`SurveyFeed` (crawler/frontier.py)
that claims them in the database, either straight from the survey's queued rows or popped from
a shared scrapy-redis frontier. A site is finished (done or failed) only once every visit the
crawl delivered for it is stored; whatever a process held when it stopped goes back to the
queue, at once after Ctrl-C, when its lease expires after ``kill -9``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import socket
import threading
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.urls import InvalidTarget, normalize_target
from minerscan.config import ConfigError, ScanConfig, build_config
from model.analysis import PageAnalysis
from model.domains import registrable_domain
from model.observations import FailureReason, PageVisit
from model.settings import ScanSettings
from storage import Store
from storage.surveys import ClaimedSite, SiteOutcome, SurveyInfo, SurveySite

if TYPE_CHECKING:  # the crawler (Scrapy, Playwright) loads only when a survey crawls
    from crawler.frontier import FeedSite

log = logging.getLogger(__name__)

DEFAULT_PAGES_PER_SITE = 3  # the landing page and a couple of its same-site links
DEFAULT_DEPTH = 1
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_LEASE = 120.0  # seconds a worker holds a site without renewing its lease
DEFAULT_REDIS_PREFIX = "minerscan"
# The crawl settings a survey stores and every worker applies: every scan setting but the
# targets (the survey's sites) and the machine's own, concurrency and the browser, which are
# each worker's. Derived, so that a setting added to ScanSettings is never silently dropped
# (--ignore-https-errors once was).
_MACHINE_SETTINGS = frozenset({"targets", "concurrency", "concurrency_basis", "browser_path"})
SURVEY_SETTINGS = tuple(
    f.name for f in dataclasses.fields(ScanSettings) if f.name not in _MACHINE_SETTINGS
)
# Failure kinds, in the order ``status`` lists them (like OpenWPM's crawl_history).
FAILURE_KINDS = {
    "dns": "DNS",
    "tls": "TLS",
    "timeout": "timeout",
    "connection": "connection refused",
    "http_4xx": "HTTP 4xx",
    "http_5xx": "HTTP 5xx",
    "crash": "browser crash",
    "not_html": "not HTML",
    "robots": "robots.txt",
    "error": "other error",
    "no_visit": "no visit",
    "gave_up": "gave up (attempts)",
}


# -- site lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListProblem:
    line: int
    reason: str


@dataclass(frozen=True)
class SiteList:
    name: str
    sites: tuple[SurveySite, ...]
    problems: tuple[ListProblem, ...] = ()


def read_site_list(path: Path, *, top: int | None = None, name: str | None = None) -> SiteList:
    """URLs or domains one per line, or a Tranco-style ``rank,domain`` CSV, optionally zipped.

    Lines that are not a site are reported (with their line number) and skipped; so is a
    second entry for a site already listed. ``top`` keeps the first N sites.
    """
    text = _read_list_text(path)
    sites: list[SurveySite] = []
    problems: list[ListProblem] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if top is not None and len(sites) >= top:
            break
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        rank, entry, problem = _parse_line(line, default_rank=len(sites) + 1)
        if problem is None:
            try:
                url = normalize_target(entry)
            except InvalidTarget as exc:
                problem = str(exc)
        if problem is not None:
            problems.append(ListProblem(number, problem))
            continue
        domain = registrable_domain(url)
        if domain in first_line:
            problems.append(
                ListProblem(number, f"{domain} is listed already (line {first_line[domain]})")
            )
            continue
        first_line[domain] = number
        sites.append(SurveySite(rank=rank, domain=domain, url=url))
    return SiteList(name or path.name, tuple(sites), tuple(problems))


def _read_list_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read site list {path}: {exc.strerror or exc}",
            "give a file of URLs or domains, or a Tranco rank,domain CSV (zipped or not)",
        ) from None
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise ConfigError(
                        f"site list {path} is a zip of {len(members)} files; it must hold one",
                        "zip the one CSV (as Tranco's top-1m.csv.zip does)",
                    )
                data = archive.read(members[0])
        except (zipfile.BadZipFile, OSError) as exc:
            raise ConfigError(f"cannot read site list {path}: {exc}") from None
    return data.decode("utf-8", errors="replace")


def _parse_line(line: str, default_rank: int) -> tuple[int, str, str | None]:
    """(rank, URL or domain, problem)."""
    if "," not in line:
        return default_rank, line, None
    rank_text, _, entry = line.partition(",")
    entry = entry.strip()
    if not rank_text.strip().isdigit():
        return 0, entry, f"{line[:80]!r} is not 'rank,domain' (the rank is not a number)"
    if not entry or "," in entry:
        return 0, entry, f"{line[:80]!r} is not 'rank,domain'"
    return int(rank_text), entry, None


def sites_from_static(store: Store, scan_id: int, *, every_site: bool) -> list[SurveySite]:
    """The sites of a browserless ``scan --static``: those it found anything on, or all."""
    result = store.load_result(scan_id)
    if not result.scan.settings.get("static"):
        raise ConfigError(
            f"scan {scan_id} is not a static scan",
            "run 'minerscan scan --static ...' first and give its id to --from-static",
        )
    flagged: set[str] = set()
    seen: set[str] = set()
    for page in result.pages:
        domain = registrable_domain(page.visit.url)
        seen.add(domain)
        if page.analysis is not None and page.analysis.findings:
            flagged.add(domain)
    wanted = seen if every_site else flagged
    sites: list[SurveySite] = []
    # The scan's own targets, in their order, give each site its start URL and rank.
    for target in result.scan.targets:
        domain = registrable_domain(target)
        if domain in wanted and domain not in {s.domain for s in sites}:
            sites.append(SurveySite(rank=len(sites) + 1, domain=domain, url=target))
    for page in result.pages:  # a site reached only through a link (rare: crawls stay on site)
        domain = registrable_domain(page.visit.url)
        if domain in wanted and domain not in {s.domain for s in sites}:
            sites.append(SurveySite(rank=len(sites) + 1, domain=domain, url=page.visit.url))
    return sites


# -- settings -----------------------------------------------------------------------------------


def survey_settings(config: ScanConfig) -> dict[str, Any]:
    record = config.settings_record()
    return {key: record[key] for key in SURVEY_SETTINGS if key in record}


def config_for_survey(info: SurveyInfo, **machine: Any) -> ScanConfig:
    """The survey's stored crawl settings, with this machine's own (concurrency, browser)."""
    stored = dict(info.settings)
    if "profiles" in stored:
        stored["profiles"] = tuple(stored["profiles"])
    return build_config(None, **stored, **machine)


def process_owner() -> str:
    """Who holds a lease: this host and process (unique even when a pid is reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# -- the shared frontier ------------------------------------------------------------------------


class RedisFrontier:
    """The survey's list in Redis that scrapy-redis pops start requests from."""

    def __init__(self, url: str, survey_id: int, prefix: str = DEFAULT_REDIS_PREFIX) -> None:
        import redis

        self.url = url
        self.key = f"{prefix}:survey:{survey_id}:sites"
        self.client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)

    def push(self, site_ids: Iterable[int]) -> int:
        entries = [json.dumps({"site": site_id}) for site_id in site_ids]
        for start in range(0, len(entries), 1000):
            self.client.rpush(self.key, *entries[start : start + 1000])
        return len(entries)

    def size(self) -> int:
        return int(self.client.llen(self.key))  # type: ignore[arg-type]

    def check(self) -> None:
        """Raise ConfigError when Redis cannot be reached."""
        import redis

        try:
            self.client.ping()
        except redis.RedisError as exc:
            raise ConfigError(
                f"cannot reach Redis at {self.url}: {exc}",
                "start redis-server, or check the --redis URL (redis://host:6379/0)",
            ) from None


def parse_entries(entries: Sequence[bytes]) -> list[int]:
    ids: list[int] = []
    for entry in entries:
        try:
            ids.append(int(json.loads(entry)["site"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a frontier entry that is not a survey site: %r", entry[:100])
    return ids


# -- the feed -----------------------------------------------------------------------------------


@dataclass
class _Active:
    """A claimed site while it is crawled and its visits are stored."""

    site: ClaimedSite
    visits: list[tuple[int, FailureReason | None, int | None, str | None]] = field(
        default_factory=list
    )  # (depth, failure, status, error)
    expected: int | None = None  # visits the crawl delivered, once it is done with the site


class SurveyFeed:
    """Claims a survey's sites for this process, and records each one's outcome.

    A :class:`crawler.frontier.SiteFeed` (by its methods: importing that module loads Scrapy).
    """

    redis_url: str | None = None
    redis_key: str | None = None

    def __init__(
        self,
        store: Store,
        survey_id: int,
        owner: str,
        *,
        batch_size: int,
        lease_seconds: float = DEFAULT_LEASE,
        frontier: RedisFrontier | None = None,
    ) -> None:
        self.store = store
        self.surveys = store.surveys
        self.survey_id = survey_id
        self.owner = owner
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = max(lease_seconds / 3, 0.5)
        self.frontier = frontier
        if frontier is not None:
            self.redis_url, self.redis_key = frontier.url, frontier.key
        self.scan_id: int | None = None
        self.finished_sites = 0
        self._active: dict[str, _Active] = {}
        self._lock = threading.Lock()

    def scan_started(self, scan_id: int) -> None:
        self.scan_id = scan_id

    # -- SiteFeed ----------------------------------------------------------------------------

    def claim(self, entries: Sequence[bytes] | None, limit: int) -> list[FeedSite]:
        from crawler.frontier import FeedSite

        if entries is None:
            ids = self.surveys.open_site_ids(self.survey_id, limit=limit)
        else:
            ids = parse_entries(entries)
        claimed = self.surveys.claim(ids, self.owner, self.lease_seconds)
        with self._lock:
            for site in claimed:
                self._active[site.domain] = _Active(site)
        return [FeedSite(key=site.id, url=site.url) for site in claimed]

    def crawled(self, sites: Sequence[FeedSite], delivered: Counter[str]) -> None:
        with self._lock:
            for site in sites:
                active = self._active.get(site.site)
                if active is not None:
                    active.expected = delivered[site.site]
                    self._finish_if_stored(active)

    def stopped(self, sites: Sequence[FeedSite]) -> None:
        self.release_unfinished()

    def heartbeat(self, sites: Sequence[FeedSite]) -> None:
        with self._lock:
            ids = [a.site.id for a in self._active.values()]
        self.surveys.renew(ids, self.owner, self.lease_seconds)

    def idle(self) -> None:
        requeued = self.surveys.expire_leases(self.survey_id)
        if requeued:
            log.warning(
                "%d sites whose worker stopped renewing its lease are queued again", len(requeued)
            )
        if self.frontier is None:
            return
        if requeued:
            self.frontier.push(requeued)
        if self.frontier.size() == 0:
            # Popped by a worker that died before claiming them, or released after Ctrl-C:
            # queued in the database but on no frontier.
            lost = self.surveys.open_site_ids(self.survey_id)
            if lost:
                self.frontier.push(lost)

    def finished(self) -> bool:
        with self._lock:
            if self._active:
                return False
        return self.surveys.open_count(self.survey_id) == 0

    def storing(self) -> bool:
        with self._lock:
            return any(active.expected is not None for active in self._active.values())

    # -- visits ------------------------------------------------------------------------------

    def stored(self, visit: PageVisit) -> None:
        """``run_scan`` stored and analysed ``visit``."""
        with self._lock:
            active = self._active.get(registrable_domain(visit.url))
            if active is None:
                return
            active.visits.append((visit.depth, visit.failure, visit.status, visit.error))
            self._finish_if_stored(active)

    def progress(
        self, show: Callable[[PageVisit, PageAnalysis], None] | None
    ) -> Callable[[PageVisit, PageAnalysis], None]:
        def on_page(visit: PageVisit, analysis: PageAnalysis) -> None:
            self.stored(visit)
            if show is not None:
                show(visit, analysis)

        return on_page

    def release_unfinished(self) -> int:
        """Give back every site not finished yet (the crawl stopped): queued again."""
        with self._lock:
            ids = [a.site.id for a in self._active.values()]
            self._active.clear()
        released = self.surveys.release(ids, self.owner)
        if released and self.frontier is not None:
            self.frontier.push(ids)
        return released

    def _finish_if_stored(self, active: _Active) -> None:
        if active.expected is None or len(active.visits) < active.expected:
            return
        outcome = site_outcome(active.visits)
        if not self.surveys.finish(active.site.id, self.owner, outcome, self.scan_id):
            log.warning(
                "lost the lease on %s before it finished; another worker has it", active.site.domain
            )
        self.finished_sites += 1
        del self._active[active.site.domain]


def failure_kind(failure: FailureReason | None, status: int | None) -> str | None:
    if failure is None:
        return None
    if failure is FailureReason.HTTP_STATUS:
        return "http_5xx" if (status or 0) >= 500 else "http_4xx"
    return failure.value


def site_outcome(
    visits: Sequence[tuple[int, FailureReason | None, int | None, str | None]],
) -> SiteOutcome:
    """Done when a landing page rendered without error; else failed the way the landing page
    failed (an HTTP 4xx/5xx landing page counts as a failed site, though it was rendered)."""
    kinds = [failure_kind(failure, status) for _, failure, status, _ in visits]
    failed_pages = sum(1 for kind in kinds if kind is not None)
    if not visits:
        return SiteOutcome("failed", 0, 0, "no_visit", "the crawl produced no visit")
    landing = [i for i, (depth, *_) in enumerate(visits) if depth == 0] or [0]
    if any(kinds[i] is None for i in landing):
        return SiteOutcome("done", len(visits), failed_pages)
    first = landing[0]
    return SiteOutcome("failed", len(visits), failed_pages, kinds[first], visits[first][3])


# -- status -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyStatus:
    info: SurveyInfo
    elapsed_seconds: float
    pages_per_minute: float | None
    eta_seconds: float | None

    def as_json(self) -> dict[str, Any]:
        info = self.info
        return {
            "survey": info.id,
            "list": info.list_name,
            "sites": info.total,
            "states": info.states,
            "finished": info.finished,
            "pages": info.pages,
            "failed_pages": info.failed_pages,
            "pages_per_minute": _round(self.pages_per_minute),
            "elapsed_seconds": round(self.elapsed_seconds, 1),
            "eta_seconds": _round(self.eta_seconds),
            "failures": info.failures,
            "max_attempts": info.max_attempts,
            "from_static_scan": info.from_scan_id,
            "scans": list(info.scan_ids),
        }


def survey_status(info: SurveyInfo, now: float | None = None) -> SurveyStatus:
    now = time.time() if now is None else now
    if info.first_started is None:
        return SurveyStatus(info, 0.0, None, None)
    end = info.last_finished if info.finished and info.last_finished else now
    elapsed = max(end - info.first_started, 1e-6)
    finished = info.states["done"] + info.states["failed"]
    per_minute = info.pages / elapsed * 60 if info.pages else None
    remaining = info.states["queued"] + info.states["running"]
    eta = None
    if remaining == 0:
        eta = 0.0
    elif finished:
        eta = remaining * elapsed / finished
    return SurveyStatus(info, elapsed, per_minute, eta)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def status_table(status: SurveyStatus) -> str:
    info = status.info
    s = info.states
    lines = [
        f"survey {info.id}: {info.list_name} ({info.total} sites)",
        f"  done {s['done']}  failed {s['failed']}  queued {s['queued']}  running {s['running']}",
        (
            f"  pages {info.pages} ({info.failed_pages} failed)"
            f"  pages/min {_fmt(status.pages_per_minute)}  ETA {_duration(status.eta_seconds)}"
        ),
    ]
    if info.failures:
        lines.append("  failed sites by kind:")
        width = max(len(FAILURE_KINDS.get(k, k)) for k in info.failures)
        for kind, count in info.failures.items():
            lines.append(f"    {FAILURE_KINDS.get(kind, kind):<{width}}  {count}")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
