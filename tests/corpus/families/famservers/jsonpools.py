"""Pools that speak the JSON dialects the real families documented.

``CoinhiveStylePool``: Coinhive's ``auth`` → ``authed`` → ``job`` {job_id, blob, target} →
``submit`` {job_id, nonce, result} → ``hash_accepted`` {hashes}; the clones (CryptoLoot,
deepMiner's proxy, CoinImp, WebMinePool) were documented as speaking the same shape.

``WebminerpoolServer``: webminerpool's ``{"identifier": "handshake", pool, login, password,
userid, version}`` → ``{"identifier": "job", job_id, algo, variant, blob, target}``;
``{"identifier": "solved", job_id, nonce, result}`` → ``{"identifier": "hashsolved"}``.
Crypto-Webminer's client is built on it.
"""

from __future__ import annotations

import json
import time
from collections import deque

from aiohttp import WSMsgType, web

from . import jobs
from .feed import JobFeed, open_socket, safe_send_str, socket_app
from .keccak import cryptonote_share_ok
from .ledger import Ledger

RESULTS_PER_JOB = 5
MAX_SHARES_PER_SECOND = 3.0


class VarDiff:
    """Per-connection difficulty, as pools retarget: a wasm miner finds shares twenty times
    faster than a JavaScript one, so when shares come in faster than a few a second the next
    job gets a four times harder target."""

    def __init__(self, base: int) -> None:
        self.value = base
        self._stamps: deque[float] = deque(maxlen=8)

    def share(self) -> None:
        self._stamps.append(time.monotonic())

    def retarget(self) -> int:
        if len(self._stamps) >= 4:
            rate = (len(self._stamps) - 1) / max(self._stamps[-1] - self._stamps[0], 1e-3)
            if rate > MAX_SHARES_PER_SECOND:
                self.value = min(self.value * 4, 1 << 28)
                self._stamps.clear()
        return self.value


def _parse(text: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _checks(issued: dict[str, dict], share: dict) -> bool:
    """Recompute the share's Keccak-256 against the job it names."""
    job = issued.get(str(share.get("job_id")))
    if job is None:
        return False
    return cryptonote_share_ok(
        job["blob"], str(share.get("nonce")), str(share.get("result")), job["target"]
    )


class CoinhiveStylePool:
    def __init__(
        self, ledger: Ledger, protocol: str, *, difficulty: int = 8000, path: str = "/proxy"
    ) -> None:
        self.ledger, self.protocol, self.difficulty, self.path = ledger, protocol, difficulty, path

    def app(self) -> web.Application:
        app, self._sockets = socket_app()
        app.router.add_get(self.path, self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = await open_socket(request, self._sockets)
        identity = ""
        accepted = 0
        issued: dict[str, dict] = {}
        vardiff = VarDiff(self.difficulty)

        async def send_job() -> None:
            job = {"job_id": jobs.job_id(), "blob": jobs.blob_hex()}
            job["target"] = jobs.compact_target(vardiff.retarget())
            issued[job["job_id"]] = job
            await safe_send_str(ws, json.dumps({"type": "job", "params": job}))
            self.ledger.work(identity, self.protocol)

        feed = JobFeed(send_job)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = _parse(msg.data)
                params = data.get("params") if isinstance(data.get("params"), dict) else {}
                if data.get("type") == "auth" and not identity:
                    identity = str(params.get("site_key") or "anonymous")
                    if params.get("user"):
                        identity += "@" + str(params["user"])
                    self.ledger.connected(identity, self.protocol)
                    authed = {"type": "authed", "params": {"token": "", "hashes": 0}}
                    await safe_send_str(ws, json.dumps(authed))
                    feed.start()
                elif data.get("type") == "submit" and identity:
                    self.ledger.result(identity, self.protocol, verified=_checks(issued, params))
                    vardiff.share()
                    accepted += 1
                    reply = {"type": "hash_accepted", "params": {"hashes": accepted * 256}}
                    await safe_send_str(ws, json.dumps(reply))
                    if accepted % RESULTS_PER_JOB == 0:
                        feed.poke()
        finally:
            await feed.stop()
            self._sockets.discard(ws)
        return ws


class WebminerpoolServer:
    def __init__(self, ledger: Ledger, protocol: str, *, difficulty: int = 8000) -> None:
        self.ledger, self.protocol, self.difficulty = ledger, protocol, difficulty

    def app(self) -> web.Application:
        app, self._sockets = socket_app()
        app.router.add_get("/", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = await open_socket(request, self._sockets)
        identity = ""
        solved = 0
        algo = "cn"
        issued: dict[str, dict] = {}
        vardiff = VarDiff(self.difficulty)

        async def send_job() -> None:
            job = {
                "identifier": "job",
                "job_id": jobs.job_id(),
                "algo": algo,
                "variant": 1,
                "blob": jobs.blob_hex(),
                "target": jobs.compact_target(vardiff.retarget()),
            }
            issued[job["job_id"]] = job
            await safe_send_str(ws, json.dumps(job))
            self.ledger.work(identity, self.protocol)

        feed = JobFeed(send_job, every=5.0)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = _parse(msg.data)
                kind = data.get("identifier")
                if kind == "handshake" and not identity:
                    identity = str(data.get("login") or data.get("loginid") or "?")
                    algo = str(data.get("algo") or "cn")
                    self.ledger.connected(identity, self.protocol)
                    feed.start()
                elif kind == "solved" and identity:
                    self.ledger.result(identity, self.protocol, verified=_checks(issued, data))
                    vardiff.share()
                    solved += 1
                    await safe_send_str(ws, json.dumps({"identifier": "hashsolved"}))
                    if solved % RESULTS_PER_JOB == 0:
                        feed.poke()
        finally:
            await feed.stop()
            self._sockets.discard(ws)
        return ws
