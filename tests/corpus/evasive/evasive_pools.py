"""The pools the evasive corpus's miners talk to, and the ledger that says who mined.

Three WebSocket dialects and one HTTP-polling one, so a detector cannot pass by knowing a single
protocol: a Stratum-like JSON-RPC (``login``/``job``/``submit``/``keepalived``), a Coinhive-like
typed-message shape (``auth``/``authed``/``job``/``submit``/``hash_accepted``), an unnamed compact
array protocol of our own (``hi``/``w``/``r``/``a``) and a JSON polling endpoint (``get``/``put``).

Every pool hands out work repeatedly (a new job every few seconds and after every few results)
and checks each result it gets back by hashing it again (SHA-256 or SHA3-256), so "mined" below
means the page's own JavaScript really computed a hash that met the target.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import struct
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

__all__ = ["OPEN_SOCKETS", "Ledger", "add_pool_routes", "close_sockets"]

JOB_EVERY_SECONDS = 4.0
RESULTS_PER_JOB = 3
# A result counts when the hash's last 32-bit little-endian word is below the job's target. Like
# a pool's variable difficulty, a new connection starts easy (1 in 2**10 hashes) so that even a
# throttled miner on a busy machine answers its first job quickly, then works at 1 in 2**14.
FIRST_TARGET = 1 << 22
TARGET = 1 << 18
BLOB_BYTES = 76
NONCE_AT = 39  # where the 4-byte nonce goes in a blob, as in CryptoNote block templates
SEED_BYTES = 32
KEPT_JOBS = 16  # results for older jobs are stale, as a pool counts them after a new block
OPEN_SOCKETS = web.AppKey("evasive_open_sockets", set)


@dataclass
class Tally:
    work_sent: int = 0
    results: int = 0
    valid: int = 0
    invalid: int = 0
    stale: int = 0
    connections: int = 0
    protocols: set[str] = field(default_factory=set)


class Ledger:
    """Per-identity counts, written by the pool's loop thread and read by the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[str, Tally] = defaultdict(Tally)

    def note(self, identity: str, protocol: str, **counts: int) -> None:
        with self._lock:
            tally = self._tallies[identity]
            tally.protocols.add(protocol)
            for name, n in counts.items():
                setattr(tally, name, getattr(tally, name) + n)

    def snapshot(self) -> dict[str, Tally]:
        with self._lock:
            return {
                key: Tally(
                    t.work_sent,
                    t.results,
                    t.valid,
                    t.invalid,
                    t.stale,
                    t.connections,
                    set(t.protocols),
                )
                for key, t in self._tallies.items()
            }


_job_ids = itertools.count(1)


def _meets(digest: bytes, target: int) -> bool:
    return struct.unpack("<I", digest[28:32])[0] < target


def _digests(data: bytes) -> tuple[bytes, bytes]:
    return hashlib.sha256(data).digest(), hashlib.sha3_256(data).digest()


def check_blob_result(blob_hex: str, nonce_hex: str, result_hex: str, target: int) -> bool:
    """A nonce spliced into the blob at NONCE_AT, hashed with SHA-256 or SHA3-256."""
    try:
        blob, nonce, result = (
            bytes.fromhex(blob_hex),
            bytes.fromhex(nonce_hex),
            bytes.fromhex(result_hex),
        )
    except (TypeError, ValueError):
        return False
    if len(nonce) != 4:
        return False
    data = blob[:NONCE_AT] + nonce + blob[NONCE_AT + 4 :]
    return result in _digests(data) and _meets(result, target)


def check_seed_result(seed_hex: str, nonce_hex: str, result_hex: str, target: int) -> bool:
    """The own protocol: the nonce appended to a 32-byte seed."""
    try:
        data = bytes.fromhex(seed_hex) + bytes.fromhex(nonce_hex)
        result = bytes.fromhex(result_hex)
    except (TypeError, ValueError):
        return False
    return result in _digests(data) and _meets(result, target)


class _Session:
    """One connection's jobs: the pool remembers what it handed out to check what comes back."""

    def __init__(self, ledger: Ledger, protocol: str) -> None:
        self.ledger, self.protocol = ledger, protocol
        self.identity = ""
        self.jobs: dict[str, tuple[str, int]] = {}
        self.since_job = 0
        self.target = FIRST_TARGET

    @property
    def target_hex(self) -> str:
        """The current job's target as pools send it: 4 bytes, little-endian, hex."""
        return struct.pack("<I", self.target).hex()

    def new_job(self, size: int) -> tuple[str, str]:
        job_id = f"{next(_job_ids):x}{os.urandom(3).hex()}"
        material = os.urandom(size).hex()
        self.target = FIRST_TARGET if not self.jobs else TARGET
        self.jobs[job_id] = (material, self.target)
        if len(self.jobs) > KEPT_JOBS:
            self.jobs.pop(next(iter(self.jobs)))
        self.since_job = 0
        if self.identity:
            self.ledger.note(self.identity, self.protocol, work_sent=1)
        return job_id, material

    def result(self, job_id: str, nonce: str, digest: str, *, seeded: bool = False) -> bool:
        job = self.jobs.get(str(job_id))
        self.since_job += 1
        if job is None:
            self.ledger.note(self.identity, self.protocol, results=1, stale=1)
            return False
        check = check_seed_result if seeded else check_blob_result
        ok = check(job[0], str(nonce), str(digest), job[1])
        self.ledger.note(
            self.identity, self.protocol, results=1, valid=int(ok), invalid=int(not ok)
        )
        return ok

    def wants_job(self) -> bool:
        return self.since_job >= RESULTS_PER_JOB


async def _send(ws: web.WebSocketResponse, message: object) -> None:
    if ws.closed:
        return
    with contextlib.suppress(ConnectionError):  # the page went away mid-reply: nothing to do
        await ws.send_str(json.dumps(message))


async def _each_message(ws: web.WebSocketResponse):
    async for msg in ws:
        if msg.type != WSMsgType.TEXT:
            continue
        try:
            yield json.loads(msg.data)
        except ValueError:
            continue


def _stratum_job(session: _Session) -> dict[str, str]:
    job_id, blob = session.new_job(BLOB_BYTES)
    return {"blob": blob, "job_id": job_id, "target": session.target_hex, "id": session.identity}


def _hive_job(session: _Session) -> dict[str, object]:
    job_id, blob = session.new_job(BLOB_BYTES)
    return {"type": "job", "params": {"job_id": job_id, "blob": blob, "target": session.target_hex}}


def _relay_job(session: _Session) -> list[str]:
    job_id, seed = session.new_job(SEED_BYTES)
    return ["w", job_id, seed, session.target_hex]


async def _refresh(ws: web.WebSocketResponse, session: _Session, make) -> None:
    """Pools push fresh work on a timer, whatever the miner does."""
    while not ws.closed:
        await asyncio.sleep(JOB_EVERY_SECONDS)
        if session.identity:
            await _send(ws, make(session))


async def _stratum(ws: web.WebSocketResponse, session: _Session) -> None:
    def push(s: _Session) -> dict[str, object]:
        return {"jsonrpc": "2.0", "method": "job", "params": _stratum_job(s)}

    refresher = asyncio.create_task(_refresh(ws, session, push))
    try:
        async for message in _each_message(ws):
            if not isinstance(message, dict):
                continue
            rid, method, params = (
                message.get("id"),
                message.get("method"),
                message.get("params") or {},
            )
            if method == "login":
                session.identity = str(params.get("login", ""))[:200]
                session.ledger.note(session.identity, session.protocol, connections=1)
                result = {"id": os.urandom(4).hex(), "job": _stratum_job(session), "status": "OK"}
                await _send(ws, {"id": rid, "jsonrpc": "2.0", "error": None, "result": result})
            elif method == "submit" and session.identity:
                ok = session.result(params.get("job_id"), params.get("nonce"), params.get("result"))
                reply = {"status": "OK"} if ok else None
                error = None if ok else {"code": -1, "message": "Low difficulty share"}
                await _send(ws, {"id": rid, "jsonrpc": "2.0", "error": error, "result": reply})
                if session.wants_job():
                    await _send(ws, push(session))
            elif method == "keepalived":
                await _send(
                    ws,
                    {
                        "id": rid,
                        "jsonrpc": "2.0",
                        "error": None,
                        "result": {"status": "KEEPALIVED"},
                    },
                )
    finally:
        refresher.cancel()


async def _hive(ws: web.WebSocketResponse, session: _Session) -> None:
    refresher = asyncio.create_task(_refresh(ws, session, _hive_job))
    accepted = 0
    try:
        async for message in _each_message(ws):
            if not isinstance(message, dict):
                continue
            kind, params = message.get("type"), message.get("params") or {}
            if kind == "auth":
                session.identity = str(params.get("site_key", ""))[:200]
                session.ledger.note(session.identity, session.protocol, connections=1)
                await _send(ws, {"type": "authed", "params": {"token": "", "hashes": accepted}})
                await _send(ws, _hive_job(session))
            elif kind == "submit" and session.identity:
                if session.result(params.get("job_id"), params.get("nonce"), params.get("result")):
                    accepted += 1 << 14
                    await _send(ws, {"type": "hash_accepted", "params": {"hashes": accepted}})
                else:
                    await _send(ws, {"type": "error", "params": {"error": "invalid_result"}})
                if session.wants_job():
                    await _send(ws, _hive_job(session))
    finally:
        refresher.cancel()


async def _relay(ws: web.WebSocketResponse, session: _Session) -> None:
    refresher = asyncio.create_task(_refresh(ws, session, _relay_job))
    try:
        async for message in _each_message(ws):
            if not isinstance(message, list) or not message:
                continue
            if message[0] == "hi" and len(message) >= 3:
                session.identity = f"{message[1]}.{message[2]}"[:200]
                session.ledger.note(session.identity, session.protocol, connections=1)
                await _send(ws, ["ok", os.urandom(4).hex()])
                await _send(ws, _relay_job(session))
            elif message[0] == "r" and len(message) >= 4 and session.identity:
                ok = session.result(message[1], message[2], message[3], seeded=True)
                await _send(ws, ["a", message[1], int(ok)])
                if session.wants_job():
                    await _send(ws, _relay_job(session))
    finally:
        refresher.cancel()


DIALECTS = {"stratum": _stratum, "hive": _hive, "relay": _relay}


def _socket_handler(ledger: Ledger, protocol: str):
    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, compress=False)
        await ws.prepare(request)
        request.app[OPEN_SOCKETS].add(ws)
        try:
            await DIALECTS[protocol](ws, _Session(ledger, protocol))
        finally:
            request.app[OPEN_SOCKETS].discard(ws)
        return ws

    return handle


def _poll_handler(ledger: Ledger):
    """HTTP polling: no socket at all, each request carries the account and its last result."""
    sessions: dict[str, _Session] = {}

    async def handle(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest() from None
        account = str(body.get("acct", ""))[:200]
        if not account:
            raise web.HTTPBadRequest()
        session = sessions.get(account)
        if session is None:
            session = sessions[account] = _Session(ledger, "poll")
            session.identity = account
            ledger.note(account, "poll", connections=1)
        reply: dict[str, object] = {}
        if body.get("op") == "put":
            reply["ok"] = session.result(body.get("task"), body.get("n"), body.get("h"))
        if body.get("op") == "get" or session.wants_job():
            task, blob = session.new_job(BLOB_BYTES)
            reply["work"] = {"task": task, "data": blob, "limit": session.target_hex}
        return web.json_response(reply, headers={"Cache-Control": "no-store"})

    return handle


def add_pool_routes(app: web.Application, ledger: Ledger) -> None:
    app[OPEN_SOCKETS] = set()
    for protocol in DIALECTS:
        app.router.add_get(f"/pool/{protocol}", _socket_handler(ledger, protocol))
    app.router.add_post("/pool/poll", _poll_handler(ledger))


async def close_sockets(app: web.Application) -> None:
    for ws in list(app[OPEN_SOCKETS]):
        with contextlib.suppress(Exception):
            await ws.close()
