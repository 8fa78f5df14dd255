"""A WebSocket-only Engine.IO / socket.io server, versions 3 and 4, for two very different pages.

Framing (public protocol): the server opens with ``0{"sid", "upgrades", "pingInterval",
"pingTimeout"}``; socket.io packets ride in Engine.IO message packets (``4``): ``40`` connects
the default namespace, ``42["event", ...]`` is an event, ``42<id>[...]`` one that wants an ack
and ``43<id>[...]`` the ack. Engine.IO 3 has the client ping (``2``) and the server pong (``3``);
in version 4 the server pings and the client answers, and the client sends ``40`` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from .feed import open_socket, safe_send_str, socket_app

PING_INTERVAL_MS = 2500
_PACKET = re.compile(r"^4([0-6])(?:/[^,]*,)?(\d*)(.*)$", re.DOTALL)


class Session:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.identity = ""
        self.state: dict[str, Any] = {}

    async def emit(self, event: str, *args: Any) -> None:
        await safe_send_str(self.ws, "42" + json.dumps([event, *args]))

    async def ack(self, ack_id: str, *args: Any) -> None:
        await safe_send_str(self.ws, "43" + ack_id + json.dumps(list(args)))


Handler = Callable[[Session, str, list[Any], str], Awaitable[None]]


class EngineIOServer:
    def __init__(self, on_event: Handler, *, version: int, path: str = "/socket.io/") -> None:
        self.on_event, self.version, self.path = on_event, version, path
        self.on_close: Callable[[Session], Awaitable[None]] | None = None

    def app(self) -> web.Application:
        app, self._sockets = socket_app()
        app.router.add_get(self.path, self._socket)
        return app

    def _open_packet(self) -> str:
        body = {
            "sid": secrets.token_urlsafe(15),
            "upgrades": [],
            "pingInterval": PING_INTERVAL_MS,
            "pingTimeout": 20000,
        }
        if self.version >= 4:
            body["maxPayload"] = 1000000
        return "0" + json.dumps(body)

    async def _server_pings(self, ws: web.WebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(PING_INTERVAL_MS / 1000)
            await safe_send_str(ws, "2")

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("transport") != "websocket":
            return web.Response(status=400, text='{"code":0,"message":"Transport unknown"}')
        ws = await open_socket(request, self._sockets)
        session = Session(ws)
        await safe_send_str(ws, self._open_packet())
        pinger = None
        if self.version < 4:
            await safe_send_str(ws, "40")
        else:
            pinger = asyncio.create_task(self._server_pings(ws))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._packet(session, msg.data)
        finally:
            if pinger is not None:
                pinger.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pinger
            if self.on_close is not None:
                await self.on_close(session)
            self._sockets.discard(ws)
        return ws

    async def _packet(self, session: Session, text: str) -> None:
        if text == "2":  # Engine.IO 3: the client pings
            await safe_send_str(session.ws, "3")
            return
        match = _PACKET.match(text)
        if match is None:
            return
        kind, ack_id, body = match.groups()
        if kind == "0" and self.version >= 4:
            await safe_send_str(session.ws, "40" + json.dumps({"sid": secrets.token_urlsafe(12)}))
        elif kind == "2":
            try:
                payload = json.loads(body)
            except ValueError:
                return
            if isinstance(payload, list) and payload and isinstance(payload[0], str):
                await self.on_event(session, payload[0], payload[1:], ack_id)
