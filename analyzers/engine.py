"""Run every registered rule over a page visit and turn the findings into a verdict.

The engine knows rules only through the registry in :mod:`analyzers.base`; importing
:mod:`analyzers` registers the built-in ones. A rule that raises is logged with its id and the
page URL and recorded as an :class:`AnalyzerError`; the other rules still run (``debug=True``
re-raises instead, for ``--debug``).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzers.base import AnalyzerError, Finding, PageAnalysis, Verdict, registered_rules
from analyzers.blocklist import Blocklists
from analyzers.lists import BUNDLED_DIR
from analyzers.verdict import page_verdict
from analyzers.verdict import site_verdict as _site_verdict
from model.observations import PageVisit

log = logging.getLogger(__name__)
# Importing this module ran analyzers/__init__.py first, which registered every built-in rule,
# so SIGNATURE_VERSION below covers all of their ids.

_PACKAGE_DIR = Path(__file__).resolve().parent
_SIGNATURE_DIRS = (BUNDLED_DIR, _PACKAGE_DIR / "signatures")
_SIGNATURE_SUFFIXES = (".txt", ".yar", ".yara", ".json")
# The other rule families load their own resources; the engine calls their loader when present.
_YARA_MODULE = "analyzers.yara_rules"


def _signature_files(roots: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        if root.is_file():
            files.append(root)
        elif root.is_dir():
            files.extend(
                sorted(
                    p for p in root.rglob("*") if p.is_file() and p.suffix in _SIGNATURE_SUFFIXES
                )
            )
    return files


def compute_signature_version(extra_files: Sequence[Path] = ()) -> str:
    """``sig-`` + a short sha256 over the bundled lists and rules, extra files and rule ids.

    Stored with every finding, so a result says which signatures produced it, and a stored crawl
    re-analysed with other signatures is told apart.
    """
    digest = hashlib.sha256()
    for path in _signature_files(_SIGNATURE_DIRS):
        digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    for path in extra_files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for rule_id, registered in sorted(registered_rules().items()):
        digest.update(f"{rule_id}:{registered.severity.name}\n".encode())
    return "sig-" + digest.hexdigest()[:12]


SIGNATURE_VERSION: str = compute_signature_version()


def _default_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class AnalysisContext:
    """What rules need besides the visit: compiled lists and rules, the machine's cores."""

    blocklists: Blocklists
    cores: int
    signature_version: str = SIGNATURE_VERSION
    extra_rule_dirs: tuple[Path, ...] = ()
    yara_rules: Any = None  # compiled by analyzers.yara_rules.compile_rules (bundled + extra dirs)

    @classmethod
    def load(
        cls,
        *,
        extra_lists: Sequence[Path] = (),
        extra_rule_dirs: Sequence[Path] = (),
        cores: int | None = None,
    ) -> AnalysisContext:
        """Load the bundled and extra blocklists and rules; ValueError when one is unusable."""
        if cores is not None and cores < 1:
            raise ValueError(f"cores must be at least 1, not {cores}")
        extra_lists = tuple(Path(p) for p in extra_lists)
        rule_dirs = tuple(Path(p) for p in extra_rule_dirs)
        for directory in rule_dirs:
            if not directory.is_dir():
                raise ValueError(f"rule directory {directory} does not exist or is not a directory")
        blocklists = Blocklists.load(extra_lists)  # raises ValueError naming the bad list
        version = SIGNATURE_VERSION
        if extra_lists or rule_dirs:
            version = compute_signature_version(extra_lists + tuple(_signature_files(rule_dirs)))
        return cls(
            blocklists=blocklists,
            cores=cores or _default_cores(),
            signature_version=version,
            extra_rule_dirs=rule_dirs,
            yara_rules=_load_yara_rules(rule_dirs),
        )


def _load_yara_rules(rule_dirs: tuple[Path, ...]) -> Any:
    """Compile the script signatures once per context (``analyzers.yara_rules.compile_rules``)."""
    try:
        module = importlib.import_module(_YARA_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != _YARA_MODULE:
            raise
        return None
    loader = getattr(module, "compile_rules", None)
    if loader is None:
        return None
    try:
        return loader(rule_dirs)
    except ValueError:
        raise
    except Exception as exc:  # a compile error in a user's rule file is a configuration error
        raise ValueError(
            f"cannot load YARA rules from {', '.join(map(str, rule_dirs)) or 'the bundled set'}: {exc}"
        ) from exc


def analyze_visit(visit: PageVisit, ctx: AnalysisContext, *, debug: bool = False) -> PageAnalysis:
    """Run every registered rule on one visit; return its findings, verdict and errors."""
    findings: list[Finding] = []
    errors: list[AnalyzerError] = []
    for rule_id, registered in sorted(registered_rules().items()):
        try:
            produced = list(registered.check(visit, ctx) or ())
            for finding in produced:
                if not isinstance(finding, Finding):
                    raise TypeError(f"rule returned {type(finding).__name__}, not a Finding")
        except Exception as exc:
            if debug:
                raise
            message = f"{type(exc).__name__}: {exc}"
            log.error("analyzer %s failed on %s: %s", rule_id, visit.url, message)
            log.debug("analyzer %s traceback", rule_id, exc_info=True)
            errors.append(AnalyzerError(rule_id, visit.url, message))
            continue
        findings.extend(produced)
    verdict, confidence, reasons = page_verdict(visit, findings)
    return PageAnalysis(verdict, confidence, tuple(findings), reasons, tuple(errors))


def site_verdict(
    analyses: Sequence[PageAnalysis], *, urls: Sequence[str] = ()
) -> tuple[Verdict, float, tuple[str, ...]]:
    """Per-site verdict from its pages: the worst page's (see :mod:`analyzers.verdict`)."""
    return _site_verdict(analyses, urls=urls)
