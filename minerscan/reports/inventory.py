"""What a page ran, for reports: its scripts (first or third party), wasm modules, and where
each flagged script was put into the page — the served HTML, or a script at run time.

A site owner fixes an injection where it lives: a ``<script src>`` in a template the server
sent, an inline snippet in that HTML, or a tag some other script added after load (then the
served HTML is clean and the loader is what to look for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from model.domains import registrable_domain
from model.observations import PageVisit, ScriptObservation


def page_site(visit: PageVisit) -> str:
    return registrable_domain(visit.final_url or visit.url)


def is_third_party(url: str, visit: PageVisit) -> bool:
    """Another registrable domain than the page's; inline, eval'd, blob: and data: code is the page's."""
    if urlsplit(url).scheme not in ("http", "https", "ws", "wss"):
        return False
    return registrable_domain(url) != page_site(visit)


def script_records(visit: PageVisit) -> list[dict[str, Any]]:
    return [
        {
            "url": s.url,
            "kind": s.kind.value,
            "context": s.context,
            "sha256": s.sha256,
            "size": s.size,
            "third_party": is_third_party(s.url, visit),
            "added_by": s.initiator_script or (inserted_by(visit, s.url) if s.url else None),
        }
        for s in visit.scripts
    ]


def wasm_records(visit: PageVisit) -> list[dict[str, Any]]:
    return [
        {"sha256": m.sha256, "size": m.size, "context": m.context, "truncated": m.truncated}
        for m in visit.wasm_modules
    ]


@dataclass(frozen=True)
class Injection:
    """Where a script entered the page."""

    where: str  # "served_html", "runtime", "worker", "unknown"
    text: str  # one sentence for a person


def inserted_by(visit: PageVisit, script_url: str) -> str | None:
    """The script that inserted the tag of ``script_url`` at run time, as the browser saw it."""
    for request in visit.requests:
        if request.url == script_url and request.initiator_script:
            return request.initiator_script
    return None


def injection_of(
    visit: PageVisit,
    script_url: str,
    kind: str = "",
    context: str = "page",
    initiator: str | None = None,
) -> Injection:
    """Read the DOM inventories (served HTML versus the DOM after the scripts ran) and who the
    browser saw add the script: ``initiator`` for inline and eval'd code, the request's
    initiator for a fetched file."""
    page = visit.final_url or visit.url
    if script_url and initiator is None:
        initiator = inserted_by(visit, script_url)
    by = f" by {initiator}" if initiator else ""
    if initiator and initiator in (page, visit.url):  # the stack's URL for an inline block
        by = f" by an inline script of {page}"
    if context.startswith(("worker:", "shared_worker:", "service_worker:")) or kind == "worker":
        starter = context.partition(":")[2] or script_url
        return Injection("worker", f"runs in a worker ({starter}) started by the page's scripts")
    dom = visit.dom
    if dom is None:
        return Injection("unknown", "no DOM snapshot was kept for this page")
    if script_url:
        if script_url in dom.served.script_srcs:
            return Injection("served_html", f"a <script src> tag in the HTML served for {page}")
        if initiator:
            return Injection(
                "runtime",
                f"added at run time{by}: the served HTML of {page} has no tag for it",
            )
        if script_url in dom.injected_script_srcs:
            loaders = [s for s in dom.served.script_srcs if s != script_url]
            hint = f"; the served HTML loads {', '.join(loaders[:3])}" if loaders else ""
            return Injection(
                "runtime",
                f"added at run time: the served HTML of {page} has no tag for it, a script "
                f"inserted it after load{hint}",
            )
        return Injection("runtime", "loaded by another script (no <script> tag carried it)")
    if kind == "inline":
        if initiator:
            return Injection("runtime", f"an inline script added to the page at run time{by}")
        if dom.served.inline_scripts:
            return Injection("served_html", f"an inline <script> in the HTML served for {page}")
        if dom.served.inline_handlers:  # on*= attributes run as inline scripts
            return Injection(
                "served_html", f"an on*= handler attribute in the HTML served for {page}"
            )
        return Injection("runtime", "an inline script added to the page at run time")
    if kind == "eval":
        return Injection(
            "runtime",
            f"code added at run time (eval, new Function or an inserted inline script){by}",
        )
    return Injection("unknown", "where it came from was not recorded")


def flagged_scripts(visit: PageVisit, evidence: dict[str, Any]) -> list[ScriptObservation]:
    """The scripts a finding points at: by body hash, URL, initiator or worker script."""
    wanted_urls = {
        str(evidence.get(k)) for k in ("url", "initiator_script", "source_url") if evidence.get(k)
    }
    wanted_urls.update(str(s) for s in evidence.get("scripts") or () if s)
    sha = evidence.get("sha256")
    return [
        s for s in visit.scripts if (sha and s.sha256 == sha) or (s.url and s.url in wanted_urls)
    ]
