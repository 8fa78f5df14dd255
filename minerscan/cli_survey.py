"""Survey commands: ``survey`` (a ranked site list), ``status`` (its progress), ``worker``.

Registered onto the click group in :mod:`minerscan.cli`. The work itself is in
:mod:`minerscan.survey`; this module only parses options and turns outcomes into exit codes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from minerscan.cli import (
    UsageProblem,
    crawl_options,
    db_option,
    handle_errors,
    load_context,
    main,
)
from minerscan.config import DEFAULT_DB, ScanConfig, build_config
from minerscan.exitcodes import INCOMPLETE
from minerscan.reports.escape import terminal_safe
from minerscan.survey import (
    DEFAULT_DEPTH,
    DEFAULT_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_PAGES_PER_SITE,
    DEFAULT_REDIS_PREFIX,
    RedisFrontier,
    read_site_list,
    sites_from_static,
    status_table,
    survey_settings,
    survey_status,
)

_SHOWN_PROBLEMS = 100  # invalid list lines printed one each; past that, a count


def frontier_options(f: Any) -> Any:
    f = click.option(
        "--redis-prefix",
        default=DEFAULT_REDIS_PREFIX,
        show_default=True,
        help="Prefix of the Redis keys (several teams can share one Redis).",
    )(f)
    f = click.option(
        "--lease",
        type=click.FloatRange(min=1.0),
        default=DEFAULT_LEASE,
        show_default=True,
        help="Seconds a worker holds a site without renewing; after that, a site of a dead "
        "worker goes back on the frontier.",
    )(f)
    return f


@main.command()
@click.argument(
    "site_list", required=False, type=click.Path(dir_okay=False, path_type=Path), metavar="[LIST]"
)
@click.option("--top", type=click.IntRange(min=1), default=None, help="Only the first N sites.")
@click.option(
    "--pages-per-site",
    type=click.IntRange(min=1),
    default=None,
    help=f"Pages per site: the landing page and same-site links. Default: "
    f"{DEFAULT_PAGES_PER_SITE}.",
)
@click.option("--list-name", default=None, help="The name stored with the survey. Default: LIST's.")
@click.option(
    "--resume",
    "resume_id",
    type=int,
    default=None,
    metavar="ID",
    help="Continue survey ID: sites done or failed are skipped, the rest visited again.",
)
@click.option(
    "--from-static",
    "static_scan",
    type=int,
    default=None,
    metavar="SCAN_ID",
    help="Render the sites a 'scan --static' found anything on.",
)
@click.option("--all", "every_site", is_flag=True, help="With --from-static: all of its sites.")
@click.option(
    "--max-attempts",
    type=click.IntRange(min=1),
    default=None,
    help=f"Times a site is tried before it counts as failed. Default: {DEFAULT_MAX_ATTEMPTS}.",
)
@click.option(
    "--redis",
    "redis_url",
    default=None,
    metavar="URL",
    help="Only queue the sites on this shared frontier (redis://host:6379/0); "
    "'minerscan worker' processes crawl them.",
)
@frontier_options
@db_option
@crawl_options
@handle_errors
def survey(
    site_list: Path | None,
    top: int | None,
    pages_per_site: int | None,
    list_name: str | None,
    resume_id: int | None,
    static_scan: int | None,
    every_site: bool,
    max_attempts: int | None,
    redis_url: str | None,
    redis_prefix: str,
    lease: float,
    db: str | None,
    config_file: Path | None,
    ignore_robots: bool,
    **options: Any,
) -> None:
    """Survey a ranked list of sites: a few pages each, stored, resumable.

    LIST holds URLs or domains one per line, or a Tranco-style 'rank,domain' CSV (zipped or
    not). Invalid lines are reported and skipped. Ctrl-C stops after storing what was seen;
    --resume ID continues (after kill -9 too). 'minerscan status' shows the progress.

    \b
    Examples:
      minerscan survey top-1m.csv.zip --top 1000 --db survey.db
      minerscan survey --resume 1 --db survey.db
      minerscan survey sites.txt --redis redis://10.0.0.5:6379/0 --db postgresql://...
      minerscan survey --from-static 7 --db survey.db
    """
    from storage import Store

    sources = [x is not None for x in (site_list, resume_id, static_scan)]
    if sum(sources) != 1:
        raise UsageProblem(
            "give exactly one of LIST, --resume ID or --from-static SCAN_ID",
            "e.g. minerscan survey top-1m.csv --top 100",
        )
    if every_site and static_scan is None:
        raise UsageProblem("--all only goes with --from-static SCAN_ID")
    if pages_per_site is not None:
        options["max_pages"] = pages_per_site
    options["max_pages"] = options["max_pages"] or DEFAULT_PAGES_PER_SITE
    options["depth"] = DEFAULT_DEPTH if options["depth"] is None else options["depth"]
    config = build_config(
        config_file, db=db, obey_robots=False if ignore_robots else None, **options
    )
    frontier_url = redis_url
    if frontier_url is None:  # this process crawls: fail before storing anything if it cannot
        from crawler.browser import find_browser

        find_browser(config.browser_path)
    store = Store.open(config.db)
    try:
        if resume_id is not None:
            info = store.surveys.info(resume_id)
            survey_id = info.id
            click.echo(
                f"resuming survey {survey_id} ({info.list_name}): {info.states['done']} done, "
                f"{info.states['failed']} failed, "
                f"{info.states['queued'] + info.states['running']} to go",
                err=True,
            )
            if info.finished:
                click.echo(status_table(survey_status(info)))
                sys.exit(0)
        else:
            survey_id = _create(
                store, config, site_list, static_scan, every_site, top, list_name, max_attempts
            )
        if frontier_url is not None:
            frontier = RedisFrontier(frontier_url, survey_id, redis_prefix)
            frontier.check()
            queued = frontier.push(store.surveys.open_site_ids(survey_id))
            click.echo(
                f"survey {survey_id}: {queued} sites queued on {frontier.key} at {frontier_url}; "
                f"run 'minerscan worker --redis URL --db URL' on each machine",
                err=True,
            )
            sys.exit(0)
        sys.exit(_work(store, survey_id, config, None, lease, take_over=resume_id is not None))
    finally:
        store.close()


def _create(
    store: Any,
    config: ScanConfig,
    site_list: Path | None,
    static_scan: int | None,
    every_site: bool,
    top: int | None,
    list_name: str | None,
    max_attempts: int | None,
) -> int:
    if site_list is not None:
        listed = read_site_list(site_list, top=top, name=list_name)
        name, sites = listed.name, list(listed.sites)
        for problem in listed.problems[:_SHOWN_PROBLEMS]:
            click.echo(
                f"minerscan: {terminal_safe(name)}:{problem.line}: skipped: "
                f"{terminal_safe(problem.reason, limit=200)}",
                err=True,
            )
        if len(listed.problems) > _SHOWN_PROBLEMS:
            click.echo(
                f"minerscan: {len(listed.problems) - _SHOWN_PROBLEMS} more invalid lines skipped",
                err=True,
            )
    else:
        assert static_scan is not None
        sites = sites_from_static(store, static_scan, every_site=every_site)[:top]
        name = list_name or f"scan {static_scan} ({'all sites' if every_site else 'flagged'})"
        if not sites:
            click.echo(
                f"static scan {static_scan} found nothing on any site: nothing to render", err=True
            )
            sys.exit(0)
    if not sites:
        raise UsageProblem(
            f"no sites in {name}",
            "one URL or domain per line, or 'rank,domain' lines as in a Tranco list",
        )
    survey_id = store.surveys.create(
        name,
        sites,
        survey_settings(config),
        max_attempts or DEFAULT_MAX_ATTEMPTS,
        from_scan_id=static_scan,
    )
    click.echo(
        f"survey {survey_id}: {len(sites)} sites from {terminal_safe(name)} "
        f"(results in {store.url})",
        err=True,
    )
    return survey_id


def _work(
    store: Any,
    survey_id: int,
    config: ScanConfig | None,
    frontier: RedisFrontier | None,
    lease: float,
    *,
    take_over: bool = False,
    machine: dict[str, Any] | None = None,
) -> int:
    """Crawl the survey's sites in this process until none is left, or Ctrl-C."""
    from crawler.browser import find_browser
    from crawler.run import VisitSinkError
    from minerscan.cli import _progress
    from minerscan.scan import run_scan
    from minerscan.survey import SurveyFeed, config_for_survey, process_owner

    info = store.surveys.info(survey_id)
    crawl_config = config_for_survey(info, db=str(store.url), **(machine or _machine(config)))
    find_browser(crawl_config.browser_path)
    context = load_context(crawl_config)
    if take_over:
        store.surveys.take_over(survey_id)
    feed = SurveyFeed(
        store,
        survey_id,
        process_owner(),
        batch_size=max(2 * crawl_config.concurrency, 4),
        lease_seconds=lease,
        frontier=frontier,
    )
    interrupted = False
    try:
        outcome = run_scan(
            crawl_config, store, context, progress=feed.progress(_progress), feed=feed
        )
        interrupted = outcome.interrupted
    except VisitSinkError as exc:
        click.echo(
            f"minerscan: error: could not store a page visit: {exc.__cause__ or exc}; the sites "
            f"finished before it are kept. Fix the database, then: minerscan survey --resume "
            f"{survey_id}",
            err=True,
        )
        return INCOMPLETE
    except KeyboardInterrupt:
        interrupted = True
    finally:
        feed.release_unfinished()
    status = survey_status(store.surveys.info(survey_id))
    click.echo(status_table(status))
    if interrupted:
        click.echo(
            f"minerscan: survey {survey_id} interrupted; nothing stored was lost. Continue with: "
            f"minerscan survey --resume {survey_id}",
            err=True,
        )
        return INCOMPLETE
    return 0


def _machine(config: ScanConfig | None) -> dict[str, Any]:
    """Settings that belong to the machine doing the work, not to the survey."""
    if config is None:
        return {}
    return {"concurrency": config.concurrency, "browser_path": config.browser_path}


@main.command()
@click.argument("survey_id", type=int, required=False)
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, or JSON for scripts.",
)
@handle_errors
def status(survey_id: int | None, db: str | None, fmt: str) -> None:
    """Progress of a survey: sites done, failed, queued and running, pages per minute, ETA,
    and its failed sites by kind (DNS, TLS, timeout, refused, HTTP 4xx/5xx, crash, not HTML).

    \b
    Examples:
      minerscan status --db survey.db
      minerscan status 3 --db postgresql://survey@db/survey --format json
    """
    import json

    from storage import Store

    store = Store.open(db or DEFAULT_DB)
    try:
        if survey_id is None:
            survey_id = store.surveys.latest_id()
            if survey_id is None:
                raise UsageProblem(
                    f"no surveys stored in {store.url}", "start one with 'minerscan survey LIST'"
                )
        current = survey_status(store.surveys.info(survey_id))
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(current.as_json(), indent=2))
    else:
        click.echo(status_table(current))


@main.command()
@click.option(
    "--redis", "redis_url", required=True, metavar="URL", help="The shared frontier's Redis."
)
@db_option
@click.option(
    "--survey",
    "survey_id",
    type=int,
    default=None,
    help="The survey to work on. Default: the newest with sites left.",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=None, help="Pages rendered at once."
)
@click.option("--browser-path", default=None, metavar="PATH", help="Chromium to use.")
@frontier_options
@handle_errors
def worker(
    redis_url: str,
    db: str | None,
    survey_id: int | None,
    concurrency: int | None,
    browser_path: str | None,
    redis_prefix: str,
    lease: float,
) -> None:
    """Crawl a survey's sites from the shared frontier until none is left; run one per machine.

    All workers share one database (PostgreSQL) and one Redis. A worker that dies loses no
    site: what it held goes back on the frontier when its lease expires.

    \b
    Example:
      minerscan worker --redis redis://10.0.0.5:6379/0 --db postgresql+psycopg://u@10.0.0.5/survey
    """
    from storage import Store

    store = Store.open(db or DEFAULT_DB)
    try:
        if survey_id is None:
            survey_id = store.surveys.latest_id(unfinished=True)
            if survey_id is None:
                click.echo(f"no survey with sites left in {store.url}: nothing to do", err=True)
                sys.exit(0)
        frontier = RedisFrontier(redis_url, survey_id, redis_prefix)
        frontier.check()
        click.echo(f"worker on survey {survey_id} ({frontier.key} at {redis_url})", err=True)
        machine = {
            k: v
            for k, v in {"concurrency": concurrency, "browser_path": browser_path}.items()
            if v is not None
        }
        sys.exit(_work(store, survey_id, None, frontier, lease, machine=machine))
    finally:
        store.close()
