"""Researcher commands: ``campaigns``, ``export`` and ``blocklist`` over stored scans.

Registered onto the click group in :mod:`minerscan.cli`. They read stored results only; none
crawls or analyses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from minerscan.cli import DEFAULT_DB, UsageProblem, db_option, handle_errors, main
from model.results import ScanResult


def _scan_ids(store: Any, wanted: tuple[int, ...], *, newest_only: bool = False) -> list[int]:
    if wanted:
        return list(wanted)
    scans = [s.id for s in store.scans()]
    if not scans:
        raise UsageProblem(f"no scans stored in {store.url}", "run 'minerscan scan URL' first")
    return scans[-1:] if newest_only else scans


def _results(store: Any, ids: list[int]) -> Iterator[ScanResult]:
    for scan_id in ids:
        yield store.load_result(scan_id)


def _write(text: str | bytes, output: Path | None, what: str) -> None:
    if output is None:
        if isinstance(text, bytes):
            raise UsageProblem(f"{what} is binary", "give --output FILE")
        click.echo(text, nl=False)
        return
    try:
        if isinstance(text, bytes):
            output.write_bytes(text)
        else:
            output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageProblem(
            f"cannot write {output}: {exc.strerror or exc}", "choose a writable --output path"
        ) from None
    click.echo(f"{what} written to {output}", err=True)


def scan_option(help_text: str) -> Any:
    return click.option("--scan", "scan_ids", type=int, multiple=True, help=help_text)


output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of standard output.",
)


@main.command()
@db_option
@scan_option("A scan to include (repeat it). Default: every stored scan.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@output_option
@handle_errors
def campaigns(db: str | None, scan_ids: tuple[int, ...], fmt: str, output: Path | None) -> None:
    """Group miner pages across sites by wallet, site key, pool, script hash and wasm hash.

    Each row is one value an operator reused, with how many pages and which sites carried it,
    and when it was first and last seen.

    \b
    Examples:
      minerscan campaigns --db survey.db
      minerscan campaigns --db survey.db --scan 3 --scan 4 --format csv -o campaigns.csv
    """
    from minerscan.reports import campaigns as grouping
    from storage import Store

    with Store.open(db or DEFAULT_DB) as store:
        found = grouping.campaigns(_results(store, _scan_ids(store, scan_ids)))
    render = {
        "table": grouping.render_table,
        "json": grouping.render_json,
        "csv": grouping.render_csv,
    }[fmt]
    _write(render(found), output, "campaigns")


@main.command()
@db_option
@scan_option("A scan to export (repeat it). Default: every stored scan.")
@click.option(
    "--table",
    "table",
    type=click.Choice(
        [
            "pages",
            "findings",
            "scripts",
            "requests",
            "websockets",
            "frames",
            "workers",
            "wasm",
            "cpu",
        ]
    ),
    default="pages",
    show_default=True,
    help="Which observations: one row each, with scan_id, visit_id and page_url to join on.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    default="csv",
    show_default=True,
    help="parquet needs pyarrow installed.",
)
@output_option
@handle_errors
def export(
    db: str | None, scan_ids: tuple[int, ...], table: str, fmt: str, output: Path | None
) -> None:
    """Export raw observations as a flat table for pandas, duckdb or a spreadsheet.

    JSON Lines and Parquet keep every value exactly; CSV neutralises spreadsheet formulas.

    \b
    Examples:
      minerscan export --db survey.db --table findings --format jsonl -o findings.jsonl
      minerscan export --db survey.db --table scripts --format parquet -o scripts.parquet
    """
    from minerscan.reports import export as tables
    from storage import Store

    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise UsageProblem(
                "--format parquet needs pyarrow, which is not installed",
                "pip install pyarrow, or use --format jsonl or csv",
            ) from None
        if output is None:
            raise UsageProblem("Parquet is binary", "give --output FILE")
    with Store.open(db or DEFAULT_DB) as store:
        rows = list(tables.rows(table, _results(store, _scan_ids(store, scan_ids))))
    if fmt == "csv":
        data: str | bytes = tables.to_csv(table, rows)
    elif fmt == "jsonl":
        data = tables.to_jsonl(rows)
    else:
        data = tables.to_parquet(table, rows)
    _write(data, output, f"{len(rows)} {table} rows")


@main.command()
@db_option
@scan_option("A scan to take hosts from (repeat it). Default: the newest.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["adblock", "hosts"]),
    default="adblock",
    show_default=True,
    help="adblock: ||host^$websocket and ||host/path$script filters; hosts: 0.0.0.0 lines.",
)
@output_option
@handle_errors
def blocklist(db: str | None, scan_ids: tuple[int, ...], fmt: str, output: Path | None) -> None:
    """Write the miner hosts, pool endpoints and script paths a scan found as a filter list.

    Only miner and suspicious pages contribute. A miner on a compromised site's own host is
    blocked by its path, never the whole site; hosts lists leave out IP addresses.

    \b
    Examples:
      minerscan blocklist --scan 3 -o found.txt
      minerscan blocklist --scan 3 --format hosts -o found.hosts
    """
    from minerscan.reports import blocklist_export as lists
    from storage import Store

    with Store.open(db or DEFAULT_DB) as store:
        ids = _scan_ids(store, scan_ids, newest_only=True)
        infra = lists.infrastructure(_results(store, ids))
    text = lists.adblock(infra, ids) if fmt == "adblock" else lists.hosts_list(infra, ids)
    _write(text, output, f"{fmt} list")
