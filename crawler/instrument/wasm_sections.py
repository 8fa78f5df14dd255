"""Names a WebAssembly module imports and exports, read from its binary sections.

Only sections 2 (import) and 7 (export) are decoded. The bytes come from pages, so the
reader is bounded and stops quietly at the first malformed byte, returning what it read.
"""

from __future__ import annotations

from dataclasses import dataclass

_MAGIC = b"\x00asm"
_IMPORT_SECTION = 2
_EXPORT_SECTION = 7
_MAX_NAMES = 2000
_MAX_NAME_CHARS = 200
# Reference types that carry a heap type after them (GC / function-references proposals).
_NULLABLE_REF_PREFIXES = (0x63, 0x64)


class _Malformed(Exception):
    pass


@dataclass(frozen=True)
class WasmInterface:
    imports: tuple[str, ...]  # "module.name"
    exports: tuple[str, ...]


class _Reader:
    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else min(end, len(data))

    def byte(self) -> int:
        if self.pos >= self.end:
            raise _Malformed("unexpected end")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uleb(self) -> int:
        result = shift = 0
        for _ in range(10):
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
        raise _Malformed("LEB128 too long")

    def sleb(self) -> int:
        result = shift = 0
        for _ in range(10):
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if b & 0x40:
                    result -= 1 << shift
                return result
        raise _Malformed("LEB128 too long")

    def name(self) -> str:
        length = self.uleb()
        if length > self.end - self.pos:
            raise _Malformed("name past end")
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        return raw.decode("utf-8", errors="replace")[:_MAX_NAME_CHARS]

    def limits(self) -> None:
        flags = self.byte()
        self.uleb()
        if flags & 0x01:
            self.uleb()

    def value_type(self) -> None:
        if self.byte() in _NULLABLE_REF_PREFIXES:
            self.sleb()


def _skip_import_description(reader: _Reader) -> None:
    kind = reader.byte()
    if kind == 0x00:  # function: type index
        reader.uleb()
    elif kind == 0x01:  # table: reference type + limits
        reader.value_type()
        reader.limits()
    elif kind == 0x02:  # memory
        reader.limits()
    elif kind == 0x03:  # global: value type + mutability
        reader.value_type()
        reader.byte()
    elif kind == 0x04:  # tag: attribute + type index
        reader.byte()
        reader.uleb()
    else:
        raise _Malformed(f"unknown import kind {kind}")


def _read_imports(reader: _Reader, out: list[str]) -> None:
    for _ in range(min(reader.uleb(), _MAX_NAMES)):
        module = reader.name()
        field = reader.name()
        _skip_import_description(reader)
        out.append(f"{module}.{field}")


def _read_exports(reader: _Reader, out: list[str]) -> None:
    for _ in range(min(reader.uleb(), _MAX_NAMES)):
        name = reader.name()
        reader.byte()  # kind
        reader.uleb()  # index
        out.append(name)


def read_interface(module: bytes) -> WasmInterface:
    """Import and export names of ``module``; empty tuples when it is not WebAssembly."""
    imports: list[str] = []
    exports: list[str] = []
    if module[:4] != _MAGIC or len(module) < 8:
        return WasmInterface((), ())
    reader = _Reader(module, 8)
    try:
        while reader.pos < reader.end:
            section_id = reader.byte()
            size = reader.uleb()
            # A capped or damaged module: read what is there, the reader stops at its end.
            body_end = min(reader.pos + size, reader.end)
            section = _Reader(module, reader.pos, body_end)
            if section_id == _IMPORT_SECTION:
                _read_imports(section, imports)
            elif section_id == _EXPORT_SECTION:
                _read_exports(section, exports)
                break  # nothing after the export section interests us
            reader.pos = body_end
    except _Malformed:
        pass
    return WasmInterface(tuple(imports), tuple(exports))
