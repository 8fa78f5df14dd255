"""The code stays lint-clean and formatted (ruff, configured in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is installed by scripts/setup.sh --dev")
@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=" ".join)
def test_ruff(command: list[str]) -> None:
    proc = subprocess.run([RUFF, *command], cwd=ROOT, capture_output=True, text=True, check=False)  # type: ignore[list-item]
    assert proc.returncode == 0, proc.stdout + proc.stderr
