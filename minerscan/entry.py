"""The ``minerscan`` command's first lines: SIGTERM acts as Ctrl-C from the start, then the CLI.

Importing the CLI (Scrapy, Playwright, SQLAlchemy, YARA) takes a second or more; a CI job
cancelled in that second sends SIGTERM, which by default kills the process without a word.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Any

INCOMPLETE = 3  # minerscan.exitcodes.INCOMPLETE, without importing the CLI to say it


def _interrupted(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def sigterm_like_ctrl_c() -> None:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does (Scrapy handles both while it crawls)."""
    with contextlib.suppress(ValueError):  # not the main thread (an embedding program)
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _interrupted)


def main() -> None:
    sigterm_like_ctrl_c()
    try:
        from minerscan.cli import main as cli
    except KeyboardInterrupt:
        print("minerscan: interrupted while starting; nothing was done", file=sys.stderr)
        sys.exit(INCOMPLETE)
    cli()
