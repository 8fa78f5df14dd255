"""Every format, from one fixed stored scan: golden files, hostile strings, and each format's
own contract (JSON Schema, SARIF 2.1.0 schema and GitHub's rules, JUnit counts)."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from scan_fixture import DB_URL, HOSTILE, load_fixed

from minerscan.reports import RENDERERS, Format, render, terminal
from minerscan.schemas import REPORT_SCHEMA, SARIF_SCHEMA, load
from model.results import ScanResult

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("MINERSCAN_UPDATE_GOLDEN"))
CONTROLS = ("\x1b", "\x07", "\u202e")


def rendered(result: ScanResult, fmt: Format) -> str:
    if fmt is Format.TABLE:  # a fixed width: the terminal's own would change the golden file
        return terminal.render(result, db_url=DB_URL, width=160)
    return render(result, fmt, db_url=DB_URL)


def _comparable(fmt: Format, text: str) -> str:
    """SARIF carries every registered rule; other engineers add rules, so compare results only."""
    if fmt is not Format.SARIF:
        return text
    doc = json.loads(text)
    run = doc["runs"][0]
    run["tool"]["driver"]["rules"] = "(every registered rule; checked in test_sarif_rules_...)"
    for res in run["results"]:
        res.pop("ruleIndex")
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_every_format_has_a_renderer_a_golden_file_and_its_own_test() -> None:
    sources = "\n".join(
        p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py")
    )
    for fmt in Format:
        assert fmt in RENDERERS, f"format {fmt} has no renderer"
        assert (GOLDEN / f"scan.{fmt}").is_file(), f"format {fmt} has no golden file"
        assert re.search(rf"def test_{fmt}_\w+", sources), f"format {fmt} has no test of its own"


@pytest.mark.parametrize("fmt", list(Format), ids=str)
def test_golden_output(stored_scan: ScanResult, fmt: Format) -> None:
    text = _comparable(fmt, rendered(stored_scan, fmt))
    golden = GOLDEN / f"scan.{fmt}"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        f"{fmt} output changed; if on purpose, rerun with MINERSCAN_UPDATE_GOLDEN=1 and review "
        "the diff of tests/reports/golden/"
    )


def test_the_same_scan_stored_twice_renders_the_same(
    tmp_path: Path, stored_scan: ScanResult
) -> None:
    """Nothing in a report depends on the database file or row ids: fingerprints are stable."""
    again = load_fixed(tmp_path / "again.db")
    for fmt in Format:
        assert rendered(again, fmt) == rendered(stored_scan, fmt)


@pytest.mark.parametrize("fmt", list(Format), ids=str)
def test_hostile_strings_are_inert_in_every_format(stored_scan: ScanResult, fmt: Format) -> None:
    text = rendered(stored_scan, fmt)
    for ch in CONTROLS[:2]:  # ESC and BEL never reach a file raw (JSON escapes them itself)
        assert ch not in text, f"{fmt} leaks {ch!r}"
    if fmt in (Format.JSON, Format.JSONL, Format.SARIF):
        # JSON is data: the strings survive exactly, inside JSON strings, for a program to read
        docs = (
            [json.loads(line) for line in text.splitlines()]
            if fmt is Format.JSONL
            else [json.loads(text)]
        )
        assert any(HOSTILE in s for s in _strings(docs))
        return
    assert "\u202e" not in text, f"{fmt} leaks a bidi override"
    assert "\\u202e" in text  # shown, visibly
    if fmt in (Format.HTML, Format.MARKDOWN, Format.JUNIT):
        assert "<script>" not in text and "<img" not in text
        assert "&lt;script&gt;" in text
    if fmt is Format.MARKDOWN:
        assert not re.search(r"(?<!\\)\]\(", text) and " @here" not in text  # no link, no mention
    if fmt is Format.CSV:
        for row in csv.reader(io.StringIO(text)):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_json_validates_against_the_shipped_schema(stored_scan: ScanResult) -> None:
    doc = json.loads(rendered(stored_scan, Format.JSON))
    jsonschema.Draft202012Validator(load(REPORT_SCHEMA)).validate(doc)
    miner = doc["pages"][1]
    assert miner["profile"] == "desktop" and miner["watch"]["watched_seconds"] == 6.0
    assert miner["wasm_modules"] == [
        {
            "sha256": miner["wasm_modules"][0]["sha256"],
            "size": 32,
            "context": miner["wasm_modules"][0]["context"],
            "truncated": False,
        }
    ]
    parties = {s["url"]: s["third_party"] for s in miner["scripts"]}
    assert parties["https://cdn.example.net/lib.js"] is True
    assert parties["http://127.0.0.1:8000/static/m.js"] is False
    assert miner["injected_scripts"] == ["http://127.0.0.1:8000/static/m.js"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", f["fingerprint"]) for f in miner["findings"])


def test_json_schema_rejects_a_broken_report(stored_scan: ScanResult) -> None:
    """The schema is not a formality: a page without a verdict, or a bad severity, fails it."""
    doc = json.loads(rendered(stored_scan, Format.JSON))
    validator = jsonschema.Draft202012Validator(load(REPORT_SCHEMA))
    broken = copy.deepcopy(doc)
    del broken["pages"][0]["verdict"]
    assert not validator.is_valid(broken)
    broken = copy.deepcopy(doc)
    broken["pages"][1]["findings"][0]["severity"] = "severe"
    assert not validator.is_valid(broken)


def test_jsonl_page_lines_follow_the_page_schema(stored_scan: ScanResult) -> None:
    schema = load(REPORT_SCHEMA)
    page_schema = {**schema["$defs"]["page"], "$defs": schema["$defs"]}
    lines = [json.loads(line) for line in rendered(stored_scan, Format.JSONL).splitlines()]
    pages = [line for line in lines if line["type"] == "page"]
    assert len(pages) == 4
    for line in pages:
        jsonschema.Draft202012Validator(page_schema).validate(line)


def test_sarif_validates_against_the_sarif_2_1_0_schema(stored_scan: ScanResult) -> None:
    doc = json.loads(rendered(stored_scan, Format.SARIF))
    jsonschema.Draft4Validator(load(SARIF_SCHEMA)).validate(doc)
    assert doc["version"] == "2.1.0"


def test_sarif_follows_what_github_code_scanning_accepts(stored_scan: ScanResult) -> None:
    run = json.loads(rendered(stored_scan, Format.SARIF))["runs"][0]
    results = run["results"]
    assert len(results) == 5
    for res in results:
        loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert not re.match(r"^[a-z]+:", loc["uri"]), "GitHub rejects absolute URIs"
        assert loc["uriBaseId"] == "SCANNED_SITES"
        assert res["properties"]["final_url"] in res["message"]["text"]
        assert re.fullmatch(r"[0-9a-f]{32}", res["partialFingerprints"]["minerscanFinding/v1"])
    miner = next(r for r in results if r["ruleId"] == "MS301")
    assert miner["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "127.0.0.1_8000/blog/first-post.html"
    )
    assert miner["level"] == "error"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert "gone.html" in notes[0]["message"]["text"]  # the page nobody could check is said


def test_sarif_rules_come_from_the_analyzer_registry(stored_scan: ScanResult) -> None:
    from analyzers.base import registered_rules

    rules = json.loads(rendered(stored_scan, Format.SARIF))["runs"][0]["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    registry = registered_rules()
    assert set(registry) <= set(by_id)
    mp = by_id["MS301"]
    assert mp["help"]["text"] == registry["MS301"].description
    assert mp["properties"]["security-severity"] == "9.5" and mp["name"] == "MiningProtocol"
    assert by_id["MS204"]["properties"]["security-severity"] == "3.0"


def test_junit_has_one_case_per_page_and_failures_carry_findings(stored_scan: ScanResult) -> None:
    root = ET.fromstring(rendered(stored_scan, Format.JUNIT))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 4 and suite.get("failures") == "2" and suite.get("errors") == "1"
    miner = cases[1]
    failure = miner.find("failure")
    assert failure is not None and "MS301" in (failure.text or "")
    assert cases[0].find("failure") is None and cases[3].find("error") is not None


def test_markdown_has_summary_advice_and_every_page(stored_scan: ScanResult) -> None:
    text = rendered(stored_scan, Format.MARKDOWN)
    assert text.startswith("## minerscan scan")
    assert "1 miner, 1 suspicious, 1 clean, 1 failed" in text
    assert "**What to do**" in text and "Content-Security-Policy" in text
    # The injected miner is located, down to the script that inserted its tag.
    assert "added at run time by http\\://127.0.0.1\\:8000/static/loader.js" in text
    assert text.count("\n| ") >= 4 + 1  # the every-page table


def test_html_is_one_self_contained_file(stored_scan: ScanResult) -> None:
    text = rendered(stored_scan, Format.HTML)
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "no external reference"
    assert "default-src 'none'" in text
    assert text.count("<svg") == 2  # one CPU timeline per flagged page (miner, suspicious)
    assert "worker-src &#x27;self&#x27;" in text and "Rotate the passwords" in text
    assert "sig-golden-1" in text and "0.1.0" in text  # scan settings and signature version


def test_csv_has_fingerprints_and_neutralised_cells(stored_scan: ScanResult) -> None:
    rows = list(csv.DictReader(io.StringIO(rendered(stored_scan, Format.CSV))))
    assert len(rows) == 1 + 4 + 1 + 1  # clean, 4 miner findings, hostile, failed
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["fingerprint"]) for r in rows if r["rule_id"])


def test_table_shows_every_page(stored_scan: ScanResult) -> None:
    text = rendered(stored_scan, Format.TABLE)
    assert "4 pages: 1 miner, 1 suspicious, 1 clean, 1 failed" in text


def test_jsonl_starts_with_the_scan(stored_scan: ScanResult) -> None:
    first = json.loads(rendered(stored_scan, Format.JSONL).splitlines()[0])
    assert first["type"] == "scan" and first["summary"]["findings"] == 5


def test_json_lists_every_page(stored_scan: ScanResult) -> None:
    doc = json.loads(rendered(stored_scan, Format.JSON))
    assert [p["verdict"] for p in doc["pages"]] == ["clean", "miner", "suspicious", "failed"]


def test_markdown_stays_within_a_job_summary_for_a_survey(stored_scan: ScanResult) -> None:
    import dataclasses

    from minerscan.reports import markdown_report

    many = dataclasses.replace(stored_scan, pages=stored_scan.pages * 400)  # 1,600 pages
    text = rendered(many, Format.MARKDOWN)
    assert "600 more pages are not listed" in text
    assert f"{800 - markdown_report.MAX_DETAILED_PAGES} more pages with findings" in text
    assert len(text.encode()) < 1 << 20
