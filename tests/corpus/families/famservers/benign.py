"""Back ends of the benign look-alikes: a proof-of-work captcha, a game server, a price ticker.

They are exactly what a careless detector confuses with a pool: the captcha hands out a puzzle
and takes a solution (once), the game and the ticker stream JSON full of hex ids all visit long.
Their counters go into the ledger under the page's site id, never as mining.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import secrets
import time
from typing import Any

from aiohttp import WSMsgType, web

from .feed import open_socket, safe_send_str, socket_app
from .jobs import leading_zero_bits, sha256_hex
from .ledger import Ledger


def _cors_json(obj: Any, status: int = 200) -> web.Response:
    response = web.json_response(obj, status=status)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "content-type"
    return response


class CaptchaService:
    """One puzzle per widget load: ``count`` sub-puzzles, each a nonce whose SHA-256 over
    ``seed || index || nonce`` has ``bits`` leading zero bits; several small puzzles instead of
    one big one keep the solving time steady, as Friendly-Captcha-style widgets do."""

    PROTOCOL = "captcha"
    COUNT = 8
    BITS = 15

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._puzzles: dict[str, str] = {}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/puzzle", self._puzzle)
        app.router.add_post("/v1/verify", self._verify)
        app.router.add_route("OPTIONS", "/{tail:.*}", _preflight)
        return app

    async def _puzzle(self, request: web.Request) -> web.Response:
        site = request.query.get("sitekey", "?")
        pid, seed = secrets.token_hex(8), secrets.token_hex(16)
        self._puzzles[pid] = seed
        self.ledger.count(site, self.PROTOCOL, "challenges")
        return _cors_json(
            {"puzzle": pid, "seed": seed, "count": self.COUNT, "bits": self.BITS, "expires": 300}
        )

    async def _verify(self, request: web.Request) -> web.Response:
        body = await request.json()
        site = str(body.get("sitekey", "?"))
        seed = self._puzzles.pop(str(body.get("puzzle")), "")
        nonces = body.get("solutions") or []
        good = bool(seed) and len(nonces) == self.COUNT
        for index, nonce in enumerate(nonces if good else []):
            digest = bytes.fromhex(sha256_hex(f"{seed}.{index}.{nonce}".encode()))
            good = good and leading_zero_bits(digest) >= self.BITS
        self.ledger.count(site, self.PROTOCOL, "solutions")
        self.ledger.count(site, self.PROTOCOL, "valid_solutions", int(good))
        return _cors_json({"success": good, "token": secrets.token_urlsafe(24) if good else ""})


async def _preflight(_request: web.Request) -> web.Response:
    response = web.Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "content-type"
    return response


class GameServer:
    """A 10 Hz multiplayer state stream: entities with 16-hex-digit ids, a state digest."""

    PROTOCOL = "game"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def app(self) -> web.Application:
        app, self._sockets = socket_app()
        app.router.add_get("/play", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = await open_socket(request, self._sockets)
        room = request.query.get("room", "?")
        entities = [
            {"id": os.urandom(8).hex(), "x": random.random() * 640, "y": random.random() * 360}
            for _ in range(12)
        ]
        me = os.urandom(8).hex()
        await safe_send_str(ws, json.dumps({"t": "welcome", "you": me, "room": room}))

        async def tick() -> None:
            n = 0
            while not ws.closed:
                n += 1
                for ent in entities:
                    ent["x"] = (ent["x"] + random.uniform(-6, 6)) % 640
                    ent["y"] = (ent["y"] + random.uniform(-6, 6)) % 360
                state = {"t": "state", "tick": n, "ents": entities}
                state["digest"] = sha256_hex(json.dumps(entities).encode())[:16]
                await safe_send_str(ws, json.dumps(state))
                self.ledger.count(room, self.PROTOCOL, "states")
                await asyncio.sleep(0.1)

        task = asyncio.create_task(tick())
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.ledger.count(room, self.PROTOCOL, "inputs")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._sockets.discard(ws)
        return ws


class TickerServer:
    """Trades on a subscribed symbol, five a second, each with a 64-hex-digit trade id."""

    PROTOCOL = "ticker"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def app(self) -> web.Application:
        app, self._sockets = socket_app()
        app.router.add_get("/v2/stream", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = await open_socket(request, self._sockets)
        price = 64000.0
        task = None

        async def trades(symbol: str, client: str) -> None:
            nonlocal price
            while not ws.closed:
                price = max(1.0, price * (1 + random.gauss(0, 0.0004)))
                trade = {
                    "e": "trade",
                    "s": symbol,
                    "p": f"{price:.2f}",
                    "q": f"{random.expovariate(8):.5f}",
                    "id": secrets.token_hex(32),
                    "T": int(time.time() * 1000),
                }
                await safe_send_str(ws, json.dumps(trade))
                self.ledger.count(client, self.PROTOCOL, "trades")
                await asyncio.sleep(0.2)

        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    sub = json.loads(msg.data)
                except ValueError:
                    continue
                if sub.get("op") == "subscribe" and task is None:
                    symbol = str((sub.get("args") or ["trade.BTCUSD"])[0]).split(".")[-1]
                    client = str(sub.get("client", "?"))
                    await safe_send_str(ws, json.dumps({"op": "subscribed", "s": symbol}))
                    task = asyncio.create_task(trades(symbol, client))
                elif sub.get("op") == "ping":
                    await safe_send_str(ws, json.dumps({"op": "pong"}))
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._sockets.discard(ws)
        return ws
