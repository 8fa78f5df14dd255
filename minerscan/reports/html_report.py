"""HTML: one self-contained file a site owner can send on.

No script, no external fetch: CSS and SVG are inline, and a Content-Security-Policy meta tag
(``default-src 'none'``) makes sure that even a string that slipped past escaping could neither
run nor load anything. Every page-controlled string goes through :func:`_e`: control and bidi
characters made visible, then HTML-escaped (quotes included, as values also land in attributes).
"""

from __future__ import annotations

import html

from minerscan.reports.escape import visible
from minerscan.reports.json_report import summary
from minerscan.reports.report_text import (
    PageView,
    cpu_cell,
    detailed_pages,
    watch_cell,
    when,
)
from minerscan.reports.sites import site_results
from minerscan.reports.svg import timeline_svg
from minerscan.reports.triage import NO_TRIAGE, Triage
from model.results import ScanResult

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:70em;
color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.url,code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;
word-break:break-all}
.v{display:inline-block;padding:.1em .5em;border-radius:.3em;font-weight:600;color:#fff}
.v-miner{background:#c0392b}.v-suspicious{background:#d68910}.v-clean{background:#1e8449}
.v-failed{background:#7d3c98}
.page{border:1px solid #ccc;border-radius:.4em;padding:.2em 1em 1em;margin:1em 0}
.page.miner{border-left:.4em solid #c0392b}.page.suspicious{border-left:.4em solid #d68910}
.finding{margin:.6em 0;padding:.4em .6em;background:#fafafa;border:1px solid #eee}
.finding.muted{opacity:.65}.tag{font-size:.85em;background:#eee;border-radius:.3em;padding:0 .4em}
.sev-critical,.sev-high{color:#c0392b;font-weight:600}.sev-medium{color:#b9770e}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.4em;margin:.2em 0}
dl{display:grid;grid-template-columns:9em 1fr;gap:.1em .8em;margin:.3em 0}dt{color:#555}
dd{margin:0;word-break:break-all}ol.todo li{margin:.3em 0}
.summary span{margin-right:1em}
"""


def _e(text: object, limit: int | None = 2000) -> str:
    return html.escape(visible(text, limit), quote=True)


def _verdict(verdict: object) -> str:
    v = str(verdict)
    return f'<span class="v v-{_e(v)}">{_e(v)}</span>'


def _header(result: ScanResult, db_url: str) -> list[str]:
    scan = result.scan
    targets = ", ".join(scan.targets)
    return [
        f"<h1>minerscan report: scan {scan.id}</h1>",
        f'<p class="mono">{_e(targets)}</p>',
        (
            f"<p>Scanned {_e(when(scan.started_at))} to {_e(when(scan.finished_at))}; status "
            f"<b>{_e(scan.status)}</b>{'; stored in ' + _e(db_url) if db_url else ''}.</p>"
        ),
    ]


def _summary(result: ScanResult, triage: Triage) -> list[str]:
    s = summary(result, triage)
    parts = [
        f"<span>{_verdict(v)} {s[v]}</span>" for v in ("miner", "suspicious", "clean", "failed")
    ]
    muted = ""
    if s["suppressed"] or s["baselined"]:
        muted = f" ({s['suppressed']} suppressed, {s['baselined']} in the baseline)"
    return [
        "<h2>Summary</h2>",
        f'<p class="summary">{s["pages"]} pages: {"".join(parts)}</p>',
        f"<p>{s['findings']} findings{muted}.</p>",
    ]


def _sites(result: ScanResult) -> list[str]:
    rows = [
        f"<tr><td class=url>{_e(site.site)}</td><td>{_verdict(site.verdict)}</td>"
        f"<td>{site.confidence:.2f}</td><td>{site.pages}</td>"
        f"<td>{_e(site.reasons[0] if site.reasons else '')}</td></tr>"
        for site in site_results(result)
    ]
    return [
        (
            "<h2>Sites</h2><table><tr><th>site</th><th>verdict</th><th>confidence</th>"
            "<th>pages</th><th>why</th></tr>"
        ),
        *rows,
        "</table>",
    ]


def _finding(view: PageView, index: int) -> list[str]:
    out = []
    for fv in view.findings:
        f = fv.marked.finding
        status = fv.status
        cls = "finding muted" if status else "finding"
        tag = f' <span class="tag">{_e(status)}</span>' if status else ""
        out.append(
            f'<div class="{cls}"><b>{_e(f.rule_id)}</b> '
            f'<span class="sev-{_e(str(f.severity))}">{_e(str(f.severity))}</span> '
            f"{_e(f.title)}{tag}<dl>"
        )
        for item in fv.evidence:
            value = _e(item.value)
            value = f"<pre>{value}</pre>" if item.label == "excerpt" else value
            out.append(f"<dt>{_e(item.label)}</dt><dd>{value}</dd>")
        out.append(
            f'<dt>fingerprint</dt><dd class="mono">{_e(fv.marked.mark.fingerprint)}</dd></dl></div>'
        )
    return out


def _page(view: PageView, index: int) -> list[str]:
    page = view.page
    analysis = page.analysis
    conf = f" ({analysis.confidence:.2f})" if analysis else ""
    out = [
        f'<section class="page {_e(str(page.verdict))}" id="page-{index}">',
        f'<h3>{_verdict(page.verdict)}{conf} <span class="mono">{_e(view.url)}</span></h3>',
        (
            f"<p>Title: {_e(page.visit.title or '-')}; HTTP {_e(page.visit.status or '-')}; "
            f"profile and watch: {_e(watch_cell(page))}.</p>"
        ),
    ]
    if analysis and analysis.reasons:
        out.append("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in analysis.reasons) + "</ul>")
    if view.flagged and page.visit.cpu is not None:
        out.append("<h4>CPU while watched</h4>" + timeline_svg(page.visit.cpu))
    out.append("<h4>Findings</h4>")
    out += _finding(view, index)
    if view.advice is not None:
        out.append('<h4>What to do</h4><ol class="todo">')
        out += [f"<li>{_e(a)}</li>" for a in view.advice.actions]
        out.append(f"</ol><p>{_e(view.advice.csp_note)}</p>")
    out.append("</section>")
    return out


def _all_pages(result: ScanResult) -> list[str]:
    rows = []
    for page in result.pages:
        visit = page.visit
        note = visit.error or ""
        rows.append(
            f"<tr><td>{_verdict(page.verdict)}</td><td>{_e(visit.status or '-')}</td>"
            f"<td class=url>{_e(visit.final_url or visit.url)}</td>"
            f"<td>{_e(watch_cell(page))}</td><td>{_e(cpu_cell(page))}</td><td>{_e(note)}</td></tr>"
        )
    return [
        (
            "<h2>Every page</h2><table><tr><th>verdict</th><th>status</th><th>page</th>"
            "<th>profile, watched</th><th>CPU s workers / all</th><th>error</th></tr>"
        ),
        *rows,
        "</table>",
    ]


def _settings(result: ScanResult) -> list[str]:
    scan = result.scan
    rows = [
        f"<tr><th>{_e(k)}</th><td class=mono>{_e(v)}</td></tr>"
        for k, v in sorted(scan.settings.items())
    ]
    meta = [
        ("minerscan version", scan.tool_version),
        ("signature version", scan.signature_version),
        ("analyzer errors", scan.analyzer_errors),
        *sorted((f"stats: {k}", v) for k, v in scan.stats.items()),
    ]
    rows = [f"<tr><th>{_e(k)}</th><td class=mono>{_e(v)}</td></tr>" for k, v in meta] + rows
    return ["<h2>What was scanned, and how</h2><table>", *rows, "</table>"]


def render(result: ScanResult, *, db_url: str = "", triage: Triage = NO_TRIAGE) -> str:
    body: list[str] = []
    body += _header(result, db_url)
    body += _summary(result, triage)
    body += _sites(result)
    detailed = detailed_pages(result, triage)
    if detailed:
        body.append("<h2>Pages with findings</h2>")
        for i, view in enumerate(detailed, 1):
            body += _page(view, i)
    body += _all_pages(result)
    body += _settings(result)
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>minerscan report: scan {result.scan.id}</title><style>{STYLE}</style></head>"
        "<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
