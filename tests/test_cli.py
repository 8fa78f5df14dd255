"""The command line: usage errors give one line, a tip and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from minerscan.cli import main


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append(prefix + (name,))
        if isinstance(command, click.Group):
            paths += _command_paths(command, prefix + (name,))
    return paths


COMMANDS = _command_paths(main)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself_with_an_example(command: tuple[str, ...]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    assert "Example" in out, f"'minerscan {' '.join(command)} --help' shows no example"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "ftp://example.org/"], "ftp"),
        (["scan", "http://"], "http://"),
        (["scan", "not a url"], "not a url"),
        (["scan"], "no targets given"),
        (["scan", "http://127.0.0.1:9/", "--dwell", "5", "--max-dwell", "2"], "--max-dwell"),
        (["scan", "http://127.0.0.1:9/", "--fail-on", "severe"], "unknown severity"),
        (["scan", "http://127.0.0.1:9/", "--concurrency", "0"], "--concurrency"),
    ],
)
def test_bad_usage_is_one_clear_line_and_exit_2(args: list[str], message: str) -> None:
    code, _, err = invoke(*args)
    assert code == 2, err
    assert "Traceback" not in err
    first = err.strip().splitlines()[0]
    assert first.startswith("minerscan: error:") and message in first


def test_unwritable_db_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke(
        "scan", "http://127.0.0.1:9/", "--db", str(tmp_path / "no" / "such" / "dir" / "x.db")
    )
    assert code == 2
    assert err.startswith("minerscan: error:") and "Traceback" not in err


def test_missing_seeds_file_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke("scan", "--seeds", str(tmp_path / "nope.txt"))
    assert code == 2 and "seeds" in err


def test_config_file_with_unknown_key_is_rejected(tmp_path: Path) -> None:
    cfg = tmp_path / "minerscan.toml"
    cfg.write_text("[scan]\ndeepness = 3\n")
    code, _, err = invoke("scan", "http://127.0.0.1:9/", "--config", str(cfg))
    assert code == 2 and "deepness" in err


def test_report_on_an_empty_database_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = invoke("report", "--db", str(tmp_path / "empty.db"))
    assert code == 2 and "no scans stored" in err


def test_rules_lists_every_registered_rule() -> None:
    import analyzers  # noqa: F401
    from analyzers.base import registered_rules

    code, out, _ = invoke("rules")
    assert code == 0
    for rule_id in registered_rules():
        assert rule_id in out


def test_readme_documents_every_rule() -> None:
    """The README's rule table is `minerscan rules --markdown`; a new rule must be added there."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    code, out, _ = invoke("rules", "--markdown")
    assert code == 0
    for row in out.splitlines()[2:]:
        assert row in readme, f"README lacks the rule row: {row}"
