"""The concurrency chosen from the machine keeps the CPU evidence honest: a slice of the
families corpus (miners judged partly on CPU, and benign pages that burn CPU for a while)
gets the same verdicts scanned at that concurrency as one page at a time."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from model.settings import machine_concurrency

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
import corpora

SLICE = (
    "families/tuned/coinhive-anonymous",
    "families/tuned/webminerpool-startmining",  # throttled: its CPU share is the evidence
    "families/tuned/own-binary-ws",
    "families/tuned/deepminer-wasm",
    "families/tuned/captcha-pow",  # benign: seconds of hashing in a worker, then done
    "families/tuned/password-hashing",
    "families/tuned/cpu-benchmark",  # benign: burns a core for about 4 s
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def both_scans(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list, dict[str, dict | None], dict[str, dict | None]]]:
    if "families" not in corpora.available():
        pytest.skip("the families corpus is not in this checkout")
    pages = [p for p in corpora.load(("families",)) if p.key in SLICE]
    assert sorted(p.key for p in pages) == sorted(SLICE)
    default = machine_concurrency().pages
    with corpora.ServedCorpora(pages) as served:
        at_default = corpora.scan(
            pages, served, tmp_path_factory.mktemp("default"), concurrency=default
        )
        one_by_one = corpora.scan(pages, served, tmp_path_factory.mktemp("one"), concurrency=1)
    yield pages, at_default, one_by_one


def _verdict(entry: dict | None) -> str:
    return "missing" if entry is None else str(entry["verdict"])


def test_verdicts_at_the_machine_concurrency_equal_verdicts_one_page_at_a_time(both_scans) -> None:
    pages, at_default, one_by_one = both_scans
    default = {p.key: _verdict(at_default[p.key]) for p in pages}
    single = {p.key: _verdict(one_by_one[p.key]) for p in pages}
    assert default == single


def test_and_those_verdicts_are_the_labels(both_scans) -> None:
    pages, at_default, _ = both_scans
    wrong = {
        p.key: _verdict(at_default[p.key])
        for p in pages
        if not p.matches(_verdict(at_default[p.key]), "desktop")
    }
    assert not wrong, wrong
