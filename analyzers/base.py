"""The analyzer contract: findings, severities, verdicts and the rule registry.

An analyzer is a plain function ``(visit, context) -> Iterable[Finding]`` registered with
:func:`rule`. Its id, severity and docstring are its documentation (README table, SARIF help).
Analyzers see only :mod:`minerscan.observations`; they never import Scrapy or Playwright.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            choices = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {name!r}; choose one of {choices}") from None

    def __str__(self) -> str:
        return self.name.lower()


class Verdict(StrEnum):
    MINER = "miner"
    SUSPICIOUS = "suspicious"
    CLEAN = "clean"
    FAILED = "failed"  # nothing could be rendered, so nothing can be said

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Finding:
    """One piece of evidence a rule found on one page visit."""

    rule_id: str
    severity: Severity
    title: str  # one line; may quote page-controlled text, so reporters escape it
    evidence: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable
    confidence: float = 1.0  # 0..1: how sure the rule is that this is mining


@dataclass(frozen=True)
class AnalyzerError:
    rule_id: str
    url: str
    message: str


@dataclass(frozen=True)
class PageAnalysis:
    """What the analyzers concluded about one page visit."""

    verdict: Verdict
    confidence: float
    findings: tuple[Finding, ...] = ()
    reasons: tuple[str, ...] = ()  # the evidence chain behind the verdict, in words
    errors: tuple[AnalyzerError, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    description: str  # the docstring: what it looks at and why it matters
    check: Callable[..., Iterable[Finding]]
    observes: tuple[str, ...] = ()  # PageVisit fields it reads


class DuplicateRuleError(ValueError):
    pass


_REGISTRY: dict[str, Rule] = {}


def rule(
    id: str, severity: Severity, observes: tuple[str, ...] = ()
) -> Callable[[Callable[..., Iterable[Finding]]], Callable[..., Iterable[Finding]]]:
    """Register an analyzer under a unique rule id. The docstring is required."""

    def register(fn: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        doc = inspect.getdoc(fn)
        if not doc:
            raise ValueError(
                f"rule {id} ({fn.__name__}) needs a docstring: it is the rule's documentation"
            )
        if id in _REGISTRY:
            raise DuplicateRuleError(
                f"rule id {id} is registered twice ({_REGISTRY[id].check.__name__}, {fn.__name__})"
            )
        title, _, _rest = doc.partition("\n")
        _REGISTRY[id] = Rule(id, severity, title.strip(), doc, fn, observes)
        return fn

    return register


def registered_rules() -> dict[str, Rule]:
    """Every registered rule by id (importing :mod:`analyzers` registers the built-ins)."""
    return dict(_REGISTRY)
