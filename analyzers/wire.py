"""Reading messages off the wire whatever their framing, for rules that judge value shapes.

A miner nobody has written a rule for still has to carry work and results somehow: JSON,
newline-delimited JSON, socket.io / Engine.IO packets (``42["evt",{...}]``, ``0{...}``, ``2``),
comma- or space-separated text lines, JSON wrapped in base64 or hex, msgpack, or a binary layout
of its own. :func:`decode_payload` turns a frame or HTTP body into plain Python values (dicts,
lists, strings, numbers, and :class:`RawBytes` for binary it cannot read further) so that
:mod:`analyzers.exchange` can look at the values without knowing the dialect.

Everything here is page-controlled input: every decoder is bounded (payload size, nesting,
item count) and never raises; garbage decodes to nothing or to plain text tokens.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import msgpack

MAX_PAYLOAD_CHARS = 256 * 1024  # decode at most this much of one frame or body
MAX_LINES = 200
MAX_TOKENS_PER_LINE = 64
# socket.io over Engine.IO: an engine packet type digit, a socket.io packet type digit, an optional
# namespace ("/chat,") and an optional ack id, then the JSON data.
_ENGINE_IO = re.compile(r"^[0-6][0-6]?(?:/[\w./-]{0,100},)?[0-9]{0,12}(?=[\[{\"])")
_ENGINE_IO_CONTROL = re.compile(r"^[0-6]{1,2}(probe)?$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=_-]{16,}$")
_HEX_TEXT = re.compile(r"^(?:[0-9a-fA-F]{2})+$")
_FORM = re.compile(r"^[\w.%\[\]-]{1,64}=[^&]*(&[\w.%\[\]-]{1,64}=[^&]*)*$")
_TOKEN_SPLIT = re.compile(r"[,\s;|]+")


@dataclass(frozen=True)
class RawBytes:
    """Binary data no decoder could read further: judged by size and entropy alone."""

    data: bytes


@dataclass(frozen=True)
class TextLine:
    """One line of a text protocol, split into tokens (``JOB,17,0707…,b88d0600``)."""

    tokens: tuple[str, ...]


def decode_payload(payload: str, *, binary: bool = False) -> list[Any]:
    """The values one frame or body carries; ``[]`` for control packets and unreadable input."""
    try:
        if binary:
            return _decode_binary(payload)
        return _decode_text(payload[:MAX_PAYLOAD_CHARS])
    except (RecursionError, MemoryError, ValueError, TypeError):
        return []


def decode_query(url: str) -> dict[str, str] | None:
    """A URL's query string as a dict (``?job=17&nonce=…`` sends results in GET requests too)."""
    _, sep, query = url.partition("?")
    if not sep or not query:
        return None
    pairs = parse_qsl(query.split("#", 1)[0][:MAX_PAYLOAD_CHARS], keep_blank_values=False)
    return dict(pairs[:MAX_TOKENS_PER_LINE]) or None


def _decode_binary(payload: str) -> list[Any]:
    try:
        data = base64.b64decode(payload[: MAX_PAYLOAD_CHARS * 4 // 3 + 4], validate=True)
    except (binascii.Error, ValueError):
        return []
    if not data:
        return []
    unpacked = _msgpack(data)
    if unpacked is not None:
        return [unpacked]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [RawBytes(data)]
    if text.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in text):
        return _decode_text(text)
    return [RawBytes(data)]


def _msgpack(data: bytes) -> Any:
    """A msgpack map or array filling the whole buffer; None for anything else."""
    if not data or data[0] not in _MSGPACK_CONTAINER_FIRST_BYTES:
        return None
    try:
        value = msgpack.unpackb(
            data,
            raw=False,
            strict_map_key=False,
            max_buffer_size=len(data),
            max_str_len=len(data),
            max_bin_len=len(data),
            max_array_len=4096,
            max_map_len=4096,
            max_ext_len=0,
        )
    except Exception:  # noqa: BLE001  msgpack raises its own zoo (ExtraData, FormatError, ...)
        return None
    return value if isinstance(value, dict | list) and value else None


# fixmap 0x80-0x8f, fixarray 0x90-0x9f, array16/32 0xdc/0xdd, map16/32 0xde/0xdf
_MSGPACK_CONTAINER_FIRST_BYTES = frozenset(
    [*range(0x81, 0x90), *range(0x91, 0xA0), 0xDC, 0xDD, 0xDE, 0xDF]
)


def _decode_text(text: str) -> list[Any]:
    text = text.strip()
    if not text or _ENGINE_IO_CONTROL.match(text):
        return []  # Engine.IO ping/pong/probe, an empty frame
    document = _json(text)
    if document is not None:
        return [document]
    engine = _ENGINE_IO.match(text)
    if engine:
        document = _json(text[engine.end() :])
        if document is not None:
            return [document]
    wrapped = _unwrap(text)
    if wrapped is not None:
        return [wrapped]
    if "\n" not in text and _FORM.match(text):
        return [dict(parse_qsl(text, keep_blank_values=False)[:MAX_TOKENS_PER_LINE])]
    values: list[Any] = []
    for line in text.splitlines()[:MAX_LINES]:
        line = line.strip()
        if not line:
            continue
        document = _json(line)
        if document is not None:
            values.append(document)
            continue
        tokens = tuple(t for t in _TOKEN_SPLIT.split(line)[:MAX_TOKENS_PER_LINE] if t)
        if tokens:
            values.append(TextLine(tokens))
    return values


def _json(text: str) -> Any:
    if not text or text[0] not in "[{":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def unwrap_json(text: str) -> Any:
    """JSON wrapped in base64 or hex text, also as a value inside another message; else None."""
    return _unwrap(text[:MAX_PAYLOAD_CHARS]) if len(text) >= 16 else None


def _unwrap(text: str) -> Any:
    """JSON wrapped in base64 or hex text (an obfuscation layer, not a format of its own)."""
    raw: bytes | None = None
    if len(text) >= 16 and _HEX_TEXT.match(text):
        raw = bytes.fromhex(text)
    elif _BASE64.match(text):
        padded = text + "=" * (-len(text) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if not raw or raw[:1] not in (b"{", b"["):
        return None
    try:
        return _json(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None
