"""What a site owner should do about a flagged page, and the evidence behind it, in plain words.

Shared by the HTML and Markdown reports so both say the same thing. Everything here is text the
renderers still escape: URLs, hosts and excerpts come from the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from minerscan.reports.inventory import flagged_scripts, injection_of, is_third_party
from model.analysis import Finding
from model.results import PageResult

MAX_EXCERPTS = 3
_CONNECT_TYPES = {"xhr", "fetch", "websocket", "eventsource", "beacon", "ping"}


def origin(url: str) -> str:
    """``scheme://host[:port]`` as a CSP host source; "" for URLs without a host."""
    parts = urlsplit(url)
    if not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2].lower()}"


@dataclass(frozen=True)
class EvidenceItem:
    label: str
    value: str


def evidence_items(page: PageResult, finding: Finding) -> list[EvidenceItem]:
    """The evidence of one finding as labelled lines: script, where injected, excerpt, pool, …"""
    ev = finding.evidence
    items: list[EvidenceItem] = []
    scripts = flagged_scripts(page.visit, ev)
    for script in scripts[:3]:
        what = script.url or f"{script.kind.value} script in {script.context}"
        items.append(EvidenceItem("script", f"{what} (sha256 {script.sha256[:16]}…)"))
        where = injection_of(
            page.visit, script.url, script.kind.value, script.context, script.initiator_script
        )
        items.append(EvidenceItem("injected", where.text))
    if not scripts and ev.get("source") == "script" and ev.get("kind"):
        where = injection_of(
            page.visit, str(ev.get("url") or ""), str(ev["kind"]), str(ev.get("context") or "page")
        )
        items.append(EvidenceItem("injected", where.text))
    for match in (ev.get("matches") or [])[:MAX_EXCERPTS]:
        if isinstance(match, dict):
            for s in (match.get("strings") or [])[:1]:
                items.append(EvidenceItem("excerpt", str(s.get("excerpt", ""))))
            if match.get("filter"):
                items.append(EvidenceItem("list", f"{match.get('list', '')} {match['filter']}"))
    if ev.get("pool"):
        items.append(EvidenceItem("pool", str(ev["pool"])))
    if ev.get("dialect"):
        events = ev.get("events") or {}
        listed = ", ".join(f"{k} ×{v}" for k, v in sorted(events.items()))
        items.append(EvidenceItem("protocol", f"{ev['dialect']}: {listed}"))
    for wallet in ev.get("wallets") or ():
        if isinstance(wallet, dict):
            items.append(
                EvidenceItem("wallet", f"{wallet.get('kind', '')} {wallet.get('address', '')}")
            )
    for key in ev.get("site_keys") or ():
        items.append(EvidenceItem("site key", str(key)))
    if "worker_cores" in ev:
        items.append(
            EvidenceItem(
                "CPU",
                f"{ev.get('worker_cores', 0):.2f} cores in workers, {ev.get('cores', 0):.2f} in "
                f"all, over {ev.get('dwell_seconds', 0):.1f} s",
            )
        )
    if finding.rule_id.startswith("MS4") and ev.get("sha256"):
        items.append(
            EvidenceItem(
                "wasm",
                f"sha256 {ev['sha256']}, {ev.get('size', '?')} bytes, in {ev.get('context', '')}",
            )
        )
    return items


@dataclass(frozen=True)
class Advice:
    actions: tuple[str, ...]
    csp: str  # a Content-Security-Policy header value that would have blocked what was found
    csp_note: str  # what the CSP cannot do here


def _bad_origins(
    page: PageResult, findings: list[Finding]
) -> tuple[set[str], set[str], dict[str, tuple[str, str]]]:
    """(script origins, connect origins, flagged script URL -> (kind, context))."""
    scripts: set[str] = set()
    connects: set[str] = set()
    urls: dict[str, tuple[str, str]] = {}
    for f in findings:
        ev = f.evidence
        for s in flagged_scripts(page.visit, ev):
            if s.url:
                urls.setdefault(s.url, (s.kind.value, s.context))
                scripts.add(origin(s.url))
        for key in ("pool", "url"):
            value = str(ev.get(key) or "")
            if value.startswith(("ws://", "wss://")):
                connects.add(origin(value))
            elif value and f.rule_id == "MS102":
                scripts.add(origin(value))
                urls.setdefault(value, ("external", str(ev.get("context") or "page")))
            elif value and f.rule_id in ("MS101", "MS103"):
                connects.add(origin(value))
    return scripts - {""}, connects - {""}, urls


def advice_for(page: PageResult, findings: list[Finding]) -> Advice:
    visit = page.visit
    page_url = visit.final_url or visit.url
    own = origin(page_url)
    bad_scripts, bad_connects, urls = _bad_origins(page, findings)
    actions: list[str] = []
    for url, (kind, context) in urls.items():
        where = injection_of(visit, url, kind, context)
        actions.append(f"Remove the script {url}: {where.text}.")
    inline = [s for f in findings for s in flagged_scripts(visit, f.evidence) if not s.url]
    if inline:
        first = inline[0]
        where = injection_of(visit, "", first.kind.value, first.context, first.initiator_script)
        actions.append(f"Remove the inline snippet: {where.text}.")
    for host in sorted(bad_connects):
        actions.append(f"Block {host}: the page sent mining work there.")
    keep_scripts = (
        {origin(s.url) for s in visit.scripts if s.url and is_third_party(s.url, visit)}
        - bad_scripts
        - {""}
    )
    keep_connects = (
        {
            origin(r.url)
            for r in visit.requests
            if r.resource_type in _CONNECT_TYPES and r.third_party
        }
        - bad_connects
        - {""}
    )
    csp = (
        "script-src "
        + " ".join(["'self'", *sorted(keep_scripts)])
        + "; connect-src "
        + " ".join(["'self'", *sorted(keep_connects)])
        + "; worker-src 'self'"
    )
    self_hosted = own in bad_scripts or own in bad_connects
    csp_note = (
        f"The miner is served from {own} itself, which 'self' allows: only removing it helps."
        if self_hosted
        else "The policy allows this page's other third-party scripts and connections; it "
        "blocks the flagged hosts and workers started from blob: URLs."
    )
    actions.append(f"Send the header Content-Security-Policy: {csp}")
    actions.append(
        "Rotate the passwords and keys of every account that can change this site's files "
        "(CMS administrators, hosting panel, FTP/SSH, deploy tokens) and look for other "
        "changed files: whoever added the miner could write to the site."
    )
    return Advice(tuple(actions), csp, csp_note)
