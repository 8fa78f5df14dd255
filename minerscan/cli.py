"""The command line: a thin click group. Only this module turns exceptions into exit codes.

Exit codes (a contract, see README): 0 clean; 1 findings at or above --fail-on; 2 usage or
configuration error; 3 scan incomplete (too many pages failed, or interrupted).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

import minerscan
from minerscan.config import (
    DEFAULT_DB,
    ConfigError,
    ScanConfig,
    build_config,
    discover_config_file,
    load_config_file,
    parse_severity,
)
from minerscan.entry import sigterm_like_ctrl_c
from minerscan.exitcodes import INCOMPLETE, exit_code
from minerscan.exitcodes import USAGE as EXIT_USAGE
from minerscan.reports import Format
from minerscan.reports.escape import terminal_safe
from minerscan.reports.triage import Triage

F = TypeVar("F", bound=Callable[..., Any])


class UsageProblem(click.ClickException):
    """One line saying what went wrong, a hint saying what to do, exit code 2."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def show(self, file: Any = None) -> None:
        click.echo(f"minerscan: error: {self.message}", err=True)
        if self.hint:
            click.echo(f"Tip: {self.hint}", err=True)


def db_option(f: F) -> F:
    return click.option(
        "--db",
        default=None,
        metavar="PATH|URL",
        help=f"Where results go: a SQLite file path or a SQLAlchemy URL "
        f"(sqlite:///scan.db, postgresql://user@host/db). Default: ./{DEFAULT_DB}.",
    )(f)


def report_options(f: F) -> F:
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice([m.value for m in Format]),
        multiple=True,
        help="Report format (default: table). Repeat it, each with its --output, to write "
        "several reports in one run.",
    )(f)
    f = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        multiple=True,
        help="Write the report of the --format before it to FILE instead of standard output.",
    )(f)
    return f


def verdict_options(f: F) -> F:
    f = click.option(
        "--fail-on",
        default=None,
        metavar="SEVERITY",
        help="Exit 1 when any finding is at or above this severity: info, low, medium, high, "
        "critical, or none (never). Default: high.",
    )(f)
    f = click.option(
        "--baseline",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="A previous --format json report: only findings not in it count toward the exit code.",
    )(f)
    f = click.option(
        "--exit-zero",
        is_flag=True,
        default=None,
        help="Always exit 0 unless the command line is wrong (for surveys).",
    )(f)
    f = click.option(
        "--debug",
        is_flag=True,
        default=None,
        help="Re-raise analyzer errors instead of recording them and going on.",
    )(f)
    return f


def _profiles(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> Any:
    return tuple(dict.fromkeys(value)) or None  # None: not given, the config file decides


def profile_option(f: F) -> F:
    return click.option(
        "--profile",
        "profiles",
        multiple=True,
        metavar="NAME",
        callback=_profiles,
        help="The browser each page is shown to: desktop (Chrome on a Windows laptop), mobile "
        "(Chrome on an Android phone) or scanner (headless, names minerscan in its user agent). "
        "Repeat to visit every page once with each. Default: desktop.",
    )(f)


def crawl_options(f: F) -> F:
    options = [
        profile_option,
        click.option(
            "--depth", type=int, default=None, help="Link depth from each target. Default: 2."
        ),
        click.option(
            "--max-pages", type=int, default=None, help="Pages per site at most. Default: 50."
        ),
        click.option(
            "--ignore-robots", is_flag=True, default=False, help="Do not obey robots.txt."
        ),
        click.option(
            "--dwell",
            type=float,
            default=None,
            help="Seconds to watch each page after it loaded. Default: 5.",
        ),
        click.option(
            "--max-dwell",
            type=float,
            default=None,
            help="The dwell may grow to this while workers or sockets keep appearing. Default: 15.",
        ),
        click.option(
            "--concurrency",
            type=int,
            default=None,
            help="Pages rendered at once. Default: from the machine, 8 a core (2 to 32) as "
            "memory allows; the scan's first line says what was chosen.",
        ),
        click.option(
            "--page-timeout",
            type=float,
            default=None,
            help="Seconds a page may take to load. Default: 30.",
        ),
        click.option(
            "--browser-path",
            default=None,
            metavar="PATH",
            help="Chromium to use (also MINERSCAN_CHROMIUM). Default: found automatically.",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False, path_type=Path),
            default=discover_config_file,
            show_default="./minerscan.toml, or [tool.minerscan] in ./pyproject.toml",
            help="A TOML file with [scan] and [signatures] settings and [[suppressions]].",
        ),
        click.option(
            "--offline",
            "closed_network",
            is_flag=True,
            default=None,
            help="Chromium resolves only localhost and 127.0.0.1: scan a local copy of a "
            "site with no other network traffic.",
        ),
        click.option(
            "--ignore-https-errors",
            is_flag=True,
            default=None,
            help="Load pages whose TLS certificate is invalid (self-signed, expired, wrong "
            "host); without it they are recorded as failed with reason tls.",
        ),
        click.option(
            "--recycle-browser",
            type=int,
            default=None,
            metavar="PAGES",
            help="Start a fresh Chromium after this many pages (0: never); a crashed one is "
            "always relaunched. Default: 100.",
        ),
        click.option(
            "--max-failed",
            type=float,
            default=None,
            help="Fraction of failed pages above which the scan is incomplete (exit 3). "
            "Default: 0.5.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def progress_option(f: F) -> F:
    """--progress, kept in the click context so the command's own signature stays as it is."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str) -> str:
        ctx.meta["minerscan.progress"] = value
        return value

    return click.option(
        "--progress",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        expose_value=False,
        callback=remember,
        help="A progress bar on standard error: auto draws it on a terminal (plain lines "
        "otherwise), always draws it, never prints nothing per page. NO_COLOR is honoured.",
    )(f)


def handle_errors(f: F) -> F:
    """Known errors become one line and exit 2; everything else keeps its traceback only with --debug."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from crawler.browser import BrowserNotFound
        from crawler.urls import InvalidTarget
        from storage import StorageError

        try:
            return f(*args, **kwargs)
        except ConfigError as exc:
            hint = getattr(exc, "hint", None) or "see --help for the valid values"
            raise UsageProblem(str(exc), hint) from None
        except InvalidTarget as exc:
            raise UsageProblem(
                str(exc), "give a URL such as https://example.org/ or a host name"
            ) from None
        except StorageError as exc:
            raise UsageProblem(str(exc)) from None
        except BrowserNotFound as exc:
            raise UsageProblem(str(exc), "run 'minerscan doctor' to see what was tried") from None
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM before the crawl (or after it) ran
            click.echo(
                "minerscan: interrupted; nothing stored was lost. Run the same command again "
                "(a scan with --resume) to continue.",
                err=True,
            )
            sys.exit(INCOMPLETE)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(minerscan.__version__, prog_name="minerscan")
def main() -> None:
    """Find cryptocurrency miners injected into websites.

    \b
    Examples:
      minerscan demo                              scan the bundled demo site (offline)
      minerscan scan https://example.org          crawl and render a site, report per page
      minerscan scan --seeds seeds/sites.txt --format json -o out.json
      minerscan report --format csv               the last stored scan, again
      minerscan doctor                            is a usable Chromium installed?
    """
    sigterm_like_ctrl_c()  # also when the CLI is called other than through minerscan.entry
    # A handler with its own level: Scrapy lowers the root logger's level when it starts.
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)


def load_context(config: ScanConfig) -> Any:
    """Bundled signatures, lists from `signatures update`, and the config's own lists and rules."""
    from analyzers.engine import AnalysisContext
    from minerscan.datadir import updated_lists

    try:
        return AnalysisContext.load(
            extra_lists=updated_lists() + list(config.extra_lists),
            extra_rule_dirs=list(config.extra_rule_dirs),
        )
    except ValueError as exc:
        raise ConfigError(f"cannot load signatures: {exc}") from None


def _read_seeds(path: Path) -> list[str]:
    """One target per line; '#' comments; Tranco-style 'rank,domain' lines take the domain."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read seeds file {path}: {exc.strerror or exc}") from None
    targets = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            targets.append(line.rsplit(",", 1)[-1].strip())
    return targets


def _progress(visit: Any, analysis: Any) -> None:
    from minerscan.progress import plain_line

    click.echo(plain_line(visit, analysis), err=True)


def _scan_progress(config: ScanConfig) -> Any:
    from minerscan.progress import ProgressMode, ScanProgress

    ctx = click.get_current_context(silent=True)
    mode = ProgressMode((ctx.meta if ctx else {}).get("minerscan.progress", "auto"))
    return ScanProgress(mode, config.max_pages * max(len(config.targets), 1))


def _report(result: Any, fmt: Any, output: Any, db_url: str, triage: Triage | None = None) -> None:
    """Render ``result`` in each ``--format``; write each to its ``--output`` or standard output."""
    from minerscan.cli_output import ReportWriteError, report_targets, write_reports

    try:
        write_reports(result, report_targets(fmt, output), db_url, triage or Triage())
    except ReportWriteError as exc:
        raise UsageProblem(str(exc), "choose a writable --output path") from None


def _scan_and_report(config: ScanConfig, fmt: Any, output: Any) -> int:
    from crawler.browser import find_browser
    from crawler.run import VisitSinkError
    from minerscan.cli_output import report_targets, triage_for
    from minerscan.scan import run_scan
    from storage import Store

    report_targets(fmt, output)  # a bad --format/--output pairing fails before the crawl
    triage = triage_for(config)
    if not config.static:  # --static needs no browser
        find_browser(config.browser_path)  # fail before the crawl, with a hint, if there is none
    context = load_context(config)
    store = Store.open(config.db)
    try:
        click.echo(
            f"scanning {', '.join(terminal_safe(t) for t in config.targets)} "
            f"({'static triage, no browser; ' if config.static else ''}"
            f"{config.concurrency} page{'s' if config.concurrency != 1 else ''} at once, "
            f"{config.concurrency_basis or 'as given'}, fewer while the CPU is saturated; "
            f"results in {store.url})",
            err=True,
        )
        try:
            with _scan_progress(config) as bar:
                outcome = run_scan(
                    config, store, context, progress=bar.page, scheduled=bar.scheduled
                )
        except VisitSinkError as exc:
            click.echo(
                f"minerscan: error: could not store a page visit: {exc.__cause__ or exc}; "
                "the visits stored before it are kept. Fix the database, then run again "
                "with --resume.",
                err=True,
            )
            return INCOMPLETE
        except KeyboardInterrupt:
            click.echo(
                "minerscan: interrupted before the crawl started; nothing was lost. "
                "Run again with --resume to continue.",
                err=True,
            )
            return INCOMPLETE
        _report(outcome.result, fmt, output, str(store.url), triage)
        if outcome.incomplete:
            failed = sum(1 for p in outcome.result.pages if str(p.verdict) == "failed")
            why = (
                "interrupted"
                if outcome.interrupted
                else f"{failed} of {len(outcome.result.pages)} pages failed"
            )
            click.echo(
                f"minerscan: scan incomplete: {why}; run again with --resume to continue, "
                "or check the errors above",
                err=True,
            )
        return exit_code(
            outcome.result,
            incomplete=outcome.incomplete,
            fail_on=config.fail_on,
            exit_zero=config.exit_zero,
            counts=triage.counts,
        )
    finally:
        store.close()


@main.command()
@click.argument("targets", nargs=-1)
@click.option(
    "--seeds",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A file of targets, one per line (Tranco 'rank,domain' lines work too).",
)
@click.option(
    "--resume",
    is_flag=True,
    default=False,
    help="Continue the newest unfinished scan of the same targets in --db.",
)
@click.option(
    "--static",
    is_flag=True,
    default=None,
    help="Fast triage without a browser: fetch each page's HTML and scripts, match blocklists "
    "and script signatures only (no CPU, sockets or wasm). For a first pass over a long list.",
)
@db_option
@crawl_options
@report_options
@verdict_options
@progress_option
@handle_errors
def scan(
    targets: tuple[str, ...],
    seeds: Path | None,
    resume: bool,
    db: str | None,
    config_file: Path | None,
    ignore_robots: bool,
    fmt: tuple[str, ...],
    output: tuple[Path, ...],
    fail_on: str | None,
    **options: Any,
) -> None:
    """Crawl TARGETS, render every page in Chromium and report miners.

    Each target is a URL or host name; the crawl stays on its registrable domain.

    \b
    Examples:
      minerscan scan https://example.org
      minerscan scan example.org --depth 1 --max-pages 10 --dwell 8
      minerscan scan --seeds seeds/example-targets.txt --format json -o scan.json --exit-zero
      minerscan scan --static --seeds big-list.txt --exit-zero      triage, no browser
    """
    from crawler.urls import normalize_target

    raw = list(targets) + (_read_seeds(seeds) if seeds else [])
    if not raw and config_file is not None:  # a CI job's config may name its targets
        raw = list(load_config_file(config_file).get("targets", ()))
    if not raw:
        raise UsageProblem(
            "no targets given", "pass a URL, e.g. minerscan scan https://example.org"
        )
    normalized = tuple(dict.fromkeys(normalize_target(t) for t in raw))
    config = build_config(
        config_file,
        targets=normalized,
        db=db,
        resume=resume,
        obey_robots=False if ignore_robots else None,
        fail_on=parse_severity(fail_on) if fail_on else None,
        **options,
    )
    sys.exit(_scan_and_report(config, fmt, output))


DEMO_SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "demo.txt"


def _demo_targets(site: Any) -> tuple[str, ...]:
    """The demo seed list's paths on the running demo server (its root when the list is absent)."""
    paths = _read_seeds(DEMO_SEEDS) if DEMO_SEEDS.is_file() else ["/"]
    return tuple(site.url(p.lstrip("/")) for p in paths)


@main.command()
@db_option
@click.option("--dwell", type=float, default=None, help="Seconds to watch each page. Default: 5.")
@profile_option
@report_options
@verdict_options
@progress_option
@handle_errors
def demo(
    db: str | None,
    dwell: float | None,
    fmt: tuple[str, ...],
    output: tuple[Path, ...],
    fail_on: str | None,
    **options: Any,
) -> None:
    """Scan the bundled demo site: a small shop with one injected miner.

    Serves the site and a mining-pool emulator on free 127.0.0.1 ports, scans it with Chromium
    on a closed network, prints the report and shuts everything down. Exits 1: a miner is found.

    \b
    Example:
      minerscan demo --format json -o demo.json
    """
    from minerscan.sites.demo import demo_servers

    with demo_servers() as (site, pool):
        click.echo(f"demo site at {site.base_url}, pool emulator at {pool.ws_url}", err=True)
        config = build_config(
            None,
            targets=_demo_targets(site),
            db=db,
            dwell=dwell,
            closed_network=True,
            fail_on=parse_severity(fail_on) if fail_on else None,
            **options,
        )
        code = _scan_and_report(config, fmt, output)
    sys.exit(code)


@main.command()
@db_option
@click.option("--scan", "scan_id", type=int, default=None, help="Scan id. Default: the newest.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=discover_config_file,
    show_default="./minerscan.toml, or [tool.minerscan] in ./pyproject.toml",
    help="A TOML file whose fail_on, baseline and [[suppressions]] apply.",
)
@report_options
@verdict_options
@handle_errors
def report(
    db: str | None,
    scan_id: int | None,
    config_file: Path | None,
    fmt: tuple[str, ...],
    output: tuple[Path, ...],
    fail_on: str | None,
    baseline: Path | None,
    exit_zero: bool | None,
    debug: bool | None,
) -> None:
    """Report a stored scan again, in any format, without crawling.

    \b
    Examples:
      minerscan report --db scan.db --format csv -o scan.csv
      minerscan report --format sarif -o scan.sarif --format markdown -o summary.md
      minerscan report --baseline last-night.json --fail-on medium
    """
    from minerscan.cli_output import report_targets, triage_for
    from storage import Store

    config = _verdict_config(config_file, db, fail_on, baseline, exit_zero)
    report_targets(fmt, output)
    triage = triage_for(config)
    store = Store.open(db or config.db)
    try:
        result = _load_scan(store, scan_id)
        _report(result, fmt, output, str(store.url), triage)
        sys.exit(_stored_exit_code(result, config, triage))
    finally:
        store.close()


def _verdict_config(
    config_file: Path | None,
    db: str | None,
    fail_on: str | None,
    baseline: Path | None,
    exit_zero: bool | None,
) -> ScanConfig:
    """Settings for a command that judges a stored scan: the file's, then the options given."""
    return build_config(
        config_file,
        db=db,
        fail_on=parse_severity(fail_on) if fail_on else None,
        baseline=baseline,
        exit_zero=exit_zero,
    )


def _stored_exit_code(result: Any, config: ScanConfig, triage: Triage) -> int:
    """The exit-code contract for a scan read back from the database."""
    return exit_code(
        result,
        incomplete=result.scan.status != "complete",
        fail_on=config.fail_on,
        exit_zero=config.exit_zero,
        counts=triage.counts,
    )


def _load_scan(store: Any, scan_id: int | None) -> Any:
    if scan_id is None:
        scan_id = store.latest_scan_id()
        if scan_id is None:
            raise UsageProblem(f"no scans stored in {store.url}", "run 'minerscan scan URL' first")
    try:
        return store.load_result(scan_id)
    except LookupError:
        raise UsageProblem(
            f"no scan {scan_id} in {store.url}", "list scans with 'minerscan report'"
        ) from None


@main.command()
@handle_errors
def doctor() -> None:
    """Check that a usable Chromium and the browser tooling are installed.

    Exits 0 when a scan can run, 2 when it cannot (with what to do).

    \b
    Example:
      MINERSCAN_CHROMIUM=/usr/bin/chromium minerscan doctor
    """
    from crawler.browser import doctor_report

    ok_all = True
    for check, ok, detail in doctor_report():
        ok_all &= ok
        click.echo(f"{'ok ' if ok else 'FAIL'} {check}: {detail}")
    if not ok_all:
        click.echo(
            "Tip: install a browser with 'python -m playwright install chromium' or "
            "'apt-get install chromium', or point MINERSCAN_CHROMIUM at one.",
            err=True,
        )
        sys.exit(EXIT_USAGE)


@main.command()
@db_option
@click.option("--scan", "scan_id", type=int, default=None, help="Scan id. Default: the newest.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file whose [signatures] adds lists and rule folders.",
)
@report_options
@verdict_options
@handle_errors
def reanalyze(
    db: str | None,
    scan_id: int | None,
    config_file: Path | None,
    fmt: tuple[str, ...],
    output: tuple[Path, ...],
    fail_on: str | None,
    baseline: Path | None,
    exit_zero: bool | None,
    debug: bool | None,
) -> None:
    """Run the current analyzers and signatures over a stored scan, without crawling.

    Each new finding records the signature version that produced it; earlier analyses stay
    in the database as history.

    \b
    Example:
      minerscan reanalyze --db survey.db --scan 3 --format json -o rescan.json
    """
    from minerscan.cli_output import report_targets, triage_for
    from minerscan.scan import reanalyze as run_reanalysis
    from storage import Store

    config = build_config(config_file, db=db, debug=debug)
    verdict = _verdict_config(config_file, db, fail_on, baseline, exit_zero)
    report_targets(fmt, output)
    triage = triage_for(verdict)
    context = load_context(config)
    store = Store.open(config.db)
    try:
        scan_id = _load_scan(store, scan_id).scan.id
        click.echo(
            f"re-analysing scan {scan_id} in {store.url} with signatures "
            f"{context.signature_version}",
            err=True,
        )
        result = run_reanalysis(store, scan_id, context, debug=config.debug, progress=_progress)
        _report(result, fmt, output, str(store.url), triage)
        sys.exit(_stored_exit_code(result, verdict, triage))
    finally:
        store.close()


@main.command()
@click.option("--markdown", is_flag=True, help="A Markdown table (the README's rule table).")
def rules(markdown: bool) -> None:
    """List every detection rule: id, severity and what it looks for.

    \b
    Example:
      minerscan rules | grep MS3
    """
    import analyzers  # noqa: F401  (registers the built-in rules)
    from analyzers.base import registered_rules

    if markdown:
        click.echo("| rule | severity | what it finds |\n|---|---|---|")
    for rule_id, r in sorted(registered_rules().items()):
        if markdown:
            click.echo(f"| {rule_id} | {r.severity} | {r.title} |")
        else:
            click.echo(f"{rule_id}  {r.severity!s:<8}  {r.title}")


@main.group()
def signatures() -> None:
    """Show or refresh the signature lists minerscan matches against.

    \b
    Example:
      minerscan signatures update          refresh the NoCoin lists from upstream
      minerscan signatures info            versions, lists and rule files in use
    """


@signatures.command("update")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file whose [signatures.sources] maps list names to URLs.",
)
@handle_errors
def signatures_update(config_file: Path | None) -> None:
    """Download the configured lists, validate them, keep the previous copy when that fails.

    Lists go to $MINERSCAN_DATA_DIR/lists (default ~/.local/share/minerscan/lists) and are
    used by every later scan and re-analysis besides the bundled copies. Exits 3 when any list
    could not be updated (its previous copy stays in use).

    \b
    Example:
      minerscan signatures update --config minerscan.toml
    """
    from analyzers.lists import update_lists
    from minerscan.datadir import DEFAULT_LIST_SOURCES, lists_dir

    config = build_config(config_file)
    sources = config.list_sources or DEFAULT_LIST_SOURCES
    report = update_lists(sources, lists_dir())
    for item in report.lists:
        state = "updated" if item.updated else "kept   "
        click.echo(f"{state} {item.name}: {terminal_safe(item.message, limit=300)}")
    if not report.ok:
        click.echo(
            f"minerscan: {len(report.failed)} list(s) not updated; the previous copies stay "
            "in use. Check the URLs and the network, then run again.",
            err=True,
        )
        sys.exit(3)


@signatures.command("info")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A TOML file with [signatures] lists and rule_dirs.",
)
@handle_errors
def signatures_info(config_file: Path | None) -> None:
    """Print the signature version and every list and rule file in use.

    \b
    Example:
      minerscan signatures info
    """
    from analyzers.yara_rules import bundled_signature_files

    config = build_config(config_file)
    context = load_context(config)
    click.echo(f"signature version: {context.signature_version}")
    for filter_list in context.blocklists.lists:
        click.echo(f"list  {filter_list.name}: {filter_list.rule_count} rules")
    for path in bundled_signature_files():
        click.echo(f"yara  {path.name} (bundled)")
    for directory in config.extra_rule_dirs:
        click.echo(f"yara  {directory}/ (from config)")


# Commands that live in their own modules register themselves on the group when imported.
from minerscan import cli_ci, cli_db, cli_research, cli_survey  # noqa: F401
