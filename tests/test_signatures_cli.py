"""`minerscan signatures update|info`: refresh lists from configured URLs, never lose the old copy."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from minerscan.cli import main

GOOD_LIST = (
    "[Adblock Plus 2.0]\n! test list\n"
    + "".join(f"||pool{i}.miner-test.example^\n" for i in range(40))
    + "||wss-proxy.miner-test.example^$websocket\n"
)


@pytest.fixture
def list_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **kw)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()


def _config(tmp_path: Path, url: str) -> Path:
    cfg = tmp_path / "minerscan.toml"
    cfg.write_text(f'[signatures.sources]\n"extra/pools.txt" = "{url}"\n')
    return cfg


def test_update_downloads_validates_and_is_used_by_analysis(
    tmp_path: Path, list_server, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    base, root = list_server
    (root / "pools.txt").write_text(GOOD_LIST)
    monkeypatch.setenv("MINERSCAN_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    before = runner.invoke(main, ["signatures", "info"]).stdout
    result = runner.invoke(
        main, ["signatures", "update", "--config", str(_config(tmp_path, base + "/pools.txt"))]
    )
    assert result.exit_code == 0, result.output
    assert "updated extra/pools.txt" in result.stdout
    stored = tmp_path / "data" / "lists" / "extra" / "pools.txt"
    assert stored.read_text() == GOOD_LIST
    after = runner.invoke(main, ["signatures", "info"]).stdout
    assert "pools.txt" in after
    assert before.splitlines()[0] != after.splitlines()[0], "the signature version must change"

    # the new list is matched in analysis
    from analyzers.engine import analyze_visit
    from minerscan.cli import load_context
    from minerscan.config import build_config
    from model.observations import PageVisit, WebSocketSession

    visit = PageVisit(
        url="http://127.0.0.1:8000/",
        final_url="http://127.0.0.1:8000/",
        status=200,
        rendered=True,
        websockets=(
            WebSocketSession(url="wss://pool7.miner-test.example/", context="page", opened_at=1.0),
        ),
    )
    findings = analyze_visit(visit, load_context(build_config())).findings
    assert any(f.rule_id.startswith("MS1") for f in findings)


@pytest.mark.parametrize("bad", ["missing", "garbage", "tiny"])
def test_failed_update_keeps_the_previous_copy(
    tmp_path: Path, list_server, monkeypatch, bad: str
) -> None:  # type: ignore[no-untyped-def]
    base, root = list_server
    (root / "pools.txt").write_text(GOOD_LIST)
    monkeypatch.setenv("MINERSCAN_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    cfg = _config(tmp_path, base + "/pools.txt")
    assert runner.invoke(main, ["signatures", "update", "--config", str(cfg)]).exit_code == 0
    if bad == "missing":
        (root / "pools.txt").unlink()  # the server answers 404
    elif bad == "garbage":
        (root / "pools.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    else:
        (root / "pools.txt").write_text("||one.example^\n")  # far fewer rules than before
    result = runner.invoke(main, ["signatures", "update", "--config", str(cfg)])
    assert result.exit_code == 3
    assert "kept" in result.stdout and "previous copies stay in use" in result.stderr
    assert (tmp_path / "data" / "lists" / "extra" / "pools.txt").read_text() == GOOD_LIST
