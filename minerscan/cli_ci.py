"""CI commands: ``minerscan init`` (a commented config file) and ``minerscan diff A B``.

Registered onto the click group in :mod:`minerscan.cli`; only the CLI turns errors into exit
codes. ``diff`` exits 1 when a finding at or above ``--fail-on`` is new, or with
``--fail-on-drift`` when the script inventory drifted; 0 otherwise; 2 on bad input.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from minerscan.cli import DEFAULT_DB, UsageProblem, db_option, handle_errors, main
from minerscan.config import CONFIG_FILE, FAIL_NEVER, parse_severity
from minerscan.exitcodes import CLEAN, FINDINGS
from minerscan.reports.drift import Drift, diff_documents
from minerscan.reports.escape import terminal_safe
from model.analysis import Severity

INIT_TEMPLATE = """\
# minerscan configuration. `minerscan scan` and `minerscan report` read ./minerscan.toml (or
# [tool.minerscan] in ./pyproject.toml, with the same tables) unless --config names a file.
# Command-line options override what is set here. Paths are relative to this file.

[scan]
# depth = 2                 # link depth from each target
# max_pages = 50            # pages per site
# dwell = 5.0               # seconds each page is watched after load
# max_dwell = 15.0
# concurrency = 4
# obey_robots = true
# fail_on = "high"          # exit 1 at or above: info, low, medium, high, critical; or "none"
# max_failed = 0.5          # fraction of failed pages above which the scan is incomplete (exit 3)
# baseline = "minerscan-baseline.json"  # a previous --format json report: only new findings fail
# db = "minerscan.db"

[signatures]
# lists = ["lists/our-own-blocklist.txt"]   # extra adblock or hosts lists
# rule_dirs = ["yara/"]                     # extra YARA rules

# A finding you have checked and accept. rule: a rule id (globs such as "MS5*" work); url: a
# pattern over the page URL; reason: required; expires: after this date the suppression is an
# error (exit 2), so a temporary exception cannot become permanent. Suppressed findings are
# still shown in every report, marked.
# [[suppressions]]
# rule = "MS503"
# url = "https://shop.example.org/checkout/*"
# reason = "the payment provider's proof-of-work captcha; reviewed by the security team"
# expires = 2027-03-01
"""


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=CONFIG_FILE)
@handle_errors
def init(path: Path, force: bool) -> None:
    """Write a commented default configuration file (./minerscan.toml).

    \b
    Example:
      minerscan init && $EDITOR minerscan.toml
    """
    if path.exists() and not force:
        raise UsageProblem(f"{path} already exists", "edit it, or pass --force to overwrite it")
    try:
        path.write_text(INIT_TEMPLATE, encoding="utf-8")
    except OSError as exc:
        raise UsageProblem(f"cannot write {path}: {exc.strerror or exc}") from None
    click.echo(f"wrote {path}; every setting in it is commented out, at its default", err=True)


def _document(ref: str, db: str | None) -> dict[str, Any]:
    """A scan id in --db, or a saved --format json report."""
    if ref.isdigit():
        from minerscan.reports.json_report import document
        from storage import Store

        with Store.open(db or DEFAULT_DB) as store:
            try:
                result = store.load_result(int(ref))
            except LookupError:
                raise UsageProblem(f"no scan {ref} in {store.url}") from None
            return document(result, str(store.url))
    path = Path(ref)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageProblem(
            f"{ref} is neither a scan id nor a file", "give two scan ids or two JSON reports"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageProblem(f"{ref} is not a JSON report: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("pages"), list):
        raise UsageProblem(
            f"{ref} is not a minerscan JSON report", "make one with --format json -o FILE"
        )
    return doc


def _text(drift: Drift) -> str:
    lines = []

    def section(title: str, items: list[str]) -> None:
        lines.append(f"{title}: {len(items)}")
        lines.extend(f"  {terminal_safe(item, limit=300)}" for item in items)

    section(
        "new findings",
        [f"{f.rule_id} {f.severity} {f.title} ({f.page})" for f in drift.new_findings],
    )
    section(
        "resolved findings",
        [f"{f.rule_id} {f.severity} {f.title} ({f.page})" for f in drift.resolved_findings],
    )
    section("new third-party script hosts", list(drift.new_third_party_hosts))
    section("new scripts", [f"{s.script} on {s.page}" for s in drift.new_scripts])
    section(
        "changed scripts",
        [
            f"{s.script} on {s.page}: {', '.join(h[:12] for h in s.old)} -> "
            f"{', '.join(h[:12] for h in s.new)}"
            for s in drift.changed_scripts
        ],
    )
    section("new WebSocket destinations", list(drift.new_websocket_destinations))
    lines += [f"note: {n}" for n in drift.notes]
    return "\n".join(lines) + "\n"


@main.command()
@click.argument("old")
@click.argument("new")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the differences.",
)
@click.option(
    "--fail-on",
    default="high",
    show_default=True,
    metavar="SEVERITY",
    help="Exit 1 when a new finding is at or above this severity (or none).",
)
@click.option(
    "--fail-on-drift",
    is_flag=True,
    help="Also exit 1 when the script inventory drifted: a new third-party host, a new or "
    "changed script, a new WebSocket destination.",
)
@handle_errors
def diff(old: str, new: str, db: str | None, fmt: str, fail_on: str, fail_on_drift: bool) -> None:
    """Compare two runs: OLD and NEW are scan ids in --db or saved --format json reports.

    Shows new and resolved findings (by fingerprint) and the script inventory drift.

    \b
    Examples:
      minerscan diff 3 4 --db nightly.db
      minerscan diff last-night.json tonight.json --fail-on-drift
    """
    threshold = parse_severity(fail_on)
    drift = diff_documents(_document(old, db), _document(new, db))
    if fmt == "json":
        click.echo(json.dumps(asdict(drift), indent=2, ensure_ascii=False))
    else:
        click.echo(_text(drift), nl=False)
    failing = threshold != FAIL_NEVER and any(
        _severity(f.severity) >= threshold for f in drift.new_findings
    )
    if failing or (fail_on_drift and drift.inventory_drifted):
        sys.exit(FINDINGS)
    sys.exit(CLEAN)


def _severity(name: str) -> Severity:
    try:
        return Severity.parse(name)
    except ValueError:
        return Severity.INFO
