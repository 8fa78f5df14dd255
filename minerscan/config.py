"""Settings, read once into a typed config that rejects conflicting options at start-up.

Sources, later ones winning: built-in defaults, a TOML file (``--config``, else ``minerscan.toml``
or ``[tool.minerscan]`` in ``pyproject.toml`` in the working directory), command-line options.
Only :mod:`minerscan.cli` turns :class:`ConfigError` into a message and exit code 2.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from minerscan.reports.triage import Suppression, TriageError, check_expiry, parse_suppressions
from model.analysis import Severity
from model.settings import ScanSettings

DEFAULT_DB = "minerscan.db"
ENV_BROWSER = "MINERSCAN_CHROMIUM"
FAIL_NEVER = "none"  # --fail-on none: findings never fail the run (an incomplete scan still does)
CONFIG_FILE = "minerscan.toml"
_SUPPRESSION_HINT = "edit the [[suppressions]] tables of the config file (minerscan init shows one)"


class ConfigError(ValueError):
    """A usage or configuration error: the message says what is wrong and how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint  # what to do, when "see --help" would not help


@dataclass(frozen=True)
class ScanConfig(ScanSettings):
    """The scan settings (model/settings.py) and what only the CLI needs on top of them."""

    db: str = DEFAULT_DB
    static: bool = False  # --static: triage without a browser (crawler/static.py)
    fail_on: Severity | None = Severity.HIGH  # None: --fail-on none
    exit_zero: bool = False
    max_failed: float = 0.5  # fraction of failed pages above which the scan is incomplete
    resume: bool = False
    debug: bool = False
    # Processes analysing visits off the browser's loop (minerscan/stage.py); None: chosen
    # from the machine, 0: analysed on the storing thread.
    analysis_workers: int | None = None
    extra_lists: tuple[Path, ...] = ()
    extra_rule_dirs: tuple[Path, ...] = ()
    list_sources: dict[str, str] = field(default_factory=dict)
    baseline: Path | None = None  # a previous JSON report: only new findings count
    suppressions: tuple[Suppression, ...] = ()

    def __post_init__(self) -> None:
        if self.fail_on == FAIL_NEVER:
            object.__setattr__(self, "fail_on", None)
        try:
            super().__post_init__()
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def problems(self) -> list[str]:
        problems = super().problems()
        if not 0.0 <= self.max_failed <= 1.0:
            problems.append("--max-failed is a fraction between 0 and 1")
        if self.analysis_workers is not None and not 0 <= self.analysis_workers <= 64:
            problems.append("analysis_workers must be between 0 and 64")
        if self.recycle_browser < 0:
            problems.append("--recycle-browser must be 0 (never) or a number of pages")
        problems.extend(_profile_problems(self.profiles))
        return problems

    def settings_record(self) -> dict[str, Any]:
        """The settings stored with a scan (JSON-serialisable, no secrets)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("targets", "db", "list_sources", "suppressions"):
                continue
            if f.name == "fail_on" and value is None:
                value = FAIL_NEVER
            elif isinstance(value, Severity | Path):
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
        "user_agent",
        "afterlife",
        "clock_ahead",
        "analysis_workers",
        "ignore_https_errors",
        "recycle_browser",
        "fail_on",
        "max_failed",
        "db",
        "baseline",
        "targets",
    },
    "signatures": {"lists", "rule_dirs", "sources"},
}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def discover_config_file(directory: Path | None = None) -> Path | None:
    """``minerscan.toml`` in ``directory`` (default: the working directory), else its
    ``pyproject.toml`` when that has a ``[tool.minerscan]`` table, else None."""
    directory = directory or Path.cwd()
    own = directory / CONFIG_FILE
    if own.is_file():
        return own
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None  # not ours to complain about unless it names us
        if isinstance(data.get("tool"), dict) and "minerscan" in data["tool"]:
            return pyproject
    return None


def load_config_file(path: Path) -> dict[str, Any]:
    """Read a TOML config file (or ``[tool.minerscan]`` of a pyproject.toml) into ScanConfig
    keyword arguments."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {}).get("minerscan")
        if not isinstance(tool, dict):
            raise ConfigError(f"{path} has no [tool.minerscan] table")
        data = dict(tool)
    out: dict[str, Any] = {}
    if "suppressions" in data:
        try:
            out["suppressions"] = parse_suppressions(data.pop("suppressions"), str(path))
        except TriageError as exc:
            raise ConfigError(str(exc), _SUPPRESSION_HINT) from None
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
    for key in ("fail_on", "baseline", "browser_path", "db"):
        if key in out and not isinstance(out[key], str):
            raise ConfigError(f"config file {path}: {key} must be a string")
    if "fail_on" in out:
        out["fail_on"] = parse_severity(out["fail_on"])
    if "baseline" in out:
        out["baseline"] = base / out["baseline"]
    if "targets" in out:
        targets = out["targets"]
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise ConfigError(f"config file {path}: [scan] targets must be a list of URLs")
        out["targets"] = tuple(targets)
    if "profiles" in out:
        profiles = out["profiles"]
        if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
            raise ConfigError(
                f'config file {path}: profiles must be a list of names, e.g. ["desktop", "mobile"]'
            )
        out["profiles"] = tuple(dict.fromkeys(profiles))
    return out


def parse_severity(value: str) -> Severity | Literal["none"]:
    """A severity name, or ``none`` (for --fail-on: findings never fail the run)."""
    if value.strip().lower() == FAIL_NEVER:
        return FAIL_NEVER
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{exc}, or none") from None


def build_config(file: Path | None = None, **options: Any) -> ScanConfig:
    """Defaults, then the config file, then the options that were given (None = not given)."""
    values: dict[str, Any] = {}
    if file is not None:
        values.update(load_config_file(file))
    values.update({k: v for k, v in options.items() if v is not None})
    if not values.get("browser_path") and os.environ.get(ENV_BROWSER):
        values["browser_path"] = os.environ[ENV_BROWSER]
    try:
        config = ScanConfig(**values)
    except TypeError as exc:
        raise ConfigError(f"invalid setting: {exc}") from None
    try:
        check_expiry(config.suppressions)
    except TriageError as exc:
        raise ConfigError(str(exc), _SUPPRESSION_HINT) from None
    return config
