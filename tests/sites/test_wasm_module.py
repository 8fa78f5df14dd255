"""The hand-assembled WebAssembly module shipped with the demo miner."""

from __future__ import annotations

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


def test_module_carries_the_features_detection_looks_for() -> None:
    module = make_wasm.build_module()
    assert module[:8] == b"\0asm\x01\0\0\0"
    for export in (b"memory", b"keccak", b"hash"):
        assert export in module
    body = make_wasm.keccak_function()
    assert body.count(bytes([make_wasm.I64_ROTL])) >= 25  # rho and theta rotations
    assert body.count(bytes([make_wasm.I64_XOR])) >= 50
    scratch = make_wasm.hash_function()
    assert bytes([make_wasm.I32_CONST]) + make_wasm.sleb(0x7FFF0) in scratch
    assert make_wasm.SCRATCHPAD_BYTES == 0x80000


def test_leb128_encoders() -> None:
    assert make_wasm.uleb(624485) == bytes([0xE5, 0x8E, 0x26])
    assert make_wasm.sleb(-123456) == bytes([0xC0, 0xBB, 0x78])
    assert make_wasm.sleb(64) == bytes([0xC0, 0x00])
    assert make_wasm.sleb(-1) == bytes([0x7F])
