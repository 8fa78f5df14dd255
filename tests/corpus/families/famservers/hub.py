"""One event loop thread serving many small aiohttp apps, each on its own loopback port.

A real page talks to several hosts (the site, a CDN, a pool); giving every pool its own port
makes each one a different origin to the browser, the way they are in the wild.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from aiohttp import web

from minerscan.sites._loop import LoopThread, bound_socket, serve


@dataclass
class Listener:
    name: str
    app: web.Application
    sockets: list[socket.socket]
    port: int


class Hub:
    def __init__(self) -> None:
        self._loop = LoopThread("families-corpus")
        self._listeners: dict[str, Listener] = {}
        self._runners: list[web.AppRunner] = []
        self._aliases: dict[str, int] = {}

    def add(self, name: str, app: web.Application, *, alias: str = "") -> int:
        """Serve ``app`` on a new port named ``name``; ``alias`` names a second port for the
        same app that also answers on ::1 (the ``localhost`` origin)."""
        sock = bound_socket("127.0.0.1")
        port = int(sock.getsockname()[1])
        sockets = [sock]
        if alias:
            alt = bound_socket("127.0.0.1")
            alt_port = int(alt.getsockname()[1])
            sockets.append(alt)
            try:  # Chromium may try ::1 first for "localhost"
                sockets.append(bound_socket("::1", alt_port))
            except OSError:
                pass
            self._aliases[alias] = alt_port
        self._listeners[name] = Listener(name, app, sockets, port)
        return port

    def port(self, name: str) -> int:
        if name in self._aliases:
            return self._aliases[name]
        return self._listeners[name].port

    def names(self) -> list[str]:
        return list(self._listeners)

    def start(self) -> None:
        self._loop.start()
        for listener in self._listeners.values():
            self._runners.append(self._loop.run(serve(listener.app, listener.sockets)))

    def stop(self) -> None:
        for runner in self._runners:
            self._loop.run(runner.cleanup(), timeout=15)
        self._runners.clear()
        self._loop.run(_cancel_leftovers(), timeout=10)
        self._loop.stop()


async def _cancel_leftovers() -> None:
    """Job feeds of sockets cut off by the shutdown grace period: end them before the loop."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
