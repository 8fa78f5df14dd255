"""The analyzer contract: findings, severities, verdicts and the rule registry.

An analyzer is a plain function ``(visit, context) -> Iterable[Finding]`` registered with
:func:`rule`. Its id, severity and docstring are its documentation (README table, SARIF help).
Analyzers see only :mod:`model`; they never import Scrapy or Playwright.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from model.analysis import AnalyzerError, Finding, PageAnalysis, Severity, Verdict

__all__ = [
    "AnalyzerError",
    "DuplicateRuleError",
    "Finding",
    "PageAnalysis",
    "Rule",
    "Severity",
    "Verdict",
    "registered_rules",
    "rule",
]


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
