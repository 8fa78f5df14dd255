"""Markdown: the HTML report's content for an issue tracker or ``$GITHUB_STEP_SUMMARY``.

GitHub renders HTML, links, mentions and math inside Markdown, so page-controlled text is made
inert: control and bidi characters visible, ``& < >`` as entities, and every character Markdown
could act on backslash-escaped (so a title cannot open a link, ping ``@someone``, or break out
of a table cell). Page strings never go into code spans: a backtick in them would end the span.
"""

from __future__ import annotations

import html
import re

from minerscan.reports.escape import visible
from minerscan.reports.json_report import summary
from minerscan.reports.report_text import PageView, cpu_cell, detailed_pages, watch_cell, when
from minerscan.reports.sites import site_results
from minerscan.reports.triage import NO_TRIAGE, Triage
from model.results import ScanResult

# GitHub caps a job summary at 1 MiB: a survey's Markdown lists the first pages and says so.
MAX_DETAILED_PAGES = 100
MAX_PAGE_ROWS = 1000
_ACTIVE = re.compile(r"([\\`*_\[\]|~@$:])")


def md(text: object, limit: int | None = 500) -> str:
    """One line of inert Markdown."""
    flat = visible(text, limit).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return _ACTIVE.sub(r"\\\1", html.escape(flat, quote=False))


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _page(view: PageView) -> list[str]:
    page = view.page
    conf = f" ({page.analysis.confidence:.2f})" if page.analysis else ""
    out = [
        f"### {page.verdict}{conf}: {md(view.url)}",
        "",
        (
            f"Title: {md(page.visit.title or '-')}; HTTP {md(page.visit.status or '-')}; "
            f"profile and watch: {md(watch_cell(page))}; CPU s workers / all: {md(cpu_cell(page))}."
        ),
        "",
    ]
    if page.analysis:
        out += [f"- {md(r)}" for r in page.analysis.reasons] + [""]
    out.append("**Findings**")
    out.append("")
    for fv in view.findings:
        f = fv.marked.finding
        status = f" — *{md(fv.status)}*" if fv.status else ""
        out.append(f"- **{md(f.rule_id)}** {f.severity}: {md(f.title)}{status}")
        out += [f"  - {md(item.label)}: {md(item.value)}" for item in fv.evidence]
        out.append(f"  - fingerprint: {md(fv.marked.mark.fingerprint)}")
    if view.advice is not None:
        out += ["", "**What to do**", ""]
        out += [f"{i}. {md(a)}" for i, a in enumerate(view.advice.actions, 1)]
        out += ["", md(view.advice.csp_note)]
    out.append("")
    return out


def render(result: ScanResult, *, db_url: str = "", triage: Triage = NO_TRIAGE) -> str:
    scan = result.scan
    s = summary(result, triage)
    out = [
        (
            f"## minerscan scan {scan.id}: {s['miner']} miner, {s['suspicious']} suspicious, "
            f"{s['clean']} clean, {s['failed']} failed"
        ),
        "",
        (
            f"Targets: {md(', '.join(scan.targets))}. Scanned {when(scan.started_at)} to "
            f"{when(scan.finished_at)}, status {md(scan.status)}. {s['findings']} findings "
            f"({s['suppressed']} suppressed, {s['baselined']} in the baseline)."
        ),
        "",
        _row("site", "verdict", "confidence", "pages", "why"),
        _row("---", "---", "---", "---", "---"),
    ]
    for site in site_results(result):
        why = site.reasons[0] if site.reasons else ""
        out.append(
            _row(
                md(site.site), str(site.verdict), f"{site.confidence:.2f}", str(site.pages), md(why)
            )
        )
    out.append("")
    detailed = detailed_pages(result, triage)
    if detailed:
        out += ["## Pages with findings", ""]
        for view in detailed[:MAX_DETAILED_PAGES]:
            out += _page(view)
        if len(detailed) > MAX_DETAILED_PAGES:
            out += [
                (
                    f"*{len(detailed) - MAX_DETAILED_PAGES} more pages with findings are not "
                    "shown here; see the JSON or HTML report.*"
                ),
                "",
            ]
    out += [
        "## Every page",
        "",
        _row("verdict", "status", "page", "profile, watched", "CPU s workers / all", "error"),
        _row("---", "---", "---", "---", "---", "---"),
    ]
    for page in result.pages[:MAX_PAGE_ROWS]:
        v = page.visit
        out.append(
            _row(
                str(page.verdict),
                md(v.status or "-"),
                md(v.final_url or v.url),
                md(watch_cell(page)),
                md(cpu_cell(page)),
                md(v.error or ""),
            )
        )
    if len(result.pages) > MAX_PAGE_ROWS:
        out.append(f"\n*{len(result.pages) - MAX_PAGE_ROWS} more pages are not listed.*")
    out += [
        "",
        "## What was scanned, and how",
        "",
        (
            f"minerscan {md(scan.tool_version)}, signatures {md(scan.signature_version)}, "
            f"{scan.analyzer_errors} analyzer errors{'; stored in ' + md(db_url) if db_url else ''}."
        ),
        "",
        _row("setting", "value"),
        _row("---", "---"),
        *(_row(md(k), md(v)) for k, v in sorted(scan.settings.items())),
        "",
    ]
    return "\n".join(out)
