"""What the wasm analyzer costs: CPU seconds to fingerprint a 2 MB module, decoded whole.

The module is made of the function bodies of the real builds in tests/analyzers/wasm_builds
(AES, Keccak, CryptoNight-like loops, SHA-256 ...), repeated to 2 MB, as a miner's bundle is.

    .venv/bin/python bench/bench_wasm.py [--megabytes 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzers.wasm import fingerprint
from analyzers.wasm_decode import decode_module
from minerscan.sites.make_wasm import section, uleb, vec

BUILDS = ROOT / "tests" / "analyzers" / "wasm_builds"


def module_of(megabytes: float) -> bytes:
    manifest = json.loads((BUILDS / "manifest.json").read_text())
    bodies = [
        f.code
        for entry in manifest
        for f in decode_module((BUILDS / entry["file"]).read_bytes()).functions
    ]
    chosen: list[bytes] = []
    size = 0
    while size < megabytes * 1_000_000:
        chosen.append(bodies[len(chosen) % len(bodies)])
        size += len(chosen[-1])
    return (
        b"\x00asm\x01\x00\x00\x00"
        + section(1, vec([b"\x60\x00\x00"]))
        + section(3, vec([b"\x00"] * len(chosen)))
        + section(10, vec([uleb(len(b)) + b for b in chosen]))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    module = module_of(args.megabytes)
    spent = []
    for _ in range(args.rounds):
        started = time.process_time()
        fp = fingerprint(module)
        spent.append(time.process_time() - started)
    instructions = sum(fn.instructions for fn in fp.functions)
    print(
        f"{len(module) / 1e6:.2f} MB module, {len(fp.functions)} functions, {instructions} "
        f"instructions, partial={fp.partial}, severity {fp.severity.name}: "
        f"CPU {min(spent):.2f} s best, {max(spent):.2f} s worst of {args.rounds}"
    )


if __name__ == "__main__":
    main()
