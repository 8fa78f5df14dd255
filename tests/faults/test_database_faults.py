"""A database that fills up or turns read-only mid-scan: one clear line, exit 3, nothing lost.

Both faults are real, not simulated: the disk is a 16 MB tmpfs filled to the last byte once a
few visits are stored (``mount -t tmpfs`` needs root), and the read-only database is made
immutable with ``chattr +i`` (as root ``chmod`` stops nothing; ``chattr`` needs root and a
filesystem with inode flags, such as ext4). Where either is not possible the test says so and
is skipped. Headless shell only: the browser build plays no part.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from harness import scan_command, scan_env
from hostile import HostileServer
from test_data_safety import NOISE, stored

from crawler.browser import find_browser

pytestmark = pytest.mark.browser

STORED_BEFORE_FAULT = 3


def scan_with_fault(
    home: Path, db: Path, url: str, fault: Callable[[], None]
) -> tuple[int, str, int]:
    """Scan until a few visits are stored, call ``fault``; (exit code, stderr, stored then)."""
    browser = find_browser().path
    command = scan_command(
        db, url, "--depth", "1", "--ignore-robots", "--concurrency", "2", dwell=0.5
    )
    proc = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=home / "cwd",
        env=scan_env(home, browser),
    )
    try:
        deadline = time.monotonic() + 120
        while len(stored(db)) < STORED_BEFORE_FAULT and proc.poll() is None:
            assert time.monotonic() < deadline, "the scan stored too few pages"
            time.sleep(0.1)
        assert proc.poll() is None, "the scan ended before the fault"
        before = len(stored(db))
        fault()
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, stderr, before


def assert_one_clear_line(returncode: int, stderr: str) -> None:
    assert returncode == 3, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("minerscan: error")]
    assert len(errors) == 1, stderr
    said = [line for line in stderr.splitlines() if "scan.db" in line]
    assert said == [stderr.splitlines()[0], errors[0]], stderr  # "scanning ...", then the error
    assert "could not store a page visit" in errors[0] and "--resume" in errors[0], errors
    for noise in NOISE:
        assert noise not in stderr, stderr


def assert_intact(db: Path, at_least: int) -> None:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        engine.dispose()
    assert len(stored(db)) >= at_least


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Callable[[], None]:
    def fault() -> None:
        with contextlib.suppress(OSError), open(folder / "filler", "wb") as out:
            while True:
                out.write(b"\0" * (64 << 10))
                out.flush()

    return fault


def test_a_full_disk_stops_the_scan_with_one_line_and_keeps_what_was_stored(
    tiny_disk: Path, tmp_path: Path
) -> None:
    db = tiny_disk / "scan.db"
    with HostileServer() as server:
        returncode, stderr, before = scan_with_fault(
            tmp_path, db, server.url("many/0.html"), fill(tiny_disk)
        )
    assert_one_clear_line(returncode, stderr)
    assert "full" in stderr, stderr  # SQLite's "database or disk is full", passed on
    (tiny_disk / "filler").unlink()
    assert_intact(db, before)


def _chattr(flag: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    existing = [str(p) for p in paths if p.exists()]
    return subprocess.run(["chattr", flag, *existing], capture_output=True, text=True, check=False)


def test_a_database_made_read_only_stops_the_scan_with_one_line(tmp_path: Path) -> None:
    if shutil.which("chattr") is None:
        pytest.skip("no chattr here")
    folder = tmp_path / "db"
    folder.mkdir()
    db = folder / "scan.db"
    probe = folder / "probe"
    probe.touch()
    if _chattr("+i", probe).returncode != 0:
        pytest.skip("chattr +i is not permitted here (needs root and ext4-like inode flags)")
    _chattr("-i", probe)
    probe.unlink()
    # Not the -shm file: SQLite maps it into memory, and a mapped page of an immutable file
    # kills the writer with SIGBUS (a read-only database is not one that changes under mmap).
    files = [db, Path(f"{db}-wal"), folder]

    def freeze() -> None:
        done = _chattr("+i", *files)
        assert done.returncode == 0, done.stderr

    try:
        with HostileServer() as server:
            returncode, stderr, before = scan_with_fault(
                tmp_path, db, server.url("many/0.html"), freeze
            )
    finally:
        _chattr("-i", *files)
    assert_one_clear_line(returncode, stderr)
    assert os.access(db, os.W_OK)
    assert_intact(db, before)
