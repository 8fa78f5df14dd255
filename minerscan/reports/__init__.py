"""Reporters take a :class:`~minerscan.results.ScanResult` and render it; they never see the engine.

Every format is a member of :class:`Format`; a test renders each member so none can rot.
"""

from __future__ import annotations

from enum import StrEnum

from minerscan.reports import csv_report, json_report, terminal
from minerscan.results import ScanResult


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"

    def __str__(self) -> str:
        return self.value


def render(result: ScanResult, fmt: Format, *, db_url: str = "", color: bool = False) -> str:
    """The whole report as text (the table format renders plain text unless ``color``)."""
    if fmt is Format.TABLE:
        return terminal.render(result, db_url=db_url, color=color)
    if fmt is Format.JSON:
        return json_report.render(result, db_url=db_url)
    if fmt is Format.JSONL:
        return json_report.render_lines(result, db_url=db_url)
    if fmt is Format.CSV:
        return csv_report.render(result)
    raise AssertionError(f"unhandled format {fmt}")
