"""``scripts/setup.sh`` waits for a dpkg lock another apt run holds, instead of failing at once.

The real ``apt_install`` function of the script runs against the real ``apt-get``, but on a
private copy of dpkg's state (its lock file lives next to ``Dir::State::status``) and with
``check`` in place of ``update``/``install`` (no network, nothing installed; ``check`` takes the
same frontend lock). The machine's own apt is never locked or touched.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[2] / "scripts" / "setup.sh"
DPKG_STATUS = Path("/var/lib/dpkg/status")

pytestmark = pytest.mark.skipif(
    shutil.which("apt-get") is None or not DPKG_STATUS.exists() or os.geteuid() != 0,
    reason="needs Debian's apt-get, run as root (as setup.sh runs it)",
)

# The real apt-get on the private state: every -o option passed on, the verb made `check`.
FAKE_APT = """#!/bin/sh
opts=""
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then opts="$opts -o $2"; shift 2; else shift; fi
done
exec {apt} -o Dir::State::status="$STATE/status" -o Dir::Cache="$STATE/cache" $opts check
"""


def function(name: str) -> str:
    """The text of shell function ``name`` in setup.sh."""
    lines = SETUP.read_text().splitlines()
    start = lines.index(f"{name}() {{")
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return "\n".join(lines[start : end + 1])


@pytest.fixture
def state(tmp_path: Path) -> Path:
    (tmp_path / "cache").mkdir()
    shutil.copy(DPKG_STATUS, tmp_path / "status")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "apt-get"
    fake.write_text(FAKE_APT.format(apt=shutil.which("apt-get")))
    fake.chmod(0o755)
    return tmp_path


def run_apt_install(state: Path, lock_timeout: int) -> tuple[int, float, str]:
    script = "\n".join(
        [
            "set -euo pipefail",
            function("as_root"),
            "apt_updated=0",
            function("apt_install"),
            "apt_install some-package",
        ]
    )
    env = dict(os.environ)
    env.update(
        PATH=f"{state / 'bin'}:{env['PATH']}",
        STATE=str(state),
        MINERSCAN_APT_LOCK_TIMEOUT=str(lock_timeout),
    )
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, time.monotonic() - started, done.stderr


def hold_lock(state: Path, seconds: float) -> threading.Thread:
    """Hold the private dpkg frontend lock (fcntl, as apt does) for ``seconds``."""
    ready = threading.Event()

    def hold() -> None:
        with open(state / "lock-frontend", "w") as lock:
            fcntl.lockf(lock, fcntl.LOCK_EX)
            ready.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    ready.wait(5)
    return thread


def test_apt_install_waits_for_a_lock_that_is_released(state: Path) -> None:
    holder = hold_lock(state, 2.0)
    returncode, seconds, stderr = run_apt_install(state, lock_timeout=30)
    holder.join()
    assert returncode == 0, stderr
    assert seconds >= 1.5, seconds  # it waited, rather than failing at once


def test_apt_install_gives_up_after_its_timeout(state: Path) -> None:
    holder = hold_lock(state, 8.0)
    returncode, seconds, stderr = run_apt_install(state, lock_timeout=1)
    holder.join()
    assert returncode != 0
    assert 0.8 <= seconds < 7, seconds
    assert "lock" in stderr, stderr
