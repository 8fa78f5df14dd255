"""From findings to a verdict: how minerscan decides that a page is a miner.

Findings fall into four kinds of signal, by rule family and severity:

- **protocol** — an ``MS3xx`` finding at CRITICAL: a WebSocket speaking a mining pool's protocol
  (a login with a wallet or site key, jobs, shares). This is mining in progress.
- **known miner** — an ``MS1xx`` (blocklist), ``MS2xx`` (script signature) or ``MS4xx``
  (WebAssembly fingerprint) finding at HIGH or above: a socket or script on a mining blocklist,
  or miner code recognised in a script or wasm module. Findings of other rule families count
  here too when they are HIGH or above.
- **hint** — the same families below HIGH: a heuristic blocklist filter, a weak signature, a
  wasm module with some crypto-like code.
- **CPU** — ``MS5xx`` behaviour. *Mining-like* CPU is sustained worker CPU (MS501) or a
  throttled duty cycle (MS503); *strong* CPU is MS501 together with another CPU finding
  (fan-out MS502, throttling MS503, or CPU persisting after load MS504).

A page is

==============  ====================================================================  ==========
verdict         when                                                                  confidence
==============  ====================================================================  ==========
``miner``       a protocol signal                                                     0.95–1.00
``miner``       a known-miner signal plus mining-like CPU                             0.80–0.97
``suspicious``  a known-miner signal without mining-like CPU                          0.50–0.79
``suspicious``  strong CPU plus a hint                                                0.40–0.70
``clean``       anything else: CPU alone, or hints alone, never make a miner          0.50–0.95
``failed``      not rendered (``failure`` set, other than ``http_status``) and the    0.0
                findings did not make it ``miner`` or ``suspicious``
==============  ====================================================================  ==========

Within each band the confidence is the findings' combined confidence,
``1 - Π(1 - confidence)``, clamped to the band; for ``clean`` it is 0.95 lowered by the combined
confidence of whatever hints or CPU findings were seen (``0.95 - 0.45 × combined``). A visit
that failed but still showed a mining protocol (a timeout while mining) is reported by its
evidence, not as failed.

So a benign page that hashes once (one CPU spike: no MS501), compiles WebAssembly (a hint at
most), opens a chat WebSocket (no protocol structure) or spins WebGL in the main thread (MS504
at most) stays ``clean``.

A site's verdict is its worst page's (miner > suspicious > clean > failed; ``failed`` only when
every page failed), with those pages listed as the reasons.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analyzers.base import Finding, PageAnalysis, Severity, Verdict
from minerscan.observations import FailureReason, PageVisit

_MINING_CPU = ("MS501", "MS503")
_SUPPORTING_CPU = ("MS502", "MS503", "MS504")
_RANK = {Verdict.FAILED: 0, Verdict.CLEAN: 1, Verdict.SUSPICIOUS: 2, Verdict.MINER: 3}
MAX_REASONS = 8
MAX_SITE_PAGES = 10


@dataclass(frozen=True)
class Signals:
    """A page's findings sorted into the kinds of signal the verdict weighs."""

    protocol: tuple[Finding, ...]
    known_miner: tuple[Finding, ...]
    hints: tuple[Finding, ...]
    cpu: tuple[Finding, ...]

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Signals:
        protocol, known, hints, cpu = [], [], [], []
        for finding in sorted(findings, key=lambda f: (-f.severity, -f.confidence, f.rule_id)):
            family = finding.rule_id[:3]
            if family == "MS3" and finding.severity >= Severity.CRITICAL:
                protocol.append(finding)
            elif family == "MS5":
                cpu.append(finding)
            elif finding.severity >= Severity.HIGH:
                known.append(finding)  # MS1/MS2/MS4, or another family's strong finding
            else:
                hints.append(finding)
        return cls(tuple(protocol), tuple(known), tuple(hints), tuple(cpu))

    @property
    def mining_cpu(self) -> bool:
        return any(f.rule_id in _MINING_CPU for f in self.cpu)

    @property
    def strong_cpu(self) -> bool:
        ids = {f.rule_id for f in self.cpu}
        return "MS501" in ids and bool(ids & set(_SUPPORTING_CPU))


def combined(findings: Iterable[Finding]) -> float:
    """Independent evidence adds up: ``1 - Π(1 - confidence)``."""
    return 1.0 - math.prod(1.0 - min(max(f.confidence, 0.0), 1.0) for f in findings)


def _band(findings: Iterable[Finding], low: float, high: float) -> float:
    return round(min(max(combined(findings), low), high), 3)


def _titles(findings: Iterable[Finding]) -> list[str]:
    return list(dict.fromkeys(f.title for f in findings))[:MAX_REASONS]


def page_verdict(
    visit: PageVisit, findings: Sequence[Finding]
) -> tuple[Verdict, float, tuple[str, ...]]:
    """The verdict, confidence and reasons for one page visit (see the module docstring)."""
    s = Signals.of(findings)
    if s.protocol:
        support = s.known_miner + s.cpu
        return (
            Verdict.MINER,
            _band(s.protocol + support, 0.95, 1.0),
            tuple(_titles(s.protocol + support)),
        )
    if s.known_miner and s.mining_cpu:
        chain = s.known_miner + s.cpu
        return Verdict.MINER, _band(chain, 0.80, 0.97), tuple(_titles(chain))
    if s.known_miner:
        reasons = [
            *_titles(s.known_miner + s.hints + s.cpu),
            "no pool traffic or mining-like CPU was seen",
        ]
        return Verdict.SUSPICIOUS, _band(s.known_miner + s.hints, 0.50, 0.79), tuple(reasons)
    if s.strong_cpu and s.hints:
        chain = s.cpu + s.hints
        reasons = [
            *_titles(chain),
            "mining-like CPU and miner hints, but no pool traffic or known miner",
        ]
        return Verdict.SUSPICIOUS, _band(chain, 0.40, 0.70), tuple(reasons)
    if visit.failure is not None and visit.failure is not FailureReason.HTTP_STATUS:
        detail = f": {visit.error}" if visit.error else ""
        return Verdict.FAILED, 0.0, (f"page was not rendered ({visit.failure.value}{detail})",)
    seen = s.hints + s.cpu
    confidence = round(max(0.95 - 0.45 * combined(seen), 0.5), 3)
    if not seen:
        return Verdict.CLEAN, confidence, ()
    why = (
        "CPU use alone does not make a page a miner"
        if s.cpu and not s.hints
        else "hints only, no miner"
    )
    return Verdict.CLEAN, confidence, (*_titles(seen), why)


def site_verdict(
    analyses: Sequence[PageAnalysis], *, urls: Sequence[str] = ()
) -> tuple[Verdict, float, tuple[str, ...]]:
    """The worst page verdict of a site, with its pages as the reasons.

    ``urls`` names the pages (same order as ``analyses``); without it pages are numbered.
    """
    if not analyses:
        return Verdict.FAILED, 0.0, ("no page of the site was visited",)
    names = list(urls) + [f"page {i + 1}" for i in range(len(urls), len(analyses))]
    worst = max((a.verdict for a in analyses), key=_RANK.__getitem__)
    pages = [(name, a) for name, a in zip(names, analyses) if a.verdict is worst]
    failed = sum(1 for a in analyses if a.verdict is Verdict.FAILED)
    if worst is Verdict.CLEAN:
        confidence = sum(a.confidence for _, a in pages) / len(analyses)
    else:
        confidence = max(a.confidence for _, a in pages)
    reasons = [_page_reason(name, a) for name, a in pages[:MAX_SITE_PAGES]]
    if len(pages) > MAX_SITE_PAGES:
        reasons.append(f"and {len(pages) - MAX_SITE_PAGES} more {worst} pages")
    if failed and worst is not Verdict.FAILED:
        reasons.append(f"{failed} of {len(analyses)} pages failed to render")
    return worst, round(confidence, 3), tuple(reasons)


def _page_reason(name: str, analysis: PageAnalysis) -> str:
    first = f": {analysis.reasons[0]}" if analysis.reasons else ""
    return f"{name} is {analysis.verdict} ({analysis.confidence:.2f}){first}"
