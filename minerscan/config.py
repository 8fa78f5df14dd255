"""Settings, read once into a typed config that rejects conflicting options at start-up.

Sources, later ones winning: built-in defaults, a TOML file (``--config``), command-line options.
Only :mod:`minerscan.cli` turns :class:`ConfigError` into a message and exit code 2.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from analyzers.base import Severity

DEFAULT_DB = "minerscan.db"
ENV_BROWSER = "MINERSCAN_CHROMIUM"


class ConfigError(ValueError):
    """A usage or configuration error: the message says what is wrong and how to fix it."""


@dataclass(frozen=True)
class ScanConfig:
    targets: tuple[str, ...] = ()
    db: str = DEFAULT_DB
    depth: int = 2
    max_pages: int = 50
    obey_robots: bool = True
    concurrency: int = 4
    dwell: float = 5.0
    max_dwell: float = 15.0
    interact: bool = True
    # Browser profiles every page is visited with, once each (see crawler/instrument/profiles).
    profiles: tuple[str, ...] = ("desktop",)
    page_timeout: float = 30.0
    max_frames: int = 20
    frame_bytes: int = 4096
    body_bytes: int = 4 << 20
    dom_bytes: int = 2 << 20
    browser_path: str | None = None
    closed_network: bool = False
    fail_on: Severity = Severity.HIGH
    exit_zero: bool = False
    max_failed: float = 0.5  # fraction of failed pages above which the scan is incomplete
    resume: bool = False
    debug: bool = False
    extra_lists: tuple[Path, ...] = ()
    extra_rule_dirs: tuple[Path, ...] = ()
    list_sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if self.depth < 0:
            problems.append("--depth must be 0 or more")
        if self.max_pages < 1:
            problems.append("--max-pages must be at least 1")
        if not 1 <= self.concurrency <= 64:
            problems.append("--concurrency must be between 1 and 64")
        if self.dwell < 0:
            problems.append("--dwell must be 0 or more seconds")
        if self.max_dwell < self.dwell:
            problems.append(
                f"--max-dwell ({self.max_dwell:g}) is shorter than --dwell ({self.dwell:g})"
            )
        if self.page_timeout <= 0:
            problems.append("--page-timeout must be more than 0 seconds")
        if not 0.0 <= self.max_failed <= 1.0:
            problems.append("--max-failed is a fraction between 0 and 1")
        if self.max_frames < 0 or self.frame_bytes < 1 or self.body_bytes < 1 or self.dom_bytes < 1:
            problems.append("capture limits must be positive")
        problems.extend(_profile_problems(self.profiles))
        if problems:
            raise ConfigError("; ".join(problems))

    def settings_record(self) -> dict[str, Any]:
        """The settings stored with a scan (JSON-serialisable, no secrets)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("targets", "db", "list_sources"):
                continue
            if isinstance(value, Severity):
                value = str(value)
            elif isinstance(value, tuple):
                value = [str(v) for v in value]
            out[f.name] = value
        return out


def _profile_problems(profiles: tuple[str, ...]) -> list[str]:
    from crawler.instrument.profiles import PROFILES

    if isinstance(profiles, str) or not profiles:
        return [f"--profile needs one or more of: {', '.join(PROFILES)}"]
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown:
        return [
            f"unknown --profile {', '.join(map(repr, unknown))} (choose from {', '.join(PROFILES)})"
        ]
    return []


# Keys a config file may set, mapped to ScanConfig fields ([scan] and [signatures] tables).
_FILE_KEYS = {
    "scan": {
        "depth",
        "max_pages",
        "obey_robots",
        "concurrency",
        "dwell",
        "max_dwell",
        "interact",
        "profiles",
        "page_timeout",
        "max_frames",
        "frame_bytes",
        "body_bytes",
        "dom_bytes",
        "browser_path",
        "fail_on",
        "max_failed",
        "db",
    },
    "signatures": {"lists", "rule_dirs", "sources"},
}


def load_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file into ScanConfig keyword arguments."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    out: dict[str, Any] = {}
    for table, allowed in _FILE_KEYS.items():
        section = data.pop(table, {})
        if not isinstance(section, dict):
            raise ConfigError(f"config file {path}: [{table}] must be a table")
        unknown = set(section) - allowed
        if unknown:
            raise ConfigError(
                f"config file {path}: unknown key(s) in [{table}]: {', '.join(sorted(unknown))}"
            )
        out.update(section)
    if data:
        raise ConfigError(f"config file {path}: unknown table(s): {', '.join(sorted(data))}")
    base = path.parent
    if "lists" in out:
        out["extra_lists"] = tuple(base / p for p in out.pop("lists"))
    if "rule_dirs" in out:
        out["extra_rule_dirs"] = tuple(base / p for p in out.pop("rule_dirs"))
    if "sources" in out:
        out["list_sources"] = dict(out.pop("sources"))
    if "fail_on" in out:
        out["fail_on"] = parse_severity(out["fail_on"])
    if "profiles" in out:
        profiles = out["profiles"]
        if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
            raise ConfigError(
                f'config file {path}: profiles must be a list of names, e.g. ["desktop", "mobile"]'
            )
        out["profiles"] = tuple(dict.fromkeys(profiles))
    return out


def parse_severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def build_config(file: Path | None = None, **options: Any) -> ScanConfig:
    """Defaults, then the config file, then the options that were given (None = not given)."""
    values: dict[str, Any] = {}
    if file is not None:
        values.update(load_config_file(file))
    values.update({k: v for k, v in options.items() if v is not None})
    if not values.get("browser_path") and os.environ.get(ENV_BROWSER):
        values["browser_path"] = os.environ[ENV_BROWSER]
    try:
        return ScanConfig(**values)
    except TypeError as exc:
        raise ConfigError(f"invalid setting: {exc}") from None
