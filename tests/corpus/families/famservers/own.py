"""Servers for the corpus's own miners: protocols no detector has a name for.

Each hands out work repeatedly and acknowledges results, recomputes every result's SHA-256 and
records it under the worker id the miner announced:

* ``BinaryPool``  WebSocket, binary records ``[type u8][length u16 BE][payload]``:
  0x01 hello (worker id), 0x10 work (job u32, bits u8, 64-byte header), 0x20 result (job u32,
  nonce u32, digest 32 bytes = SHA-256(SHA-256(header || nonce LE))), 0x30 ack (job u32,
  status u8, credits u32).
* ``PollServer``  plain HTTP: ``GET /api/v2/next?w=ID`` answers base64 of a JSON work item;
  ``POST /api/v2/report?w=ID`` takes space-separated lines ``job nonce digest``.
* ``LinesPool``   WebSocket text, comma-separated lines: ``H,id,threads`` / ``J,job,header,bits``
  / ``R,job,nonce,digest`` / ``A,job,1``.
* ``NdjsonPool``  WebSocket text, newline-delimited JSON (several objects per frame):
  ``hi`` / ``pkg`` / ``put`` / ``ok``.
* ``SioLeases``   socket.io (Engine.IO 4) events ``enroll`` / ``lease`` / ``proof`` / ``credit``,
  each payload a hex-encoded JSON document.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
from typing import Any

from aiohttp import WSMsgType, web

from .engineio import EngineIOServer, Session
from .feed import JobFeed, open_socket, safe_send_bytes, safe_send_str, socket_app
from .jobs import leading_zero_bits
from .ledger import Ledger


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class BinaryPool:
    PROTOCOL = "own-binary"
    BITS = 16

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def app(self) -> web.Application:
        app, self._sockets = socket_app()
        app.router.add_get("/b", self._socket)
        return app

    @staticmethod
    def _records(data: bytes) -> list[tuple[int, bytes]]:
        out, pos = [], 0
        while pos + 3 <= len(data):
            kind, size = struct.unpack_from(">BH", data, pos)
            out.append((kind, data[pos + 3 : pos + 3 + size]))
            pos += 3 + size
        return out

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = await open_socket(request, self._sockets)
        state: dict[str, Any] = {"id": "", "jobs": {}, "credits": 0, "next": 1}

        async def send_job() -> None:
            job, header = state["next"], os.urandom(64)
            state["next"] += 1
            state["jobs"][job] = header
            payload = struct.pack(">IB", job, self.BITS) + header
            await safe_send_bytes(ws, struct.pack(">BH", 0x10, len(payload)) + payload)
            self.ledger.work(state["id"], self.PROTOCOL)

        feed = JobFeed(send_job, every=4.0)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.BINARY:
                    continue
                for kind, payload in self._records(msg.data):
                    if kind == 0x01 and not state["id"]:
                        state["id"] = payload.decode("utf-8", "replace")
                        self.ledger.connected(state["id"], self.PROTOCOL)
                        feed.start()
                    elif kind == 0x20 and state["id"] and len(payload) == 40:
                        job, nonce = struct.unpack_from(">II", payload)
                        digest = payload[8:]
                        header = state["jobs"].get(job, b"")
                        good = (
                            digest == _sha(_sha(header + struct.pack("<I", nonce)))
                            and leading_zero_bits(digest) >= self.BITS
                        )
                        self.ledger.result(state["id"], self.PROTOCOL, verified=good)
                        state["credits"] += 1
                        ack = struct.pack(">IBI", job, 1 if good else 0, state["credits"])
                        await safe_send_bytes(ws, struct.pack(">BH", 0x30, len(ack)) + ack)
                        if state["credits"] % 3 == 0:
                            feed.poke()
        finally:
            await feed.stop()
            self._sockets.discard(ws)
        return ws


class PollServer:
    PROTOCOL = "own-http-poll"
    BITS = 17

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._jobs: dict[str, bytes] = {}

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._cors])
        app.router.add_get("/api/v2/next", self._next)
        app.router.add_post("/api/v2/report", self._report)
        app.router.add_route("OPTIONS", "/{tail:.*}", self._preflight)
        return app

    @web.middleware
    async def _cors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        response = await handler(request)
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "content-type"
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _preflight(self, _request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _next(self, request: web.Request) -> web.Response:
        worker = request.query.get("w", "?")
        job, seed = secrets.token_hex(4), os.urandom(32)
        self._jobs[job] = seed
        item = {"j": job, "s": seed.hex(), "z": self.BITS, "ttl": 6}
        self.ledger.work(worker, self.PROTOCOL)
        return web.Response(text=base64.b64encode(json.dumps(item).encode()).decode())

    async def _report(self, request: web.Request) -> web.Response:
        worker = request.query.get("w", "?")
        credited = 0
        for line in (await request.text()).splitlines():
            fields = line.split()
            if len(fields) != 3:
                continue
            job, nonce, digest = fields
            seed = self._jobs.get(job, b"")
            expected = _sha(seed + nonce.encode()).hex()
            good = digest == expected and leading_zero_bits(bytes.fromhex(digest)) >= self.BITS
            self.ledger.result(worker, self.PROTOCOL, verified=good)
            credited += 1
        return web.Response(text=f"ok {credited}")


class LinesPool:
    PROTOCOL = "own-lines"
    BITS = 15

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def app(self) -> web.Application:
        app, self._sockets = socket_app()
        app.router.add_get("/feed", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = await open_socket(request, self._sockets)
        state: dict[str, Any] = {"id": "", "jobs": {}, "n": 0}

        async def send_job() -> None:
            job, header = secrets.token_hex(3), os.urandom(64)
            state["jobs"][job] = header
            await safe_send_str(ws, f"J,{job},{header.hex()},{self.BITS}\n")
            self.ledger.work(state["id"], self.PROTOCOL)

        feed = JobFeed(send_job, every=4.0)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                for line in msg.data.splitlines():
                    fields = line.strip().split(",")
                    if fields[0] == "H" and len(fields) >= 2 and not state["id"]:
                        state["id"] = fields[1]
                        self.ledger.connected(state["id"], self.PROTOCOL)
                        feed.start()
                    elif fields[0] == "R" and len(fields) == 4 and state["id"]:
                        job, nonce, digest = fields[1], int(fields[2]), fields[3]
                        header = state["jobs"].get(job, b"")
                        raw = _sha(header + struct.pack(">I", nonce & 0xFFFFFFFF))
                        good = raw.hex() == digest and leading_zero_bits(raw) >= self.BITS
                        self.ledger.result(state["id"], self.PROTOCOL, verified=good)
                        state["n"] += 1
                        await safe_send_str(ws, f"A,{job},{int(good)}\n")
                        if state["n"] % 3 == 0:
                            feed.poke()
        finally:
            await feed.stop()
            self._sockets.discard(ws)
        return ws


class NdjsonPool:
    PROTOCOL = "own-ndjson"
    BITS = 17

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def app(self) -> web.Application:
        app, self._sockets = socket_app()
        app.router.add_get("/stream", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = await open_socket(request, self._sockets)
        state: dict[str, Any] = {"id": "", "jobs": {}, "n": 0, "seq": 0}

        async def send_job() -> None:
            state["seq"] += 1
            hdr = os.urandom(48)
            state["jobs"][state["seq"]] = hdr
            lines = [
                {"op": "pkg", "n": state["seq"], "hdr": hdr.hex(), "cut": self.BITS},
                {"op": "tick", "at": state["seq"]},
            ]
            await safe_send_str(ws, "".join(json.dumps(line) + "\n" for line in lines))
            self.ledger.work(state["id"], self.PROTOCOL)

        feed = JobFeed(send_job, every=4.0)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                replies = []
                for line in msg.data.splitlines():
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        continue
                    if not isinstance(obj, dict):
                        continue
                    if obj.get("op") == "hi" and not state["id"]:
                        state["id"] = str(obj.get("acct", "?"))
                        self.ledger.connected(state["id"], self.PROTOCOL)
                        feed.start()
                    elif obj.get("op") == "put" and state["id"]:
                        hdr = state["jobs"].get(obj.get("n"), b"")
                        nonce = f"{int(obj.get('x', 0)) & 0xFFFFFFFF:08x}"
                        raw = _sha(hdr + nonce.encode())
                        good = raw.hex() == obj.get("h") and leading_zero_bits(raw) >= self.BITS
                        self.ledger.result(state["id"], self.PROTOCOL, verified=good)
                        state["n"] += 1
                        replies.append({"op": "ok", "n": obj.get("n"), "good": good})
                if replies:
                    await safe_send_str(ws, "".join(json.dumps(r) + "\n" for r in replies))
                    if state["n"] % 3 == 0:
                        feed.poke()
        finally:
            await feed.stop()
            self._sockets.discard(ws)
        return ws


def _hexjson(obj: Any) -> str:
    return json.dumps(obj).encode().hex()


class SioLeases:
    PROTOCOL = "own-socket.io"
    BITS = 17

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = EngineIOServer(self._event, version=4, path="/rt/")
        self.engine.on_close = self._closed

    def app(self) -> web.Application:
        return self.engine.app()

    async def _closed(self, session: Session) -> None:
        feed = session.state.get("feed")
        if feed is not None:
            await feed.stop()

    async def _event(self, session: Session, name: str, args: list[Any], _ack: str) -> None:
        if name == "enroll" and args and not session.identity:
            info = args[0] if isinstance(args[0], dict) else {}
            session.identity = str(info.get("node", "?"))
            self.ledger.connected(session.identity, self.PROTOCOL)
            session.state["leases"] = {}

            async def send_lease() -> None:
                lease, seed = secrets.token_hex(4), os.urandom(40)
                session.state["leases"][lease] = seed
                await session.emit("lease", _hexjson({"l": lease, "s": seed.hex(), "b": self.BITS}))
                self.ledger.work(session.identity, self.PROTOCOL)

            session.state["feed"] = feed = JobFeed(send_lease, every=4.0)
            session.state["n"] = 0
            feed.start()
        elif name == "proof" and args and isinstance(args[0], str) and session.identity:
            try:
                proof = json.loads(bytes.fromhex(args[0]))
            except ValueError:
                return
            seed = session.state["leases"].get(proof.get("l"), b"")
            raw = _sha(seed + struct.pack(">I", int(proof.get("x", 0)) & 0xFFFFFFFF))
            good = raw.hex() == proof.get("d") and leading_zero_bits(raw) >= self.BITS
            self.ledger.result(session.identity, self.PROTOCOL, verified=good)
            session.state["n"] += 1
            await session.emit("credit", _hexjson({"l": proof.get("l"), "ok": good}))
            if session.state["n"] % 3 == 0:
                session.state["feed"].poke()
