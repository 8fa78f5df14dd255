"""A small, bounded WebAssembly binary decoder: sections, names and function bodies.

Why our own: the PyPI decoders are either unmaintained (``wasm``, last release 2019) or a full
interpreter (``pywasm``) that assumes a well-formed module. We read hostile, possibly truncated
bytes captured from web pages, so every length is checked against the bytes that are really there
before anything is sliced, counts never drive allocation, and work is capped by an instruction
budget. Nothing here raises on bad input except :class:`WasmDecodeError` inside
:func:`iter_instructions`, which callers use to mark one function partial.

Covers the MVP instruction set plus sign-extension, multi-value block types, reference types,
tail calls and the ``0xFC`` (saturating truncation, bulk memory, table ops), ``0xFD`` (SIMD, by
immediate shape) and ``0xFE`` (atomics) prefixes. Anything else (GC, exceptions) stops decoding of
that function, which callers mark partial.

Two ways to read a body: :func:`iter_instructions`, the reference (one instruction at a time
through :class:`ByteReader`), and :func:`tokenize_body`, what the fingerprint uses: a regular
expression splits the common encodings at C speed, the reader takes the rest, and immediates
are decoded only when asked for. Tests hold the two to the same instructions, mangled bodies
included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, compress, count
from typing import NamedTuple

WASM_MAGIC = b"\x00asm"
WASM_VERSION = b"\x01\x00\x00\x00"

MAX_SECTIONS = 1_000
MAX_FUNCTIONS = 50_000
MAX_NAMED_ITEMS = 10_000  # imports, exports, function names
MAX_NAME_CHARS = 200

# fmt: off
SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
    7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount", 13: "tag",
}
EXTERNAL_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}

# Opcodes 0x45..0xC4 have no immediates; their names in opcode order (comparisons, arithmetic,
# conversions, sign extension).
_NUMERIC_NAMES = """
i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s i32.ge_u
i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u i64.ge_s i64.ge_u
f32.eq f32.ne f32.lt f32.gt f32.le f32.ge f64.eq f64.ne f64.lt f64.gt f64.le f64.ge i32.clz
i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s i32.rem_u i32.and
i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr i64.clz i64.ctz i64.popcnt i64.add
i64.sub i64.mul i64.div_s i64.div_u i64.rem_s i64.rem_u i64.and i64.or i64.xor i64.shl i64.shr_s
i64.shr_u i64.rotl i64.rotr f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt
f32.add f32.sub f32.mul f32.div f32.min f32.max f32.copysign f64.abs f64.neg f64.ceil f64.floor
f64.trunc f64.nearest f64.sqrt f64.add f64.sub f64.mul f64.div f64.min f64.max f64.copysign
i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u i64.extend_i32_s
i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u
f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64
f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u f64.promote_f32
i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64 i32.extend8_s
i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s
""".split()  # noqa: SIM905 - a table reads better as words

# 0x28..0x3E: loads and stores, each followed by a memarg (alignment, offset).
_MEMORY_NAMES = """
i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u
i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u i32.store i64.store
f32.store f64.store i32.store8 i32.store16 i64.store8 i64.store16 i64.store32
""".split()  # noqa: SIM905 - a table reads better as words

_CONTROL_NAMES = {
    0x00: "unreachable", 0x01: "nop", 0x02: "block", 0x03: "loop", 0x04: "if", 0x05: "else",
    0x0B: "end", 0x0C: "br", 0x0D: "br_if", 0x0E: "br_table", 0x0F: "return", 0x10: "call",
    0x11: "call_indirect", 0x12: "return_call", 0x13: "return_call_indirect", 0x1A: "drop",
    0x1B: "select", 0x1C: "select_t", 0x20: "local.get", 0x21: "local.set", 0x22: "local.tee",
    0x23: "global.get", 0x24: "global.set", 0x25: "table.get", 0x26: "table.set",
    0x3F: "memory.size", 0x40: "memory.grow", 0x41: "i32.const", 0x42: "i64.const",
    0x43: "f32.const", 0x44: "f64.const", 0xD0: "ref.null", 0xD1: "ref.is_null", 0xD2: "ref.func",
}

# 0xFC-prefixed instructions are numbered 0xFC00 + sub-opcode.
_PREFIXED_FC_NAMES = """
i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u
i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u memory.init
data.drop memory.copy memory.fill table.init elem.drop table.copy table.grow table.size
table.fill
""".split()  # noqa: SIM905 - a table reads better as words
# how many u32 immediates each 0xFC sub-opcode carries (memory/table indices are u32-encoded too)
_PREFIXED_FC_IMMEDIATES = (0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2, 1, 2, 1, 2, 1, 1, 1)

# The 0xFD (SIMD) instructions the fingerprint looks at, numbered 0xFD00 + sub-opcode; the others
# decode by immediate shape and print as op0xfd...
_SIMD_NAMES = {
    0: "v128.load", 11: "v128.store", 12: "v128.const", 13: "i8x16.shuffle", 14: "i8x16.swizzle",
    77: "v128.not", 78: "v128.and", 79: "v128.andnot", 80: "v128.or", 81: "v128.xor",
    171: "i32x4.shl", 173: "i32x4.shr_u", 174: "i32x4.add", 181: "i32x4.mul", 203: "i64x2.shl",
    205: "i64x2.shr_u", 206: "i64x2.add", 213: "i64x2.mul",
}

OPCODE_NAMES: dict[int, str] = dict(_CONTROL_NAMES)
OPCODE_NAMES.update({0x28 + i: name for i, name in enumerate(_MEMORY_NAMES)})
OPCODE_NAMES.update({0x45 + i: name for i, name in enumerate(_NUMERIC_NAMES)})
OPCODE_NAMES.update({0xFC00 + i: name for i, name in enumerate(_PREFIXED_FC_NAMES)})
OPCODE_NAMES.update({0xFD00 + sub: name for sub, name in _SIMD_NAMES.items()})
OPCODE_BY_NAME: dict[str, int] = {name: code for code, name in OPCODE_NAMES.items()}

assert len(_NUMERIC_NAMES) == 0xC4 - 0x45 + 1, "numeric opcode table out of step with the spec"
assert len(_MEMORY_NAMES) == 0x3E - 0x28 + 1, "memory opcode table out of step with the spec"

_BLOCKTYPE_SHORTHANDS = frozenset({0x40, 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F})
_U32_IMMEDIATE = frozenset({0x0C, 0x0D, 0x10, 0x12, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
                            0x3F, 0x40, 0xD2})
# fmt: on


class WasmDecodeError(ValueError):
    """The bytes are not (or no longer) a well-formed part of a wasm module."""


class ByteReader:
    """Reads LEB128 integers and length-prefixed data inside ``[pos, end)``, never past it."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes | memoryview, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else min(end, len(data))

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def byte(self) -> int:
        if self.pos >= self.end:
            raise WasmDecodeError(f"unexpected end of data at offset {self.pos}")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uleb(self, bits: int = 32) -> int:
        pos = self.pos
        if pos < self.end and self.data[pos] < 0x80:  # most immediates are one byte
            self.pos = pos + 1
            return self.data[pos]
        result = shift = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift >= bits + 7:
                raise WasmDecodeError(
                    f"LEB128 integer longer than {bits} bits at offset {self.pos}"
                )
        if result >> bits:
            raise WasmDecodeError(f"LEB128 integer overflows {bits} bits at offset {self.pos}")
        return result

    def sleb(self, bits: int) -> int:
        result = shift = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift >= bits + 7:
                raise WasmDecodeError(
                    f"LEB128 integer longer than {bits} bits at offset {self.pos}"
                )
        if byte & 0x40:
            result -= 1 << shift
        if not -(1 << (bits - 1)) <= result < (1 << (bits - 1)):
            raise WasmDecodeError(
                f"signed LEB128 integer overflows {bits} bits at offset {self.pos}"
            )
        return result

    def skip(self, count: int) -> None:
        if count > self.remaining:
            raise WasmDecodeError(
                f"{count} bytes declared at offset {self.pos}, {self.remaining} left"
            )
        self.pos += count

    def take(self, count: int) -> bytes:
        start = self.pos
        self.skip(count)
        return bytes(self.data[start : self.pos])

    def name(self) -> str:
        raw = self.take(self.uleb())
        return raw[: MAX_NAME_CHARS * 4].decode("utf-8", "replace")[:MAX_NAME_CHARS]

    def vector_length(self) -> int:
        """A vector's element count, refused when even one byte per element cannot fit."""
        count = self.uleb()
        if count > self.remaining:
            raise WasmDecodeError(
                f"vector of {count} items at offset {self.pos}, {self.remaining} bytes left"
            )
        return count


@dataclass(frozen=True)
class SectionInfo:
    id: int
    name: str  # the section kind, or the custom section's own name
    offset: int  # of the section's content
    size: int  # declared size
    truncated: bool = False  # declared larger than the bytes we have


@dataclass(frozen=True)
class FunctionBody:
    index: int  # in the function index space (imported functions come first)
    offset: int  # of the body's first byte (its locals)
    code: bytes
    truncated: bool = False  # declared larger than the bytes we have


@dataclass(frozen=True)
class ModuleLayout:
    """What the section framing of one module says, decoded as far as the bytes allowed."""

    valid_header: bool
    sections: tuple[SectionInfo, ...] = ()
    imports: tuple[str, ...] = ()  # "module.name"
    exports: tuple[tuple[str, str], ...] = ()  # (name, kind)
    exported_functions: tuple[tuple[int, str], ...] = ()  # (function index, export name)
    function_names: tuple[tuple[int, str], ...] = ()  # from the custom "name" section
    functions: tuple[FunctionBody, ...] = ()
    imported_function_count: int = 0
    data_segments: tuple[bytes, ...] = ()  # raw section bytes of the data section, when present
    errors: tuple[str, ...] = ()


@dataclass
class _LayoutBuilder:
    sections: list[SectionInfo]
    imports: list[str]
    exports: list[tuple[str, str]]
    exported_functions: list[tuple[int, str]]
    function_names: list[tuple[int, str]]
    functions: list[FunctionBody]
    data: list[bytes]
    errors: list[str]
    imported_function_count: int = 0
    declared_functions: int = 0  # by the function section; the code section must match


def decode_module(data: bytes) -> ModuleLayout:
    """Split a module into sections and function bodies. Never raises; problems go to ``errors``."""
    if len(data) < 8 or data[:4] != WASM_MAGIC:
        return ModuleLayout(valid_header=False, errors=("not a WebAssembly module (bad magic)",))
    if data[4:8] != WASM_VERSION:
        return ModuleLayout(
            valid_header=False, errors=(f"unsupported wasm version {data[4:8].hex()}",)
        )
    out = _LayoutBuilder([], [], [], [], [], [], [], [])
    reader = ByteReader(memoryview(data), 8)
    while reader.remaining and len(out.sections) < MAX_SECTIONS:
        try:
            section_id = reader.byte()
            size = reader.uleb()
        except WasmDecodeError as exc:
            out.errors.append(f"section header: {exc}")
            break
        start = reader.pos
        truncated = size > reader.remaining
        if truncated:
            out.errors.append(
                f"{SECTION_NAMES.get(section_id, f'section {section_id}')} section declares {size} bytes, "
                f"{reader.remaining} present"
            )
        body = ByteReader(reader.data, start, start + size)
        name = SECTION_NAMES.get(section_id, f"unknown:{section_id}")
        try:
            if section_id == 0:
                name = body.name()
            _decode_section(section_id, name, body, out)
        except WasmDecodeError as exc:
            out.errors.append(f"{name} section: {exc}")
        out.sections.append(SectionInfo(section_id, name, start, size, truncated))
        reader.pos = min(start + size, reader.end)
    if out.declared_functions != len(out.functions) and len(out.functions) < MAX_FUNCTIONS:
        out.errors.append(
            f"{out.declared_functions} functions declared, {len(out.functions)} bodies present"
        )
    return ModuleLayout(
        valid_header=True,
        sections=tuple(out.sections),
        imports=tuple(out.imports),
        exports=tuple(out.exports),
        exported_functions=tuple(out.exported_functions),
        function_names=tuple(out.function_names),
        functions=tuple(out.functions),
        imported_function_count=out.imported_function_count,
        data_segments=tuple(out.data),
        errors=tuple(out.errors),
    )


def _decode_section(section_id: int, name: str, body: ByteReader, out: _LayoutBuilder) -> None:
    if section_id == 2:
        _decode_imports(body, out)
    elif section_id == 3:
        out.declared_functions = body.vector_length()
    elif section_id == 7:
        _decode_exports(body, out)
    elif section_id == 10:
        _decode_code(body, out)
    elif section_id == 11:
        # Kept whole: callers only search it for well-known tables (S-boxes, round constants).
        out.data.append(bytes(body.data[body.pos : body.end]))
    elif section_id == 0 and name == "name":
        _decode_function_names(body, out)


def _skip_limits(reader: ByteReader) -> None:
    flags = reader.byte()
    reader.uleb(64)
    if flags & 0x01:
        reader.uleb(64)


def _decode_imports(reader: ByteReader, out: _LayoutBuilder) -> None:
    for _ in range(min(reader.vector_length(), MAX_NAMED_ITEMS)):
        module, field = reader.name(), reader.name()
        kind = reader.byte()
        if kind == 0x00:
            reader.uleb()
            out.imported_function_count += 1
        elif kind == 0x01:
            reader.byte()
            _skip_limits(reader)
        elif kind == 0x02:
            _skip_limits(reader)
        elif kind == 0x03:
            reader.byte()
            reader.byte()
        elif kind == 0x04:
            reader.byte()
            reader.uleb()
        else:
            raise WasmDecodeError(f"unknown import kind {kind:#x}")
        out.imports.append(f"{module}.{field}")


def _decode_exports(reader: ByteReader, out: _LayoutBuilder) -> None:
    for _ in range(min(reader.vector_length(), MAX_NAMED_ITEMS)):
        name = reader.name()
        kind = reader.byte()
        index = reader.uleb()
        out.exports.append((name, EXTERNAL_KINDS.get(kind, f"kind{kind}")))
        if kind == 0x00:
            out.exported_functions.append((index, name))


def _decode_code(reader: ByteReader, out: _LayoutBuilder) -> None:
    count = reader.vector_length()
    for position in range(min(count, MAX_FUNCTIONS)):
        size = reader.uleb()
        start = reader.pos
        truncated = size > reader.remaining
        end = min(start + size, reader.end)
        index = out.imported_function_count + position
        out.functions.append(FunctionBody(index, start, bytes(reader.data[start:end]), truncated))
        reader.pos = end
        if truncated:
            raise WasmDecodeError(f"function {index} declares {size} bytes, {end - start} present")
    if count > MAX_FUNCTIONS:
        out.errors.append(
            f"code section: only the first {MAX_FUNCTIONS} of {count} functions decoded"
        )


def _decode_function_names(reader: ByteReader, out: _LayoutBuilder) -> None:
    while reader.remaining:
        subsection, size = reader.byte(), reader.uleb()
        sub = ByteReader(reader.data, reader.pos, reader.pos + size)
        reader.skip(min(size, reader.remaining))
        if subsection != 1:  # 1 = function names; module and local names are not needed
            continue
        for _ in range(min(sub.vector_length(), MAX_NAMED_ITEMS)):
            index = sub.uleb()
            out.function_names.append((index, sub.name()))
        return


class Instruction(NamedTuple):
    """One decoded instruction (a tuple: bodies hold hundreds of thousands of them)."""

    opcode: int  # one byte, or 0xFC00 + sub-opcode for 0xFC-prefixed instructions
    immediate: int | None = None  # the constant, index or memory offset that matters for statistics

    @property
    def name(self) -> str:
        return OPCODE_NAMES.get(self.opcode, f"op{self.opcode:#x}")


def iter_instructions(code: bytes) -> Iterator[Instruction]:
    """Decode one function body (locals, then instructions) instruction by instruction.

    Raises :class:`WasmDecodeError` where the body stops making sense (unknown opcode, truncated
    immediate); everything yielded before that is valid. For loads and stores ``immediate`` is the
    static offset; for ``*.const`` the value (floats are not needed, so ``None``); for ``call`` the
    function index; for ``br_table`` the number of targets (how wide a dispatch is).
    """
    reader = ByteReader(code)
    for _ in range(reader.vector_length()):  # local declarations: (count, type) pairs
        reader.uleb()
        reader.byte()
    while reader.pos < reader.end:
        yield _read_instruction(reader)


def _read_instruction(reader: ByteReader) -> Instruction:
    opcode = reader.data[reader.pos]  # the caller checked there is a byte
    reader.pos += 1
    if 0x45 <= opcode <= 0xC4 or opcode in (0x00, 0x01, 0x05, 0x0B, 0x0F, 0x1A, 0x1B, 0xD1):
        return Instruction(opcode)
    if opcode in _U32_IMMEDIATE:
        return Instruction(opcode, reader.uleb())
    if 0x28 <= opcode <= 0x3E:
        return Instruction(opcode, _skip_memarg(reader))
    if opcode == 0x41:
        return Instruction(opcode, reader.sleb(32))
    if opcode == 0x42:
        return Instruction(opcode, reader.sleb(64))
    if opcode == 0x43:
        reader.skip(4)
        return Instruction(opcode)
    if opcode == 0x44:
        reader.skip(8)
        return Instruction(opcode)
    if opcode in (0x02, 0x03, 0x04):
        if reader.remaining and reader.data[reader.pos] in _BLOCKTYPE_SHORTHANDS:
            reader.byte()
        else:
            reader.sleb(33)  # a type index for multi-value blocks
        return Instruction(opcode)
    if opcode == 0x0E:
        targets = reader.vector_length()
        for _ in range(targets):
            reader.uleb()
        reader.uleb()  # the default target
        return Instruction(opcode, targets)
    if opcode in (0x11, 0x13):
        type_index = reader.uleb()
        reader.uleb()
        return Instruction(opcode, type_index)
    if opcode == 0x1C:
        for _ in range(reader.vector_length()):
            reader.byte()
        return Instruction(opcode)
    if opcode == 0xD0:
        reader.byte()
        return Instruction(opcode)
    if opcode == 0xFD:
        return _read_simd(reader)
    if opcode == 0xFE:
        sub = reader.uleb()
        if sub == 0x03:  # atomic.fence: one reserved byte
            reader.byte()
        elif sub <= 0x02 or 0x10 <= sub <= 0x4E:
            _skip_memarg(reader)
        else:
            raise WasmDecodeError(f"unknown atomic instruction {sub} at offset {reader.pos}")
        return Instruction(0xFE00 + sub)
    if opcode == 0xFC:
        sub = reader.uleb()
        if sub >= len(_PREFIXED_FC_IMMEDIATES):
            raise WasmDecodeError(f"unknown 0xFC instruction {sub} at offset {reader.pos}")
        for _ in range(_PREFIXED_FC_IMMEDIATES[sub]):
            reader.uleb()
        return Instruction(0xFC00 + sub)
    raise WasmDecodeError(f"unsupported opcode {opcode:#04x} at offset {reader.pos - 1}")


def _skip_memarg(reader: ByteReader) -> int:
    """Read a memarg and return its static offset."""
    align = reader.uleb()
    if align & 0x40:  # multi-memory: an explicit memory index follows
        reader.uleb()
    return reader.uleb(64)


def _read_simd(reader: ByteReader) -> Instruction:
    """0xFD instructions, numbered 0xFD00 + sub-opcode; only their immediates matter here."""
    sub = reader.uleb()
    if sub <= 11 or sub in (92, 93):  # v128 loads and stores
        return Instruction(0xFD00 + sub, _skip_memarg(reader))
    if 84 <= sub <= 91:  # load/store one lane
        offset = _skip_memarg(reader)
        reader.byte()
        return Instruction(0xFD00 + sub, offset)
    if sub in (12, 13):  # v128.const, i8x16.shuffle
        reader.skip(16)
    elif 21 <= sub <= 34:  # extract/replace lane
        reader.byte()
    elif sub > 0x113:  # past relaxed SIMD
        raise WasmDecodeError(f"unknown SIMD instruction {sub} at offset {reader.pos}")
    return Instruction(0xFD00 + sub)


# How TokenizedBody.immediate reads each one-byte opcode's immediate on its fast path: 0 none,
# 1 one u32, 2 a memarg, 3 an s32, 4 an s64; anything else (blocks, br_table, prefixes, floats)
# goes through _read_instruction. Also which opcodes never stand alone (see _NEEDS_IMMEDIATE).
_NONE, _U32, _MEMARG, _S32, _S64, _SLOW = range(6)
_FAST_KIND = bytearray([_SLOW] * 256)
for _op in range(0x45, 0xC5):
    _FAST_KIND[_op] = _NONE
for _op in (0x00, 0x01, 0x05, 0x0B, 0x0F, 0x1A, 0x1B, 0xD1):
    _FAST_KIND[_op] = _NONE
for _op in _U32_IMMEDIATE:
    _FAST_KIND[_op] = _U32
for _op in range(0x28, 0x3F):
    _FAST_KIND[_op] = _MEMARG
_FAST_KIND[0x41], _FAST_KIND[0x42] = _S32, _S64


# One instruction per match, for the common encodings; a lone byte (the last alternative) means
# "not covered here" and sends that instruction through _read_instruction. Each LEB128 pattern
# admits exactly the encodings the byte reader accepts for that width (the last byte of a
# full-length encoding may only carry the bits that still fit), so both stop at the same byte.
_U32_LEB = rb"(?:[\x80-\xff]{0,3}[\x00-\x7f]|[\x80-\xff]{4}[\x00-\x0f])"
_S32_LEB = rb"(?:[\x80-\xff]{0,3}[\x00-\x7f]|[\x80-\xff]{4}[\x00-\x07\x78-\x7f])"
_S33_LEB = rb"(?:[\x80-\xff]{0,3}[\x00-\x7f]|[\x80-\xff]{4}[\x00-\x0f\x70-\x7f])"
_U64_LEB = rb"(?:[\x80-\xff]{0,8}[\x00-\x7f]|[\x80-\xff]{9}[\x00\x01])"
_S64_LEB = rb"(?:[\x80-\xff]{0,8}[\x00-\x7f]|[\x80-\xff]{9}[\x00\x7f])"
_MEMARG_RE = rb"[\x00-\x3f]" + _U64_LEB  # alignment without the multi-memory bit, offset
_TOKEN = re.compile(
    b"|".join(
        [
            rb"[\x45-\xc4\x00\x01\x05\x0b\x0f\x1a\x1b\xd1]",
            rb"[\x0c\x0d\x10\x12\x20-\x26\x3f\x40\xd2]" + _U32_LEB,
            rb"[\x28-\x3e]" + _MEMARG_RE,
            rb"\x41" + _S32_LEB,
            rb"[\x02-\x04]" + _S33_LEB,  # block types: a shorthand byte or a type index
            rb"\x42" + _S64_LEB,
            rb"\x43[\x00-\xff]{4}",
            rb"\x44[\x00-\xff]{8}",
            rb"[\x11\x13]" + _U32_LEB + _U32_LEB,
            rb"\xfd[\x00-\x0b\x5c\x5d]" + _MEMARG_RE,
            rb"\xfd[\x54-\x5b]" + _MEMARG_RE + rb"[\x00-\xff]",
            rb"\xfd[\x0c\x0d][\x00-\xff]{16}",
            rb"\xfd[\x15-\x22][\x00-\xff]",
            rb"\xfd(?:[\x0e-\x14\x23-\x53\x5e-\x7f]|[\x80-\xff]\x01|[\x80-\x93]\x02)",
            rb"\xfc[\x00-\x07]",
            rb"\xfc[\x09\x0b\x0d\x0f\x10\x11]" + _U32_LEB,
            rb"\xfc[\x08\x0a\x0c\x0e]" + _U32_LEB + _U32_LEB,
            rb"[\x00-\xff]",
        ]
    ),
    re.DOTALL,
)
# Opcodes whose instruction is never a single byte: a one-byte token of these is the fallback.
_NEEDS_IMMEDIATE = bytes(
    op for op in range(256) if _FAST_KIND[op] != _NONE
)  # fmt: skip
_SLOW_TOKENS = frozenset(bytes([op]) for op in _NEEDS_IMMEDIATE)
_PREFIXES = frozenset({0xFC, 0xFD, 0xFE})


@dataclass(frozen=True)
class TokenizedBody:
    """One body as opcodes and the byte offset of each instruction (immediates on demand)."""

    code: bytes
    ops: list[int]  # one byte, or 0xFC00/0xFD00/0xFE00 + sub-opcode for prefixed instructions
    offsets: list[int]  # of each instruction's first byte in ``code``
    error: str | None = None
    budget_hit: bool = False

    def immediate(self, index: int) -> int | None:
        """The immediate :class:`Instruction` would carry for instruction ``index``."""
        code, at = self.code, self.offsets[index]
        kind = _FAST_KIND[code[at]]
        if kind == _U32:
            return _leb_at(code, at + 1, signed=False)
        if kind == _S32 or kind == _S64:
            return _leb_at(code, at + 1, signed=True)
        if kind == _MEMARG and at + 1 < len(code) and code[at + 1] < 0x40:
            return _leb_at(code, at + 2, signed=False)
        reader = ByteReader(code, at)
        try:
            return _read_instruction(reader).immediate
        except WasmDecodeError:
            return None


def _leb_at(code: bytes, pos: int, signed: bool) -> int | None:
    """A LEB128 integer the tokenizer has already delimited (so no width checks here)."""
    result = shift = 0
    end = len(code)
    while pos < end and shift < 70:
        byte = code[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if signed and byte & 0x40:
                result -= 1 << shift
            return result
    return None


def tokenize_body(code: bytes, limit: int) -> TokenizedBody:
    """Split a body into instructions with a regular expression (C speed), falling back to the
    byte reader for encodings the expression does not cover; the same instructions as
    :func:`iter_instructions`, at a fraction of the cost. Never raises."""
    ops: list[int] = []
    offsets: list[int] = []
    reader = ByteReader(code)
    try:
        for _ in range(reader.vector_length()):
            reader.uleb()
            reader.byte()
    except WasmDecodeError as exc:
        return TokenizedBody(code, ops, offsets, str(exc))
    pos, end = reader.pos, len(code)
    slow = _NEEDS_IMMEDIATE
    while pos < end:
        if len(ops) >= limit:
            del ops[limit:], offsets[limit:]
            return TokenizedBody(code, ops, offsets, None, True)
        # tokenise a stretch; stop at the first token the expression could not cover
        chunk_end = min(end, pos + 65536)
        tokens = _TOKEN.findall(code, pos, chunk_end)
        lengths = list(map(len, tokens))
        starts = list(accumulate(lengths, initial=pos))
        good = next(compress(count(), map(_SLOW_TOKENS.__contains__, tokens)), len(tokens))
        if good and chunk_end < end:  # the last token may have been cut by the chunk end
            good -= 1
        offsets.extend(starts[:good])
        ops.extend(map(code.__getitem__, starts[:good]))
        pos = starts[good]
        if pos >= end:
            break
        if good == len(tokens) or (len(tokens[good]) == 1 and tokens[good][0] in slow) or good == 0:
            reader.pos = pos
            try:
                instruction = _read_instruction(reader)
            except WasmDecodeError as exc:
                _fix_prefixed(code, ops, offsets)
                return TokenizedBody(code, ops, offsets, str(exc))
            offsets.append(pos)
            ops.append(instruction.opcode)
            pos = reader.pos
    _fix_prefixed(code, ops, offsets)
    if len(ops) > limit:
        del ops[limit:], offsets[limit:]
        return TokenizedBody(code, ops, offsets, None, True)
    return TokenizedBody(code, ops, offsets)


def _fix_prefixed(code: bytes, ops: list[int], offsets: list[int]) -> None:
    """Turn a prefix byte into 0xFC00/0xFD00/0xFE00 + its sub-opcode."""
    for i in list(compress(count(), map(_PREFIXES.__contains__, ops))):
        reader = ByteReader(code, offsets[i] + 1)
        try:
            ops[i] = (ops[i] << 8) + reader.uleb()
        except WasmDecodeError:
            pass
