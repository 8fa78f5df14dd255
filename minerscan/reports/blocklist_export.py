"""Feed what a scan found back into blockers: an adblock filter list and a hosts list.

From the findings of miner and suspicious pages: pool endpoints (WebSocket hosts), hosts that
served flagged scripts, and the script paths themselves. A miner served from the compromised
site's own host is blocked by path (``||shop.example/static/m.js``), never the whole site. The
hosts list holds only hosts whose every flagged use was third-party or a pool, and never an IP
address. Anything that is not a plain host name is left out rather than written into a filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from minerscan.reports.inventory import flagged_scripts
from model.analysis import Verdict
from model.domains import registrable_domain
from model.results import ScanResult

_HOST = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_IP = re.compile(r"^\d+(\.\d+){3}$")


@dataclass(frozen=True)
class MinerInfrastructure:
    pool_hosts: tuple[str, ...]  # WebSocket endpoints: host, or host:port for a non-default port
    script_hosts: tuple[str, ...]  # third-party hosts that served a flagged script
    script_paths: tuple[str, ...]  # host[:port]/path of flagged scripts on compromised sites
    skipped: int  # values left out because they were not plain host names
    site_hosts: tuple[str, ...] = ()  # hosts of the flagged pages: never a whole-host block


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def _endpoint(url: str) -> str:
    """``host``, or ``scheme://host:port`` for a non-default port (a pool on a compromised
    site's own host is blocked by its port; adblock's ``||`` anchor does not take a port)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"ws": 80, "wss": 443, "http": 80, "https": 443}.get(parts.scheme)
    host = _host(url)
    return f"{parts.scheme}://{host}:{port}" if port and port != default else host


def _stem_host(stem: str) -> str:
    """The host of ``host[/path]`` or ``scheme://host:port[/path]``."""
    if "://" in stem:
        return stem.split("/")[2].rsplit(":", 1)[0]
    return stem.split("/", 1)[0]


def _anchor(stem: str) -> str:
    return f"|{stem}" if "://" in stem else f"||{stem}"


def infrastructure(results: Iterable[ScanResult]) -> MinerInfrastructure:
    pools: set[str] = set()
    hosts: set[str] = set()
    paths: set[str] = set()
    sites: set[str] = set()
    skipped = 0
    for result in results:
        for page in result.pages:
            if page.verdict not in (Verdict.MINER, Verdict.SUSPICIOUS) or page.analysis is None:
                continue
            site = registrable_domain(page.visit.final_url or page.visit.url)
            sites.add(_host(page.visit.final_url or page.visit.url))
            for f in page.analysis.findings:
                ev = f.evidence
                for key in ("pool", "url"):
                    value = str(ev.get(key) or "")
                    if value.startswith(("ws://", "wss://")):
                        pools.add(_endpoint(value))
                urls = {s.url for s in flagged_scripts(page.visit, ev) if s.url}
                if f.rule_id == "MS102" and ev.get("url"):
                    urls.add(str(ev["url"]))
                for url in urls:
                    parts = urlsplit(url)
                    if parts.scheme not in ("http", "https"):
                        continue
                    host = _host(url)
                    if registrable_domain(url) == site:
                        path = quote(parts.path or "/", safe="/-._~%")
                        paths.add(f"{_endpoint(url)}{path}")
                    else:
                        hosts.add(host)
    clean = {h for h in pools | hosts if _HOST.match(_stem_host(h))}
    skipped += len((pools | hosts) - clean)
    ok_paths = {p for p in paths if _HOST.match(_stem_host(p))}
    skipped += len(paths - ok_paths)
    return MinerInfrastructure(
        tuple(sorted(pools & clean)),
        tuple(sorted(hosts & clean)),
        tuple(sorted(ok_paths)),
        skipped,
        tuple(sorted(sites)),
    )


def _header(kind: str, scans: list[int], comment: str) -> list[str]:
    now = datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    listed = ", ".join(str(s) for s in scans)
    return [
        f"{comment} minerscan {kind}: miner infrastructure found in scan(s) {listed}",
        f"{comment} generated {now}; review before deploying",
    ]


def adblock(infra: MinerInfrastructure, scans: list[int]) -> str:
    lines = ["[Adblock Plus 2.0]", *_header("filter list", scans, "!")]
    lines += [f"|{h}/$websocket" if "://" in h else f"||{h}^$websocket" for h in infra.pool_hosts]
    lines += [f"||{h}^$script,third-party" for h in infra.script_hosts if h not in infra.pool_hosts]
    lines += [f"{_anchor(p)}$script" for p in infra.script_paths]
    if infra.skipped:
        lines.append(f"! {infra.skipped} value(s) left out: not plain host names")
    return "\n".join(lines) + "\n"


def hosts_list(infra: MinerInfrastructure, scans: list[int]) -> str:
    lines = _header("hosts list", scans, "#")
    candidates = {_stem_host(h) for h in (*infra.pool_hosts, *infra.script_hosts)}
    names = sorted(h for h in candidates if not _IP.match(h) and h not in infra.site_hosts)
    lines += [f"0.0.0.0 {h}" for h in names]
    return "\n".join(lines) + "\n"
