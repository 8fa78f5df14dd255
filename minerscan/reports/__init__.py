"""Reporters take a :class:`~model.results.ScanResult` and render it; they never see the engine.

Every format is a member of :class:`Format` with one renderer in :data:`RENDERERS`; a test
renders each member (and checks each has its own test) so none can rot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from minerscan.reports import (
    csv_report,
    html_report,
    json_report,
    junit_report,
    markdown_report,
    sarif_report,
    terminal,
)
from minerscan.reports.triage import NO_TRIAGE, Triage
from model.results import ScanResult


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    HTML = "html"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    JUNIT = "junit"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class RenderOptions:
    db_url: str = ""
    color: bool = False  # the table format only
    triage: Triage = NO_TRIAGE


Renderer = Callable[[ScanResult, RenderOptions], str]

RENDERERS: dict[Format, Renderer] = {
    Format.TABLE: lambda r, o: terminal.render(r, db_url=o.db_url, color=o.color, triage=o.triage),
    Format.JSON: lambda r, o: json_report.render(r, db_url=o.db_url, triage=o.triage),
    Format.JSONL: lambda r, o: json_report.render_lines(r, db_url=o.db_url, triage=o.triage),
    Format.CSV: lambda r, o: csv_report.render(r, triage=o.triage),
    Format.HTML: lambda r, o: html_report.render(r, db_url=o.db_url, triage=o.triage),
    Format.MARKDOWN: lambda r, o: markdown_report.render(r, db_url=o.db_url, triage=o.triage),
    Format.SARIF: lambda r, o: sarif_report.render(r, triage=o.triage),
    Format.JUNIT: lambda r, o: junit_report.render(r, triage=o.triage),
}


def render(
    result: ScanResult,
    fmt: Format,
    *,
    db_url: str = "",
    color: bool = False,
    triage: Triage = NO_TRIAGE,
) -> str:
    """The whole report as text (the table format renders plain text unless ``color``)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise AssertionError(f"unhandled format {fmt}") from None
    return renderer(result, RenderOptions(db_url, color, triage))
