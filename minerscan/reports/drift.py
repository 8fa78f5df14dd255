"""What changed between two runs: findings that are new or resolved, and script-inventory drift.

A site owner cares about drift even without a miner signature: a new third-party script host,
a first-party file whose hash changed overnight, a WebSocket to somewhere new. Both sides are
JSON report documents (:func:`minerscan.reports.json_report.document`, or a saved
``--format json`` file), so a stored scan and last night's report compare the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from minerscan.reports.fingerprint import page_key


@dataclass(frozen=True)
class FindingChange:
    fingerprint: str
    rule_id: str
    severity: str
    title: str
    page: str


@dataclass(frozen=True)
class ScriptChange:
    page: str
    script: str  # URL, or "inline script" for code without one
    old: tuple[str, ...]  # sha256 before ((): new script)
    new: tuple[str, ...]


@dataclass(frozen=True)
class Drift:
    new_findings: tuple[FindingChange, ...] = ()
    resolved_findings: tuple[FindingChange, ...] = ()
    new_third_party_hosts: tuple[str, ...] = ()
    new_scripts: tuple[ScriptChange, ...] = ()
    changed_scripts: tuple[ScriptChange, ...] = ()
    new_websocket_destinations: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def inventory_drifted(self) -> bool:
        return bool(
            self.new_third_party_hosts
            or self.new_scripts
            or self.changed_scripts
            or self.new_websocket_destinations
        )


def _findings(doc: dict[str, Any]) -> dict[str, FindingChange]:
    out = {}
    for page in doc.get("pages") or ():
        url = page.get("final_url") or page.get("url") or ""
        for f in page.get("findings") or ():
            fp = f.get("fingerprint")
            if fp:
                out[fp] = FindingChange(
                    fp, f.get("rule_id", ""), f.get("severity", ""), f.get("title", ""), url
                )
    return out


def _scripts(doc: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for page in doc.get("pages") or ():
        url = page_key(page.get("final_url") or page.get("url") or "")
        for s in page.get("scripts") or ():
            key = (url, s.get("url") or f"{s.get('kind', 'inline')} script")
            out.setdefault(key, set()).add(s.get("sha256", ""))
    return out


def _third_party_hosts(doc: dict[str, Any]) -> set[str]:
    hosts = set()
    for page in doc.get("pages") or ():
        for s in page.get("scripts") or ():
            if s.get("third_party") and s.get("url"):
                hosts.add((urlsplit(s["url"]).hostname or "").lower())
    return hosts - {""}


def _socket_destinations(doc: dict[str, Any]) -> set[str]:
    out = set()
    for page in doc.get("pages") or ():
        for url in page.get("websockets") or ():
            parts = urlsplit(url)
            out.add(urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, "", "")))
    return out


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> Drift:
    before, after = _findings(old), _findings(new)
    s_old, s_new = _scripts(old), _scripts(new)
    new_scripts, changed = [], []
    for key in sorted(s_new):
        if key not in s_old:
            # inline code is keyed by hash: only a page's first inline script is "new", the
            # rest are the same key with more hashes, reported as changed below
            new_scripts.append(ScriptChange(key[0], key[1], (), tuple(sorted(s_new[key]))))
        elif s_new[key] - s_old[key]:
            changed.append(
                ScriptChange(key[0], key[1], tuple(sorted(s_old[key])), tuple(sorted(s_new[key])))
            )
    notes = []
    if old.get("pages") and not any("scripts" in p for p in old["pages"]):
        notes.append(
            "the older report lists no scripts (made before format_version 2): "
            "script drift is not compared"
        )
        s_new, new_scripts, changed = s_old, [], []
    return Drift(
        new_findings=tuple(after[k] for k in after if k not in before),
        resolved_findings=tuple(before[k] for k in before if k not in after),
        new_third_party_hosts=()
        if notes
        else tuple(sorted(_third_party_hosts(new) - _third_party_hosts(old))),
        new_scripts=tuple(new_scripts),
        changed_scripts=tuple(changed),
        new_websocket_destinations=tuple(
            sorted(_socket_destinations(new) - _socket_destinations(old))
        ),
        notes=tuple(notes),
    )
