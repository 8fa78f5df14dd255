"""WebSocket sessions: Playwright for the frames, CDP for who opened each socket.

Playwright's ``page.on("websocket")`` sees sockets opened by the page, its frames and its
workers and never misses one, but does not say who opened it. ``Network.webSocketCreated``
in each target session does (the target, and the initiator's stack), though a socket opened
before we enabled Network in a fast worker is missed; we pair the two by URL in order.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from minerscan.observations import FrameDirection, WebSocketFrame, WebSocketSession

from .targets import Target, TargetTree

log = logging.getLogger(__name__)

_CDP_ONLY_TARGETS = ("service_worker", "shared_worker")


@dataclass
class _SocketOpener:
    url: str
    target: Target
    initiator_script: str | None
    claimed: bool = False


@dataclass
class _SocketLog:
    url: str
    opened_at: float
    closed_at: float | None = None
    error: str | None = None
    frames: list[WebSocketFrame] = field(default_factory=list)
    kept: dict[FrameDirection, int] = field(default_factory=dict)
    totals: dict[FrameDirection, int] = field(default_factory=dict)


def initiator_script_url(initiator: dict[str, Any]) -> str | None:
    """The innermost script URL on the opener's stack (async parents included)."""
    stack: dict[str, Any] | None = initiator.get("stack")
    while stack:
        for frame in stack.get("callFrames") or ():
            if frame.get("url"):
                return str(frame["url"])
        stack = stack.get("parent")
    return initiator.get("url") or None


class WebSocketRecorder:
    def __init__(
        self, tree: TargetTree, clock: Callable[[], float], max_frames: int, frame_bytes: int
    ) -> None:
        self._tree = tree
        self._clock = clock
        self._max_frames = max_frames
        self._frame_bytes = frame_bytes
        self._openers: list[_SocketOpener] = []
        self._sockets: list[_SocketLog] = []
        self._cdp_openers: dict[int, _SocketOpener] = {}
        # Playwright does not see sockets of service and shared workers: CDP records those.
        self._cdp_sockets: dict[tuple[int, str], _SocketLog] = {}
        tree.on("Network.webSocketCreated", self._created)
        tree.on(
            "Network.webSocketFrameSent", lambda t, p: self._cdp_frame(t, p, FrameDirection.SENT)
        )
        tree.on(
            "Network.webSocketFrameReceived",
            lambda t, p: self._cdp_frame(t, p, FrameDirection.RECEIVED),
        )
        tree.on("Network.webSocketClosed", self._cdp_closed)
        tree.on("Network.webSocketFrameError", self._cdp_error)

    def _created(self, target: Target, params: dict[str, Any]) -> None:
        if target.type in _CDP_ONLY_TARGETS:
            record = _SocketLog(url=params.get("url", ""), opened_at=self._clock())
            self._sockets.append(record)
            self._cdp_sockets[(id(target), params.get("requestId", ""))] = record
            self._cdp_openers[id(record)] = _SocketOpener(
                url=record.url,
                target=target,
                initiator_script=initiator_script_url(params.get("initiator") or {}),
            )
            return
        self._openers.append(
            _SocketOpener(
                url=params.get("url", ""),
                target=target,
                initiator_script=initiator_script_url(params.get("initiator") or {}),
            )
        )

    def _cdp_frame(self, target: Target, params: dict[str, Any], direction: FrameDirection) -> None:
        record = self._cdp_sockets.get((id(target), params.get("requestId", "")))
        if record is None:
            return
        response = params.get("response") or {}
        data = str(response.get("payloadData", ""))
        if response.get("opcode") == 2:  # binary frames arrive base64-encoded
            try:
                self._frame(record, direction, base64.b64decode(data))
                return
            except ValueError:
                pass
        self._frame(record, direction, data)

    def _cdp_closed(self, target: Target, params: dict[str, Any]) -> None:
        record = self._cdp_sockets.get((id(target), params.get("requestId", "")))
        if record is not None:
            self._closed(record)

    def _cdp_error(self, target: Target, params: dict[str, Any]) -> None:
        record = self._cdp_sockets.get((id(target), params.get("requestId", "")))
        if record is not None:
            self._failed(record, params.get("errorMessage", "error"))

    def last_opened_at(self) -> float | None:
        return self._sockets[-1].opened_at if self._sockets else None

    def attach(self, page: Any) -> None:
        page.on("websocket", self._opened)

    def _opened(self, socket: Any) -> None:
        record = _SocketLog(url=socket.url, opened_at=self._clock())
        self._sockets.append(record)
        socket.on("framesent", lambda payload: self._frame(record, FrameDirection.SENT, payload))
        socket.on(
            "framereceived", lambda payload: self._frame(record, FrameDirection.RECEIVED, payload)
        )
        socket.on("close", lambda _: self._closed(record))
        socket.on("socketerror", lambda error: self._failed(record, error))

    def _frame(self, record: _SocketLog, direction: FrameDirection, payload: str | bytes) -> None:
        record.totals[direction] = record.totals.get(direction, 0) + 1
        if record.kept.get(direction, 0) >= self._max_frames:
            return
        record.kept[direction] = record.kept.get(direction, 0) + 1
        if isinstance(payload, bytes):
            size = len(payload)
            text = base64.b64encode(payload[: self._frame_bytes]).decode("ascii")
            binary = True
            truncated = size > self._frame_bytes
        else:
            encoded = payload.encode("utf-8", "surrogatepass")
            size = len(encoded)
            truncated = size > self._frame_bytes
            text = encoded[: self._frame_bytes].decode("utf-8", "ignore") if truncated else payload
            binary = False
        record.frames.append(
            WebSocketFrame(
                direction=direction,
                time=self._clock(),
                payload=text,
                size=size,
                binary=binary,
                truncated=truncated,
            )
        )

    def _closed(self, record: _SocketLog) -> None:
        if record.closed_at is None:
            record.closed_at = self._clock()

    def _failed(self, record: _SocketLog, error: Any) -> None:
        record.error = str(error)[:500]

    def _guess_opener(self, record: _SocketLog) -> str:
        """Context of a socket no target reported opening.

        The page's and frames' Network domains are on before anything runs, so they do not
        miss sockets; a worker can open one before we reach it (Playwright resumes it first).
        The same goes for an out-of-process frame. So the opener is a worker or frame that
        started before the socket and reported no socket to this URL itself; of several, the
        latest to start before it.
        """
        reported = {id(o.target) for o in self._openers if o.url == record.url}
        candidates = [
            t
            for t in self._tree.targets
            if (t.is_worker or t.type == "iframe")
            and t.type not in _CDP_ONLY_TARGETS
            and id(t) not in reported
            and t.attached_at <= record.opened_at + 0.5
        ]
        if not candidates:
            return "page"
        return max(candidates, key=lambda t: t.attached_at).context

    def sessions(self) -> tuple[WebSocketSession, ...]:
        for opener in self._openers:
            opener.claimed = False
        return tuple(self._session(record) for record in self._sockets)

    def _session(self, record: _SocketLog) -> WebSocketSession:
        opener = self._cdp_openers.get(id(record)) or next(
            (o for o in self._openers if not o.claimed and o.url == record.url), None
        )
        if opener is not None:
            opener.claimed = True
        context = opener.target.context if opener else self._guess_opener(record)
        return WebSocketSession(
            url=record.url,
            context=context,
            opened_at=record.opened_at,
            closed_at=record.closed_at,
            frames=tuple(record.frames),
            frames_sent=record.totals.get(FrameDirection.SENT, 0),
            frames_received=record.totals.get(FrameDirection.RECEIVED, 0),
            initiator_script=opener.initiator_script if opener else None,
            error=record.error,
        )
