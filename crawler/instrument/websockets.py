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

from model.observations import FrameDirection, WebSocketFrame, WebSocketSession

from .retention import HeadTail
from .targets import Target, TargetTree, initiator_script_url

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
    context: str | None = None  # known when it opened (a window's socket); else resolved later
    closed_at: float | None = None
    error: str | None = None
    # Ordinal of the next frame per direction, over the socket's whole life.
    ordinals: dict[FrameDirection, int] = field(default_factory=dict)
    kept: dict[FrameDirection, HeadTail[tuple[int, WebSocketFrame]]] = field(default_factory=dict)
    after: _SocketLog | None = None  # what happened on it after the page was left
    owner: Any = None  # the Playwright page or window, or the worker Target: it dies with it

    def frames(self) -> tuple[WebSocketFrame, ...]:
        """Kept frames of both directions, in the order they were sent or received."""
        kept = [item for window in self.kept.values() for item in window.items()]
        return tuple(frame for _, frame in sorted(kept, key=lambda item: item[0]))

    def total(self, direction: FrameDirection) -> int:
        window = self.kept.get(direction)
        return window.total if window is not None else 0


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
        # Playwright does not see sockets of service and shared workers: CDP records those,
        # keyed by target id so a later session on the same worker finds its sockets again.
        self._cdp_sockets: dict[tuple[str, str], _SocketLog] = {}
        self._seq = 0
        self._left_at: float | None = None
        self.watch(tree)

    def watch(self, tree: TargetTree) -> None:
        """Record the sockets of service and shared workers in ``tree`` (the page's tree, or
        one opened later on the browser to follow workers that outlive the page)."""
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
        tree.on("Network.webSocketWillSendHandshakeRequest", self._cdp_handshake)
        tree.on("Network.webSocketHandshakeResponseReceived", self._cdp_handshake)

    @staticmethod
    def _key(target: Target, params: dict[str, Any]) -> tuple[str, str]:
        return (target.target_id or str(id(target)), str(params.get("requestId", "")))

    def _new_socket(self, url: str, context: str | None = None) -> _SocketLog:
        record = _SocketLog(url=url, opened_at=self._clock(), context=context)
        if self._left_at is not None:
            record.after = _SocketLog(url=url, opened_at=record.opened_at, context=context)
        self._sockets.append(record)
        return record

    def _created(self, target: Target, params: dict[str, Any]) -> None:
        if target.type in _CDP_ONLY_TARGETS:
            record = self._new_socket(params.get("url", ""))
            record.owner = target
            self._cdp_sockets[self._key(target, params)] = record
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

    def _cdp_socket(self, target: Target, params: dict[str, Any]) -> _SocketLog | None:
        """The socket an event is about. A worker followed from the browser is reached a
        moment after it starts, and may have opened its socket already: such a socket is
        recorded from its first event on, its URL read from the handshake when it comes."""
        key = self._key(target, params)
        record = self._cdp_sockets.get(key)
        if record is None and target.type in _CDP_ONLY_TARGETS:
            record = self._new_socket("")
            record.owner = target
            self._cdp_sockets[key] = record
            self._cdp_openers[id(record)] = _SocketOpener(
                url="", target=target, initiator_script=None
            )
        return record

    def _cdp_handshake(self, target: Target, params: dict[str, Any]) -> None:
        record = self._cdp_socket(target, params)
        if record is None or record.url:
            return
        # "GET wss://pool.example/path HTTP/1.1" heads the raw request headers.
        raw = str((params.get("response") or {}).get("requestHeadersText") or "")
        parts = raw.split("\r\n", 1)[0].split(" ")
        if len(parts) == 3 and parts[1].startswith(("ws://", "wss://")):
            record.url = parts[1]
            if record.after is not None:
                record.after.url = record.url

    def _cdp_frame(self, target: Target, params: dict[str, Any], direction: FrameDirection) -> None:
        record = self._cdp_socket(target, params)
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
        record = self._cdp_sockets.get(self._key(target, params))
        if record is not None:
            self._closed(record)

    def _cdp_error(self, target: Target, params: dict[str, Any]) -> None:
        record = self._cdp_sockets.get(self._key(target, params))
        if record is not None:
            self._failed(record, params.get("errorMessage", "error"))

    def last_opened_at(self) -> float | None:
        return self._sockets[-1].opened_at if self._sockets else None

    # -- Playwright: the page, its frames and workers, and windows it opens -----------------

    def attach(self, page: Any) -> None:
        page.on("websocket", lambda socket: self._opened(socket, owner=page))
        try:
            page.context.on("page", self._attach_window)
        except Exception as exc:  # a page without a context (test doubles)
            log.debug("cannot watch windows: %s", exc)

    def _attach_window(self, popup: Any) -> None:
        def opened(socket: Any) -> None:
            try:
                url = popup.url
            except Exception:
                url = ""
            self._opened(socket, f"window:{url}", owner=popup)

        popup.on("websocket", opened)

    def _opened(self, socket: Any, context: str | None = None, owner: Any = None) -> None:
        record = self._new_socket(socket.url, context)
        record.owner = owner
        socket.on("framesent", lambda payload: self._frame(record, FrameDirection.SENT, payload))
        socket.on(
            "framereceived", lambda payload: self._frame(record, FrameDirection.RECEIVED, payload)
        )
        socket.on("close", lambda _: self._closed(record))
        socket.on("socketerror", lambda error: self._failed(record, error))

    def _frame(self, record: _SocketLog, direction: FrameDirection, payload: str | bytes) -> None:
        index = record.ordinals.get(direction, 0)
        record.ordinals[direction] = index + 1
        log_ = record.after or record  # after leaving, frames go to the afterlife's own log
        window = log_.kept.get(direction)
        if window is None:
            window = log_.kept[direction] = HeadTail(self._max_frames)
        data = payload if isinstance(payload, bytes) else payload.encode("utf-8", "surrogatepass")
        truncated = len(data) > self._frame_bytes
        binary = isinstance(payload, bytes)
        if binary:
            text = base64.b64encode(data[: self._frame_bytes]).decode("ascii")
        else:
            text = data[: self._frame_bytes].decode("utf-8", "ignore") if truncated else payload
        self._seq += 1
        window.add(
            (
                self._seq,
                WebSocketFrame(
                    direction=direction,
                    time=self._clock(),
                    payload=text,
                    size=len(data),
                    binary=binary,
                    truncated=truncated,
                    index=index,
                ),
            )
        )

    def _closed(self, record: _SocketLog) -> None:
        if record.closed_at is None:
            record.closed_at = self._clock()
        if record.after is not None and record.after.closed_at is None:
            record.after.closed_at = record.closed_at

    def _failed(self, record: _SocketLog, error: Any) -> None:
        record.error = str(error)[:500]
        if record.after is not None:
            record.after.error = record.error

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

    # -- results ----------------------------------------------------------------------------

    def sessions(self) -> tuple[WebSocketSession, ...]:
        """Every socket, with the frames exchanged until the page was left."""
        return self._sessions(self._sockets, after=False)

    def leave(self) -> float:
        """The page is being left: from now on frames go to each socket's afterlife log."""
        self._left_at = self._clock()
        for record in self._sockets:
            if record.closed_at is None and record.after is None:
                record.after = _SocketLog(
                    url=record.url, opened_at=record.opened_at, context=record.context
                )
        return self._left_at

    def afterlife_sessions(
        self, live_targets: set[str] | None = None
    ) -> tuple[WebSocketSession, ...]:
        """Sockets that outlived the page: still open, or used after it was left, with only
        the frames exchanged after leaving (``index`` still counts from the socket's start).

        ``live_targets`` are the ids of the workers still alive: a worker that ended took its
        sockets along without a close event.
        """
        alive = [
            record
            for record in self._sockets
            if record.after is not None
            and (
                record.after.kept
                or (record.after.closed_at is None and not _gone(record.owner, live_targets))
            )
        ]
        return self._sessions(alive, after=True)

    def _sessions(self, records: list[_SocketLog], after: bool) -> tuple[WebSocketSession, ...]:
        for opener in self._openers:
            opener.claimed = False
        wanted = {id(record) for record in records}
        out: list[WebSocketSession] = []
        # Openers are claimed in socket order: pair every socket, report the wanted ones.
        for record in self._sockets:
            context, initiator = self._opener_of(record)
            if id(record) not in wanted:
                continue
            log_ = record.after if after and record.after is not None else record
            out.append(
                WebSocketSession(
                    url=record.url,
                    context=context,
                    opened_at=record.opened_at,
                    closed_at=log_.closed_at,
                    frames=log_.frames(),
                    frames_sent=log_.total(FrameDirection.SENT),
                    frames_received=log_.total(FrameDirection.RECEIVED),
                    initiator_script=initiator,
                    error=log_.error,
                )
            )
        return tuple(out)

    def _opener_of(self, record: _SocketLog) -> tuple[str, str | None]:
        opener = self._cdp_openers.get(id(record))
        if opener is None and record.context is None:
            opener = next((o for o in self._openers if not o.claimed and o.url == record.url), None)
        if opener is not None:
            opener.claimed = True
            return opener.target.context, opener.initiator_script
        return record.context or self._guess_opener(record), None


def _gone(owner: Any, live_targets: set[str] | None) -> bool:
    """Neither Playwright nor CDP report a close for the sockets of a closed page or an ended
    worker: they died with it."""
    if owner is None:
        return False
    if isinstance(owner, Target):
        if live_targets is not None and owner.target_id:
            return owner.target_id not in live_targets
        return owner.detached
    try:
        return bool(owner.is_closed())
    except Exception:
        return True
