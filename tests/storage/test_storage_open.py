"""Opening a database: paths and URLs users type, and clear errors when it cannot work."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from model.observations import PageVisit
from storage import StorageError, Store, normalize_db_url


def test_paths_become_absolute_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert normalize_db_url("scan.db") == f"sqlite:///{tmp_path}/scan.db"
    assert normalize_db_url("/tmp/x.db") == "sqlite:////tmp/x.db"
    assert normalize_db_url("~/x.db") == f"sqlite:///{os.path.expanduser('~')}/x.db"


def test_urls_pass_through_and_postgres_uses_psycopg3() -> None:
    assert normalize_db_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert normalize_db_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_db_url("postgresql://u:pw@h:5432/db") == "postgresql+psycopg://u:pw@h:5432/db"
    assert normalize_db_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_reopening_keeps_everything(tmp_path: Path, failed_visit: Callable[..., PageVisit]) -> None:
    path = str(tmp_path / "scan.db")
    with Store.open(path) as store:
        scan_id = store.start_scan(["https://a.example/"], {}, "0.1.0", "sig-1")
        store.record_visit(scan_id, failed_visit())

    with Store.open(f"sqlite:///{path}") as again:
        assert again.url == f"sqlite:///{path}"
        assert [v for _, v in again.iter_visits(scan_id)] == [failed_visit()]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "scan.db"
    Store.open(str(path)).close()
    # WAL is a property of the file: any later reader (a report, the sqlite3 shell) sees it.
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    engine.dispose()
    with Store.open(str(path)) as store, pytest.raises(StorageError, match="no scan 99"):
        store.record_visit(99, PageVisit(url="https://a.example/"))


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/proc/x.db", "cannot create a file in /proc"),
        (
            "/nonexistent-minerscan-dir/sub/x.db",
            "directory /nonexistent-minerscan-dir/sub does not exist",
        ),
        ("{tmp}", "it is a directory"),
    ],
)
def test_unusable_paths_fail_with_a_clear_message(tmp_path: Path, path: str, reason: str) -> None:
    path = path.format(tmp=tmp_path)
    with pytest.raises(StorageError) as caught:
        Store.open(path)
    message = str(caught.value)
    assert message.startswith(f"cannot open database {path}: ")
    assert reason in message
    assert message.endswith("pass --db with a writable path")
    assert "\n" not in message


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"this is not SQLite, just a text file that happens to be long enough" * 20)
    with pytest.raises(StorageError, match="it is not a SQLite database"):
        Store.open(str(path))


def test_an_unknown_driver_is_refused() -> None:
    with pytest.raises(StorageError, match=r"cannot use database nosuchdb://.*postgresql://"):
        Store.open("nosuchdb://host/db")


def test_an_unreachable_server_is_reported_without_its_password() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StorageError) as caught:
        Store.open(f"postgresql://scanner:hunter2@127.0.0.1:{port}/db")
    message = str(caught.value)
    assert message.startswith(
        f"cannot connect to database postgresql+psycopg://scanner:***@127.0.0.1:{port}/db"
    )
    assert "hunter2" not in message
    assert "\n" not in message


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.db"
    Store.open(str(path)).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(StorageError, match="schema revision 9999_future.*upgrade minerscan"):
        Store.open(str(path))


@pytest.mark.postgres
def test_postgres_url_is_shown_with_the_password_masked(pg_url: str) -> None:
    # Trust authentication ignores the password, so the connection works.
    with_password = pg_url.replace("postgres@", "postgres:s3cret@")
    with Store.open(with_password) as store:
        assert "s3cret" not in store.url and "s3cret" not in repr(store)
        assert store.url.startswith("postgresql+psycopg://postgres:***@127.0.0.1:5432/test")
        assert store.latest_scan_id() is None
