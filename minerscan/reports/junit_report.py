"""JUnit XML for CI dashboards: one test case per page, failures carrying the findings.

A page fails when its verdict is ``miner`` or ``suspicious`` and at least one of its findings
still counts (not suppressed, not in the baseline); a page that could not be loaded is an
error; the rest pass, with any findings listed in ``system-out``. XML 1.0 cannot carry most
control characters at all, so page text is made visible first, then ElementTree escapes it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from minerscan.reports.escape import visible
from minerscan.reports.triage import NO_TRIAGE, MarkedFinding, Triage, page_findings
from model.analysis import Verdict
from model.domains import registrable_domain
from model.results import PageResult, ScanResult


def _t(text: object) -> str:
    return visible(text, limit=4000)


def _line(item: MarkedFinding) -> str:
    f, mark = item.finding, item.mark
    note = ""
    if mark.suppression is not None:
        note = f" [suppressed: {mark.suppression.reason}]"
    elif mark.in_baseline:
        note = " [in baseline]"
    return f"{f.rule_id} {f.severity}: {f.title}{note} (fingerprint {mark.fingerprint})"


def _case(page: PageResult, triage: Triage) -> tuple[ET.Element, str]:
    visit = page.visit
    url = visit.final_url or visit.url
    seconds = (
        visit.watch.watched_seconds
        if visit.watch
        else (visit.cpu.dwell_seconds if visit.cpu else 0.0)
    )
    case = ET.Element(
        "testcase",
        {"classname": _t(registrable_domain(url)), "name": _t(url), "time": f"{seconds:.2f}"},
    )
    items = page_findings(page, triage)
    counting = [i for i in items if i.mark.counts]
    lines = "\n".join(_line(i) for i in items)
    if page.verdict is Verdict.FAILED:
        err = ET.SubElement(
            case,
            "error",
            {
                "message": _t(visit.error or "page not rendered"),
                "type": _t(visit.failure or "failed"),
            },
        )
        err.text = _t(visit.error or "")
        return case, "error"
    if page.verdict in (Verdict.MINER, Verdict.SUSPICIOUS) and counting:
        reasons = page.analysis.reasons if page.analysis else ()
        fail = ET.SubElement(
            case,
            "failure",
            {
                "message": _t(
                    f"{page.verdict}: {reasons[0] if reasons else counting[0].finding.title}"
                ),
                "type": str(max(i.finding.severity for i in counting)),
            },
        )
        fail.text = _t(lines)
        return case, "failure"
    if lines:
        ET.SubElement(case, "system-out").text = _t(lines)
    return case, "pass"


def render(result: ScanResult, *, triage: Triage = NO_TRIAGE) -> str:
    scan = result.scan
    suite = ET.Element("testsuite", {"name": f"minerscan scan {scan.id}"})
    counts = {"error": 0, "failure": 0, "pass": 0}
    total = 0.0
    for page in result.pages:
        case, outcome = _case(page, triage)
        counts[outcome] += 1
        total += float(case.get("time", "0"))
        suite.append(case)
    suite.set("tests", str(len(result.pages)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", "0")
    suite.set("time", f"{total:.2f}")
    props = ET.Element("properties")
    for name, value in (
        ("targets", ", ".join(scan.targets)),
        ("status", scan.status),
        ("tool_version", scan.tool_version),
        ("signature_version", scan.signature_version),
    ):
        ET.SubElement(props, "property", {"name": name, "value": _t(value)})
    suite.insert(0, props)
    root = ET.Element(
        "testsuites",
        {
            "name": "minerscan",
            "tests": suite.get("tests", "0"),
            "failures": suite.get("failures", "0"),
            "errors": suite.get("errors", "0"),
        },
    )
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
