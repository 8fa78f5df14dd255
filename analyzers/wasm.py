"""WebAssembly fingerprint: which cryptographic primitives a module's functions look like.

Web miners ship their hashing core (CryptoNight, RandomX) as wasm. Those cores are built from a
handful of primitives whose compiled code has a recognisable shape, and they walk a scratchpad
whose size shows up as constants. We decode every function (:mod:`analyzers.wasm_decode`), count
its opcodes and a few short patterns, score it against each primitive and then judge the module:

* **MS401 wasm miner core (HIGH)** — a scratchpad constant (or a miner's export name such as
  ``cryptonight_hash`` / ``randomx``) *and* at least two mining primitives.
* **MS402 crypto-heavy wasm (MEDIUM)** — two mining primitives without the scratchpad, one with
  it, or a miner's export name on its own.
* **MS403 wasm with a hash function (LOW)** — any one primitive (SHA-256 included) or scratchpad
  constants alone.

"Mining primitives" are the ones CryptoNight and RandomX are built from: Keccak, AES, BLAKE,
Groestl and Skein. SHA-256 is recognised and reported but never counts towards them, so a
hashing or password library (SHA-256, argon2 = BLAKE2b only) stays at LOW or MEDIUM.

A function is scored only when it has at least :data:`MIN_SCORED_INSTRUCTIONS` instructions; a
primitive matches when its score reaches :data:`MATCH_THRESHOLD`. Each scorer is built so that its
generic part (density of xor, rotates, table lookups) tops out *below* the threshold: a match
also needs something specific to that primitive (its rotation amounts, round constants, 25-lane
state offsets, table lookups at AES/Groestl width). The weights are in each ``_score_*`` function.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analyzers.base import Finding, Severity, rule
from analyzers.wasm_decode import (
    OPCODE_BY_NAME,
    OPCODE_NAMES,
    FunctionBody,
    ModuleLayout,
    WasmDecodeError,
    decode_module,
    iter_instructions,
)
from minerscan.observations import PageVisit, WasmModule

MIN_SCORED_INSTRUCTIONS = 40
MATCH_THRESHOLD = 0.75
INSTRUCTION_BUDGET = 1_000_000  # per module, about 2 s of Python; functions past it are partial
MINING_PRIMITIVES = ("keccak", "aes", "blake", "groestl", "skein")

_OP = OPCODE_BY_NAME
I32_CONST, I64_CONST = _OP["i32.const"], _OP["i64.const"]
I32_XOR, I64_XOR = _OP["i32.xor"], _OP["i64.xor"]
I32_AND, I64_AND = _OP["i32.and"], _OP["i64.and"]
I32_ADD, I64_ADD = _OP["i32.add"], _OP["i64.add"]
I32_SHR_U, I64_SHR_U = _OP["i32.shr_u"], _OP["i64.shr_u"]
ROTATES = {
    _OP["i32.rotl"]: (32, 1),
    _OP["i32.rotr"]: (32, -1),
    _OP["i64.rotl"]: (64, 1),
    _OP["i64.rotr"]: (64, -1),
}
TABLE_LOADS_32 = {_OP["i32.load"], _OP["i32.load8_u"]}
TABLE_LOADS_64 = {_OP["i64.load"]}
LANE_ACCESS_64 = {_OP["i64.load"], _OP["i64.store"]}
LOOP = _OP["loop"]

# fmt: off
# Rotation amounts, all expressed as rotate-left (a rotr by k is a rotl by width - k).
KECCAK_RHO = frozenset({1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62,
                        18, 39, 61, 20, 44})
BLAKE_ROTL = {32: frozenset({16, 20, 24, 25}),  # BLAKE-256 / BLAKE2s: rotr 16, 12, 8, 7
              64: frozenset({32, 40, 48, 1, 39, 53})}  # BLAKE2b: rotr 32, 24, 16, 63; BLAKE-512
SKEIN_512_ROTL = frozenset({46, 36, 19, 37, 33, 27, 14, 42, 17, 49, 39, 44, 9, 54, 56, 30, 34, 24,
                            13, 50, 10, 25, 29, 43, 8, 35, 22})
SHA256_ROTL = frozenset({30, 19, 10, 26, 21, 7, 25, 14, 15, 13})  # rotr 2,13,22,6,11,25,7,18,17,19

KECCAK_ROUND_CONSTANTS = frozenset({
    0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A,
    0x0000000000000088, 0x0000000080008009, 0x000000008000000A, 0x000000008000808B,
    0x800000000000008B, 0x8000000000008089, 0x8000000000008003, 0x8000000000008002,
    0x8000000000000080, 0x000000000000800A, 0x800000008000000A, 0x8000000080008080,
    0x8000000080008008,
})
THREEFISH_KEY_PARITY = 0x1BD11BDAA9FC1A22
SHA256_FIRST_K = 0x428A2F98

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
                     | KECCAK_ROUND_CONSTANTS | {THREEFISH_KEY_PARITY, SHA256_FIRST_K})

# Well-known tables as they sit in a data segment (little-endian where the entries are words).
DATA_SIGNATURES = {
    bytes.fromhex("637c777bf26b6fc53001672bfed7ab76"): ("aes", "AES S-box"),
    bytes.fromhex("a56363c6847c7cf8997777ee8d7b7bf6"): ("aes", "AES T-table"),
    bytes.fromhex("8280000000000000" "8a80000000000080"): ("keccak", "Keccak round constants"),
    bytes.fromhex("982f8a4291443771"): ("sha256", "SHA-256 K constants"),
    bytes.fromhex("221afca9da1bd11b"): ("skein", "Threefish key-schedule constant"),
}

MINER_NAME = re.compile(r"crypto_?night|(?:^|[_.])cn_(?:slow_|fast_)?hash|random_?x|(?:^|[_.])rx_slow_hash",
                        re.IGNORECASE)
CRYPTO_NAME = re.compile(r"hash|keccak|sha3|blake|groestl|skein|jh256|aes|sha256|argon", re.IGNORECASE)
# fmt: on

_U64 = (1 << 64) - 1
_WINDOW = 8  # instructions of context a pattern may span


@dataclass
class FunctionFeatures:
    """Counts gathered while streaming one function's instructions."""

    instructions: int = 0
    opcodes: Counter[int] = field(default_factory=Counter)
    not64: int = 0  # x ^ -1 (Keccak chi)
    byte_extracts: int = 0  # & 0xff, >> 24, >> 56
    lookups32: int = 0  # 32-bit loads shortly after a byte extract (AES tables, S-boxes)
    lookups64: int = 0  # 64-bit loads shortly after a byte extract (Groestl tables)
    xor_then_rotate: dict[int, int] = field(default_factory=lambda: {32: 0, 64: 0})  # BLAKE G
    rotate_then_xor64: int = 0  # Skein MIX
    rotation_amounts: dict[int, set[int]] = field(default_factory=lambda: {32: set(), 64: set()})
    lane_offsets: set[int] = field(default_factory=set)
    constants: set[int] = field(default_factory=set)  # telling ones only, as unsigned
    loops: int = 0
    partial: bool = False


def _collect(code: bytes, budget: int) -> FunctionFeatures:
    """Stream one body through the pattern counters, stopping at the budget or the first error."""
    f = FunctionFeatures()
    window: list[tuple[int, int | None]] = []
    recent_byte_extract = -_WINDOW
    try:
        for position, (op, imm) in enumerate(iter_instructions(code)):
            if position >= budget:
                f.partial = True
                break
            f.opcodes[op] += 1
            prev = window[-1] if window else (-1, None)
            if op == I32_CONST or op == I64_CONST:
                value = imm & _U64 if imm is not None else -1
                if value in TELLING_CONSTANTS:
                    f.constants.add(value)
            elif op in ROTATES:
                width, direction = ROTATES[op]
                if prev[0] in (I32_CONST, I64_CONST) and prev[1] is not None:
                    f.rotation_amounts[width].add((prev[1] * direction) % width)
                add = I64_ADD if width == 64 else I32_ADD
                xor = I64_XOR if width == 64 else I32_XOR
                if len(window) >= 2 and window[-2][0] == xor and any(o == add for o, _ in window):
                    f.xor_then_rotate[width] += 1
            elif op == I64_XOR:
                if (prev[0] == I64_CONST and prev[1] == -1) or (
                    len(window) >= 2 and window[-2] == (I64_CONST, -1)
                ):
                    f.not64 += 1
                if any(o in ROTATES and ROTATES[o][0] == 64 for o, _ in window[-4:]) and any(
                    o == I64_ADD for o, _ in window
                ):
                    f.rotate_then_xor64 += 1
            elif op == I32_AND or op == I64_AND:
                if prev[1] == 0xFF and prev[0] in (I32_CONST, I64_CONST):
                    f.byte_extracts += 1
                    recent_byte_extract = position
            elif op == I32_SHR_U or op == I64_SHR_U:
                if prev[1] in (24, 56) and prev[0] in (I32_CONST, I64_CONST):
                    f.byte_extracts += 1
                    recent_byte_extract = position
            elif op == LOOP:
                f.loops += 1
            if op in LANE_ACCESS_64 and imm is not None and imm % 8 == 0 and imm <= 0x10000:
                f.lane_offsets.add(imm)
            if position - recent_byte_extract <= 6:
                if op in TABLE_LOADS_32:
                    f.lookups32 += 1
                elif op in TABLE_LOADS_64:
                    f.lookups64 += 1
            window.append((op, imm))
            if len(window) > _WINDOW:
                del window[0]
            f.instructions = position + 1
    except WasmDecodeError:
        f.partial = True
    return f


def _ratio(count: int, total: int) -> float:
    return count / total if total else 0.0


def _score_keccak(f: FunctionFeatures) -> float:
    """Dense i64 xor (0.3), xor with -1 (0.15), i64 rotates (0.15); specific (0.4): ten Keccak
    rotation amounts in add-free code, two round constants, or 20 distinct 8-byte lane offsets."""
    xor = f.opcodes[I64_XOR]
    rotates = sum(f.opcodes[op] for op, (width, _) in ROTATES.items() if width == 64)
    score = 0.3 * min(1.0, _ratio(xor, f.instructions) / 0.12)
    score += 0.15 if f.not64 >= 5 else 0.0
    score += 0.15 if rotates >= 10 else 0.0
    rho = len(f.rotation_amounts[64] & KECCAK_RHO)
    round_constants = len(f.constants & KECCAK_ROUND_CONSTANTS)
    lanes = len({o for o in f.lane_offsets if o % 8 == 0}) if xor >= 20 else 0
    if (rho >= 10 and f.opcodes[I64_ADD] * 4 < xor) or round_constants >= 2 or lanes >= 20:
        score += 0.4
    return score


def _score_table_cipher(lookups: int, xor: int, f: FunctionFeatures) -> float:
    """Table lookups after a byte extract (0.4 at 16), xor density (0.2 at 8 %), byte extracts
    (0.2 at 12), plus the lookups being the function's main work (0.2: one per 25 instructions)."""
    score = 0.4 * min(1.0, lookups / 16)
    score += 0.2 * min(1.0, _ratio(xor, f.instructions) / 0.08)
    score += 0.2 if f.byte_extracts >= 12 else 0.0
    score += 0.2 if _ratio(lookups, f.instructions) >= 0.04 else 0.0
    return score if lookups >= 16 else min(score, 0.5)


def _score_aes(f: FunctionFeatures) -> float:
    return _score_table_cipher(f.lookups32, f.opcodes[I32_XOR], f)


def _score_groestl(f: FunctionFeatures) -> float:
    return _score_table_cipher(f.lookups64, f.opcodes[I64_XOR], f)


def _score_blake(f: FunctionFeatures) -> float:
    """Rotates of a fresh xor with an add just before, the G function's shape (0.5 at 16), BLAKE
    rotation amounts (0.3 for three distinct), add/xor/rotate density (0.2 at 20 %)."""
    best = 0.0
    for width, add, xor in ((32, I32_ADD, I32_XOR), (64, I64_ADD, I64_XOR)):
        rotates = sum(f.opcodes[op] for op, (w, _) in ROTATES.items() if w == width)
        arx = f.opcodes[add] + f.opcodes[xor] + rotates
        score = 0.5 * min(1.0, f.xor_then_rotate[width] / 16)
        score += 0.3 if len(f.rotation_amounts[width] & BLAKE_ROTL[width]) >= 3 else 0.0
        score += 0.2 * min(1.0, _ratio(arx, f.instructions) / 0.2)
        best = max(best, score)
    return best


def _score_skein(f: FunctionFeatures) -> float:
    """xor of a fresh rotate after an add, Threefish MIX (0.5 at 16); the key-schedule constant
    or eight Skein-512 rotation amounts in code without xor -1 (0.3); i64 ARX density (0.2)."""
    rotates = sum(f.opcodes[op] for op, (w, _) in ROTATES.items() if w == 64)
    arx = f.opcodes[I64_ADD] + f.opcodes[I64_XOR] + rotates
    score = 0.5 * min(1.0, f.rotate_then_xor64 / 16)
    specific = THREEFISH_KEY_PARITY in f.constants or (
        len(f.rotation_amounts[64] & SKEIN_512_ROTL) >= 8 and f.not64 < 3
    )
    score += 0.3 if specific else 0.0
    score += 0.2 * min(1.0, _ratio(arx, f.instructions) / 0.2)
    return score


def _score_sha256(f: FunctionFeatures) -> float:
    """Six SHA-256 rotation amounts (0.5), its first round constant (0.3), i32 xor density (0.2)."""
    score = 0.5 if len(f.rotation_amounts[32] & SHA256_ROTL) >= 6 else 0.0
    score += 0.3 if SHA256_FIRST_K in f.constants else 0.0
    score += 0.2 * min(1.0, _ratio(f.opcodes[I32_XOR], f.instructions) / 0.08)
    return score


SCORERS = {
    "keccak": _score_keccak,
    "aes": _score_aes,
    "blake": _score_blake,
    "groestl": _score_groestl,
    "skein": _score_skein,
    "sha256": _score_sha256,
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
    size_constants: tuple[str, ...] = ()  # scratchpad sizes / iteration counts: reported only
    data_signatures: tuple[str, ...] = ()
    crypto_fraction: float = 0.0  # share of all instructions inside crypto-like functions
    exports: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    miner_names: tuple[str, ...] = ()  # exports/imports/function names naming a miner
    crypto_names: tuple[str, ...] = ()  # names naming a hash or cipher

    @property
    def mining_primitives(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.primitives if p.name in MINING_PRIMITIVES)

    @property
    def severity(self) -> Severity | None:
        """The module's judgement, per the thresholds in this module's docstring."""
        mining = len(self.mining_primitives)
        if mining >= 2 and (self.scratchpad_constants or self.miner_names):
            return Severity.HIGH
        if mining >= 2 or (mining and self.scratchpad_constants) or self.miner_names:
            return Severity.MEDIUM
        if self.primitives or self.scratchpad_constants:
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
            "size_constants": list(self.size_constants),
            "data_signatures": list(self.data_signatures),
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
    budget = INSTRUCTION_BUDGET
    stats: list[FunctionStats] = []
    module_constants: set[int] = set()
    for body in layout.functions:
        if budget <= 0:
            stats.append(_unscored(body, names))
            continue
        features = _collect(body.code, budget)
        budget -= features.instructions
        module_constants |= features.constants
        stats.append(_function_stats(body, names, features))
    data_hits = _data_signatures(layout)
    primitives = _primitive_matches(stats, data_hits)
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
        size_constants=_size_constants(module_constants),
        data_signatures=tuple(label for _, label in data_hits),
        crypto_fraction=_ratio(crypto, total),
        exports=exports,
        imports=imports,
        miner_names=miner_names,
        crypto_names=crypto_names,
    )


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
    body: FunctionBody, names: dict[int, str], f: FunctionFeatures
) -> FunctionStats:
    scores: tuple[tuple[str, float], ...] = ()
    matched: tuple[str, ...] = ()
    if f.instructions >= MIN_SCORED_INSTRUCTIONS:
        scores = tuple((name, round(scorer(f), 3)) for name, scorer in SCORERS.items())
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
    return [
        (primitive, label)
        for pattern, (primitive, label) in DATA_SIGNATURES.items()
        if any(pattern in segment for segment in layout.data_segments)
    ]


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
        if primitive in found:
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


# --- rules -----------------------------------------------------------------------------------

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
