"""WebAssembly fingerprint: which cryptographic primitives a module's functions look like.

Web miners ship their hashing core (CryptoNight, RandomX) as wasm. Those cores are built from a
handful of primitives whose compiled code has a recognisable shape, and they walk a scratchpad
in a loop of their own. We decode every function (:mod:`analyzers.wasm_decode`), count its
opcodes and a few short patterns, score it against each primitive and then judge the module:

* **MS401 wasm miner core (HIGH)** — at least two mining primitives *and* scratchpad evidence: a
  scratchpad mask constant (0x1FFFF0 and kin), a CryptoNight-style main loop or a RandomX-style
  VM loop found by its operations (below), or a miner's export name such as ``cryptonight_hash``.
  A name never counts without the two primitives.
* **MS402 crypto-heavy wasm (MEDIUM)** — two mining primitives without scratchpad evidence, one
  with it, or a miner's export name on its own.
* **MS403 wasm with a hash function (LOW)** — any one primitive (SHA-1 and SHA-256 included) or
  scratchpad evidence alone.

"Mining primitives" are the ones CryptoNight and RandomX are built from: Keccak, AES, BLAKE,
Groestl and Skein. SHA-1 and SHA-256 are recognised and reported but never count towards them, so
a hashing or password library (SHA-256, argon2 = BLAKE2b only) stays at LOW or MEDIUM.

Compilers roll, unroll, inline and outline the same source differently at -O1…-O3/-Oz, so a
primitive matches in one of two ways. Its *unrolled* score (the generic density part tops out
below :data:`MATCH_THRESHOLD`; the rest needs something specific: rotation amounts, round
constants, 25-lane offsets, lookups at AES/Groestl width), or its *rolled shape* (the few
operations one loop iteration must contain: Keccak's rotate + xor + not-and, AES's byte-indexed
table loads folded by xor, BLAKE's add-xor-rotate chain with its rotation amounts) together with
a marker of that primitive anywhere in the module. Markers are literal tables in the data
section (S-box, T-tables, round constants, rho/pi offsets, sigma) *or the operations that build
them at run time*: GF(2^8) doubling by 0x1B (AES S-box and T-tables computed instead of stored),
the x^8+x^6+x^5+x^4+1 LFSR (Keccak round constants computed instead of stored). Tiny rotate
helpers that binaryen outlines are seen through. SIMD (0xFD) xor/and-not count with their
scalar kin.

The scratchpad loop is found by its operations too, so a mask computed at run time does not hide
it: a loop that does an AES round (table lookups, or a call to an AES function), a 64-bit
multiply (inline, or a call to a 64x64->128 helper) and at least two loads or stores whose
address went through ``and`` is CryptoNight's main loop; a ``br_table`` dispatch over eight or
more targets with a 64-bit multiply, float arithmetic and masked scratchpad accesses is
RandomX's VM loop.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import compress, count, groupby
from typing import Any

from analyzers.base import Finding, Severity, rule
from analyzers.wasm_decode import (
    OPCODE_BY_NAME,
    OPCODE_NAMES,
    FunctionBody,
    ModuleLayout,
    TokenizedBody,
    WasmDecodeError,
    decode_module,
    iter_instructions,
    tokenize_body,
)
from model.observations import PageVisit, WasmModule

MIN_SCORED_INSTRUCTIONS = 40
MATCH_THRESHOLD = 0.75
ROLLED_SHAPE = 0.5  # a rolled round without a marker: reported in scores, never a match
ROLLED_MATCH = 0.8  # a rolled round with its primitive's marker in the module
INSTRUCTION_BUDGET = 1_000_000  # per module (a 2 MB module has ~800k); functions past it: partial
MINING_PRIMITIVES = ("keccak", "aes", "blake", "groestl", "skein")

_OP = OPCODE_BY_NAME
I32_CONST, I64_CONST = _OP["i32.const"], _OP["i64.const"]
I32_XOR, I64_XOR = _OP["i32.xor"], _OP["i64.xor"]
I32_AND, I64_AND = _OP["i32.and"], _OP["i64.and"]
I32_ADD, I64_ADD = _OP["i32.add"], _OP["i64.add"]
I32_SHR_U, I64_SHR_U = _OP["i32.shr_u"], _OP["i64.shr_u"]
I32_SHR_S, I32_SHL, I32_MUL = _OP["i32.shr_s"], _OP["i32.shl"], _OP["i32.mul"]
I64_MUL, I64_SHL = _OP["i64.mul"], _OP["i64.shl"]
LOCAL_GET, LOCAL_SET, LOCAL_TEE = _OP["local.get"], _OP["local.set"], _OP["local.tee"]
CALL, BR_TABLE, SELECT, LOOP, END = _OP["call"], _OP["br_table"], _OP["select"], _OP["loop"], 0x0B
BLOCK_STARTS = frozenset({_OP["block"], _OP["loop"], _OP["if"]})
V128_XOR, V128_ANDNOT, V128_NOT = _OP["v128.xor"], _OP["v128.andnot"], _OP["v128.not"]
ROTATES = {
    _OP["i32.rotl"]: (32, 1),
    _OP["i32.rotr"]: (32, -1),
    _OP["i64.rotl"]: (64, 1),
    _OP["i64.rotr"]: (64, -1),
}
TABLE_LOADS_32 = {_OP["i32.load"], _OP["i32.load8_u"]}
TABLE_LOADS_64 = {_OP["i64.load"]}
LANE_ACCESS_64 = {_OP["i64.load"], _OP["i64.store"]}
LANE_LOADS_32 = frozenset({0xFD09, 0xFD56})  # v128.load32_splat, v128.load32_lane (gathers)
MEMORY_ACCESSES = frozenset(range(0x28, 0x3F)) | {0xFD00, 0xFD0B} | LANE_LOADS_32
WIDE_ACCESSES = {_OP["i64.load"], _OP["i64.store"], 0xFD00, 0xFD0B}
FLOAT_ARITHMETIC = frozenset(range(0x92, 0xA7))  # f32/f64 add, sub, mul, div, sqrt, min, max ...
# "and" masks that pick one byte, already scaled for a 2-, 4- or 8-byte table entry
BYTE_MASKS = frozenset({0xFF, 0x1FE, 0x3FC, 0x7F8})

# fmt: off
# Rotation amounts, all expressed as rotate-left (a rotr by k is a rotl by width - k).
KECCAK_RHO = frozenset({1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62,
                        18, 39, 61, 20, 44})
BLAKE_ROTL = {32: frozenset({16, 20, 24, 25}),  # BLAKE-256 / BLAKE2s: rotr 16, 12, 8, 7
              64: frozenset({32, 40, 48, 1, 39, 53})}  # BLAKE2b: rotr 32, 24, 16, 63; BLAKE-512
SKEIN_512_ROTL = frozenset({46, 36, 19, 37, 33, 27, 14, 42, 17, 49, 39, 44, 9, 54, 56, 30, 34, 24,
                            13, 50, 10, 25, 29, 43, 8, 35, 22})
SHA256_ROTL = frozenset({30, 19, 10, 26, 21, 7, 25, 14, 15, 13})  # rotr 2,13,22,6,11,25,7,18,17,19
SHA1_ROTL = frozenset({5, 30})

KECCAK_ROUND_CONSTANTS = frozenset({
    0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A,
    0x0000000000000088, 0x0000000080008009, 0x000000008000000A, 0x000000008000808B,
    0x800000000000008B, 0x8000000000008089, 0x8000000000008003, 0x8000000000008002,
    0x8000000000000080, 0x000000000000800A, 0x800000008000000A, 0x8000000080008080,
    0x8000000080008008,
})
# the ones that are not also everyday small numbers (0x88, 0x8A, 0x808B ...)
KECCAK_WIDE_ROUND_CONSTANTS = frozenset(c for c in KECCAK_ROUND_CONSTANTS if c > 0xFFFF)
THREEFISH_KEY_PARITY = 0x1BD11BDAA9FC1A22
SHA256_FIRST_K = 0x428A2F98
SHA1_K = frozenset({0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6})
BLAKE256_C = frozenset({0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344})
GF_POLY = 0x1B  # AES's x^8 + x^4 + x^3 + x + 1, as xtime applies it
GF_POLY_FULL = 0x11B
AES_AFFINE = 0x63
KECCAK_LFSR_TAPS = frozenset({0x71, 0x171})  # x^8 + x^6 + x^5 + x^4 + 1, with or without x^8

# Scratchpad masks are "size - alignment": 2 MiB (CryptoNight, RandomX L3), 1 MiB (cn-lite),
# 256 KiB (cn-pico, RandomX L2). Almost nothing else masks addresses with these.
SCRATCHPAD_MASKS = {
    0x1FFFF0: "2 MiB scratchpad mask (16-byte lines)",
    0x1FFFF8: "2 MiB scratchpad mask (8-byte words)",
    0x1FFFC0: "2 MiB scratchpad mask (64-byte lines)",
    0xFFFF0: "1 MiB scratchpad mask (16-byte lines)",
    0x3FFF0: "256 KiB scratchpad mask (16-byte lines)",
    0x3FFF8: "256 KiB scratchpad mask (8-byte words)",
}
# Sizes and iteration counts are reported but never raise the severity: they are ordinary numbers
# elsewhere (Playwright's own libwebp build has 0x40000 and 0x100000 in one function).
SCRATCHPAD_ITERATIONS = {0x80000: "524288 main-loop iterations", 0x40000: "262144 main-loop iterations"}
SCRATCHPAD_SIZES = {0x200000: "2 MiB scratchpad size", 0x100000: "1 MiB scratchpad size"}
TELLING_CONSTANTS = (set(SCRATCHPAD_MASKS) | set(SCRATCHPAD_ITERATIONS) | set(SCRATCHPAD_SIZES)
                     | KECCAK_ROUND_CONSTANTS | SHA1_K | BLAKE256_C
                     | {THREEFISH_KEY_PARITY, SHA256_FIRST_K})

# Well-known tables as they sit in a data segment (little-endian where the entries are words).
DATA_SIGNATURES = {
    bytes.fromhex("637c777bf26b6fc53001672bfed7ab76"): ("aes", "AES S-box"),
    bytes.fromhex("a56363c6847c7cf8997777ee8d7b7bf6"): ("aes", "AES T-table"),
    bytes.fromhex("c66363a5f87c7c84ee777799f67b7b8d"): ("aes", "AES T-table"),
    bytes.fromhex("01020408102040801b36"): ("aes", "AES key-schedule round constants"),
    bytes.fromhex("8280000000000000" "8a80000000000080"): ("keccak", "Keccak round constants"),
    bytes.fromhex("0103060a0f151c242d37020e1b29380819"): ("keccak", "Keccak rho offsets"),
    bytes.fromhex("0a070b111203051008151804"): ("keccak", "Keccak pi lane order"),
    bytes.fromhex("0e0a0408090f0d06010c00020b070503"): ("blake", "BLAKE sigma permutations"),
    bytes.fromhex("886a3f24d308a3852e8a1913"): ("blake", "BLAKE-256 constants"),
    bytes.fromhex("982f8a4291443771"): ("sha256", "SHA-256 K constants"),
    bytes.fromhex("221afca9da1bd11b"): ("skein", "Threefish key-schedule constant"),
}

MINER_NAME = re.compile(
    r"crypto_?night|(?:^|[_.])cn_(?:slow_|fast_)?hash|(?:^|[_.])hash_cn(?:$|_)|random_?x"
    r"|(?:^|[_.])rx_slow_hash",
    re.IGNORECASE,
)
CRYPTO_NAME = re.compile(r"hash|keccak|sha3|blake|groestl|skein|jh256|aes|sha256|sha1|argon",
                         re.IGNORECASE)
# fmt: on

_U64 = (1 << 64) - 1
_WINDOW = 8  # instructions of context a pattern may span


@dataclass
class LoopShape:
    """What one loop's body (nested loops included) does, for the scratchpad-loop judgement."""

    function: int = -1
    start: int = 0  # instruction position of the ``loop``
    instructions: int = 0
    mul64: int = 0  # i64.mul / i64x2.mul
    lookups: int = 0  # byte-indexed table loads
    masked: int = 0  # loads/stores whose address went through ``and`` just before
    runtime_masked: int = 0  # ... with a mask that was not a literal
    wide_accesses: int = 0  # i64 and v128 loads and stores
    floats: int = 0
    dispatch: int = 0  # widest br_table
    calls: set[int] = field(default_factory=set)

    def absorb(self, inner: LoopShape) -> None:
        self.mul64 += inner.mul64
        self.lookups += inner.lookups
        self.masked += inner.masked
        self.runtime_masked += inner.runtime_masked
        self.wide_accesses += inner.wide_accesses
        self.floats += inner.floats
        self.dispatch = max(self.dispatch, inner.dispatch)
        if len(self.calls) < 32:
            self.calls |= inner.calls


@dataclass
class FunctionFeatures:
    """Counts gathered while streaming one function's instructions."""

    instructions: int = 0
    opcodes: Counter[int] = field(default_factory=Counter)
    not64: int = 0  # x ^ -1 (Keccak chi)
    chi: int = 0  # a not followed by an and (64-bit, or v128.andnot)
    byte_extracts: int = 0  # & 0xff (or 0xff scaled to an entry size), >> 24, >> 56
    lookups32: int = 0  # 32-bit loads shortly after a byte extract (AES tables, S-boxes)
    lookups64: int = 0  # 64-bit loads shortly after a byte extract (Groestl tables)
    table_bases: set[int] = field(default_factory=set)  # static addresses those loads used
    xor_then_rotate: dict[int, int] = field(default_factory=lambda: {32: 0, 64: 0})  # BLAKE G
    xor_rotates: dict[int, int] = field(default_factory=lambda: {32: 0, 64: 0})  # no add needed
    rotate_then_xor64: int = 0  # Skein MIX
    rotation_amounts: dict[int, set[int]] = field(default_factory=lambda: {32: set(), 64: set()})
    rotates64: int = 0  # i64 rotates, by a constant or not
    lane_offsets: set[int] = field(default_factory=set)
    constants: set[int] = field(default_factory=set)  # telling ones only, as unsigned
    gf_doubling: int = 0  # xtime: the GF(2^8) reduction by 0x1B after a shift
    aes_affine: int = 0  # x ^ 0x63 (the S-box's affine constant)
    keccak_lfsr: int = 0  # the round-constant LFSR's feedback taps applied after a shift
    shr32_64: int = 0  # i64 >> 32 (the halves of a 64x64->128 multiply)
    loops: list[LoopShape] = field(default_factory=list)
    callees: set[int] = field(default_factory=set)
    partial: bool = False

    @property
    def mul128_helper(self) -> bool:
        return self.opcodes[I64_MUL] >= 3 and self.shr32_64 >= 2


def _rotate_helpers(layout: ModuleLayout) -> dict[int, int]:
    """Tiny functions that only rotate their argument (binaryen outlines them at -Oz): index to
    the rotate opcode, so that a call to one reads as the rotate itself."""
    helpers = {}
    for body in layout.functions:
        if len(body.code) > 24:
            continue
        try:
            ops = [op for op, _ in iter_instructions(body.code)]
        except WasmDecodeError:
            continue
        rotates = [op for op in ops if op in ROTATES]
        if len(rotates) == 1 and len(ops) <= 6 and not any(op in MEMORY_ACCESSES for op in ops):
            helpers[body.index] = rotates[0]
    return helpers


def _collect(code: bytes, budget: int, helpers: dict[int, int]) -> FunctionFeatures:
    """Gather one body's features, stopping at the budget or the first undecodable instruction.

    Works on the positions of the few opcodes each pattern starts from (list comprehensions and
    bisection, not a Python loop per instruction) and decodes an immediate only where a pattern
    needs it, which keeps a 2 MB module well under a second.
    """
    body = tokenize_body(code, budget)
    ops = body.ops
    f = FunctionFeatures(instructions=len(ops), partial=body.error is not None or body.budget_hit)
    if not ops:
        return f
    value = body.immediate
    starts = sorted(compress(count(), map(_PATTERN_STARTS.__contains__, ops)), key=ops.__getitem__)
    positions = {op: list(group) for op, group in groupby(starts, key=ops.__getitem__)}
    for group in positions.values():
        group.sort()
    calls = []
    for i in positions.pop(CALL, ()):
        callee = value(i)
        if callee in helpers:  # an outlined rotate reads as the rotate itself
            ops[i] = helpers[callee]
            positions.setdefault(ops[i], []).append(i)
            continue
        calls.append(i)
        if callee is not None and len(f.callees) < 256:
            f.callees.add(callee)
    positions[CALL] = calls
    for op in set(helpers.values()):
        positions.get(op, []).sort()
    f.opcodes.update(ops)
    merged: dict[tuple[int, ...], list[int]] = {}

    def at(*wanted: int) -> list[int]:
        if wanted not in merged:
            merged[wanted] = sorted(i for op in wanted for i in positions.get(op, ()))
        return merged[wanted]

    def const_before(i: int, back: int = 1) -> int | None:
        j = i - back
        return value(j) if j >= 0 and ops[j] in (I32_CONST, I64_CONST) else None

    f.constants = _telling_constants(body)
    _rotations(f, ops, at(*ROTATES), const_before)
    byte_extracts = _byte_extracts_and_masks(f, ops, at, const_before)
    nots = []
    for i in positions.get(I64_XOR, ()):
        if const_before(i) == -1 or const_before(i, 2) == -1:
            nots.append(i)
        recent = ops[max(0, i - 4) : i]
        if (
            any(o in ROTATES and ROTATES[o][0] == 64 for o in recent)
            and I64_ADD in ops[max(0, i - _WINDOW) : i]
        ):
            f.rotate_then_xor64 += 1
    f.not64 = len(nots)
    f.chi = f.opcodes[V128_ANDNOT] + sum(
        1 for i in positions.get(I64_AND, ()) if _within(nots, i - 3, i)
    )
    for i in positions.get(I32_XOR, ()):
        c = const_before(i)
        if c == AES_AFFINE:
            f.aes_affine += 1
        elif c in KECCAK_LFSR_TAPS and (
            I32_SHL in ops[max(0, i - _WINDOW) : i]
            or any(const_before(j + 1) == 1 for j in range(max(0, i - _WINDOW), i))
        ):
            f.keccak_lfsr += 1
        elif c == GF_POLY_FULL and I32_SHL in ops[max(0, i - _WINDOW) : i]:
            f.gf_doubling += 1
    for i in at(I32_MUL, SELECT):
        if any(const_before(j + 1) == GF_POLY for j in range(max(0, i - 3), i)):
            f.gf_doubling += 1
    table_adds = sorted(
        {
            j
            for e in byte_extracts
            for j in range(e + 1, min(e + 4, len(ops)))
            if ops[j] == I32_ADD and (c := const_before(j)) is not None and c >= 256
        }
    )
    for i in table_adds:
        if len(f.table_bases) < 64:
            f.table_bases.add(const_before(i) or 0)
    lookups = _lookups(f, ops, at, value, byte_extracts, table_adds)
    xors = f.opcodes[I64_XOR] + f.opcodes[V128_XOR]
    if xors >= 20:  # only the Keccak scorer asks, and only then
        for i in at(*LANE_ACCESS_64):
            offset = value(i)
            if offset is not None and offset % 8 == 0 and offset <= 0x10000:
                f.lane_offsets.add(offset)
    if xors + f.opcodes[I32_XOR] >= 2:  # main and VM loops xor (a ^= d; IXOR): others need not
        f.loops = _loop_shapes(ops, at, body, lookups, positions)
    return f


# Opcodes some pattern starts from (or that a loop summary counts); the rest are only counted.
_PATTERN_STARTS = frozenset(
    {I32_XOR, I64_XOR, I32_AND, I64_AND, I32_SHR_U, I64_SHR_U, I32_MUL, SELECT, I64_MUL, 0xFDD5,
     BR_TABLE, CALL, LOOP, END, _OP["block"], _OP["if"], *ROTATES, *MEMORY_ACCESSES,
     *FLOAT_ARITHMETIC}
)  # fmt: skip


def _leb(value: int, signed: bool) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if signed:
            done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        else:
            done = value == 0
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def _const_encodings() -> re.Pattern[bytes]:
    """Every telling constant as the bytes of an i32.const or i64.const carrying it."""
    encodings = set()
    for value in TELLING_CONSTANTS:
        signed64 = value - (1 << 64) if value >> 63 else value
        encodings.add(b"\x42" + _leb(signed64, True))
        if value < 1 << 32:
            signed32 = value - (1 << 32) if value >> 31 else value
            encodings.add(b"\x41" + _leb(signed32, True))
    return re.compile(b"|".join(re.escape(e) for e in sorted(encodings, key=len, reverse=True)))


_TELLING_ENCODINGS = _const_encodings()


def _telling_constants(body: TokenizedBody) -> set[int]:
    """The telling constants among the body's instructions, found by a byte search (only the
    matches that start an instruction, and end where the next one starts, count)."""
    hits = list(_TELLING_ENCODINGS.finditer(body.code))
    if not hits:
        return set()
    starts = dict(zip(body.offsets, range(len(body.offsets))))
    found = set()
    for hit in hits:
        index = starts.get(hit.start())
        if index is None:
            continue
        following = body.offsets[index + 1] if index + 1 < len(body.offsets) else len(body.code)
        if following == hit.end() and (v := body.immediate(index)) is not None:
            found.add(v & _U64)
    return found


_Positions = Callable[..., list[int]]  # at(*opcodes): sorted positions of those opcodes
_Immediate = Callable[[int], "int | None"]
_ConstBefore = Callable[..., "int | None"]  # const_before(i, back=1)


def _within(sorted_positions: list[int], low: int, high: int) -> bool:
    """Is there a position p with low <= p < high?"""
    k = bisect_left(sorted_positions, low)
    return k < len(sorted_positions) and sorted_positions[k] < high


def _count(sorted_positions: list[int], low: int, high: int) -> int:
    return bisect_left(sorted_positions, high) - bisect_left(sorted_positions, low)


def _rotations(
    f: FunctionFeatures, ops: list[int], rotates: list[int], const_before: _ConstBefore
) -> None:
    for i in rotates:
        width, direction = ROTATES[ops[i]]
        if width == 64:
            f.rotates64 += 1
        amount = const_before(i)
        if amount is not None:
            f.rotation_amounts[width].add((amount * direction) % width)
        if i >= 2 and ops[i - 2] == (I64_XOR if width == 64 else I32_XOR):
            f.xor_rotates[width] += 1
            if (I64_ADD if width == 64 else I32_ADD) in ops[max(0, i - _WINDOW) : i]:
                f.xor_then_rotate[width] += 1


def _byte_extracts_and_masks(
    f: FunctionFeatures, ops: list[int], at: _Positions, const_before: _ConstBefore
) -> list[int]:
    """Positions of byte extracts; also GF doubling by 0x1B and the shifts of a 128-bit multiply."""
    extracts = []
    for i in at(I32_AND, I64_AND):
        c = const_before(i)
        if c in BYTE_MASKS:
            extracts.append(i)
        elif c == GF_POLY and any(
            o in (I32_SHR_S, I32_SHR_U, I32_SHL) for o in ops[max(0, i - _WINDOW) : i]
        ):
            f.gf_doubling += 1
    for i in at(I32_SHR_U, I64_SHR_U):
        c = const_before(i)
        if c in (24, 56):
            extracts.append(i)
        elif c == 32 and ops[i] == I64_SHR_U:
            f.shr32_64 += 1
    extracts.sort()
    f.byte_extracts = len(extracts)
    return extracts


def _lookups(
    f: FunctionFeatures,
    ops: list[int],
    at: _Positions,
    value: _Immediate,
    byte_extracts: list[int],
    table_adds: list[int],
) -> list[int]:
    """Positions of table loads: a load shortly after a byte extract, or a SIMD lane load
    gathering addresses computed just before (a vectorised AES round)."""
    found = []
    for i in at(*TABLE_LOADS_32, *TABLE_LOADS_64, *LANE_LOADS_32):
        op = ops[i]
        if op in LANE_LOADS_32:
            if not _within(table_adds, i - 40, i):
                continue
        elif not _within(byte_extracts, i - 6, i):
            continue
        found.append(i)
        if op in TABLE_LOADS_64:
            f.lookups64 += 1
            continue
        f.lookups32 += 1
        offset = value(i)
        if offset is not None and offset >= 256 and len(f.table_bases) < 64:
            f.table_bases.add(offset)
    return found


def _loop_shapes(
    ops: list[int],
    at: _Positions,
    body: TokenizedBody,
    lookups: list[int],
    positions: dict[int, list[int]],
) -> list[LoopShape]:
    """Summaries of the function's loops (nested loops included in their parents)."""
    value = body.immediate
    spans = []
    stack: list[int | None] = []
    for i in at(_OP["block"], LOOP, _OP["if"], END):
        op = ops[i]
        if op == END:
            if stack and (start := stack.pop()) is not None:
                spans.append((start, i))
        else:
            stack.append(i if op == LOOP else None)
    if not spans:
        return []
    multiplies = at(I64_MUL, 0xFDD5)
    calls = positions.get(CALL, [])
    if not any(_count(multiplies, s, e) or _count(calls, s, e) for s, e in spans):
        return []  # no loop multiplies or calls anything: none can be a scratchpad loop
    masks, runtime = _mask_events(ops, at, body)
    accesses = at(*MEMORY_ACCESSES)
    masked = _accesses_after(accesses, masks)
    runtime_masked = _accesses_after(accesses, runtime)
    wide = [i for i in accesses if ops[i] in WIDE_ACCESSES]
    floats = at(*FLOAT_ARITHMETIC)
    tables = positions.get(BR_TABLE, [])
    shapes = []
    for start, end in spans:
        shape = LoopShape(
            start=start,
            instructions=end - start,
            mul64=_count(multiplies, start, end),
            lookups=_count(lookups, start, end),
            masked=_count(masked, start, end),
            runtime_masked=_count(runtime_masked, start, end),
            wide_accesses=_count(wide, start, end),
            floats=_count(floats, start, end),
        )
        if not (shape.mul64 or shape.masked or shape.lookups):
            continue
        k = bisect_left(tables, start)
        while k < len(tables) and tables[k] < end:
            shape.dispatch = max(shape.dispatch, value(tables[k]) or 0)
            k += 1
        k = bisect_left(calls, start)
        while k < len(calls) and calls[k] < end and len(shape.calls) < 32:
            callee = value(calls[k])
            if callee is not None:
                shape.calls.add(callee)
            k += 1
        shapes.append(shape)
        if len(shapes) >= 64:
            break
    return shapes


def _accesses_after(accesses: list[int], events: list[int], reach: int = 6) -> list[int]:
    """The memory accesses at most ``reach`` instructions after one of the events."""
    found: set[int] = set()
    for e in events:
        k = bisect_right(accesses, e)
        while k < len(accesses) and accesses[k] <= e + reach:
            found.add(accesses[k])
            k += 1
    return sorted(found)


def _mask_events(
    ops: list[int], at: _Positions, body: TokenizedBody
) -> tuple[list[int], list[int]]:
    """Positions where an address is masked: an ``and`` that is not a byte extract, or a read of
    a local that such an ``and`` was stored to. Second list: those whose mask was not literal."""
    value = body.immediate
    events, runtime = [], []
    masked_locals: dict[int, bool] = {}
    for i in at(I32_AND, I64_AND):
        c = ops[i - 1] in (I32_CONST, I64_CONST) and i >= 1
        if c and value(i - 1) in BYTE_MASKS:
            continue
        events.append(i)
        if not c:
            runtime.append(i)
        for j in range(i + 1, min(i + 4, len(ops))):
            if ops[j] in (LOCAL_SET, LOCAL_TEE) and len(masked_locals) < 64:
                local = value(j)
                if local is not None:
                    masked_locals[local] = masked_locals.get(local, False) or not c
                break
    if masked_locals:
        starts = dict(zip(body.offsets, range(len(body.offsets))))
        for local, is_runtime in masked_locals.items():
            pattern = bytes([LOCAL_GET]) + _leb(local, False)
            at_byte = body.code.find(pattern)
            while at_byte >= 0:
                index = starts.get(at_byte)
                if index is not None and ops[index] == LOCAL_GET:
                    events.append(index)
                    if is_runtime:
                        runtime.append(index)
                at_byte = body.code.find(pattern, at_byte + 1)
    return sorted(events), sorted(runtime)


def _ratio(count: int, total: int) -> float:
    return count / total if total else 0.0


@dataclass(frozen=True)
class ModuleMarkers:
    """Evidence of a primitive that need not sit in the function doing the rounds: its tables in
    the data section, its constants, or the operations that compute those at run time."""

    keccak: tuple[str, ...] = ()
    aes: tuple[str, ...] = ()
    blake: tuple[str, ...] = ()

    def of(self, primitive: str) -> tuple[str, ...]:
        return getattr(self, primitive, ())


def _module_markers(
    features: list[FunctionFeatures], data_hits: list[tuple[str, str]]
) -> ModuleMarkers:
    found: dict[str, list[str]] = {"keccak": [], "aes": [], "blake": []}
    for primitive, label in data_hits:
        if primitive in found:
            found[primitive].append(f"{label} in data")
    constants = set().union(*(f.constants for f in features)) if features else set()
    if len(constants & KECCAK_WIDE_ROUND_CONSTANTS) >= 2:
        found["keccak"].append("Keccak round constants in code")
    if sum(f.keccak_lfsr for f in features):
        found["keccak"].append("Keccak round constants computed by their LFSR")
    if len(constants & BLAKE256_C) >= 2:
        found["blake"].append("BLAKE-256 constants in code")
    if sum(f.gf_doubling for f in features) and sum(f.aes_affine for f in features):
        found["aes"].append(
            "GF(2^8) doubling by 0x1B and the S-box affine constant 0x63 (AES tables or S-box "
            "computed at run time)"
        )
    return ModuleMarkers(**{k: tuple(dict.fromkeys(v)) for k, v in found.items()})


def _score_keccak(f: FunctionFeatures, markers: ModuleMarkers) -> float:
    """Dense i64 xor (0.3), xor with -1 (0.15), i64 rotates (0.15); specific (0.4): ten Keccak
    rotation amounts in add-free code, two round constants, or 20 distinct 8-byte lane offsets.
    Rolled: a 64-bit rotate, a not-and (chi) and five i64 xors in code with few i64 adds."""
    xor = f.opcodes[I64_XOR] + f.opcodes[V128_XOR]
    rotates = f.rotates64
    score = 0.3 * min(1.0, _ratio(xor, f.instructions) / 0.12)
    score += 0.15 if f.not64 >= 5 else 0.0
    score += 0.15 if rotates >= 10 else 0.0
    rho = len(f.rotation_amounts[64] & KECCAK_RHO)
    round_constants = len(f.constants & KECCAK_ROUND_CONSTANTS)
    lanes = len({o for o in f.lane_offsets if o % 8 == 0}) if xor >= 20 else 0
    few_adds = f.opcodes[I64_ADD] * 2 <= xor
    if (rho >= 10 and f.opcodes[I64_ADD] * 4 < xor) or round_constants >= 2 or lanes >= 20:
        score += 0.4
    if rotates and f.chi and xor >= 5 and few_adds:
        wide_constants = len(f.constants & KECCAK_WIDE_ROUND_CONSTANTS)
        own = rho >= 8 or wide_constants >= 2 or lanes >= 20
        score = max(score, ROLLED_MATCH if own or markers.keccak else ROLLED_SHAPE)
    return score


def _score_table_cipher(lookups: int, xor: int, f: FunctionFeatures) -> float:
    """Table lookups after a byte extract (0.4 at 16), xor density (0.2 at 8 %), byte extracts
    (0.2 at 12), plus the lookups being the function's main work (0.2: one per 25 instructions)."""
    score = 0.4 * min(1.0, lookups / 16)
    score += 0.2 * min(1.0, _ratio(xor, f.instructions) / 0.08)
    score += 0.2 if f.byte_extracts >= 12 else 0.0
    score += 0.2 if _ratio(lookups, f.instructions) >= 0.04 else 0.0
    return score if lookups >= 16 else min(score, 0.5)


def _t_tables(bases: set[int]) -> bool:
    """Three or more byte-indexed tables 1 KiB apart: Te0..Te3 (or Td0..Td3)."""
    return sum(1 for b in bases if b + 1024 in bases) >= 2


def _score_aes(f: FunctionFeatures, markers: ModuleMarkers) -> float:
    """The unrolled table score; rolled: four byte-indexed 32-bit loads folded by xor (and at
    least one per 50 instructions: the round is the function's work), matching
    with 1 KiB-spaced tables or an AES marker; table-free: GF(2^8) doubling among xors, with
    the marker (doubling and the affine constant somewhere in the module)."""
    xor = f.opcodes[I32_XOR] + f.opcodes[V128_XOR]  # SLP-vectorised rounds fold lookups in v128
    score = _score_table_cipher(f.lookups32, xor, f)
    if f.lookups32 >= 4 and xor >= 3 and _ratio(f.lookups32, f.instructions) >= 0.02:
        specific = _t_tables(f.table_bases) or markers.aes
        score = max(score, ROLLED_MATCH if specific else ROLLED_SHAPE)
    if f.gf_doubling and xor >= 4:
        score = max(score, ROLLED_MATCH if markers.aes else ROLLED_SHAPE)
    return score


def _score_groestl(f: FunctionFeatures, markers: ModuleMarkers) -> float:
    return _score_table_cipher(f.lookups64, f.opcodes[I64_XOR], f)


def _score_blake(f: FunctionFeatures, markers: ModuleMarkers) -> float:
    """Rotates of a fresh xor with an add just before, the G function's shape (0.5 at 16), BLAKE
    rotation amounts (0.3 for three distinct), add/xor/rotate density (0.2 at 20 %). Rolled: one
    G (two rotates of a fresh xor) with three BLAKE rotation amounts, or with a BLAKE marker."""
    best = 0.0
    for width, add, xor in ((32, I32_ADD, I32_XOR), (64, I64_ADD, I64_XOR)):
        rotates = sum(f.opcodes[op] for op, (w, _) in ROTATES.items() if w == width)
        arx = f.opcodes[add] + f.opcodes[xor] + rotates
        amounts = len(f.rotation_amounts[width] & BLAKE_ROTL[width]) >= 3
        score = 0.5 * min(1.0, f.xor_then_rotate[width] / 16)
        score += 0.3 if amounts else 0.0
        score += 0.2 * min(1.0, _ratio(arx, f.instructions) / 0.2)
        if f.xor_rotates[width] >= 2:
            specific = amounts or (markers.blake and len(f.rotation_amounts[width]) >= 2)
            score = max(score, ROLLED_MATCH if specific else ROLLED_SHAPE)
        best = max(best, score)
    return best


def _score_skein(f: FunctionFeatures, markers: ModuleMarkers) -> float:
    """xor of a fresh rotate after an add, Threefish MIX (0.5 at 16); the key-schedule constant
    or eight Skein-512 rotation amounts in code without xor -1 (0.3); i64 ARX density (0.2)."""
    rotates = f.rotates64
    arx = f.opcodes[I64_ADD] + f.opcodes[I64_XOR] + rotates
    score = 0.5 * min(1.0, f.rotate_then_xor64 / 16)
    specific = THREEFISH_KEY_PARITY in f.constants or (
        len(f.rotation_amounts[64] & SKEIN_512_ROTL) >= 8 and f.not64 < 3
    )
    score += 0.3 if specific else 0.0
    score += 0.2 * min(1.0, _ratio(arx, f.instructions) / 0.2)
    return score


def _score_sha256(f: FunctionFeatures, markers: ModuleMarkers) -> float:
    """Six SHA-256 rotation amounts (0.5), its first round constant (0.3), i32 xor density (0.2)."""
    score = 0.5 if len(f.rotation_amounts[32] & SHA256_ROTL) >= 6 else 0.0
    score += 0.3 if SHA256_FIRST_K in f.constants else 0.0
    score += 0.2 * min(1.0, _ratio(f.opcodes[I32_XOR], f.instructions) / 0.08)
    return score


def _score_sha1(f: FunctionFeatures, markers: ModuleMarkers) -> float:
    """Rotates by 5 and 30 (0.5), two of its four round constants (0.3), i32 xor density (0.2)."""
    score = 0.5 if SHA1_ROTL <= f.rotation_amounts[32] else 0.0
    score += 0.3 if len(f.constants & SHA1_K) >= 2 else 0.0
    score += 0.2 * min(1.0, _ratio(f.opcodes[I32_XOR], f.instructions) / 0.08)
    return score


SCORERS = {
    "keccak": _score_keccak,
    "aes": _score_aes,
    "blake": _score_blake,
    "groestl": _score_groestl,
    "skein": _score_skein,
    "sha256": _score_sha256,
    "sha1": _score_sha1,
}


@dataclass(frozen=True)
class FunctionStats:
    index: int  # in the function index space
    name: str  # export or debug name, "" when the module has none
    instructions: int
    partial: bool  # decoding stopped early (unknown opcode, truncated, budget)
    top_opcodes: tuple[tuple[str, int], ...]
    scores: tuple[tuple[str, float], ...]  # every primitive's score, rounded
    matched: tuple[str, ...]  # primitives at or above MATCH_THRESHOLD
    constants: tuple[int, ...]  # telling constants among its immediates

    @property
    def crypto_like(self) -> bool:
        return bool(self.matched)


@dataclass(frozen=True)
class PrimitiveMatch:
    name: str
    score: float  # the best function's score
    functions: tuple[int, ...]  # indices of the matching functions (first 20)


@dataclass(frozen=True)
class WasmFingerprint:
    """What one module's code looks like, judged for mining."""

    size: int
    decodable: bool  # False: not wasm at all, or nothing past the header made sense
    partial: bool = False  # some bytes or functions could not be decoded
    errors: tuple[str, ...] = ()
    functions: tuple[FunctionStats, ...] = ()
    primitives: tuple[PrimitiveMatch, ...] = ()
    scratchpad_constants: tuple[str, ...] = ()  # scratchpad masks found: what counts
    scratchpad_loops: tuple[str, ...] = ()  # main/VM loops found by their operations: count too
    size_constants: tuple[str, ...] = ()  # scratchpad sizes / iteration counts: reported only
    data_signatures: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()  # primitive markers (tables, runtime constant builders)
    crypto_fraction: float = 0.0  # share of all instructions inside crypto-like functions
    exports: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    miner_names: tuple[str, ...] = ()  # exports/imports/function names naming a miner
    crypto_names: tuple[str, ...] = ()  # names naming a hash or cipher

    @property
    def mining_primitives(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.primitives if p.name in MINING_PRIMITIVES)

    @property
    def scratchpad_evidence(self) -> tuple[str, ...]:
        return self.scratchpad_constants + self.scratchpad_loops

    @property
    def severity(self) -> Severity | None:
        """The module's judgement, per the thresholds in this module's docstring."""
        mining = len(self.mining_primitives)
        scratchpad = self.scratchpad_evidence
        if mining >= 2 and (scratchpad or self.miner_names):
            return Severity.HIGH
        if mining >= 2 or (mining and scratchpad) or self.miner_names:
            return Severity.MEDIUM
        if self.primitives or scratchpad:
            return Severity.LOW
        return None

    def to_evidence(self, max_functions: int = 20) -> dict[str, Any]:
        crypto = [fn for fn in self.functions if fn.crypto_like][:max_functions]
        return {
            "decodable": self.decodable,
            "partial": self.partial,
            "errors": list(self.errors[:5]),
            "function_count": len(self.functions),
            "primitives": [
                {"name": p.name, "score": p.score, "functions": list(p.functions)}
                for p in self.primitives
            ],
            "scratchpad_constants": list(self.scratchpad_constants),
            "scratchpad_loops": list(self.scratchpad_loops),
            "size_constants": list(self.size_constants),
            "data_signatures": list(self.data_signatures),
            "markers": list(self.markers),
            "crypto_fraction": round(self.crypto_fraction, 3),
            "miner_names": list(self.miner_names),
            "crypto_names": list(self.crypto_names[:20]),
            "exports": list(self.exports[:50]),
            "imports": list(self.imports[:50]),
            "crypto_functions": [
                {
                    "index": fn.index,
                    "name": fn.name,
                    "instructions": fn.instructions,
                    "matched": list(fn.matched),
                    "scores": dict(fn.scores),
                    "top_opcodes": dict(fn.top_opcodes),
                    "constants": [hex(c) for c in fn.constants],
                    "partial": fn.partial,
                }
                for fn in crypto
            ],
        }


def fingerprint(
    module_bytes: bytes, exports: Iterable[str] = (), imports: Iterable[str] = ()
) -> WasmFingerprint:
    """Decode and judge one module. Never raises: garbage yields ``decodable=False``.

    ``exports``/``imports`` add names the crawler saw (for when the body was not captured whole).
    """
    try:
        layout = decode_module(bytes(module_bytes))
        return _judge(layout, len(module_bytes), tuple(exports), tuple(imports))
    except Exception as exc:  # noqa: BLE001 - a decoder bug must not stop the scan; say so instead
        return WasmFingerprint(
            size=len(module_bytes),
            decodable=False,
            errors=(f"internal decoder error: {type(exc).__name__}: {exc}",),
        )


def _judge(
    layout: ModuleLayout, size: int, extra_exports: tuple[str, ...], extra_imports: tuple[str, ...]
) -> WasmFingerprint:
    exports = tuple(dict.fromkeys([name for name, _ in layout.exports] + list(extra_exports)))
    imports = tuple(dict.fromkeys(list(layout.imports) + list(extra_imports)))
    if not layout.valid_header:
        miner_names, crypto_names = _telling_names(exports, imports)
        return WasmFingerprint(
            size=size,
            decodable=False,
            errors=layout.errors,
            exports=exports,
            imports=imports,
            miner_names=miner_names,
            crypto_names=crypto_names,
        )
    names = dict(layout.function_names)
    names.update(dict(layout.exported_functions))  # export names are what a page can call
    miner_names, crypto_names = _telling_names(exports, imports, tuple(names.values()))
    helpers = _rotate_helpers(layout)
    budget = INSTRUCTION_BUDGET
    collected: list[tuple[FunctionBody, FunctionFeatures | None]] = []
    for body in layout.functions:
        if budget <= 0:
            collected.append((body, None))
            continue
        features = _collect(body.code, budget, helpers)
        budget -= features.instructions
        collected.append((body, features))
    every = [f for _, f in collected if f is not None]
    data_hits = _data_signatures(layout)
    markers = _module_markers(every, data_hits)
    stats = [
        _function_stats(body, names, f, markers) if f is not None else _unscored(body, names)
        for body, f in collected
    ]
    module_constants: set[int] = set().union(*(f.constants for f in every)) if every else set()
    primitives = _primitive_matches(stats, data_hits)
    matched = {name: set(p.functions) for p in primitives for name in (p.name,)}
    total = sum(fn.instructions for fn in stats)
    crypto = sum(fn.instructions for fn in stats if fn.crypto_like)
    decodable = bool(layout.sections) or not layout.errors
    return WasmFingerprint(
        size=size,
        decodable=decodable,
        partial=bool(layout.errors) or any(fn.partial for fn in stats),
        errors=layout.errors,
        functions=tuple(stats),
        primitives=primitives,
        scratchpad_constants=_scratchpad_evidence(module_constants),
        scratchpad_loops=_scratchpad_loops(collected, matched),
        size_constants=_size_constants(module_constants),
        data_signatures=tuple(label for _, label in data_hits),
        markers=tuple(m for name in ("keccak", "aes", "blake") for m in markers.of(name)),
        crypto_fraction=_ratio(crypto, total),
        exports=exports,
        imports=imports,
        miner_names=miner_names,
        crypto_names=crypto_names,
    )


def _scratchpad_loops(
    collected: list[tuple[FunctionBody, FunctionFeatures | None]], matched: dict[str, set[int]]
) -> tuple[str, ...]:
    """CryptoNight main loops and RandomX VM loops, found by what their bodies do (see the module
    docstring); a call counts for what its callee (or the callee's callees) does."""
    features = {body.index: f for body, f in collected if f is not None}
    aes_functions = matched.get("aes", set())
    mul_helpers = {index for index, f in features.items() if f.mul128_helper}

    def reaches(callees: set[int], targets: set[int]) -> bool:
        if callees & targets:
            return True
        return any(features[c].callees & targets for c in callees if c in features)

    found: list[str] = []
    for index, f in features.items():
        for loop in f.loops:
            multiply = loop.mul64 > 0 or reaches(loop.calls, mul_helpers)
            if not multiply or loop.masked < 2:
                continue
            runtime = " (mask computed at run time)" if loop.runtime_masked >= 2 else ""
            aes = loop.lookups >= 4 or reaches(loop.calls, aes_functions)
            if aes and loop.wide_accesses >= 4:
                found.append(
                    f"function {index}: CryptoNight-style main loop (AES round, 64-bit multiply, "
                    f"masked scratchpad reads and writes{runtime})"
                )
            elif loop.dispatch >= 8 and loop.floats:
                found.append(
                    f"function {index}: RandomX-style VM loop ({loop.dispatch}-way dispatch, "
                    f"64-bit multiply, float arithmetic, masked scratchpad accesses{runtime})"
                )
    return tuple(dict.fromkeys(found))[:10]


def _telling_names(*name_lists: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names that name a miner, names that name a hash or cipher)."""
    every = tuple(dict.fromkeys(name for names in name_lists for name in names))
    return (
        tuple(n for n in every if MINER_NAME.search(n))[:20],
        tuple(n for n in every if CRYPTO_NAME.search(n))[:50],
    )


def _unscored(body: FunctionBody, names: dict[int, str]) -> FunctionStats:
    return FunctionStats(body.index, names.get(body.index, ""), 0, True, (), (), (), ())


def _function_stats(
    body: FunctionBody, names: dict[int, str], f: FunctionFeatures, markers: ModuleMarkers
) -> FunctionStats:
    scores: tuple[tuple[str, float], ...] = ()
    matched: tuple[str, ...] = ()
    if f.instructions >= MIN_SCORED_INSTRUCTIONS:
        scores = tuple((name, round(scorer(f, markers), 3)) for name, scorer in SCORERS.items())
        matched = tuple(name for name, score in scores if score >= MATCH_THRESHOLD)
    top = tuple((OPCODE_NAMES.get(op, hex(op)), count) for op, count in f.opcodes.most_common(8))
    return FunctionStats(
        body.index,
        names.get(body.index, ""),
        f.instructions,
        f.partial or body.truncated,
        top,
        scores,
        matched,
        tuple(sorted(f.constants)),
    )


def _data_signatures(layout: ModuleLayout) -> list[tuple[str, str]]:
    hits = [
        (primitive, label)
        for pattern, (primitive, label) in DATA_SIGNATURES.items()
        if any(pattern in segment for segment in layout.data_segments)
    ]
    return list(dict.fromkeys(hits))


def _primitive_matches(
    stats: list[FunctionStats], data_hits: list[tuple[str, str]]
) -> tuple[PrimitiveMatch, ...]:
    found: dict[str, list[FunctionStats]] = {}
    for fn in stats:
        for name in fn.matched:
            found.setdefault(name, []).append(fn)
    matches = [
        PrimitiveMatch(
            name, max(dict(fn.scores)[name] for fn in fns), tuple(fn.index for fn in fns[:20])
        )
        for name, fns in found.items()
    ]
    # A well-known table in the data segment vouches for a primitive whose code scored close to
    # the threshold (compilers sometimes split a round across functions).
    for primitive, _ in data_hits:
        if primitive in found or primitive in {m.name for m in matches}:
            continue
        near = [fn for fn in stats if dict(fn.scores).get(primitive, 0.0) >= 0.5]
        if near:
            matches.append(
                PrimitiveMatch(
                    primitive,
                    max(dict(fn.scores)[primitive] for fn in near),
                    tuple(fn.index for fn in near[:20]),
                )
            )
    return tuple(sorted(matches, key=lambda m: m.name))


def _scratchpad_evidence(constants: set[int]) -> tuple[str, ...]:
    """Only the masks count (see SCRATCHPAD_SIZES for why sizes and iteration counts do not)."""
    return tuple(
        f"{value:#x}: {label}" for value, label in SCRATCHPAD_MASKS.items() if value in constants
    )


def _size_constants(constants: set[int]) -> tuple[str, ...]:
    sizes = {**SCRATCHPAD_ITERATIONS, **SCRATCHPAD_SIZES}
    return tuple(f"{value:#x}: {label}" for value, label in sizes.items() if value in constants)


_CACHE_SIZE = 64
_fingerprints: dict[tuple[str, int], WasmFingerprint] = {}  # content-addressed, so safe to share


def module_fingerprint(module: WasmModule) -> WasmFingerprint | None:
    """The module's fingerprint, decoded once per body even though three rules ask for it."""
    if module.body is None and not (module.exports or module.imports):
        return None
    key = (module.sha256, len(module.body or b""))
    cached = _fingerprints.get(key)
    if cached is None:
        cached = fingerprint(module.body or b"", module.exports, module.imports)
        if module.body is None:  # names only: nothing was decoded, nothing is wrong with the body
            cached = WasmFingerprint(
                size=module.size,
                decodable=False,
                errors=("body not captured",),
                exports=cached.exports,
                imports=cached.imports,
                miner_names=cached.miner_names,
                crypto_names=cached.crypto_names,
            )
        if len(_fingerprints) >= _CACHE_SIZE:
            _fingerprints.pop(next(iter(_fingerprints)))
        _fingerprints[key] = cached
    return cached


_TITLES = {
    Severity.HIGH: "WebAssembly miner core",
    Severity.MEDIUM: "crypto-heavy WebAssembly",
    Severity.LOW: "WebAssembly with a hash function",
}
_CONFIDENCE = {Severity.HIGH: 0.9, Severity.MEDIUM: 0.6, Severity.LOW: 0.3}


def _findings(visit: PageVisit, rule_id: str, severity: Severity) -> list[Finding]:
    findings = []
    for module in visit.wasm_modules:
        fp = module_fingerprint(module)
        if fp is None or fp.severity is not severity:
            continue
        what = (
            ", ".join(fp.mining_primitives or tuple(p.name for p in fp.primitives))
            or "no primitive"
        )
        mask = fp.scratchpad_constants[0].split(":")[0] if fp.scratchpad_constants else ""
        extra = f"; scratchpad mask {mask}" if mask else ""
        if not mask and fp.scratchpad_loops:
            extra = "; " + fp.scratchpad_loops[0].split(": ", 1)[1].split(" (", 1)[0]
        evidence = {
            "sha256": module.sha256,
            "size": module.size,
            "context": module.context,
            "truncated": module.truncated,
            **fp.to_evidence(),
        }
        findings.append(
            Finding(
                rule_id,
                severity,
                f"{_TITLES[severity]} ({what}{extra}) in {module.context}",
                evidence,
                _CONFIDENCE[severity],
            )
        )
    return findings


@rule(id="MS401", severity=Severity.HIGH, observes=("wasm_modules",))
def wasm_miner_core(visit: PageVisit, ctx: object = None) -> list[Finding]:
    """WebAssembly module with a mining hash core: scratchpad constants and two mining primitives.

    Decodes every captured module and scores each function against Keccak, AES, BLAKE, Groestl and
    Skein. A CryptoNight/RandomX scratchpad mask (0x1FFFF0 and kin) or a miner's export name such
    as ``cryptonight_hash``, together with at least two of those primitives, is the shape of a
    CryptoNight or RandomX implementation; hashing libraries do not carry those constants.
    """
    return _findings(visit, "MS401", Severity.HIGH)


@rule(id="MS402", severity=Severity.MEDIUM, observes=("wasm_modules",))
def crypto_heavy_wasm(visit: PageVisit, ctx: object = None) -> list[Finding]:
    """WebAssembly module built around mining-grade hash primitives, short of a full miner core.

    Two of Keccak/AES/BLAKE/Groestl/Skein without scratchpad constants, one of them with the
    constants, or an export named like a miner (``cryptonight``, ``cn_hash``, ``randomx``). Crypto
    libraries can look like this too, so it is evidence to weigh with the page's behaviour.
    """
    return _findings(visit, "MS402", Severity.MEDIUM)


@rule(id="MS403", severity=Severity.LOW, observes=("wasm_modules",))
def hashing_wasm(visit: PageVisit, ctx: object = None) -> list[Finding]:
    """WebAssembly module containing one hash or cipher function (SHA-256, AES, BLAKE, ...).

    Common in legitimate apps (password hashing, checksums, encryption); recorded so that a page
    whose other evidence points at mining shows which wasm did the hashing.
    """
    return _findings(visit, "MS403", Severity.LOW)
