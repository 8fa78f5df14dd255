"""What outlives the page (rule family ``MS6xx``): mining that goes on after the visitor left.

A covert miner does not stop when its tab does: a pop-under window keeps hashing, a service or
shared worker keeps its pool socket, a page re-opens itself. The crawler watches the browser
context for a while after navigating away and records only what happened *after* leaving
(:class:`model.observations.AfterlifeObservation`). Ordinary pages leave nothing running: a
service worker may linger idle, but it does not burn cores or keep trading frames with a server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from analyzers.base import Finding, Severity, rule
from analyzers.exchange import Exchange, http_exchanges, socket_exchange
from analyzers.protocol import read_socket
from model.observations import AfterlifeObservation, PageVisit

if TYPE_CHECKING:
    from analyzers.engine import AnalysisContext

AFTERLIFE_CORES = 0.25  # still burning a quarter of a core after the page was left
MIN_FRAMES = 2  # frames exchanged after leaving: a socket still talking, not one close frame
MIN_REQUESTS = 3  # requests after leaving: polling, not one beacon on unload
MAX_LISTED = 5


def _mining_on_the_wire(afterlife: AfterlifeObservation) -> list[str]:
    """URLs of sockets or origins that spoke a mining protocol or kept a work/result exchange."""
    urls: list[str] = []
    for session in afterlife.websockets:
        if read_socket(session) is not None or _trading(socket_exchange(session)):
            urls.append(session.url)
    urls += [e.url for e in http_exchanges(afterlife.requests) if _trading(e)]
    return urls


def _trading(exchange: Exchange) -> bool:
    """After leaving, a work item and a result (or two results) already say the miner goes on."""
    return exchange.results >= 1 and exchange.works + exchange.results >= 2


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _summary(afterlife: AfterlifeObservation, frames: int, cores: float) -> str:
    parts = []
    if afterlife.windows:
        parts.append(_plural(len(afterlife.windows), "window") + " still open")
    kinds = Counter(w.type for w in afterlife.workers)
    for kind, count in sorted(kinds.items()):
        label = "worker" if kind == "dedicated" else f"{kind} worker"
        parts.append(_plural(count, label) + " alive")
    if afterlife.websockets:
        parts.append(
            f"{_plural(len(afterlife.websockets), 'socket')} ({frames} frames after leaving)"
        )
    if afterlife.requests:
        parts.append(_plural(len(afterlife.requests), "request"))
    if cores >= AFTERLIFE_CORES:
        parts.append(f"{cores:.1f} cores for {afterlife.seconds:.0f} s")
    return ", ".join(parts)


@rule(id="MS601", severity=Severity.HIGH, observes=("afterlife",))
def kept_running_after_leaving(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """Windows, workers or sockets of the page kept mining (or running) after it was left.

    Reads what the crawler saw after navigating away: windows the page opened that stayed open,
    service/shared workers still alive, sockets still exchanging frames, requests still made, and
    the CPU all of it burned. HIGH when a socket or polled endpoint kept speaking a mining
    protocol or trading work for results after leaving (with CPU still burning, or a named
    dialect); MEDIUM when it kept burning at least a quarter of a core; LOW when something only
    kept talking (two frames, three requests). With a mining exchange or a known miner on the
    page, MEDIUM and up make the page a miner.
    """
    afterlife = visit.afterlife
    if afterlife is None or afterlife.seconds <= 0:
        return
    frames = sum(len(s.frames) or s.frames_sent + s.frames_received for s in afterlife.websockets)
    cores = afterlife.cores
    talking = frames >= MIN_FRAMES or len(afterlife.requests) >= MIN_REQUESTS
    burning = cores >= AFTERLIFE_CORES
    if not (talking or burning):
        return
    mining_urls = _mining_on_the_wire(afterlife)
    named = any(read_socket(s) is not None for s in afterlife.websockets)
    if mining_urls and (burning or named):
        severity, confidence, verb = Severity.HIGH, 0.9, "Kept mining"
    elif burning:
        severity, confidence, verb = Severity.MEDIUM, 0.5, "Kept mining"
    else:
        severity, confidence, verb = Severity.LOW, 0.25, "Kept running"
    evidence: dict[str, Any] = {
        "seconds": round(afterlife.seconds, 2),
        "windows": list(afterlife.windows[:MAX_LISTED]),
        "workers": [
            {"url": w.url, "type": w.type, "parent": w.parent}
            for w in afterlife.workers[:MAX_LISTED]
        ],
        "websockets": [
            {
                "url": s.url,
                "context": s.context,
                "frames_after_leaving": len(s.frames) or s.frames_sent + s.frames_received,
            }
            for s in afterlife.websockets[:MAX_LISTED]
        ],
        "frames_after_leaving": frames,
        "requests_after_leaving": len(afterlife.requests),
        "cpu_seconds": round(afterlife.cpu_seconds, 3),
        "cores": round(cores, 3),
        "mining_on_the_wire": mining_urls[:MAX_LISTED],
    }
    title = f"{verb} after the page was left: {_summary(afterlife, frames, cores)}"
    yield Finding("MS601", severity, title, evidence, confidence=confidence)
