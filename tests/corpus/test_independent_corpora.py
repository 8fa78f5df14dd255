"""The independent corpora, scanned end to end with the real CLI, once per profile that matters.

The ``families`` and ``evasive`` corpora were written by people who had not read ``analyzers/``;
their ``set-aside`` pages were never used to tune a rule. Every miner must be ``miner`` under the
profile its manifest names (desktop by default, mobile for phone-only miners); every benign page
``clean``. Under the honest ``scanner`` profile a gated miner must *not* be ``miner``: it never
started, which shows its gate is real and the desktop profile is what got past it. A known miss
is ``xfail = "…"`` in that corpus's manifest (strict), never a softened page.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpora
import corpus_runner
from corpora import LabelledPage

INDEPENDENT = tuple(c for c in corpora.available() if c != "own")
PAGES = corpora.load(INDEPENDENT) if INDEPENDENT else []
MOBILE = [p for p in PAGES if p.label == "miner" and p.profile == "mobile"]
GATED = [p for p in PAGES if p.label == "miner" and p.gate and p.profile == "desktop"]

pytestmark = pytest.mark.skipif(not PAGES, reason="no independent corpus in this checkout")


def _case(page: LabelledPage) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=page.xfail)] if page.xfail else []
    if page.key in corpora.KNOWN_FLAKY:
        marks = [pytest.mark.xfail(strict=False, reason=corpora.KNOWN_FLAKY[page.key])]
    return pytest.param(page, id=page.key, marks=marks)


@pytest.fixture(scope="module")
def served() -> Iterator[corpora.ServedCorpora]:
    with corpora.ServedCorpora(PAGES) as running:
        yield running


def _scan(
    served: corpora.ServedCorpora,
    pages: list[LabelledPage],
    profile: str,
    tmp: pytest.TempPathFactory,
) -> dict[str, dict[str, Any] | None]:
    return corpora.scan(pages, served, tmp.mktemp(f"scan-{profile}"), profile=profile)


@pytest.fixture(scope="module")
def desktop(served: corpora.ServedCorpora, tmp_path_factory: pytest.TempPathFactory) -> Any:
    chosen = [p for p in PAGES if p.profile == "desktop" or p.label == "clean"]
    return _scan(served, chosen, "desktop", tmp_path_factory)


@pytest.fixture(scope="module")
def mobile(served: corpora.ServedCorpora, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _scan(served, MOBILE, "mobile", tmp_path_factory)


@pytest.fixture(scope="module")
def scanner(served: corpora.ServedCorpora, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _scan(served, GATED, "scanner", tmp_path_factory)


def _check(page: LabelledPage, reports: dict[str, Any], profile: str, served: Any) -> None:
    reported = reports.get(page.key)
    assert reported is not None, f"{page.key} is missing from the {profile} report"
    mined = "it mined" if served.mined(page) else "it never exchanged work with its pool"
    assert page.matches(reported["verdict"], profile), (
        f"{page.key} ({page.family}, {page.variant}, gate {page.gate or 'none'}, {page.part}) "
        f"under --profile {profile}: expected {page.expected(profile)}, got "
        f"{corpus_runner.describe(reported)} — {page.what}; {mined}"
    )


@pytest.mark.browser
@pytest.mark.parametrize(
    "page", [_case(p) for p in PAGES if p.profile == "desktop" or p.label == "clean"]
)
def test_default_profile_verdict(
    page: LabelledPage, desktop: Any, served: corpora.ServedCorpora
) -> None:
    _check(page, desktop, "desktop", served)


@pytest.mark.browser
@pytest.mark.parametrize("page", [_case(p) for p in MOBILE])
def test_phone_only_miner_is_found_with_the_mobile_profile(
    page: LabelledPage, mobile: Any, served: corpora.ServedCorpora
) -> None:
    _check(page, mobile, "mobile", served)


@pytest.mark.browser
@pytest.mark.parametrize("page", [pytest.param(p, id=p.key) for p in GATED])
def test_gated_miner_stays_hidden_from_the_honest_scanner_profile(
    page: LabelledPage, scanner: Any, served: corpora.ServedCorpora
) -> None:
    """The gate is real: the same page is not ``miner`` when minerscan says who it is."""
    _check(page, scanner, "scanner", served)


def test_independent_corpora_keep_a_set_aside_part() -> None:
    for corpus in INDEPENDENT:
        pages = [p for p in PAGES if p.corpus == corpus]
        held = [p for p in pages if p.part == "set-aside"]
        assert held and len(held) < len(pages), f"{corpus}: no set-aside part"
        assert {p.label for p in held} == {"miner", "clean"} or corpus == "evasive"
