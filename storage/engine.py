"""Opening a database: engine options per backend, and errors a user can act on."""

from __future__ import annotations

import base64
import dataclasses
import enum
import functools
import json
import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from storage.errors import StorageError
from storage.urls import masked

_HINT = "pass --db with a writable path"
_URL_HINT = "pass --db with a file path, sqlite:///path or postgresql://user@host/dbname"


def create_store_engine(url: URL) -> Engine:
    """An engine for ``url``; raises StorageError before connecting for paths that cannot work."""
    is_sqlite = url.get_backend_name() == "sqlite"
    if is_sqlite:
        _check_sqlite_file(url)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = 10  # an unreachable server fails fast, not after minutes
    try:
        engine = create_engine(
            url,
            json_serializer=functools.partial(json.dumps, default=_json_fallback),
            connect_args=connect_args,
        )
    except NoSuchModuleError:
        raise StorageError(
            f"cannot use database {masked(url)}: unknown database type {url.drivername!r}; "
            f"{_URL_HINT}"
        ) from None
    except (ArgumentError, ImportError) as exc:
        raise StorageError(
            f"cannot use database {masked(url)}: {_first_line(exc)}; {_URL_HINT}"
        ) from None
    if is_sqlite:
        _configure_sqlite(engine)
    return engine


def connection_error(url: URL, exc: DBAPIError) -> StorageError:
    """Translate a driver error met while connecting or migrating."""
    reason = _first_line(exc.orig if exc.orig is not None else exc)
    if url.get_backend_name() == "sqlite":
        if "not a database" in reason:
            return StorageError(
                f"cannot open database {url.database}: it is not a SQLite database; "
                "pass --db with a new file name or an existing minerscan database"
            )
        return StorageError(f"cannot open database {url.database}: {reason}; {_HINT}")
    return StorageError(
        f"cannot connect to database {masked(url)}: {reason}; "
        "check that the server is running and the URL is right"
    )


def _check_sqlite_file(url: URL) -> None:
    """Fail with a clear reason where SQLite would only say 'unable to open database file'."""
    path = url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise StorageError(f"cannot open database {path}: it is a directory; {_HINT}")
    if not os.path.isdir(folder):
        raise StorageError(
            f"cannot open database {path}: directory {folder} does not exist; {_HINT}"
        )
    existed = os.path.exists(path)
    try:
        # Creating the file here (an empty file is an empty SQLite database) surfaces the
        # operating system's reason, which SQLite would hide.
        with open(path, "ab"):
            pass
    except OSError as exc:
        verb = "write" if existed else f"create a file in {folder}"
        raise StorageError(
            f"cannot open database {path}: cannot {verb} ({exc.strerror}); {_HINT}"
        ) from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling skips DDL; turn it off and begin explicitly
        # below, so a migration or a visit is all-or-nothing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL: readers (a report) do not block the writer (a running scan), and a killed
        # writer loses nothing it committed.
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process still
        # loses nothing it committed (only a power cut may drop the last commits), and a
        # commit costs microseconds instead of an fsync (5 ms here; a static scan makes 2 a page).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at the start, waiting up to busy_timeout for it. A
        # deferred transaction that read first and then writes fails at once with "database is
        # locked" when another connection (the scan's writer thread beside a survey's feed)
        # committed meanwhile: the busy handler cannot help a stale snapshot.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _json_fallback(value: Any) -> Any:
    """Keep a whole visit or analysis storable when evidence holds a non-JSON value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
