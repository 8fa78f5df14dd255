"""Where reports go: several ``--format``/``--output`` pairs in one run, and the CI triage.

``--format`` and ``--output`` pair up in order: ``--format sarif -o a.sarif --format markdown``
writes SARIF to ``a.sarif`` and Markdown to standard output. At most one report goes to
standard output. An output file is opened only once there is something to write.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from minerscan.config import ConfigError, ScanConfig
from minerscan.reports import Format, render
from minerscan.reports.triage import Triage, TriageError, load_baseline
from model.results import ScanResult


@dataclass(frozen=True)
class ReportTarget:
    fmt: Format
    output: Path | None  # None: standard output


def report_targets(
    fmts: tuple[str, ...] | str, outputs: tuple[Path, ...] | Path | None
) -> list[ReportTarget]:
    """Pair formats with outputs in the order given; formats left over go to standard output."""
    fmts = (fmts,) if isinstance(fmts, str) else tuple(fmts) or (Format.TABLE.value,)
    outputs = () if outputs is None else (outputs,) if isinstance(outputs, Path) else tuple(outputs)
    if len(outputs) > len(fmts):
        raise ConfigError(
            f"{len(outputs)} --output paths for {len(fmts)} --format(s); give one --format "
            "before each --output"
        )
    targets = [
        ReportTarget(Format(f), outputs[i] if i < len(outputs) else None)
        for i, f in enumerate(fmts)
    ]
    if sum(1 for t in targets if t.output is None) > 1:
        raise ConfigError(
            "more than one report would go to standard output; give each --format its --output"
        )
    written = [t.output.resolve() for t in targets if t.output is not None]
    if len(written) != len(set(written)):
        raise ConfigError("two reports would be written to the same --output file")
    return targets


def triage_for(config: ScanConfig) -> Triage:
    """The suppressions and baseline fingerprints this run's exit code honours."""
    baseline = None
    if config.baseline is not None:
        try:
            baseline = load_baseline(config.baseline)
        except TriageError as exc:
            raise ConfigError(str(exc)) from None
    return Triage(config.suppressions, baseline)


def write_reports(
    result: ScanResult, targets: list[ReportTarget], db_url: str, triage: Triage
) -> None:
    for target in targets:
        color = target.output is None and target.fmt is Format.TABLE and sys.stdout.isatty()
        text = render(result, target.fmt, db_url=db_url, color=color, triage=triage)
        if target.output is None:
            click.echo(text, nl=False)
            continue
        try:
            target.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ReportWriteError(target.output, exc) from None
        click.echo(f"{target.fmt} report written to {target.output}", err=True)


class ReportWriteError(Exception):
    def __init__(self, path: Path, exc: OSError) -> None:
        super().__init__(f"cannot write report to {path}: {exc.strerror or exc}")
        self.path = path
