"""Bringing a database's schema up to date with Alembic, from code (no alembic.ini)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from storage.errors import StorageError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")

# Several survey workers may open a fresh PostgreSQL database at once; one migrates, the
# others wait on this advisory lock and then find the schema current.
_PG_MIGRATION_LOCK = 0x6D696E6572  # "miner"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at; None for a database minerscan never wrote."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_schema(engine: Engine, shown_url: str) -> None:
    """Create the tables in an empty database, or apply the revisions it is missing.

    Every command that opens a database runs this: an older schema is brought up to date on
    the spot (``minerscan db upgrade`` does the same on its own, and says what it did).
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config = alembic_config(connection)
        scripts = ScriptDirectory.from_config(config)
        current = MigrationContext.configure(connection).get_current_revision()
        if current == scripts.get_current_head():
            return
        if current is not None and not _known(scripts, current):
            raise StorageError(
                f"database {shown_url} has schema revision {current}, which this minerscan does not "
                "know: it was written by a newer version; upgrade minerscan or use another --db"
            )
        command.upgrade(config, "head")
        if current is not None:
            # Not silent: a user whose database changed under them hears it (on standard error).
            log.warning(
                "upgraded the schema of %s from revision %s to %s",
                shown_url,
                current,
                scripts.get_current_head(),
            )


def is_known_revision(revision: str) -> bool:
    return _known(ScriptDirectory.from_config(alembic_config()), revision)


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    return any(script.revision == revision for script in scripts.walk_revisions())
