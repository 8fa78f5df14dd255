"""Turning what the user typed after ``--db`` into a SQLAlchemy URL."""

from __future__ import annotations

import os

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storage.errors import StorageError

# Bare "postgresql://" would pick psycopg2, which we do not install; psycopg 3 is the driver.
_DRIVER_ALIASES = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}


def normalize_db_url(value: str) -> str:
    """A file path becomes ``sqlite:///<absolute path>``; a URL passes through.

    ``postgresql://`` and ``postgres://`` are pointed at psycopg 3. Anything containing ``://``
    is taken as a URL, everything else as a path (``~`` is expanded).
    """
    value = value.strip()
    if not value:
        raise StorageError("no database given; pass --db with a file path or a database URL")
    if "://" not in value:
        return "sqlite:///" + os.path.abspath(os.path.expanduser(value))
    scheme, sep, rest = value.partition("://")
    return _DRIVER_ALIASES.get(scheme.lower(), scheme) + sep + rest


def parse_db_url(value: str) -> URL:
    """Normalize and parse, turning SQLAlchemy's parse errors into a StorageError."""
    normalized = normalize_db_url(value)
    try:
        return make_url(normalized)
    except ArgumentError:
        raise StorageError(
            f"cannot understand database URL {_scheme_only(normalized)}...; "
            "pass --db with a file path, sqlite:///path or postgresql://user@host/dbname"
        ) from None


def masked(url: URL) -> str:
    """The URL as it may be shown and logged: the password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


def _scheme_only(value: str) -> str:
    # A URL we could not parse may still hold a password; show only the part before it.
    return value.partition("://")[0] + "://"
