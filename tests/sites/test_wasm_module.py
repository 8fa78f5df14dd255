"""The hand-assembled WebAssembly module shipped with the demo miner."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from analyzers.base import Severity
from analyzers.wasm import fingerprint
from minerscan.sites import make_wasm


def test_committed_module_is_what_the_generator_builds() -> None:
    assert make_wasm.OUTPUT.read_bytes() == make_wasm.build_module(), (
        "m.wasm is stale: run python -m minerscan.sites.make_wasm"
    )


def test_round_constants_are_keccaks() -> None:
    constants = make_wasm.round_constants()
    assert len(constants) == 24
    assert constants[:3] == [0x1, 0x8082, 0x800000000000808A]
    assert constants[-1] == 0x8000000080008008


def test_substitution_is_a_permutation_and_not_aes() -> None:
    box = make_wasm.sbox()
    assert sorted(box) == list(range(256))
    assert box[:4] != [0x63, 0x7C, 0x77, 0x7B]  # our own table, not AES's S-box
    table = make_wasm.t_table()
    assert len(table) == 256
    for s, word in zip(box, table):  # (2s, s, s, 3s), low byte first
        assert (word >> 8) & 0xFF == s and (word >> 16) & 0xFF == s
        assert (word & 0xFF) ^ s == word >> 24


def test_module_carries_the_features_detection_looks_for() -> None:
    module = make_wasm.build_module()
    assert module[:8] == b"\0asm\x01\0\0\0"
    for export in (b"memory", b"keccak", b"hash"):
        assert export in module
    body = make_wasm.keccak_function()
    assert body.count(bytes([make_wasm.I64_ROTL])) >= 25  # rho and theta rotations
    assert body.count(bytes([make_wasm.I64_XOR])) >= 50
    scratch = make_wasm.hash_function()
    assert bytes([make_wasm.I32_CONST]) + make_wasm.sleb(0x1FFFF0) in scratch
    assert make_wasm.SCRATCHPAD_BYTES == 0x200000 and make_wasm.SCRATCHPAD_MASK == 0x1FFFF0
    assert make_wasm.MEMORY_PAGES >= 32
    assert make_wasm.SCRATCHPAD + make_wasm.SCRATCHPAD_BYTES <= make_wasm.MEMORY_PAGES * 0x10000


def test_shipped_module_is_a_miner_core_to_the_wasm_fingerprint() -> None:
    fp = fingerprint(make_wasm.OUTPUT.read_bytes())
    assert fp.severity is Severity.HIGH
    assert {"keccak", "aes"} <= set(fp.mining_primitives)
    assert any(c.startswith("0x1ffff0:") for c in fp.scratchpad_constants)
    by_name = {fn.name: fn for fn in fp.functions}
    assert by_name["keccak"].matched == ("keccak",)
    assert by_name["aes_round"].matched == ("aes",)
    assert 0x1FFFF0 in by_name["hash"].constants
    assert {"memory", "keccak", "hash"} <= set(fp.exports)  # what m-hash.js calls


# Runs the module the way m-hash.js does, then looks at where the scratchpad was written.
NODE_RUN = """
const bytes = require('fs').readFileSync(process.argv[1]);
WebAssembly.instantiate(bytes, {}).then(({instance}) => {
  const e = instance.exports, mem = new Uint8Array(e.memory.buffer);
  const blob = Uint8Array.from({length: 76}, (_, i) => (i * 13) & 255);
  const tops = [];
  for (let n = 0; n < 64; n++) { mem.set(blob, 0); tops.push(e.hash(n, 0x200) >>> 0); }
  const pad = new BigUint64Array(e.memory.buffer, %(start)d, %(bytes)d / 8);
  let written = 0, upper = 0;
  for (let i = 0; i < pad.length; i += 2) {
    if (pad[i] !== 0n) { written++; if (i * 8 >= %(bytes)d / 2) upper++; }
  }
  console.log(JSON.stringify({pages: e.memory.buffer.byteLength / 65536,
                              distinct: new Set(tops).size, written, upper}));
});
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the module")
def test_hashing_walks_the_whole_two_mib_scratchpad() -> None:
    script = NODE_RUN % {"start": make_wasm.SCRATCHPAD, "bytes": make_wasm.SCRATCHPAD_BYTES}
    out = subprocess.run(
        ["node", "-e", script, str(make_wasm.OUTPUT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["pages"] == make_wasm.MEMORY_PAGES
    assert result["distinct"] == 64  # every nonce gives its own result
    # 64 hashes x 512 steps x 2 lines: tens of thousands of lines, spread over both halves
    assert result["written"] > 20_000 and result["upper"] > result["written"] // 4


def test_leb128_encoders() -> None:
    assert make_wasm.uleb(624485) == bytes([0xE5, 0x8E, 0x26])
    assert make_wasm.sleb(-123456) == bytes([0xC0, 0xBB, 0x78])
    assert make_wasm.sleb(64) == bytes([0xC0, 0x00])
    assert make_wasm.sleb(-1) == bytes([0x7F])
