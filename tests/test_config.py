"""Settings are read once: defaults, then the TOML file, then the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzers.base import Severity
from minerscan.config import ConfigError, build_config


def test_command_line_beats_file_beats_defaults(tmp_path: Path) -> None:
    cfg = tmp_path / "minerscan.toml"
    cfg.write_text(
        '[scan]\ndepth = 1\ndwell = 3.0\nfail_on = "critical"\n'
        '[signatures]\nlists = ["lists/extra.txt"]\nrule_dirs = ["rules"]\n'
    )
    config = build_config(cfg, dwell=7.0, max_dwell=20.0, depth=None)
    assert config.depth == 1  # from the file
    assert config.dwell == 7.0  # the command line wins
    assert config.max_pages == 50  # default
    assert config.fail_on is Severity.CRITICAL
    assert config.extra_lists == (tmp_path / "lists" / "extra.txt",)  # relative to the file
    assert config.extra_rule_dirs == (tmp_path / "rules",)


def test_environment_names_the_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINERSCAN_CHROMIUM", "/opt/chrome/chrome")
    assert build_config().browser_path == "/opt/chrome/chrome"
    assert build_config(browser_path="/usr/bin/chromium").browser_path == "/usr/bin/chromium"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"dwell": 10.0, "max_dwell": 5.0}, "--max-dwell"),
        ({"depth": -1}, "--depth"),
        ({"max_pages": 0}, "--max-pages"),
        ({"max_failed": 1.5}, "--max-failed"),
    ],
)
def test_conflicting_options_are_rejected_at_start(options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_config(**options)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[scan\n")
    with pytest.raises(ConfigError, match="bad.toml"):
        build_config(cfg)


def test_settings_record_is_json_ready_and_has_no_targets() -> None:
    import json

    record = build_config(targets=("https://example.org/",)).settings_record()
    assert "targets" not in record and record["fail_on"] == "high"
    json.dumps(record)


def test_the_readme_config_example_is_valid(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", readme, re.DOTALL)
    assert example is not None
    cfg = tmp_path / "minerscan.toml"
    cfg.write_text(example.group(1))
    config = build_config(cfg)
    assert config.depth == 1 and config.fail_on is Severity.MEDIUM and config.body_bytes == 4 << 20
    assert config.extra_rule_dirs == (tmp_path / "yara",)
