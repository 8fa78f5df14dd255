"""Where minerscan keeps data between runs: downloaded signature lists.

``$MINERSCAN_DATA_DIR``, else ``$XDG_DATA_HOME/minerscan``, else ``~/.local/share/minerscan``.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "MINERSCAN_DATA_DIR"

# The upstream copies of the bundled NoCoin lists, refreshed by `minerscan signatures update`.
DEFAULT_LIST_SOURCES = {
    "nocoin/nocoin.txt": "https://raw.githubusercontent.com/hoshsadiq/adblock-nocoin-list/master/nocoin.txt",
    "nocoin/hosts.txt": "https://raw.githubusercontent.com/hoshsadiq/adblock-nocoin-list/master/hosts.txt",
}


def data_dir() -> Path:
    explicit = os.environ.get(ENV_DATA_DIR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "minerscan"


def lists_dir() -> Path:
    return data_dir() / "lists"


def updated_lists() -> list[Path]:
    """Lists fetched by `signatures update`; they are used besides the bundled copies."""
    root = lists_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.txt") if p.is_file())
