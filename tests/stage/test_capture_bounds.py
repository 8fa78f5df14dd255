"""What one visit may hold while it is watched: script sources cut as they arrive, and /proc
read once per CPU sample however many frames answer.

These drive the recorder and the CPU meter through their CDP session interface with a small
in-process peer (the browser tests show the same code against real Chromium); what is checked
is the bookkeeping a real page cannot make visible: bytes held before collection, /proc scans.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from crawler.instrument import cpu, procfs
from crawler.instrument import scripts as scripts_module
from crawler.instrument.scripts import ScriptRecorder
from crawler.instrument.targets import Target, TargetTree
from model.observations import sha256_hex

MB = 1 << 20


class Peer:
    """Answers the commands the recorder and the meter send; emits events to their handlers."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.handlers: dict[str, list[Callable[[Any], Any]]] = {}

    async def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        if method == "Debugger.getScriptSource":
            return {"scriptSource": self.sources[(params or {})["scriptId"]]}
        if method == "Performance.getMetrics":
            return {"metrics": [{"name": "ProcessTime", "value": 123456.0}]}
        return {}

    def on(self, event: str, handler: Callable[[Any], Any]) -> None:
        self.handlers.setdefault(event, []).append(handler)

    def emit(self, event: str, params: dict[str, Any]) -> None:
        for handler in self.handlers.get(event, ()):
            handler(params)


def _parse_all(peer: Peer) -> None:
    for script_id, source in peer.sources.items():
        peer.emit(
            "Debugger.scriptParsed",
            {
                "scriptId": script_id,
                "url": f"http://127.0.0.1/{script_id}.js",
                "length": len(source),
            },
        )


def test_a_huge_script_is_cut_to_the_cap_as_it_arrives_with_its_real_size_and_hash() -> None:
    huge = "var miner = 1;" + "x" * (10 * MB)

    async def capture() -> tuple[ScriptRecorder, Any]:
        peer = Peer({"s1": huge})
        tree = TargetTree(peer, time.monotonic)
        recorder = ScriptRecorder(tree, body_bytes=1 * MB)
        _parse_all(peer)
        await recorder.settle(5.0)
        return recorder, recorder.scripts(set())

    recorder, observed = asyncio.run(capture())
    held = [s.source for s in recorder._scripts]
    assert [len(s or b"") for s in held] == [1 * MB]  # before the visit is even collected
    (script,) = observed
    assert script.size == len(huge) and script.truncated
    assert script.sha256 == sha256_hex(huge.encode())
    assert script.body == huge.encode()[: 1 * MB]


def test_a_visit_keeps_a_bounded_total_of_sources_however_many_scripts_it_evals() -> None:
    count = scripts_module._VISIT_SOURCE_BUDGET // MB + 20
    sources = {f"s{i}": f"/*{i}*/" + "y" * MB for i in range(count)}

    async def capture() -> Any:
        peer = Peer(sources)
        recorder = ScriptRecorder(TargetTree(peer, time.monotonic), body_bytes=4 * MB)
        _parse_all(peer)
        await recorder.settle(10.0)
        return recorder.scripts(set())

    observed = asyncio.run(capture())
    assert len(observed) == count
    assert sum(len(s.body or b"") for s in observed) <= scripts_module._VISIT_SOURCE_BUDGET
    # Past the budget each script is still identified and measured, and marked as cut.
    assert all(s.sha256 and s.size > MB for s in observed)
    assert sum(1 for s in observed if s.truncated) >= 20


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_proc_is_scanned_once_per_cpu_sample_not_once_per_frame(monkeypatch) -> None:
    scans = []
    real = procfs.renderer_pids

    def counted() -> list[int]:
        scans.append(1)
        return real()

    monkeypatch.setattr(procfs, "renderer_pids", counted)

    async def sample_twice() -> None:
        tree = TargetTree(Peer({}), time.monotonic)
        for n in range(3):  # out-of-process frames answer Performance.getMetrics too
            frame = Target(tree, "iframe", f"http://127.0.0.{n + 2}/", parent=tree.root)
            tree.targets.append(frame)
        meter = cpu.CpuMeter(tree, time.monotonic)
        await meter.sample()
        await meter.sample()

    asyncio.run(sample_twice())
    assert len(scans) == 2
