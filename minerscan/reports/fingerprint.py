"""Stable finding fingerprints: the same miner on the same page gets the same id run after run.

Baselines, suppressions, SARIF ``partialFingerprints`` and ``minerscan diff`` all key on it, so
it must not move with what varies between runs of an unchanged page (CPU figures, frame counts,
share counts, the order findings were produced in). It is built from the rule id, the page URL
without its fragment, and the one evidence value that names *what* was found: the pool or
request URL, else the body hash, else the worker scripts, else the title with numbers blanked.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from model.analysis import Finding

_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
VERSION = "minerscanFinding/v1"  # the key under SARIF partialFingerprints


def page_key(url: str) -> str:
    """The page URL as findings are keyed: scheme and host lower-cased, no fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def _subject(evidence: dict[str, Any], title: str) -> str:
    for key in ("pool", "url", "sha256"):
        value = evidence.get(key)
        if isinstance(value, str) and value:
            return f"{key}={value}"
    scripts = evidence.get("scripts")
    if isinstance(scripts, list) and scripts:
        return "scripts=" + "|".join(sorted(str(s) for s in scripts))
    return "title=" + _NUMBERS.sub("#", title)


def fingerprint(page_url: str, finding: Finding) -> str:
    """32 hex digits identifying this finding on this page across runs."""
    text = "\n".join(
        (finding.rule_id, page_key(page_url), _subject(finding.evidence, finding.title))
    )
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
