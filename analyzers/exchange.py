"""Mining in a protocol no rule names: work items in, results out, over and over, while CPU burns.

Whatever its dialect, a miner must fetch work and return results. Work items are long hex blobs
or random bytes (a block template, a seed, a previous hash) with a target or difficulty and
usually an id; results are a nonce and often a 32-byte hash, referring to the job. That shape
does not depend on field names, framing or transport, so this rule reads every WebSocket and
every fetch/XHR endpoint through :mod:`analyzers.wire` and judges the *values*:

- a **work item** is a received message without prose, carrying a hex string (or random bytes)
  of at least 32 bytes next to a target-like value (a short hex, a number) or a second blob, or
  one blob of block-template size (76 bytes and more) on its own;
- a **result** is a sent message without prose carrying a new 32-byte hash (one the client never
  received) next to a nonce or number, or a new short-hex nonce next to a token of an earlier
  work item (the job id); a message that repeats a blob it received asks for content, it is no
  result; a binary frame of fixed size (36..128 bytes) holding 32 random bytes
  counts as one when the received frames hold random blobs;
- the **exchange** is ongoing: at least two work items and two results interleaved (work, then
  results, then new work) or at least three distinct results spread over two seconds or more.

A game or chat socket echoes the ids it received and writes prose; a price ticker only receives;
a proof-of-work captcha fetches one challenge and posts one answer; an end-to-end encrypted chat
sends random bytes of every length. None of them is an exchange.

A socket MS301 already recognised is left to MS301. The finding is HIGH when the page's CPU was
sustained over the dwell (worker or main thread) and did not stop: that is mining in progress.
Sustained is judged at a throttled miner's pace (5 % of one core, in most seconds, to the end):
the exchange is the evidence, the CPU only has to show that the work goes on. A fifth of a core,
the bar for CPU alone, would let a miner that slows itself down pass as idle. Without sustained
CPU it is MEDIUM.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from analyzers.base import Finding, Severity, rule
from analyzers.behaviour import exchange_cpu
from analyzers.protocol import read_socket
from analyzers.wire import RawBytes, TextLine, decode_payload, decode_query, unwrap_json
from model.observations import (
    FrameDirection,
    PageVisit,
    RequestObservation,
    WebSocketSession,
)

if TYPE_CHECKING:
    from analyzers.engine import AnalysisContext

HASH_BYTES = 32
BLOB_BYTES = 76  # a CryptoNote hashing blob; a Bitcoin-style header is 80
NONCE_HEX = (8, 16)  # a 4..8-byte nonce in hex
TARGET_HEX = (4, 16)  # a compact target or difficulty in hex
RESULT_FRAME_BYTES = (36, 128)  # a binary result: nonce + 32-byte hash, maybe an id
RANDOM_WINDOW_DISTINCT = 24  # distinct byte values in a 32-byte window of random data (≈30)
PROSE_WORDS = 3  # a string of this many words is prose, which no work item carries
MIN_SPAN_SECONDS = 2.0
MAX_DEPTH = 8
MAX_VALUES = 400  # scalars read per message
MAX_TOKEN_CHARS = 64
MAX_PROSE_CHARS = 2000  # a bounded look for words: page-controlled strings may be huge
MAX_LISTED = 5
MAX_BATCH = 64  # messages read from one frame
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_HTTP_TYPES = ("xhr", "fetch", "ping", "beacon", "other")


# --- the shape of one message -------------------------------------------------------------------


@dataclass
class Shape:
    """The values of one message that matter for work and results, whatever their names."""

    blobs: set[str] = field(default_factory=set)  # hex of >= 32 bytes (lower case)
    hashes: set[str] = field(default_factory=set)  # hex of exactly 32 bytes
    short_hex: set[str] = field(default_factory=set)  # 4..16 hex chars: nonces, targets
    numbers: int = 0
    tokens: set[str] = field(default_factory=set)  # every short scalar, for job references
    prose: bool = False
    raw_size: int | None = None  # a binary frame read by size and entropy alone
    raw_random: bool = False

    @property
    def longest_blob(self) -> int:
        return max((len(b) // 2 for b in self.blobs), default=0)

    def values(self) -> set[str]:
        return self.blobs | self.short_hex | self.tokens


def shape_of(values: Iterable[Any]) -> Shape:
    shape = Shape()
    budget = [MAX_VALUES]
    for value in values:
        _walk(value, shape, 0, budget)
    return shape


def _walk(value: Any, shape: Shape, depth: int, budget: list[int]) -> None:
    if depth > MAX_DEPTH or budget[0] <= 0:
        return
    budget[0] -= 1
    if isinstance(value, dict):
        for item in list(value.values())[:MAX_VALUES]:
            _walk(item, shape, depth + 1, budget)
    elif isinstance(value, list | tuple):
        for item in value[:MAX_VALUES]:
            _walk(item, shape, depth + 1, budget)
    elif isinstance(value, TextLine):
        for token in value.tokens:
            _walk(token, shape, depth + 1, budget)
    elif isinstance(value, RawBytes):
        _raw(value.data, shape)
    elif isinstance(value, bytes | bytearray):
        _bytes(bytes(value), shape)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return
        shape.numbers += 1
        shape.tokens.add(str(value))
    elif isinstance(value, str):
        inner = unwrap_json(value) if value[:1] not in "{[" else None
        if inner is not None:  # ["proof", "7b226a...7d"]: a wrapped document inside an event
            _walk(inner, shape, depth + 1, budget)
        elif "," in value and not _is_prose(value):
            # "preHash,hash,nonce,…": a text line carried inside a JSON string
            for part in value.split(",")[:MAX_VALUES]:
                _walk(_number_or_text(part.strip()), shape, depth + 1, budget)
        else:
            _string(value, shape)


def _number_or_text(text: str) -> Any:
    if text.isdigit() and len(text) <= 18:
        return int(text)
    return text


def _string(text: str, shape: Shape) -> None:
    if _is_prose(text):
        shape.prose = True
        return
    if _HEX.match(text):
        hex_text = text.lower()
        if len(hex_text) >= 2 * HASH_BYTES and len(hex_text) % 2 == 0:
            shape.blobs.add(hex_text)
            if len(hex_text) == 2 * HASH_BYTES:
                shape.hashes.add(hex_text)
            return
        if TARGET_HEX[0] <= len(hex_text) <= NONCE_HEX[1]:
            shape.short_hex.add(hex_text)
    if 0 < len(text) <= MAX_TOKEN_CHARS:
        shape.tokens.add(text)


def _is_prose(text: str) -> bool:
    """Three or more words of letters: a sentence, which no work item or result carries."""
    words = text[:MAX_PROSE_CHARS].split(maxsplit=PROSE_WORDS * 4)
    return sum(1 for word in words if len(word) >= 2 and word.isalpha()) >= PROSE_WORDS


def _bytes(data: bytes, shape: Shape) -> None:
    """A bytes value inside a decoded message (msgpack ``bin``)."""
    if len(data) >= HASH_BYTES and _looks_random(data):
        shape.blobs.add(data.hex())
        if len(data) == HASH_BYTES:
            shape.hashes.add(data.hex())
    elif 2 <= len(data) <= 8:
        shape.short_hex.add(data.hex())


def _raw(data: bytes, shape: Shape) -> None:
    """A binary frame of unknown layout: its size and whether it holds 32 random bytes."""
    shape.raw_size = len(data)
    shape.raw_random = _looks_random(data)
    if shape.raw_random:
        shape.blobs.add(data.hex())


def _looks_random(data: bytes) -> bool:
    """Some 32-byte window has the byte variety of random data (hashes, nonces, blobs)."""
    step = HASH_BYTES // 2
    for start in range(0, max(len(data) - HASH_BYTES, 0) + 1, step):
        window = data[start : start + HASH_BYTES]
        if len(window) == HASH_BYTES and len(set(window)) >= RANDOM_WINDOW_DISTINCT:
            return True
    return False


def is_work(shape: Shape) -> bool:
    """A received message that hands out work: a blob plus a target, or a template-sized blob."""
    if shape.prose:
        return False
    if shape.raw_size is not None:
        return shape.raw_random and shape.raw_size >= HASH_BYTES + 8
    if not shape.blobs:
        return False
    if shape.longest_blob >= BLOB_BYTES:
        return True
    return bool(shape.short_hex) or shape.numbers > 0 or len(shape.blobs) >= 2


# --- one channel: a socket, or the fetch/XHR calls to one origin ---------------------------------


@dataclass(frozen=True)
class Message:
    direction: FrameDirection
    time: float
    shape: Shape


@dataclass
class Exchange:
    """What one channel carried: work items received and results sent, in time order."""

    kind: str  # "websocket" or "http"
    url: str
    context: str
    work_times: list[float] = field(default_factory=list)
    result_times: list[float] = field(default_factory=list)
    referenced: int = 0  # results naming a token of an earlier work item (the job)
    template_sized: bool = False  # a work item carried a blob of block-template size
    work_ids: list[str] = field(default_factory=list)
    endpoints: dict[str, int] = field(default_factory=dict)
    frames: dict[str, int] = field(default_factory=dict)
    messages: int = 0

    @property
    def works(self) -> int:
        return len(self.work_times)

    @property
    def results(self) -> int:
        return len(self.result_times)

    @property
    def span(self) -> float:
        times = self.work_times + self.result_times
        return max(times) - min(times) if times else 0.0

    def interleaved(self) -> bool:
        """New work arrived after a result was sent, and a result went out after that work."""
        if not self.result_times or self.works < 2:
            return False
        first_result = min(self.result_times)
        later_work = [t for t in self.work_times if t >= first_result]
        return bool(later_work) and any(t >= min(later_work) for t in self.result_times)

    def ongoing(self) -> bool:
        if self.works < 1 or self.results < 2:
            return False
        if self.works >= 2 and self.interleaved():
            return True
        return self.results >= 3 and self.span >= MIN_SPAN_SECONDS


def read_exchange(kind: str, url: str, context: str, messages: Iterable[Message]) -> Exchange:
    """Classify each message as work, result or neither, in time order."""
    ordered = sorted(messages, key=lambda m: m.time)
    received: set[str] = set()
    work_tokens: set[str] = set()
    seen_results: set[str] = set()
    result_sizes: Counter[int] = Counter()
    # A lone received hash (JSEcoin's "preHash") is work only once a result is built on it.
    seeds: dict[str, float] = {}
    exchange = Exchange(kind, url, context, messages=len(ordered))
    # Tokens in every message ("2.0" of JSON-RPC, a session id) name no job.
    constants = set.intersection(*(m.shape.tokens for m in ordered)) if len(ordered) >= 3 else set()
    for message in ordered:
        shape = message.shape
        if message.direction is FrameDirection.RECEIVED:
            received |= shape.values()
            if is_work(shape):
                exchange.work_times.append(message.time)
                exchange.template_sized |= shape.longest_blob >= BLOB_BYTES
                new_ids = sorted(shape.tokens - shape.blobs - constants)
                work_tokens |= set(new_ids)
                exchange.work_ids.extend(t for t in new_ids[:1] if t not in exchange.work_ids)
            elif not shape.prose and shape.raw_size is None and len(shape.blobs) == 1:
                seeds.setdefault(next(iter(shape.blobs)), message.time)
            continue
        key, references = _result_key(shape, received, work_tokens - constants)
        if key is None:
            key, seed = _result_on_seed(shape, received, seeds)
            if seed is not None:
                exchange.work_times.append(seeds.pop(seed))
                work_tokens.add(seed)
                references = 1
        if key is None or key in seen_results:
            continue
        if shape.raw_size is not None:
            result_sizes[shape.raw_size] += 1
        seen_results.add(key)
        exchange.result_times.append(message.time)
        exchange.referenced += references
    if len(result_sizes) > 1:  # binary results have one layout; ciphertexts of all sizes do not
        exchange.result_times.clear()
    return exchange


def _result_key(shape: Shape, received: set[str], work_tokens: set[str]) -> tuple[str | None, int]:
    """What makes this sent message a result (its new hash or nonce), and whether it names a job."""
    if shape.prose:
        return None, 0
    if shape.raw_size is not None:
        low, high = RESULT_FRAME_BYTES
        fresh = [b for b in shape.blobs if b not in received]
        return (
            fresh[0] if shape.raw_random and low <= shape.raw_size <= high and fresh else None
        ), 0
    if shape.blobs & received:
        return None, 0  # it names content it was given ("want <hash>"): a request, not a result
    references = 1 if (shape.tokens - shape.blobs) & work_tokens else 0
    new_hashes = sorted(h for h in shape.hashes if h not in received)
    nonces = sorted(
        n for n in shape.short_hex if n not in received and NONCE_HEX[0] <= len(n) <= NONCE_HEX[1]
    )
    if new_hashes and (nonces or shape.numbers or references):
        return new_hashes[0], references
    if nonces and references:
        return nonces[0], references
    return None, 0


def _result_on_seed(
    shape: Shape, received: set[str], seeds: dict[str, float]
) -> tuple[str | None, str | None]:
    """A sent message that names a received lone hash *and* carries a new 32-byte hash with a
    number or nonce: a share computed on that seed (``preHash,hash,nonce``). A request for
    content ("want <hash>") names a received hash too, but brings no new hash and nonce."""
    if shape.prose or shape.raw_size is not None:
        return None, None
    named = shape.blobs & received
    new_hashes = sorted(h for h in shape.hashes if h not in received)
    nonce = shape.numbers or any(
        NONCE_HEX[0] <= len(n) <= NONCE_HEX[1] for n in shape.short_hex if n not in received
    )
    if not named or not new_hashes or not nonce:
        return None, None
    return new_hashes[0], next((b for b in sorted(named) if b in seeds), None)


def socket_exchange(session: WebSocketSession) -> Exchange:
    # One message per value: a frame of JSON lines may batch several results.
    messages = [
        Message(frame.direction, frame.time, shape_of([value]))
        for frame in session.frames
        for value in decode_payload(frame.payload, binary=frame.binary)[:MAX_BATCH]
    ]
    exchange = read_exchange("websocket", session.url, session.context, messages)
    exchange.frames = {
        "sent": session.frames_sent,
        "received": session.frames_received,
        "kept": len(session.frames),
    }
    return exchange


def http_exchanges(requests: Iterable[RequestObservation]) -> Iterator[Exchange]:
    """One exchange per origin: work from responses, results from bodies and query strings."""
    by_origin: dict[str, list[RequestObservation]] = {}
    for request in requests:
        if request.resource_type not in _HTTP_TYPES or not request.url.startswith("http"):
            continue
        parts = urlsplit(request.url)
        by_origin.setdefault(f"{parts.scheme}://{parts.netloc}", []).append(request)
    for origin, calls in by_origin.items():
        messages: list[Message] = []
        endpoints: Counter[str] = Counter()
        for order, call in enumerate(calls):
            endpoints[f"{call.method} {urlsplit(call.url).path or '/'}"] += 1
            at = call.time if call.time is not None else float(order)
            sent: list[Any] = []
            query = decode_query(call.url)
            if query:
                sent.append(query)
            if call.request_body is not None:
                sent += decode_payload(call.request_body.text, binary=call.request_body.binary)
            if sent:
                messages.append(Message(FrameDirection.SENT, at, shape_of(sent)))
            if call.response_body is not None:
                body = call.response_body
                got = decode_payload(body.text, binary=body.binary)
                messages.append(Message(FrameDirection.RECEIVED, at + 1e-6, shape_of(got)))
        exchange = read_exchange("http", origin, calls[0].context, messages)
        exchange.endpoints = dict(endpoints.most_common(MAX_LISTED))
        yield exchange


def mining_exchanges(
    websockets: Iterable[WebSocketSession], requests: Iterable[RequestObservation]
) -> Iterator[Exchange]:
    """Every channel that carries an ongoing work/result exchange MS301 did not already name."""
    for session in websockets:
        if read_socket(session) is not None:
            continue
        exchange = socket_exchange(session)
        if exchange.ongoing():
            yield exchange
    for exchange in http_exchanges(requests):
        if exchange.ongoing():
            yield exchange


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def describe(exchange: Exchange, cores: float | None) -> str:
    where = (
        f"WebSocket {exchange.url}"
        if exchange.kind == "websocket"
        else f"HTTP polling of {exchange.url}"
    )
    cpu = f"CPU at {cores:.1f} cores" if cores is not None else "CPU not measured"
    return (
        f"{where} speaks an unknown protocol: {_plural(exchange.works, 'work item')} received, "
        f"{_plural(exchange.results, 'result')} sent, {cpu}"
    )


@rule(id="MS310", severity=Severity.HIGH, observes=("websockets", "requests", "cpu"))
def unknown_protocol_exchange(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """A socket or polled endpoint keeps receiving work items and sending results (any dialect).

    Every WebSocket frame and fetch/XHR body is decoded whatever its framing (JSON, JSON lines,
    socket.io, text lines, base64/hex-wrapped JSON, msgpack, binary) and judged by value shapes,
    not field names: received work items carry hex blobs or random bytes of 32 bytes and more with
    a target or an id; sent results carry a new 32-byte hash with a nonce, or a new nonce naming
    an earlier work item. It fires when the back-and-forth goes on over the dwell (new work after
    results, or three results over two seconds), not on one challenge and one answer. HIGH (a
    miner) when the page's CPU was sustained, in workers or the main thread, at a throttled
    miner's pace at least (5 % of one core in most seconds) and did not stop; MEDIUM otherwise. A socket MS301 already named is left to it.
    """
    cpu = exchange_cpu(visit.cpu)
    for exchange in mining_exchanges(visit.websockets, visit.requests):
        cores = cpu.cores if cpu is not None else None
        busy = cpu is not None and cpu.sustained
        confidence = 0.85 if busy else 0.45
        if busy and (exchange.referenced or exchange.template_sized):
            confidence = 0.92
        evidence: dict[str, Any] = {
            "transport": exchange.kind,
            "url": exchange.url,
            "pool": exchange.url,
            "context": exchange.context,
            "work_items": exchange.works,
            "results": exchange.results,
            "results_naming_a_job": exchange.referenced,
            "template_sized_work": exchange.template_sized,
            "span_seconds": round(exchange.span, 2),
            "job_ids": exchange.work_ids[:MAX_LISTED],
            "cpu": cpu.evidence() if cpu is not None else None,
        }
        if exchange.frames:
            evidence["frames"] = exchange.frames
        if exchange.endpoints:
            evidence["endpoints"] = exchange.endpoints
        yield Finding(
            "MS310",
            Severity.HIGH if busy else Severity.MEDIUM,
            describe(exchange, cores),
            evidence,
            confidence=confidence,
        )
