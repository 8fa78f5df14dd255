"""Scan progress: a bar on a terminal (or with --progress always), plain lines otherwise,
nothing with never; NO_COLOR honoured; page URLs cannot reach the terminal raw."""

from __future__ import annotations

import io
import re

import pytest

from analyzers.base import Finding, PageAnalysis, Severity, Verdict
from minerscan.progress import ProgressMode, ScanProgress
from model.observations import FailureReason, PageVisit

HOSTILE_URL = "http://127.0.0.1:8000/\x1b]0;pwned\x07\x1b[2J"
COLOUR = re.compile(r"\x1b\[(?:3\d|38;)")


def _pages() -> list[tuple[PageVisit, PageAnalysis]]:
    miner = Finding("MS301", Severity.CRITICAL, "Stratum")
    return [
        (PageVisit(url="http://127.0.0.1:8000/", rendered=True), PageAnalysis(Verdict.CLEAN, 0.9)),
        (PageVisit(url=HOSTILE_URL, rendered=True), PageAnalysis(Verdict.MINER, 1.0, (miner,))),
        (
            PageVisit(
                url="http://127.0.0.1:8000/x", failure=FailureReason.TIMEOUT, error="timeout"
            ),
            PageAnalysis(Verdict.FAILED, 0.0),
        ),
    ]


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(mode: ProgressMode, stream: io.StringIO) -> ScanProgress:
    with ScanProgress(mode, expected_pages=10, stream=stream) as progress:
        for visit, analysis in _pages():
            progress.page(visit, analysis)
    return progress


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    progress = _run(ProgressMode.AUTO, out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and lines[1].split()[0] == "miner"
    assert "\x1b" not in out.getvalue() and "\\x1b]0;pwned" in lines[1]
    assert (progress.done, progress.failed, progress.flagged, progress.findings) == (3, 1, 1, 1)


def test_never_prints_nothing_per_page() -> None:
    out = FakeTty()
    _run(ProgressMode.NEVER, out)
    assert out.getvalue() == ""


@pytest.mark.parametrize("mode", [ProgressMode.AUTO, ProgressMode.ALWAYS])
def test_a_bar_on_a_terminal_or_when_asked(
    mode: ProgressMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = FakeTty() if mode is ProgressMode.AUTO else io.StringIO()
    _run(mode, out)
    text = out.getvalue()
    assert "scanning" in text and "3/3" in text  # the bound gives way to the real total
    assert "1 failed, 1 flagged, 1 findings" in text
    assert "\x1b]0;pwned" not in text and "\\x1b]0;pwned" in text  # the page's escape is data
    assert COLOUR.search(text)


def test_no_color_keeps_the_bar_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    _run(ProgressMode.ALWAYS, out)
    assert "3/3" in out.getvalue() and not COLOUR.search(out.getvalue())


def test_progress_option_rejects_unknown_values() -> None:
    from click.testing import CliRunner

    from minerscan.cli import main

    result = CliRunner().invoke(main, ["scan", "http://127.0.0.1:9/", "--progress", "loud"])
    assert result.exit_code == 2 and "loud" in result.stderr


def test_the_bar_shows_what_the_crawl_queued() -> None:
    out = io.StringIO()
    with ScanProgress(ProgressMode.ALWAYS, expected_pages=50, stream=out) as progress:
        progress.scheduled(5)  # the landing page's links
        for visit, analysis in _pages():
            progress.page(visit, analysis)
        assert progress.queued == 2
        drawn = out.getvalue()
        assert "3/5" in drawn and "2 queued" in drawn  # the pages known, not the 50 budget
        progress.scheduled(-2)  # two links robots.txt refused
        assert progress.queued == 0 and "0 queued" in out.getvalue()[len(drawn) :]
