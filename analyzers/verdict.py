"""From findings to a verdict: how minerscan decides that a page is a miner.

Findings fall into six kinds of signal, by rule family and severity:

- **protocol** — an ``MS3xx`` finding at CRITICAL (MS301): a WebSocket speaking a named mining
  pool protocol (a login with a wallet or site key, jobs, shares). This is mining in progress.
- **exchange** — MS310: a socket or polled endpoint that keeps receiving work items and sending
  results in a dialect no rule names. HIGH when the page's CPU was sustained to the end of the
  dwell (worker *or* main thread) at a throttled miner's pace at least (5 % of one core in most
  seconds: the exchange is the evidence, the CPU only shows the work goes on), MEDIUM without.
- **known miner** — an ``MS1xx`` (blocklist), ``MS2xx`` (script signature) or ``MS4xx``
  (WebAssembly fingerprint) finding at HIGH or above: a socket or script on a mining blocklist,
  or miner code recognised in a script or wasm module. Findings of other rule families count
  here too when they are HIGH or above.
- **hint** — the same families below HIGH. Among them *miner structure* (MS202 miner code
  without a family name, MS402 mining-grade wasm; MS401 is HIGH, a known miner) and *mining
  infrastructure* (MS103 a request to, MS203 an address of, a pool).
- **CPU** — ``MS5xx`` behaviour. *Mining-like* CPU is sustained worker CPU (MS501) or a
  throttled duty cycle (MS503); *strong* CPU is MS501 together with another CPU finding
  (fan-out MS502, throttling MS503, or CPU persisting after load MS504). CPU that stops before
  the end of the dwell (busy, then idle for at least 2 s and a quarter of it) is no MS501: work
  that ends (a password hashed, a captcha solved) is not mining.
- **afterlife** — ``MS6xx`` (MS601): windows, workers or sockets of the page still running after
  it was left; HIGH when they kept trading work for results (or spoke a pool protocol), MEDIUM
  when they kept burning CPU, LOW when they only kept talking.

A page is

==============  ====================================================================  ==========
verdict         when                                                                  confidence
==============  ====================================================================  ==========
``miner``       a protocol signal                                                     0.95–1.00
``miner``       a work/result exchange with sustained CPU (MS310 HIGH), or mining     0.85–0.97
                that went on after the page was left (MS601 HIGH)
``miner``       a known-miner signal plus mining-like CPU                             0.80–0.97
``miner``       miner structure (MS202, MS401, MS402) plus sustained worker CPU       0.75–0.95
``miner``       MS601 MEDIUM or HIGH plus an exchange or a known-miner signal         0.80–0.97
``suspicious``  a known-miner signal without mining-like CPU: present but not         0.50–0.79
                started (gated, delayed)
``suspicious``  a work/result exchange without sustained CPU (MS310 MEDIUM)           0.40–0.70
``suspicious``  CPU still burned after the page was left (MS601 MEDIUM), nothing else  0.40–0.70
``suspicious``  strong CPU plus a mining-infrastructure hint (MS103, MS203)            0.40–0.70
``clean``       anything else: CPU without a work/result exchange, CPU that stopped,  0.50–0.95
                or hints alone, never make a miner
``failed``      not rendered (``failure`` set, other than ``http_status``) and the    0.0
                findings did not make it ``miner`` or ``suspicious``
==============  ====================================================================  ==========

Within each band the confidence is the findings' combined confidence,
``1 - Π(1 - confidence)``, clamped to the band; for ``clean`` it is 0.95 lowered by the combined
confidence of whatever hints or CPU findings were seen (``0.95 - 0.45 × combined``). A visit
that failed but still showed a mining protocol (a timeout while mining) is reported by its
evidence, not as failed. The reasons say why a busy page stayed clean: "CPU stopped after 4 s:
work that ends is not mining", or "no work/result exchange: CPU use alone does not make a page
a miner"; a known miner that did not run says "known miner present but not started".

So a benign page that hashes once or for a few seconds (CPU that stops), compiles WebAssembly
(a hint at most), opens a chat WebSocket (no work/result exchange) or spins WebGL in the main
thread (CPU without an exchange) stays ``clean``.

A ``miner`` page counts as a HIGH finding for exit codes (:mod:`minerscan.exitcodes`), so the
default ``--fail-on high`` fails a CI job on it even when its evidence is MEDIUM findings only.

A site's verdict is its worst page's (miner > suspicious > clean > failed; ``failed`` only when
every page failed), with those pages listed as the reasons.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analyzers.base import Finding, Severity, Verdict
from analyzers.behaviour import BUSY_SECOND_CORES, sustained_cpu
from model.analysis import site_verdict
from model.observations import FailureReason, PageVisit

_MINING_CPU = ("MS501", "MS503")
_SUPPORTING_CPU = ("MS502", "MS503", "MS504")
_STRUCTURE = ("MS202", "MS401", "MS402")  # miner code without a family name
_INFRASTRUCTURE_HINTS = ("MS103", "MS203")  # a request to, or address of, mining infrastructure
_EXCHANGE = "MS310"
MAX_REASONS = 8
WORK_SECONDS = 2  # busy seconds before a stop is worth a reason ("CPU stopped after 4 s")
NOT_STARTED = "known miner present but not started: no pool traffic or mining-like CPU was seen"
NO_EXCHANGE = "no work/result exchange: CPU use alone does not make a page a miner"


@dataclass(frozen=True)
class Signals:
    """A page's findings sorted into the kinds of signal the verdict weighs."""

    protocol: tuple[Finding, ...]
    exchange: tuple[Finding, ...]
    known_miner: tuple[Finding, ...]
    hints: tuple[Finding, ...]
    cpu: tuple[Finding, ...]
    afterlife: tuple[Finding, ...]

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Signals:
        kinds: dict[str, list[Finding]] = {
            k: [] for k in ("protocol", "exchange", "known", "hints", "cpu", "afterlife")
        }
        for finding in sorted(findings, key=lambda f: (-f.severity, -f.confidence, f.rule_id)):
            family = finding.rule_id[:3]
            if finding.rule_id == _EXCHANGE:
                kinds["exchange"].append(finding)
            elif family == "MS3" and finding.severity >= Severity.CRITICAL:
                kinds["protocol"].append(finding)
            elif family == "MS5":
                kinds["cpu"].append(finding)
            elif family == "MS6":
                kinds["afterlife"].append(finding)
            elif finding.severity >= Severity.HIGH:
                kinds["known"].append(finding)  # MS1/MS2/MS4, or another family's strong finding
            else:
                kinds["hints"].append(finding)
        return cls(*(tuple(kinds[k]) for k in kinds))

    @property
    def mining_cpu(self) -> bool:
        return any(f.rule_id in _MINING_CPU for f in self.cpu)

    @property
    def worker_cpu(self) -> bool:
        return any(f.rule_id == "MS501" for f in self.cpu)

    @property
    def strong_cpu(self) -> bool:
        ids = {f.rule_id for f in self.cpu}
        return "MS501" in ids and bool(ids & set(_SUPPORTING_CPU))

    def at_least(self, findings: tuple[Finding, ...], severity: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in findings if f.severity >= severity)

    @property
    def structure(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.known_miner + self.hints if f.rule_id in _STRUCTURE)

    @property
    def infrastructure(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.hints if f.rule_id in _INFRASTRUCTURE_HINTS)


def combined(findings: Iterable[Finding]) -> float:
    """Independent evidence adds up: ``1 - Π(1 - confidence)``."""
    return 1.0 - math.prod(1.0 - min(max(f.confidence, 0.0), 1.0) for f in findings)


def _band(findings: Iterable[Finding], low: float, high: float) -> float:
    return round(min(max(combined(findings), low), high), 3)


def _titles(findings: Iterable[Finding]) -> list[str]:
    return list(dict.fromkeys(f.title for f in findings))[:MAX_REASONS]


Judged = tuple[Verdict, float, tuple[str, ...]]


def _miner(visit: PageVisit, s: Signals) -> Judged | None:
    """The bands that make a page a miner, strongest first; None when none applies."""
    support = s.exchange + s.known_miner + s.afterlife + s.cpu
    if s.protocol:
        chain = s.protocol + support
        return Verdict.MINER, _band(chain, 0.95, 1.0), tuple(_titles(chain))
    busy_exchange = s.at_least(s.exchange, Severity.HIGH)
    mining_afterlife = s.at_least(s.afterlife, Severity.HIGH)
    if busy_exchange or mining_afterlife:
        chain = busy_exchange + mining_afterlife + support
        return Verdict.MINER, _band(chain, 0.85, 0.97), tuple(_titles(chain))
    if s.known_miner and s.mining_cpu:
        chain = s.known_miner + s.cpu + s.afterlife
        return Verdict.MINER, _band(chain, 0.80, 0.97), tuple(_titles(chain))
    if s.structure and s.worker_cpu:
        chain = s.structure + s.cpu + s.afterlife
        return Verdict.MINER, _band(chain, 0.75, 0.95), tuple(_titles(chain))
    left_running = s.at_least(s.afterlife, Severity.MEDIUM)
    if left_running and (s.exchange or s.known_miner):
        chain = left_running + s.exchange + s.known_miner + s.cpu
        return Verdict.MINER, _band(chain, 0.80, 0.97), tuple(_titles(chain))
    return None


def _suspicious(visit: PageVisit, s: Signals, stopped: str | None) -> Judged | None:
    if s.known_miner:
        reasons = [*_titles(s.known_miner + s.hints + s.cpu + s.afterlife)]
        reasons += [stopped] if stopped else []
        reasons.append(NOT_STARTED)
        return Verdict.SUSPICIOUS, _band(s.known_miner + s.hints, 0.50, 0.79), tuple(reasons)
    if s.exchange:
        chain = s.exchange + s.cpu + s.hints
        reasons = [*_titles(chain), "work/result exchange, but no sustained CPU"]
        return Verdict.SUSPICIOUS, _band(chain, 0.40, 0.70), tuple(reasons)
    left_running = s.at_least(s.afterlife, Severity.MEDIUM)
    if left_running:
        chain = left_running + s.cpu + s.hints
        reasons = [
            *_titles(chain),
            "kept burning CPU after the page was left, but no pool traffic or known miner",
        ]
        return Verdict.SUSPICIOUS, _band(chain, 0.40, 0.70), tuple(reasons)
    if s.strong_cpu and s.infrastructure:
        chain = s.cpu + s.infrastructure
        reasons = [
            *_titles(chain),
            "mining-like CPU next to mining infrastructure, but no work/result exchange",
        ]
        return Verdict.SUSPICIOUS, _band(chain, 0.40, 0.70), tuple(reasons)
    return None


def _stopped_reason(visit: PageVisit) -> str | None:
    """ "CPU stopped after 4 s: work that ends is not mining", when the page worked, then idled."""
    cpu = sustained_cpu(visit.cpu)
    if cpu is None or cpu.stopped_after is None:
        return None
    busy = sum(1 for sample in cpu.reading.timeline if sample >= BUSY_SECOND_CORES)
    if busy < WORK_SECONDS:
        return None
    return f"CPU stopped after {cpu.stopped_after:.0f} s: work that ends is not mining"


def page_verdict(visit: PageVisit, findings: Sequence[Finding]) -> Judged:
    """The verdict, confidence and reasons for one page visit (see the module docstring)."""
    s = Signals.of(findings)
    judged = _miner(visit, s)
    if judged is not None:
        return judged
    stopped = _stopped_reason(visit)
    judged = _suspicious(visit, s, stopped)
    if judged is not None:
        return judged
    if visit.failure is not None and visit.failure is not FailureReason.HTTP_STATUS:
        detail = f": {visit.error}" if visit.error else ""
        return Verdict.FAILED, 0.0, (f"page was not rendered ({visit.failure.value}{detail})",)
    seen = s.hints + s.cpu + s.afterlife
    confidence = round(max(0.95 - 0.45 * combined(seen), 0.5), 3)
    if stopped:
        why = stopped
    elif s.cpu:
        why = NO_EXCHANGE
    elif seen:
        why = "hints only, no miner"
    else:
        return Verdict.CLEAN, confidence, ()
    return Verdict.CLEAN, confidence, (*_titles(seen), why)


__all__ = ["page_verdict", "site_verdict"]
