"""``minerscan db upgrade`` and ``minerscan db current``: the database schema, explicitly.

Every command that opens a database already brings an older schema up to date (Alembic, the
revisions in storage/migrations), so a user never has to run these. They exist for those who
want to see the revision, or migrate once before starting several survey workers on one
PostgreSQL database. Registered onto the click group in :mod:`minerscan.cli`.
"""

from __future__ import annotations

import logging

import click

from minerscan.cli import DEFAULT_DB, UsageProblem, db_option, handle_errors, main


@main.group("db")
def db_group() -> None:
    """Show or upgrade the schema of a results database (SQLite or PostgreSQL).

    \b
    Examples:
      minerscan db current --db postgresql://scanner@db.example/minerscan
      minerscan db upgrade --db postgresql://scanner@db.example/minerscan
    """


def _shown(target: str) -> str:
    from storage.urls import masked, parse_db_url

    return masked(parse_db_url(target))


@db_group.command("upgrade")
@db_option
@handle_errors
def db_upgrade(db: str | None) -> None:
    """Create the tables, or apply the schema revisions the database is missing.

    Safe to run at any time and from several machines at once (on PostgreSQL one migrates while
    the others wait). Exits 2 when the database cannot be reached or was written by a newer
    minerscan.

    \b
    Example:
      minerscan db upgrade --db postgresql://scanner@127.0.0.1/minerscan
    """
    from storage import Store

    target = db or DEFAULT_DB
    before, head = Store.revision(target)
    logging.getLogger("storage.migrate").setLevel(logging.ERROR)  # the line below says it all
    Store.open(target).close()  # opening migrates
    where = _shown(target)
    if before == head:
        click.echo(f"{where}: schema at revision {head}, the newest; nothing to do")
    elif before is None:
        click.echo(f"{where}: created the schema at revision {head}")
    else:
        click.echo(f"{where}: upgraded the schema from revision {before} to {head}")


@db_group.command("current")
@db_option
@handle_errors
def db_current(db: str | None) -> None:
    """Print the database's schema revision and whether it is the newest; changes nothing.

    \b
    Example:
      minerscan db current --db survey.db
    """
    from storage import Store
    from storage.migrate import is_known_revision

    target = db or DEFAULT_DB
    current, head = Store.revision(target)
    where = _shown(target)
    if current is None:
        click.echo(
            f"{where}: no minerscan schema yet; 'minerscan db upgrade' creates it "
            "(so does any scan)"
        )
    elif current == head:
        click.echo(f"{where}: revision {current} (the newest)")
    elif not is_known_revision(current):
        raise UsageProblem(
            f"{where}: revision {current}, which this minerscan does not know: a newer "
            "minerscan wrote it",
            "upgrade minerscan, or use another --db",
        )
    else:
        click.echo(
            f"{where}: revision {current}, older than this minerscan's {head}; run "
            "'minerscan db upgrade' (any command that opens it upgrades it too)"
        )
