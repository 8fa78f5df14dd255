"""Scan progress on standard error: a rich progress bar on a terminal, plain lines otherwise.

``--progress auto`` (the default) draws the bar only when standard error is a terminal, so a CI
log or a redirected file gets one plain line per page; ``always`` draws it anyway, ``never``
prints nothing per page. ``NO_COLOR`` (any value) turns colour off but keeps the bar. Page URLs
are page-controlled: they pass :func:`terminal_safe` and are printed as rich ``Text``, never as
markup.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from types import TracebackType
from typing import IO, Any, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from minerscan.reports.escape import terminal_safe

FLAGGED = {"miner", "suspicious"}


class ProgressMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def plain_line(visit: Any, analysis: Any) -> str:
    where = terminal_safe(visit.final_url or visit.url, limit=120)
    extra = f"  ({terminal_safe(visit.error, limit=120)})" if visit.error else ""
    return f"  {analysis.verdict!s:<10} {where}{extra}"


class ScanProgress:
    """Counts pages, failures and findings as they are analysed; draws them.

    ``page`` is called from the scan's writer thread as each visit is stored; ``scheduled``
    from the crawler's loop as it schedules visits (links found, robots.txt refusals), which
    makes the bar's total the pages known so far and "queued" those not done yet.
    ``expected_pages`` (the page budget) is the total until the crawl has said anything.
    """

    def __init__(
        self, mode: ProgressMode, expected_pages: int, stream: IO[str] | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.mode = mode
        self.done = self.failed = self.findings = self.flagged = 0
        self.known = 0  # visits the crawl scheduled so far
        is_tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = mode is ProgressMode.ALWAYS or (mode is ProgressMode.AUTO and is_tty)
        self._progress: Progress | None = None
        self._task: Any = None
        self._expected = max(expected_pages, 1)
        if self.bar:
            self._console = Console(
                file=self.stream,
                force_terminal=True,
                no_color="NO_COLOR" in os.environ,
                highlight=False,
                markup=False,
                emoji=False,
            )

    def __enter__(self) -> Self:
        if self.bar:
            self._progress = Progress(
                TextColumn("scanning"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}", markup=False),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self._console,
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("scan", total=self._expected, counts="")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            # the crawl ended: whatever the bound said, this is the whole scan
            self._progress.update(self._task, total=self.done, completed=self.done)
            self._progress.stop()

    @property
    def queued(self) -> int:
        """Scheduled visits not stored yet (waiting, or in the browser now)."""
        return max(self.known - self.done, 0)

    def counts(self) -> str:
        return (
            f"{self.queued} queued, {self.failed} failed, {self.flagged} flagged, "
            f"{self.findings} findings"
        )

    def _total(self) -> int:
        return max(self.known, self.done) if self.known else max(self._expected, self.done)

    def scheduled(self, visits: int) -> None:
        self.known = max(self.known + visits, 0)
        if self._progress is not None:
            self._progress.update(
                self._task, total=self._total(), counts=self.counts(), refresh=True
            )

    def page(self, visit: Any, analysis: Any) -> None:
        self.done += 1
        verdict = str(analysis.verdict)
        self.failed += verdict == "failed"
        self.flagged += verdict in FLAGGED
        self.findings += len(analysis.findings)
        if self.mode is ProgressMode.NEVER:
            return
        if self._progress is None:
            print(plain_line(visit, analysis), file=self.stream, flush=True)
            return
        if verdict in FLAGGED or verdict == "failed":  # the pages worth a line above the bar
            self._progress.console.print(Text(plain_line(visit, analysis)))
        self._progress.update(
            self._task,
            completed=self.done,
            total=self._total(),
            counts=self.counts(),
            refresh=True,
        )
