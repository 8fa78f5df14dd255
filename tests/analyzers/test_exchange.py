"""MS310: a work/result exchange in a protocol no rule names, and the look-alikes that are not one.

Every positive here uses field names and framings no rule knows (``a``/``b``/``c``, socket.io
events called ``w`` and ``r``, msgpack, a binary layout); what they share is the shape of mining:
new work items with random blobs and a target keep arriving, and results with new nonces and
hashes keep going back.
"""

from __future__ import annotations

import base64
import json
import random
import struct
from collections.abc import Callable
from typing import Any

import msgpack
import pytest

from analyzers.base import Severity, Verdict
from analyzers.engine import AnalysisContext, analyze_visit
from analyzers.exchange import unknown_protocol_exchange
from model.observations import (
    CpuProfile,
    FrameDirection,
    HttpBody,
    PageVisit,
    RequestObservation,
    TargetCpu,
    WebSocketFrame,
    WebSocketSession,
    WorkerObservation,
)

SENT, RECEIVED = FrameDirection.SENT, FrameDirection.RECEIVED
URL = "https://shop.example/"
POOL = "wss://cdn-metrics.example/s"


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.load(cores=2)


class Traffic:
    """Seeded random blobs, nonces and hashes, so a failing case can be replayed."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)

    def raw(self, size: int) -> bytes:
        return bytes(self.rng.randrange(256) for _ in range(size))

    def hex(self, size: int) -> str:
        return self.raw(size).hex()

    def job_id(self) -> str:
        return f"{self.rng.randrange(10**6, 10**7)}"


# --- CPU profiles -------------------------------------------------------------------------------


def worker_cpu(dwell: int = 8) -> CpuProfile:
    return CpuProfile(
        dwell_seconds=dwell,
        process_seconds=1.9 * dwell,
        main_thread_seconds=0.1 * dwell,
        worker_seconds=1.8 * dwell,
        per_target=(TargetCpu("worker:blob:https://shop.example/1", 0.9 * dwell),) * 2,
        timeline=(1.9,) * dwell,
        peak_workers=2,
    )


def main_thread_cpu(dwell: int = 8) -> CpuProfile:
    """A miner hashing on the main thread: one core, no workers (and no MS501)."""
    return CpuProfile(
        dwell_seconds=dwell,
        process_seconds=0.95 * dwell,
        main_thread_seconds=0.95 * dwell,
        worker_seconds=0.0,
        timeline=(0.95,) * dwell,
    )


def webgl_cpu(dwell: int = 8) -> CpuProfile:
    return main_thread_cpu(dwell)


def idle_cpu(dwell: int = 8) -> CpuProfile:
    return CpuProfile(dwell, 0.05, 0.05, 0.0, timeline=(0.01,) * dwell)


# --- building visits --------------------------------------------------------------------------


def frames(*items: tuple[FrameDirection, float, str | bytes]) -> tuple[WebSocketFrame, ...]:
    out, counts = [], {SENT: 0, RECEIVED: 0}
    for direction, at, payload in items:
        binary = isinstance(payload, bytes)
        text = base64.b64encode(payload).decode() if binary else payload
        size = len(payload)
        out.append(
            WebSocketFrame(direction, at, text, size, binary=binary, index=counts[direction])
        )
        counts[direction] += 1
    return tuple(out)


def socket(url: str, kept: tuple[WebSocketFrame, ...], context: str = "page") -> WebSocketSession:
    sent = sum(1 for f in kept if f.direction is SENT)
    return WebSocketSession(
        url, context, 0.3, frames=kept, frames_sent=sent, frames_received=len(kept) - sent
    )


def visit(
    *,
    sockets: tuple[WebSocketSession, ...] = (),
    requests: tuple[RequestObservation, ...] = (),
    cpu: CpuProfile | None = None,
    workers: int = 0,
) -> PageVisit:
    return PageVisit(
        url=URL,
        final_url=URL,
        status=200,
        rendered=True,
        websockets=sockets,
        requests=requests,
        cpu=cpu,
        workers=(WorkerObservation("blob:https://shop.example/1", "dedicated", "page"),) * workers,
    )


Encoder = Callable[[Traffic, str, float], list[tuple[FrameDirection, float, str | bytes]]]


def mining_session(t: Traffic, encode: Encoder, jobs: int = 5) -> tuple[WebSocketFrame, ...]:
    """``jobs`` rounds of one work item followed by results, 1.5 s apart."""
    items: list[tuple[FrameDirection, float, str | bytes]] = []
    for round_ in range(jobs):
        items += encode(t, t.job_id(), 0.5 + 1.5 * round_)
    return frames(*items)


# --- dialects nobody wrote a rule for ------------------------------------------------------------


def plain_json(t: Traffic, job: str, at: float) -> list[Any]:
    work = {"a": job, "b": t.hex(76), "c": t.hex(4), "h": 3051234}
    out: list[Any] = [(RECEIVED, at, json.dumps(work))]
    for k in range(3):
        result = {"a": job, "n": t.hex(4), "r": t.hex(32)}
        out.append((SENT, at + 0.3 * (k + 1), json.dumps(result)))
    return out


def socket_io(t: Traffic, job: str, at: float) -> list[Any]:
    work = ["w", {"i": job, "d": t.hex(44), "s": t.hex(32), "t": 250000}]
    out: list[Any] = [(RECEIVED, at, "42" + json.dumps(work)), (RECEIVED, at + 0.01, "2")]
    for k in range(2):
        result = ["r", {"i": job, "x": t.hex(8), "y": t.hex(32)}]
        out.append((SENT, at + 0.4 * (k + 1), "42/m," + json.dumps(result)))
    out.append((SENT, at + 0.02, "3"))
    return out


def json_lines(t: Traffic, job: str, at: float) -> list[Any]:
    work = json.dumps({"k": job, "payload": t.hex(80), "diff": 120000})
    ping = json.dumps({"ping": int(at * 1000)})
    results = "\n".join(json.dumps({"k": job, "v": t.hex(4), "out": t.hex(32)}) for _ in range(2))
    return [(RECEIVED, at, work + "\n" + ping), (SENT, at + 0.5, results)]


def comma_lines(t: Traffic, job: str, at: float) -> list[Any]:
    return [
        (RECEIVED, at, f"W,{job},{t.hex(76)},{t.hex(4)}"),
        (SENT, at + 0.4, f"R,{job},{t.hex(4)},{t.hex(32)}"),
        (SENT, at + 0.8, f"R,{job},{t.hex(4)},{t.hex(32)}"),
    ]


def nonce_only_lines(t: Traffic, job: str, at: float) -> list[Any]:
    """Results carry only a nonce and the job id, no hash (a space-separated dialect)."""
    return [
        (RECEIVED, at, f"t {job} {t.hex(76)} {t.hex(4)}"),
        (SENT, at + 0.4, f"s {job} {t.hex(4)}"),
        (SENT, at + 0.8, f"s {job} {t.hex(4)}"),
    ]


def base64_json(t: Traffic, job: str, at: float) -> list[Any]:
    def wrap(value: Any) -> str:
        return base64.b64encode(json.dumps(value).encode()).decode()

    return [
        (RECEIVED, at, wrap({"q": job, "w": t.hex(76), "z": t.hex(4)})),
        (SENT, at + 0.5, wrap({"q": job, "p": t.hex(4), "o": t.hex(32)})),
        (SENT, at + 0.9, wrap({"q": job, "p": t.hex(4), "o": t.hex(32)})),
    ]


def hex_json(t: Traffic, job: str, at: float) -> list[Any]:
    def wrap(value: Any) -> str:
        return json.dumps(value).encode().hex()

    return [
        (RECEIVED, at, wrap([job, t.hex(76), t.hex(4)])),
        (SENT, at + 0.5, wrap([job, t.hex(4), t.hex(32)])),
        (SENT, at + 0.9, wrap([job, t.hex(4), t.hex(32)])),
    ]


def msgpack_binary(t: Traffic, job: str, at: float) -> list[Any]:
    work = msgpack.packb({"j": int(job), "b": t.raw(76), "t": 0xFFFF0000})
    out: list[Any] = [(RECEIVED, at, work)]
    for k in range(2):
        result = msgpack.packb([int(job), t.raw(4), t.raw(32)])
        out.append((SENT, at + 0.4 * (k + 1), result))
    return out


def binary_layout(t: Traffic, job: str, at: float) -> list[Any]:
    """A length-prefixed layout of its own: type, job, blob, target / type, job, nonce, hash."""
    work = struct.pack(">BI", 1, int(job)) + t.raw(76) + struct.pack(">I", 0xFFFF0000)
    out: list[Any] = [(RECEIVED, at, work)]
    for k in range(2):
        result = struct.pack(">BI", 2, int(job)) + t.raw(4) + t.raw(32)
        out.append((SENT, at + 0.4 * (k + 1), result))
    return out


def socket_io_hex_payload(t: Traffic, job: str, at: float) -> list[Any]:
    """socket.io events whose data is a hex-encoded JSON document."""

    def wrap(event: str, value: Any) -> str:
        return "42" + json.dumps([event, json.dumps(value).encode().hex()])

    return [
        (RECEIVED, at, wrap("lease", {"l": job, "h": t.hex(64), "b": 28})),
        (SENT, at + 0.5, wrap("proof", {"l": job, "n": t.rng.randrange(2**32), "d": t.hex(32)})),
        (SENT, at + 0.9, wrap("proof", {"l": job, "n": t.rng.randrange(2**32), "d": t.hex(32)})),
    ]


DIALECTS: dict[str, Encoder] = {
    "socket.io-hex-payload": socket_io_hex_payload,
    "plain-json": plain_json,
    "socket.io": socket_io,
    "json-lines": json_lines,
    "comma-lines": comma_lines,
    "nonce-only-lines": nonce_only_lines,
    "base64-json": base64_json,
    "hex-json": hex_json,
    "msgpack": msgpack_binary,
    "binary-layout": binary_layout,
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_any_dialect_with_sustained_cpu_is_a_miner(ctx: AnalysisContext, dialect: str) -> None:
    t = Traffic()
    session = socket(POOL, mining_session(t, DIALECTS[dialect]), "worker:blob:x")
    analysis = analyze_visit(visit(sockets=(session,), cpu=worker_cpu(), workers=2), ctx)
    assert analysis.verdict is Verdict.MINER, analysis.reasons
    (finding,) = [f for f in analysis.findings if f.rule_id == "MS310"]
    assert finding.severity is Severity.HIGH
    assert finding.title.startswith(f"WebSocket {POOL} speaks an unknown protocol: 5 work items")
    assert finding.title.endswith("results sent, CPU at 1.9 cores")
    assert analysis.reasons[0] == finding.title
    assert not any(f.rule_id == "MS301" for f in analysis.findings)


def test_results_batched_in_one_frame_of_json_lines_each_count(ctx: AnalysisContext) -> None:
    t = Traffic()
    items: list[Any] = []
    for n in range(4):
        at, job = 0.5 + 1.5 * n, n + 100
        work = {"op": "w", "n": job, "s": t.hex(32), "cut": 20}
        batch = [
            json.dumps({"op": "put", "n": job, "x": t.rng.randrange(2**32), "h": t.hex(32)})
            for _ in range(2)
        ]
        items += [(RECEIVED, at, json.dumps(work)), (SENT, at + 1.0, "\n".join(batch) + "\n")]
    page = visit(sockets=(socket(POOL, frames(*items)),), cpu=worker_cpu())
    (finding,) = unknown_protocol_exchange(page, ctx)
    assert (finding.evidence["work_items"], finding.evidence["results"]) == (4, 8)


def test_title_counts_work_and_results(ctx: AnalysisContext) -> None:
    session = socket(POOL, mining_session(Traffic(), plain_json, jobs=4))
    (finding,) = unknown_protocol_exchange(visit(sockets=(session,), cpu=worker_cpu()), ctx)
    assert finding.title == (
        f"WebSocket {POOL} speaks an unknown protocol: 4 work items received, 12 results sent, "
        "CPU at 1.9 cores"
    )
    assert finding.evidence["results_naming_a_job"] == 12
    assert finding.evidence["template_sized_work"] is True
    assert finding.evidence["frames"] == {"sent": 12, "received": 4, "kept": 16}


def test_main_thread_miner_with_an_exchange_is_a_miner(ctx: AnalysisContext) -> None:
    session = socket(POOL, mining_session(Traffic(), comma_lines))
    analysis = analyze_visit(visit(sockets=(session,), cpu=main_thread_cpu()), ctx)
    assert analysis.verdict is Verdict.MINER
    assert not any(f.rule_id == "MS501" for f in analysis.findings)  # no worker CPU at all
    assert "CPU at 0.9 cores" in analysis.reasons[0] or "CPU at 1.0 cores" in analysis.reasons[0]


def test_exchange_without_cpu_is_suspicious_not_a_miner(ctx: AnalysisContext) -> None:
    session = socket(POOL, mining_session(Traffic(), plain_json))
    analysis = analyze_visit(visit(sockets=(session,), cpu=idle_cpu()), ctx)
    (finding,) = [f for f in analysis.findings if f.rule_id == "MS310"]
    assert finding.severity is Severity.MEDIUM
    assert analysis.verdict is Verdict.SUSPICIOUS
    assert analysis.reasons[-1] == "work/result exchange, but no sustained CPU"


def throttled_main_cpu(timeline: tuple[float, ...]) -> CpuProfile:
    """Main-thread CPU with the given per-second timeline, no workers."""
    total = sum(timeline)
    return CpuProfile(len(timeline), total, total * 0.9, 0.0, timeline=timeline)


# A miner throttled to 5..10 % of one core, on the main thread, as measured (uneven seconds).
SLOW_MINER = (0.06, 0.09, 0.07, 0.11, 0.06, 0.08, 0.07, 0.09)


def test_exchange_with_a_throttled_miners_cpu_is_a_miner(ctx: AnalysisContext) -> None:
    """A miner that slows itself far below a fifth of a core is still mining: the exchange goes
    on and the CPU never stops; CPU alone (MS501) would not flag it, the exchange does."""
    session = socket(POOL, mining_session(Traffic(), plain_json))
    analysis = analyze_visit(visit(sockets=(session,), cpu=throttled_main_cpu(SLOW_MINER)), ctx)
    (finding,) = [f for f in analysis.findings if f.rule_id == "MS310"]
    assert finding.severity is Severity.HIGH
    assert analysis.verdict is Verdict.MINER
    assert finding.evidence["cpu"]["sustained"] is True


@pytest.mark.parametrize(
    "timeline",
    [
        pytest.param((0.02, 0.03, 0.01, 0.04, 0.02, 0.03, 0.02, 0.03), id="idle-page-level"),
        pytest.param((0.09, 0.08, 0.1, 0.07, 0.08, 0.01, 0.0, 0.01), id="stopped"),
        pytest.param((0.0, 0.0, 0.6, 0.0, 0.0, 0.01, 0.0, 0.0), id="one-burst"),
    ],
)
def test_exchange_without_a_miners_pace_stays_suspicious(
    ctx: AnalysisContext, timeline: tuple[float, ...]
) -> None:
    """Below 5 % of one core, CPU that stops, or one burst: no work going on beside the exchange."""
    session = socket(POOL, mining_session(Traffic(), plain_json))
    analysis = analyze_visit(visit(sockets=(session,), cpu=throttled_main_cpu(timeline)), ctx)
    (finding,) = [f for f in analysis.findings if f.rule_id == "MS310"]
    assert finding.severity is Severity.MEDIUM
    assert analysis.verdict is Verdict.SUSPICIOUS


def test_only_first_and_last_frames_kept_still_reads_as_ongoing(ctx: AnalysisContext) -> None:
    t = Traffic()
    early = mining_session(t, plain_json, jobs=2)
    late = [
        WebSocketFrame(f.direction, f.time + 60, f.payload, f.size, index=f.index + 400)
        for f in mining_session(t, plain_json, jobs=2)
    ]
    session = WebSocketSession(
        POOL, "page", 0.3, frames=early + tuple(late), frames_sent=1200, frames_received=400
    )
    (finding,) = unknown_protocol_exchange(visit(sockets=(session,), cpu=worker_cpu(70)), ctx)
    assert finding.severity is Severity.HIGH
    assert finding.evidence["frames"]["sent"] == 1200


def test_a_named_dialect_is_left_to_ms301(ctx: AnalysisContext) -> None:
    t = Traffic()
    items: list[Any] = []
    for round_ in range(3):
        job, at = t.job_id(), 0.5 + round_
        work = {"method": "job", "params": {"blob": t.hex(76), "job_id": job, "target": t.hex(4)}}
        share = {
            "method": "submit",
            "params": {"job_id": job, "nonce": t.hex(4), "result": t.hex(32)},
        }
        items += [(RECEIVED, at, json.dumps(work)), (SENT, at + 0.5, json.dumps(share))]
    analysis = analyze_visit(visit(sockets=(socket(POOL, frames(*items)),), cpu=worker_cpu()), ctx)
    rules = {f.rule_id for f in analysis.findings}
    assert "MS301" in rules and "MS310" not in rules


# --- HTTP polling -----------------------------------------------------------------------------


def body(value: Any) -> HttpBody:
    text = value if isinstance(value, str) else json.dumps(value)
    return HttpBody(text, len(text))


def polling(t: Traffic, rounds: int = 5, *, form: bool = False, query: bool = False) -> tuple:
    calls = []
    for round_ in range(rounds):
        at, job = 0.5 + 1.5 * round_, t.job_id()
        calls.append(
            RequestObservation(
                "https://api.cdn-metrics.example/v2/w?c=1",
                "fetch",
                "GET",
                200,
                time=at,
                response_body=body({"id": job, "data": t.hex(76), "t": t.hex(4)}),
            )
        )
        for k in range(2):
            nonce, digest = t.hex(4), t.hex(32)
            url = "https://api.cdn-metrics.example/v2/r"
            request_body: HttpBody | None
            if query:
                url += f"?id={job}&n={nonce}&h={digest}"
                request_body = None
            elif form:
                request_body = body(f"id={job}&n={nonce}&h={digest}")
            else:
                request_body = body({"id": job, "n": nonce, "h": digest})
            calls.append(
                RequestObservation(
                    url,
                    "xhr",
                    "GET" if query else "POST",
                    200,
                    time=at + 0.4 * (k + 1),
                    request_body=request_body,
                    response_body=body({"ok": True}),
                )
            )
    return tuple(calls)


@pytest.mark.parametrize("how", ["json", "form", "query"])
def test_http_polling_for_work_is_a_miner(ctx: AnalysisContext, how: str) -> None:
    requests = polling(Traffic(), form=how == "form", query=how == "query")
    analysis = analyze_visit(visit(requests=requests, cpu=worker_cpu(), workers=2), ctx)
    assert analysis.verdict is Verdict.MINER, analysis.reasons
    (finding,) = [f for f in analysis.findings if f.rule_id == "MS310"]
    assert finding.title == (
        "HTTP polling of https://api.cdn-metrics.example speaks an unknown protocol: "
        "5 work items received, 10 results sent, CPU at 1.9 cores"
    )
    assert finding.evidence["endpoints"]["GET /v2/w"] == 5


# --- look-alikes that must not match ---------------------------------------------------------


def game_socket(t: Traffic) -> WebSocketSession:
    """A multiplayer game: state with hex entity ids in, moves naming those ids out."""
    entities = [t.hex(12) for _ in range(6)]
    items: list[Any] = []
    for tick in range(40):
        at = 0.3 + 0.2 * tick
        state = {
            "op": "state",
            "tick": tick,
            "session": t.hex(16),
            "entities": [{"id": e, "x": t.rng.random() * 800, "y": 3.5} for e in entities],
            "checksum": t.hex(32),
        }
        items.append((RECEIVED, at, json.dumps(state)))
        move = {"op": "move", "id": entities[0], "tick": tick, "dx": 1, "ack": state["checksum"]}
        items.append((SENT, at + 0.05, json.dumps(move)))
    return socket("wss://game.example/play", frames(*items))


def chat_socket(t: Traffic) -> WebSocketSession:
    """A signed chat: every message carries a SHA-256 signature and an id, and prose."""
    items: list[Any] = []
    for n in range(20):
        incoming = {
            "id": t.hex(16),
            "from": "ana",
            "text": "see you at the station at nine",
            "sig": t.hex(32),
        }
        outgoing = {"id": t.hex(16), "seq": n, "text": "on my way, running late", "sig": t.hex(32)}
        items += [
            (RECEIVED, 0.5 * n, json.dumps(incoming)),
            (SENT, 0.5 * n + 0.2, json.dumps(outgoing)),
        ]
    return socket("wss://chat.example/ws", frames(*items))


def ticker_socket(t: Traffic) -> WebSocketSession:
    """A price ticker: trades with 64-hex transaction hashes in; only a subscribe and pings out."""
    items: list[Any] = [(SENT, 0.2, json.dumps({"op": "subscribe", "pair": "XMR-USD"}))]
    for n in range(60):
        trade = {"tx": t.hex(32), "id": t.hex(4), "price": 151.2 + n / 100, "qty": 0.5, "ts": n}
        items.append((RECEIVED, 0.3 + 0.1 * n, json.dumps(trade)))
        if n % 20 == 0:
            items.append((SENT, 0.3 + 0.1 * n, json.dumps({"op": "ping", "n": t.hex(4)})))
    return socket("wss://ticker.example/stream", frames(*items))


def encrypted_chat_socket(t: Traffic) -> WebSocketSession:
    """End-to-end encrypted messages: random bytes both ways, of every length."""
    items: list[Any] = []
    for n in range(20):
        items.append((RECEIVED, 0.4 * n, t.raw(40 + t.rng.randrange(200))))
        items.append((SENT, 0.4 * n + 0.1, t.raw(36 + t.rng.randrange(90))))
    return socket("wss://e2e.example/relay", frames(*items))


def sync_socket(t: Traffic) -> WebSocketSession:
    """Content-addressed sync: blocks announced by hash, then requested by the same hash."""
    items: list[Any] = []
    for n in range(15):
        cid = t.hex(32)
        items.append((RECEIVED, 0.5 * n, json.dumps({"have": cid, "size": 262144, "n": n})))
        items.append((SENT, 0.5 * n + 0.1, json.dumps({"want": cid, "seq": n, "p": t.hex(4)})))
    return socket("wss://sync.example/p2p", frames(*items))


def captcha_requests(t: Traffic) -> tuple[RequestObservation, ...]:
    """A proof-of-work captcha: one challenge fetched, one answer posted."""
    return (
        RequestObservation(
            "https://captcha.example/api/challenge",
            "fetch",
            "GET",
            200,
            time=0.5,
            response_body=body({"seed": t.hex(32), "difficulty": 180000, "id": t.hex(8)}),
        ),
        RequestObservation(
            "https://captcha.example/api/verify",
            "fetch",
            "POST",
            200,
            time=3.5,
            request_body=body({"nonce": t.hex(4), "hash": t.hex(32)}),
            response_body=body({"ok": True, "token": t.hex(24)}),
        ),
    )


LOOK_ALIKES: dict[str, Callable[[Traffic], PageVisit]] = {
    "game with hex ids and WebGL": lambda t: visit(sockets=(game_socket(t),), cpu=webgl_cpu()),
    "signed chat": lambda t: visit(sockets=(chat_socket(t),), cpu=webgl_cpu()),
    "price ticker with hash-like trade ids": lambda t: visit(
        sockets=(ticker_socket(t),), cpu=webgl_cpu()
    ),
    "end-to-end encrypted chat": lambda t: visit(
        sockets=(encrypted_chat_socket(t),), cpu=webgl_cpu()
    ),
    "content-addressed sync": lambda t: visit(sockets=(sync_socket(t),), cpu=worker_cpu()),
    "proof-of-work captcha": lambda t: visit(
        requests=captcha_requests(t),
        cpu=CpuProfile(8, 6.0, 0.2, 5.8, timeline=(1.9, 1.9, 1.9, 0.1, 0, 0, 0, 0), peak_workers=2),
        workers=2,
    ),
}


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_look_alikes_are_no_exchange_and_stay_clean(ctx: AnalysisContext, name: str) -> None:
    analysis = analyze_visit(LOOK_ALIKES[name](Traffic()), ctx, debug=True)
    assert not [f for f in analysis.findings if f.rule_id == "MS310"], name
    assert analysis.verdict is Verdict.CLEAN, analysis.reasons


def test_one_challenge_one_answer_over_a_socket_is_no_exchange(ctx: AnalysisContext) -> None:
    t = Traffic()
    kept = frames(
        (RECEIVED, 0.5, json.dumps({"c": t.hex(76), "d": t.hex(4), "i": "q1"})),
        (SENT, 3.0, json.dumps({"i": "q1", "n": t.hex(4), "h": t.hex(32)})),
    )
    assert list(unknown_protocol_exchange(visit(sockets=(socket(POOL, kept),)), ctx)) == []


def test_webgl_without_any_exchange_is_clean_and_says_why(ctx: AnalysisContext) -> None:
    analysis = analyze_visit(visit(cpu=webgl_cpu()), ctx)
    assert analysis.verdict is Verdict.CLEAN
    assert analysis.reasons[-1] == (
        "no work/result exchange: CPU use alone does not make a page a miner"
    )


# --- hostile input ----------------------------------------------------------------------------


def hostile_payloads() -> list[str | bytes]:
    t = Traffic(99)
    deep = "[" * 50_000 + "]" * 50_000
    return [
        "",
        "2",
        "42",
        "42[",
        '42["x",',
        "0{not json",
        "\x00\x01\x02",
        deep,
        '{"a": ' * 3000 + "1" + "}" * 3000,
        '{"n": 1e999999, "m": NaN, "k": -Infinity}',
        "9" * 100_000,
        "a" * 300_000,
        "=" * 40,
        "AAAA" * 10,
        "ffff" * 40 + "zz",
        "%%%&&&===",
        "=&=&=&",
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
        b"",
        b"\xdc\xff\xff",  # msgpack array16 claiming 65535 items
        b"\xdf\xff\xff\xff\xff",  # map32 claiming 4 billion entries
        b"\xc7\xff\x01" + b"\x00" * 10,  # ext type
        b"\x91" * 5000 + b"\xc0",  # deeply nested arrays
        t.raw(4096),
        t.raw(31),
        bytes(range(256)) * 4,
    ]


def test_hostile_frames_and_bodies_never_raise(ctx: AnalysisContext) -> None:
    items: list[Any] = []
    for n, payload in enumerate(hostile_payloads()):
        items += [(RECEIVED, n * 0.1, payload), (SENT, n * 0.1 + 0.05, payload)]
    kept = frames(*items) + (
        WebSocketFrame(SENT, 9.0, "!!!not base64!!!", 16, binary=True),
        WebSocketFrame(RECEIVED, 9.1, "////", 3, binary=True),
    )
    requests = tuple(
        RequestObservation(
            f"https://h.example/p?{text if isinstance(text, str) else ''}"[:2000],
            "xhr",
            "POST",
            200,
            time=0.1 * n,
            request_body=HttpBody(text if isinstance(text, str) else "", 10),
            response_body=HttpBody(
                base64.b64encode(text).decode() if isinstance(text, bytes) else text,
                10,
                binary=isinstance(text, bytes),
            ),
        )
        for n, text in enumerate(hostile_payloads())
    )
    page = visit(sockets=(socket(POOL, kept),), requests=requests, cpu=worker_cpu())
    analysis = analyze_visit(page, ctx, debug=True)  # debug: an analyzer error would raise here
    assert analysis.errors == ()
    assert not [f for f in analysis.findings if f.rule_id == "MS310"]


def test_random_garbage_never_raises(ctx: AnalysisContext) -> None:
    rng = random.Random(2026)
    alphabet = '0123456789abcdef{}[]",:42 \n=&/+'
    items: list[Any] = []
    for n in range(300):
        if n % 2:
            payload: str | bytes = bytes(rng.randrange(256) for _ in range(rng.randrange(80)))
        else:
            payload = "".join(rng.choice(alphabet) for _ in range(rng.randrange(200)))
        items.append((SENT if n % 3 else RECEIVED, n * 0.03, payload))
    page = visit(sockets=(socket(POOL, frames(*items)),), cpu=worker_cpu())
    assert analyze_visit(page, ctx, debug=True).errors == ()


def _hex32(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(64))


def test_shares_built_on_a_lone_received_hash_are_an_exchange(ctx: AnalysisContext) -> None:
    """JSEcoin-style: the pool hands out one bare hash; each share names it, with a new hash
    and a nonce, in a comma line inside a socket.io event."""
    rng = random.Random(7)
    items: list[tuple[FrameDirection, float, str | bytes]] = [(RECEIVED, 0.1, "40")]
    at = 0.5
    for _ in range(3):
        seed = _hex32(rng)
        items.append((RECEIVED, at, json.dumps(["firstPreHash", seed])))
        for _ in range(3):
            at += 0.4
            share = f"{seed},000{_hex32(rng)[3:]},{rng.randrange(10**10)},40173,site,0"
            items.append((SENT, at, "42" + json.dumps(["submitHash", share])))
    page = visit(
        sockets=(socket("ws://pool.example/socket.io/", frames(*items)),), cpu=main_thread_cpu()
    )
    analysis = analyze_visit(page, ctx)
    assert analysis.verdict is Verdict.MINER, analysis.reasons
    assert any(f.rule_id == "MS310" for f in analysis.findings)


def test_asking_again_for_a_received_hash_is_no_share(ctx: AnalysisContext) -> None:
    """A content client that receives hashes and asks for them ("want <hash>, <count>") sends
    no new hash: not an exchange, even with the CPU of a busy page."""
    rng = random.Random(8)
    items: list[tuple[FrameDirection, float, str | bytes]] = []
    at = 0.2
    for _ in range(6):
        wanted = _hex32(rng)
        items.append((RECEIVED, at, json.dumps(["have", wanted])))
        items.append((SENT, at + 0.2, json.dumps(["want", f"{wanted},{rng.randrange(100)}"])))
        at += 0.7
    page = visit(sockets=(socket("wss://cdn.example/p2p", frames(*items)),), cpu=worker_cpu())
    analysis = analyze_visit(page, ctx)
    assert not any(f.rule_id == "MS310" for f in analysis.findings), analysis.findings
    assert analysis.verdict is not Verdict.MINER
