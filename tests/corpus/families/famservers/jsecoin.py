"""JSEcoin's load server as its loader script documents it, over socket.io (Engine.IO 3).

Events: ``startComs`` (ack), ``saveUnique`` (the visitor's tracking record, with ``pubID``),
``requestFirstPreHash`` → ``firstPreHash``; a new ``blockPreHash`` every few seconds;
``submitHash`` with the string ``preHash,hash,nonce,pubID,uniq,siteID,subID`` where ``hash`` is
SHA-256 of ``preHash,nonce`` starting with ``difficulty`` hex zeros. The server checks that.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Any

from aiohttp import web

from . import jobs
from .engineio import EngineIOServer, Session
from .ledger import Ledger

PROTOCOL = "jsecoin-socket.io"
DIFFICULTY_ZEROS = 3
PREHASH_EVERY = 5.0


class JSEcoinServer:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = EngineIOServer(self._event, version=3)
        self.engine.on_close = self._closed

    def app(self) -> web.Application:
        return self.engine.app()

    async def _blocks(self, session: Session) -> None:
        while True:
            await asyncio.sleep(PREHASH_EVERY)
            session.state["prehash"] = secrets.token_hex(32)
            await session.emit("blockPreHash", session.state["prehash"])
            self.ledger.work(session.identity or "?", PROTOCOL)

    async def _closed(self, session: Session) -> None:
        task = session.state.get("blocks")
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _event(self, session: Session, name: str, args: list[Any], ack_id: str) -> None:
        if name == "startComs" and ack_id:
            await session.ack(ack_id, "ok")
        elif name == "saveUnique" and args and isinstance(args[0], dict):
            session.identity = str(args[0].get("pubID") or "?")
            self.ledger.connected(session.identity, PROTOCOL)
        elif name == "requestFirstPreHash":
            session.state["prehash"] = secrets.token_hex(32)
            await session.emit("firstPreHash", session.state["prehash"])
            self.ledger.work(session.identity or "?", PROTOCOL)
            if "blocks" not in session.state:
                session.state["blocks"] = asyncio.create_task(self._blocks(session))
        elif name == "submitHash" and args and isinstance(args[0], str):
            parts = args[0].split(",")
            if len(parts) < 4:
                return
            pre, digest, nonce, pub = parts[0], parts[1], parts[2], parts[3]
            good = digest == jobs.sha256_hex(f"{pre},{nonce}".encode()) and digest.startswith(
                "0" * DIFFICULTY_ZEROS
            )
            self.ledger.result(pub, PROTOCOL, verified=good)
