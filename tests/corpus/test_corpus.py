"""The labelled corpus, scanned end to end: every miner variant is a miner, every look-alike clean.

One ``minerscan scan`` (a subprocess, real Chromium, closed network) visits every page of
``manifest.toml``; each page is then its own test case, so a failure names the page, the verdict
and the findings. A known detector miss is marked ``xfail`` (strict) in the manifest, not removed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus_runner
from corpus_runner import CorpusPage, CorpusSites, ScanRun

PAGES = corpus_runner.load_manifest()
DIALECTS = {"stratum", "coinhive", "webminerpool", "line"}
# The variants the corpus promises to cover (see README.md).
MINER_VARIANTS = {
    "plain",
    "minified",
    "renamed-file",
    "renamed-global",
    "obfuscated",
    "self-hosted",
    "throttled",
    "delayed-start",
    "wasm-worker",
    "worker-socket",
    "proxy-path",
}
CLEAN_VARIANTS = {
    "hashing-library",
    "password-hashing",
    "wasm-app",
    "websocket-chat",
    "price-ticker",
    "canvas-animation",
    "analytics",
}


def _case(page: CorpusPage) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=page.xfail)] if page.xfail else []
    return pytest.param(page, id=page.path, marks=marks)


@pytest.fixture(scope="module")
def corpus_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CorpusSites, ScanRun]]:
    with CorpusSites(PAGES) as sites:
        run = corpus_runner.scan([sites.url(p) for p in PAGES], tmp_path_factory.mktemp("corpus"))
        yield sites, run


@pytest.mark.browser
@pytest.mark.parametrize("page", [_case(p) for p in PAGES])
def test_page_gets_its_label_as_verdict(
    page: CorpusPage, corpus_scan: tuple[CorpusSites, ScanRun]
) -> None:
    sites, run = corpus_scan
    reported = run.pages_by_url().get(sites.url(page))
    mined = "it logged in to its pool" if sites.mined(page) else "it never logged in to its pool"
    detail = f"{page.what}; {mined if page.label == 'miner' else 'benign page'}"
    assert reported is not None, f"{page.path} is missing from the report ({detail})"
    assert reported["verdict"] == page.label, (
        f"{page.path} ({page.variant}, {page.dialect}): expected {page.label}, got "
        f"{corpus_runner.describe(reported)} — {detail}"
    )


@pytest.mark.browser
def test_every_miner_page_really_mined(corpus_scan: tuple[CorpusSites, ScanRun]) -> None:
    """The corpus itself works: each miner variant logged in to its pool during the scan."""
    sites, _ = corpus_scan
    idle = [p.path for p in PAGES if p.label == "miner" and not sites.mined(p)]
    assert not idle, f"these miner pages never logged in to their pool: {idle}"


def test_manifest_covers_every_dialect_and_variant() -> None:
    miners = [p for p in PAGES if p.label == "miner"]
    assert {p.dialect for p in miners} == DIALECTS
    assert MINER_VARIANTS <= {p.variant for p in miners}
    assert CLEAN_VARIANTS <= {p.variant for p in PAGES if p.label == "clean"}
    for page in miners:
        assert page.group == page.dialect, f"{page.path} is served with the wrong pool"


def test_every_page_folder_is_in_the_manifest() -> None:
    listed = {p.path for p in PAGES}
    on_disk = {
        str(index.parent.relative_to(corpus_runner.SITES))
        for index in corpus_runner.SITES.glob("*/*/index.html")
    }
    assert on_disk == listed
