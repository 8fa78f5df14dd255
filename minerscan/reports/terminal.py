"""The terminal report: a rich table, one row per page, with the evidence behind each verdict.

Every page-controlled string goes through :func:`terminal_safe` and into ``rich.text.Text``
(never rich markup), so a hostile title can neither inject escape sequences nor markup.
"""

from __future__ import annotations

import io
import shutil

from rich.console import Console
from rich.table import Table
from rich.text import Text

from minerscan.reports.escape import terminal_safe
from minerscan.reports.json_report import summary
from minerscan.reports.sites import site_results
from minerscan.reports.triage import NO_TRIAGE, Triage, page_findings
from model.analysis import Verdict
from model.results import PageResult, ScanResult

VERDICT_STYLE = {
    Verdict.MINER: "bold red",
    Verdict.SUSPICIOUS: "yellow",
    Verdict.CLEAN: "green",
    Verdict.FAILED: "magenta",
}
MAX_REASONS = 4


def _evidence(page: PageResult, triage: Triage) -> Text:
    text = Text()
    visit, analysis = page.visit, page.analysis
    lines: list[str] = []
    if visit.error:
        lines.append(visit.error)
    if analysis is not None:
        reasons = [r for r in analysis.reasons if not (visit.error and visit.error in r)]
        lines += reasons[:MAX_REASONS]
        if len(reasons) > MAX_REASONS:
            lines.append(f"(+{len(reasons) - MAX_REASONS} more)")
        marked = page_findings(page, triage)
        rules = sorted({m.finding.rule_id for m in marked})
        if rules:
            lines.append("rules: " + ", ".join(rules))
        muted = sorted({m.finding.rule_id for m in marked if not m.mark.counts})
        if muted:
            lines.append("suppressed or in baseline: " + ", ".join(muted))
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        text.append(terminal_safe(line, limit=300))
    return text


def _cpu(page: PageResult) -> str:
    cpu = page.visit.cpu
    if cpu is None:
        return "-"
    return f"{cpu.worker_seconds:.2f} / {cpu.process_seconds:.2f}"


def build_table(result: ScanResult, triage: Triage = NO_TRIAGE) -> Table:
    table = Table(title=f"minerscan scan {result.scan.id}", show_lines=True, expand=False)
    table.add_column("verdict", no_wrap=True)
    table.add_column("status", justify="right", no_wrap=True)
    table.add_column("page", overflow="fold", max_width=60)
    table.add_column("CPU s\nworkers / all", justify="right", no_wrap=True)
    table.add_column("evidence", overflow="fold")
    for page in result.pages:
        verdict = page.verdict
        table.add_row(
            Text(str(verdict), style=VERDICT_STYLE[verdict]),
            Text(str(page.visit.status) if page.visit.status is not None else "-"),
            Text(terminal_safe(page.visit.final_url or page.visit.url, limit=300)),
            Text(_cpu(page)),
            _evidence(page, triage),
        )
    return table


def summary_line(result: ScanResult) -> str:
    s = summary(result)
    return (
        f"{s['pages']} pages: {s['miner']} miner, {s['suspicious']} suspicious, "
        f"{s['clean']} clean, {s['failed']} failed"
    )


def render(
    result: ScanResult,
    *,
    db_url: str = "",
    color: bool = False,
    width: int | None = None,
    triage: Triage = NO_TRIAGE,
) -> str:
    buffer = io.StringIO()
    if width is None:  # a terminal's own width; 160 columns into a file or pipe
        width = max(100, shutil.get_terminal_size((160, 40)).columns)
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(build_table(result, triage))
    console.print(Text(summary_line(result)))
    for site in site_results(result):
        line = Text(f"site {terminal_safe(site.site)}: ")
        line.append(str(site.verdict), style=VERDICT_STYLE[site.verdict])
        line.append(f" ({site.confidence:.2f}), {site.pages} pages")
        if site.verdict is not Verdict.CLEAN and site.reasons:
            line.append(f"; {terminal_safe(site.reasons[0], limit=200)}")
        console.print(line)
    if db_url:
        console.print(Text(f"stored in {db_url} (scan {result.scan.id})"))
    return buffer.getvalue()
