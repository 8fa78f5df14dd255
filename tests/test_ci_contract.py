"""The CI contract through the real CLI over a stored scan: --fail-on levels, suppressions,
expiry, baselines, config discovery, `init`, several reports in one run, and `diff`."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "reports"))

import scan_fixture
from scan_fixture import SITE, clean_page, miner_page, store_scan

from analyzers.base import PageAnalysis, Severity, Verdict
from minerscan.cli import main
from minerscan.cli_ci import INIT_TEMPLATE
from minerscan.config import load_config_file


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    if cwd is None:
        result = runner.invoke(main, list(args))
    else:
        import os

        old = os.getcwd()
        os.chdir(cwd)
        try:
            result = runner.invoke(main, list(args))
        finally:
            os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def medium_only_page() -> tuple:
    visit, analysis = miner_page()
    mediums = tuple(f for f in analysis.findings if f.severity is Severity.MEDIUM)
    # Medium findings alone make a page suspicious; a page called a miner counts as HIGH
    # for --fail-on whatever its findings (minerscan.exitcodes).
    return visit, PageAnalysis(Verdict.SUSPICIOUS, 0.6, mediums, analysis.reasons)


@pytest.fixture
def miner_db(tmp_path: Path) -> Path:
    db = tmp_path / "scan.db"
    store_scan(db, pages=(clean_page, miner_page))
    return db


@pytest.fixture
def medium_db(tmp_path: Path) -> Path:
    db = tmp_path / "medium.db"
    store_scan(db, pages=(clean_page, medium_only_page))
    return db


@pytest.mark.parametrize(
    ("level", "critical_scan", "medium_scan"),
    [
        ("info", 1, 1),
        ("low", 1, 1),
        ("medium", 1, 1),
        ("high", 1, 0),
        ("critical", 1, 0),
        ("none", 0, 0),
    ],
)
def test_every_fail_on_level(
    miner_db: Path,
    medium_db: Path,
    tmp_path: Path,
    level: str,
    critical_scan: int,
    medium_scan: int,
) -> None:
    assert (
        run("report", "--db", str(miner_db), "--fail-on", level, "--format", "json", cwd=tmp_path)[
            0
        ]
        == critical_scan
    )
    assert run("report", "--db", str(medium_db), "--fail-on", level, cwd=tmp_path)[0] == medium_scan


def test_fail_on_none_still_reports_an_incomplete_scan(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    store_scan(db, pages=(clean_page, miner_page))
    from storage import Store

    with Store.open(str(db)) as store:
        store.finish_scan(1, "incomplete")
    assert run("report", "--db", str(db), "--fail-on", "none", cwd=tmp_path)[0] == 3


def _config(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "minerscan.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_suppressed_findings_do_not_fail_but_are_still_shown(
    miner_db: Path, tmp_path: Path
) -> None:
    until = (date.today() + timedelta(days=30)).isoformat()
    _config(
        tmp_path,
        f'[[suppressions]]\nrule = "MS*"\nurl = "{SITE}/blog/*"\n'
        f'reason = "our own load-test miner"\nexpires = {until}\n',
    )
    code, out, err = run("report", "--db", str(miner_db), "--format", "json", cwd=tmp_path)
    assert code == 0, err
    doc = json.loads(out)
    findings = doc["pages"][1]["findings"]
    assert len(findings) == 4 and all(
        f["suppressed"]["reason"] == "our own load-test miner" for f in findings
    )
    assert doc["summary"]["suppressed"] == 4
    code, out, _ = run("report", "--db", str(miner_db), "--format", "markdown", cwd=tmp_path)
    assert code == 0
    assert "suppressed (our own load-test miner, until " in out


def test_a_suppression_for_one_rule_leaves_the_others_counting(
    miner_db: Path, tmp_path: Path
) -> None:
    _config(tmp_path, f'[[suppressions]]\nrule = "MS501"\nurl = "{SITE}/*"\nreason = "benchmark"\n')
    assert run("report", "--db", str(miner_db), cwd=tmp_path)[0] == 1


def test_an_expired_suppression_fails_loudly(miner_db: Path, tmp_path: Path) -> None:
    past = (date.today() - timedelta(days=1)).isoformat()
    _config(
        tmp_path,
        f'[[suppressions]]\nrule = "MS301"\nurl = "*"\nreason = "until the fix"\nexpires = {past}\n',
    )
    code, _, err = run("report", "--db", str(miner_db), cwd=tmp_path)
    assert code == 2
    assert "expired" in err and "MS301" in err and "until the fix" in err


def test_a_suppression_needs_a_reason(miner_db: Path, tmp_path: Path) -> None:
    _config(tmp_path, '[[suppressions]]\nrule = "MS301"\nurl = "*"\n')
    code, _, err = run("report", "--db", str(miner_db), cwd=tmp_path)
    assert code == 2 and "reason" in err


def test_baseline_only_new_findings_count(miner_db: Path, medium_db: Path, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    assert (
        run("report", "--db", str(miner_db), "--format", "json", "-o", str(base), cwd=tmp_path)[0]
        == 1
    )
    # the same findings again: all in the baseline, nothing new
    code, out, _ = run(
        "report", "--db", str(miner_db), "--baseline", str(base), "--format", "json", cwd=tmp_path
    )
    assert code == 0 and all(f["baselined"] for f in json.loads(out)["pages"][1]["findings"])
    # a baseline that knew only the medium finding: the critical and high ones are new
    medium = tmp_path / "medium.json"
    run("report", "--db", str(medium_db), "--format", "json", "-o", str(medium), cwd=tmp_path)
    assert run("report", "--db", str(miner_db), "--baseline", str(medium), cwd=tmp_path)[0] == 1
    # a SARIF file works as a baseline too (its partialFingerprints)
    sarif = tmp_path / "base.sarif"
    run("report", "--db", str(miner_db), "--format", "sarif", "-o", str(sarif), cwd=tmp_path)
    assert run("report", "--db", str(miner_db), "--baseline", str(sarif), cwd=tmp_path)[0] == 0


def test_a_missing_baseline_is_a_usage_error(miner_db: Path, tmp_path: Path) -> None:
    code, _, err = run(
        "report", "--db", str(miner_db), "--baseline", str(tmp_path / "no.json"), cwd=tmp_path
    )
    assert code == 2 and "baseline" in err


def test_config_in_pyproject_tool_table_is_found(miner_db: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\n[tool.minerscan.scan]\nfail_on = "none"\n'
    )
    assert run("report", "--db", str(miner_db), cwd=tmp_path)[0] == 0
    assert (
        run("report", "--db", str(miner_db), "--fail-on", "high", cwd=tmp_path)[0] == 1
    )  # flag wins


def test_init_writes_a_commented_default_that_loads(tmp_path: Path) -> None:
    code, _, err = run("init", cwd=tmp_path)
    assert code == 0, err
    written = tmp_path / "minerscan.toml"
    assert written.read_text() == INIT_TEMPLATE
    assert load_config_file(written) == {}  # every setting commented out: the defaults
    assert run("init", cwd=tmp_path)[0] == 2  # never overwritten silently
    assert run("init", "--force", cwd=tmp_path)[0] == 0


def test_the_init_template_suppression_example_is_valid(tmp_path: Path) -> None:
    uncommented = "\n".join(
        line[2:] if line.startswith(("# [[", "# rule", "# url", "# reason", "# expires")) else line
        for line in INIT_TEMPLATE.splitlines()
    )
    cfg = _config(tmp_path, uncommented)
    (suppression,) = load_config_file(cfg)["suppressions"]
    assert suppression.rule_id == "MS503" and suppression.expires == date(2027, 3, 1)


def test_several_formats_in_one_run(miner_db: Path, tmp_path: Path) -> None:
    sarif, md = tmp_path / "a.sarif", tmp_path / "summary.md"
    code, out, err = run(
        "report",
        "--db",
        str(miner_db),
        "--format",
        "sarif",
        "-o",
        str(sarif),
        "--format",
        "markdown",
        "-o",
        str(md),
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert code == 1, err
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert md.read_text().startswith("## minerscan scan")
    assert json.loads(out)["summary"]["miner"] == 1  # the unpaired format went to stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "json", "--format", "csv"], "standard output"),
        (["-o", "a.json", "-o", "b.json"], "--output"),
        (["--format", "json", "-o", "same", "--format", "csv", "-o", "same"], "same"),
    ],
)
def test_bad_format_output_pairs_are_usage_errors(
    miner_db: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    code, _, err = run("report", "--db", str(miner_db), *args, cwd=tmp_path)
    assert code == 2 and message in err


def _json_report(db: Path, out: Path, cwd: Path) -> Path:
    run("report", "--db", str(db), "--format", "json", "-o", str(out), cwd=cwd)
    return out


def changed_miner_page() -> tuple:
    visit, analysis = miner_page()
    scripts = tuple(
        dataclasses.replace(s, sha256="0" * 64) if s.url.endswith("loader.js") else s
        for s in visit.scripts
    ) + (
        scan_fixture._script(
            scan_fixture.ScriptKind.EXTERNAL, "https://ads.example.com/t.js", "page", b"x"
        ),
    )
    ws = (
        *visit.websockets,
        dataclasses.replace(visit.websockets[0], url="wss://pool.example.com:443/"),
    )
    return dataclasses.replace(visit, scripts=scripts, websockets=ws), analysis


def test_diff_shows_new_findings_and_inventory_drift(tmp_path: Path, medium_db: Path) -> None:
    before = _json_report(medium_db, tmp_path / "before.json", tmp_path)
    db2 = tmp_path / "after.db"
    store_scan(db2, pages=(clean_page, changed_miner_page))
    after = _json_report(db2, tmp_path / "after.json", tmp_path)
    code, out, err = run("diff", str(before), str(after), cwd=tmp_path)
    assert code == 1, err  # a new critical finding (MS301)
    assert "new findings: 3" in out and "MS301" in out
    assert "new third-party script hosts: 1\n  ads.example.com" in out
    assert "changed scripts: 1" in out and "loader.js" in out
    assert "new WebSocket destinations: 1\n  wss://pool.example.com:443/" in out
    # the same run twice: nothing new, no drift, exit 0 even with --fail-on-drift
    assert run("diff", str(after), str(after), "--fail-on-drift", cwd=tmp_path)[0] == 0


def test_diff_fail_on_drift_without_new_findings(tmp_path: Path) -> None:
    db1, db2 = tmp_path / "1.db", tmp_path / "2.db"
    store_scan(db1, pages=(clean_page, miner_page))
    store_scan(db2, pages=(clean_page, changed_miner_page))
    a, b = (
        _json_report(db1, tmp_path / "a.json", tmp_path),
        _json_report(db2, tmp_path / "b.json", tmp_path),
    )
    code, out, _ = run("diff", str(a), str(b), cwd=tmp_path)
    assert code == 0 and "new findings: 0" in out  # same findings; drift alone does not fail
    assert run("diff", str(a), str(b), "--fail-on-drift", cwd=tmp_path)[0] == 1
    code, out, _ = run("diff", str(a), str(b), "--format", "json", cwd=tmp_path)
    assert json.loads(out)["new_third_party_hosts"] == ["ads.example.com"]


def test_diff_two_stored_scans_by_id(tmp_path: Path) -> None:
    db = tmp_path / "both.db"
    store_scan(db, pages=(clean_page, medium_only_page))
    store_scan(db, pages=(clean_page, miner_page))
    code, out, _ = run("diff", "1", "2", "--db", str(db), cwd=tmp_path)
    assert code == 1 and "new findings: 3" in out and "resolved findings: 0" in out


def test_config_file_targets_are_scanned_when_none_are_given(tmp_path: Path) -> None:
    _config(tmp_path, '[scan]\ntargets = ["ftp://example.org/"]\n')
    code, _, err = run("scan", cwd=tmp_path)
    assert code == 2 and "ftp://example.org" in err  # the file's target was read (and refused)
    assert "no targets given" not in err


def test_an_expired_suppression_says_where_to_fix_it(miner_db: Path, tmp_path: Path) -> None:
    _config(
        tmp_path,
        '[[suppressions]]\nrule = "MS301"\nurl = "*"\nreason = "r"\nexpires = 2020-01-01\n',
    )
    _, _, err = run("report", "--db", str(miner_db), cwd=tmp_path)
    assert "Tip: edit the [[suppressions]]" in err


README = Path(__file__).parent.parent / "README.md"


def test_the_readme_ci_config_example_loads(tmp_path: Path) -> None:
    import re

    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    ci = next(b for b in blocks if "[[suppressions]]" in b)
    config = load_config_file(_config(tmp_path, ci))
    assert config["targets"] == ("https://staging.example.org/",)
    assert config["suppressions"][0].rule_id == "MS503"


def test_the_readme_workflow_uses_real_formats_and_options() -> None:
    import re

    from minerscan.reports import Format

    text = README.read_text(encoding="utf-8")
    workflow = re.search(r"```yaml\n(name: minerscan nightly.*?)```", text, re.DOTALL)
    assert workflow is not None
    body = workflow.group(1)
    formats = re.findall(r"--format (\w+)", body)
    assert set(formats) == {"sarif", "json", "html", "markdown"}
    assert all(f in {m.value for m in Format} for f in formats)
    assert "upload-sarif" in body and "GITHUB_STEP_SUMMARY" in body
    code, out, _ = run("diff", "--help")
    assert code == 0 and "--fail-on-drift" in out
    code, out, _ = run("scan", "--help")
    assert code == 0 and "--baseline" in out
