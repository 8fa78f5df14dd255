"""The page's CDP target tree: the page itself, its out-of-process frames and its workers.

Playwright's own CDP session on the page is the root. ``Target.setAutoAttach`` with
``flatten: false`` makes Chromium announce every child (frames, workers, service workers)
on it; we talk to a child by wrapping commands in ``Target.sendMessageToTarget`` and hear
back through ``Target.receivedMessageFromTarget`` (``flatten: true`` attaches but cannot
reach the children through Playwright). Children of children arrive the same way, one
wrapping deeper, so a session id map is enough to route everything.

Targets vanish at any time; ``send`` never raises and answers ``None`` on any failure.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

AUTO_ATTACH = {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False}

# CDP target type -> WorkerObservation.type and the context prefix of observations made in it.
WORKER_TYPES = {"worker": "dedicated", "shared_worker": "shared", "service_worker": "service"}
_CONTEXT_PREFIX = {
    "worker": "worker",
    "shared_worker": "shared_worker",
    "service_worker": "service_worker",
    "iframe": "frame",
}


class CdpSession(Protocol):
    async def send(self, method: str, params: dict[str, Any] | None = None) -> Any: ...
    def on(self, event: str, handler: Callable[[Any], Any]) -> None: ...


EventHandler = Callable[["Target", dict[str, Any]], None]


@dataclass(eq=False)
class Target:
    """One attached execution target."""

    tree: TargetTree
    type: str  # page, iframe, worker, shared_worker, service_worker
    url: str
    session_id: str | None = None  # None for the page (the root session)
    target_id: str = ""
    parent: Target | None = None
    attached_at: float = 0.0  # seconds since the visit started
    detached: bool = False
    children: list[Target] = field(default_factory=list)

    @property
    def context(self) -> str:
        """Where observations made in this target happened, in the model's context format."""
        if self.parent is None:
            return "page"
        return f"{_CONTEXT_PREFIX.get(self.type, self.type)}:{self.url}"

    @property
    def is_worker(self) -> bool:
        return self.type in WORKER_TYPES

    @property
    def process_owner(self) -> Target:
        """The page or out-of-process frame whose renderer runs this target."""
        node: Target = self
        while node.type not in ("page", "iframe") and node.parent is not None:
            node = node.parent
        return node

    async def send(
        self, method: str, params: dict[str, Any] | None = None, timeout: float = 5.0
    ) -> dict[str, Any] | None:
        return await self.tree.send(self, method, params, timeout)

    def post(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send without waiting for the answer (the answer is still consumed)."""
        self.tree.post(self, method, params)


class TargetTree:
    """Routes commands and events for the page session and every auto-attached child."""

    def __init__(self, session: CdpSession, clock: Callable[[], float]) -> None:
        self._session = session
        self._clock = clock
        self.root = Target(self, "page", "", attached_at=clock())
        self._by_session: dict[str, Target] = {}
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._handlers: dict[str, list[EventHandler]] = {}
        self._attach_hooks: list[Callable[[Target], None]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self.targets: list[Target] = [self.root]

    # -- wiring ---------------------------------------------------------------------------

    def on(self, method: str, handler: EventHandler) -> None:
        """Call ``handler(target, params)`` for ``method`` from the page and every child."""
        first = method not in self._handlers
        self._handlers.setdefault(method, []).append(handler)
        if first:
            self._session.on(method, self._root_listener(method))

    def _root_listener(self, method: str) -> Callable[[dict[str, Any]], None]:
        def listener(params: dict[str, Any]) -> None:
            self._dispatch(self.root, method, params)

        return listener

    def on_attach(self, hook: Callable[[Target], None]) -> None:
        """``hook(target)`` runs synchronously for each new child, before it is resumed."""
        self._attach_hooks.append(hook)

    def start(self) -> None:
        self._session.on("Target.attachedToTarget", lambda p: self._attached(self.root, p))
        self._session.on("Target.detachedFromTarget", lambda p: self._detached(p))
        self._session.on("Target.receivedMessageFromTarget", self._received)

    # -- sending --------------------------------------------------------------------------

    async def send(
        self, target: Target, method: str, params: dict[str, Any] | None, timeout: float
    ) -> dict[str, Any] | None:
        if target.detached:
            return None
        if target.session_id is None:
            try:
                return await asyncio.wait_for(self._session.send(method, params or {}), timeout)
            except Exception as exc:  # target gone, page closed, protocol error, timeout
                log.debug("CDP %s on page failed: %s", method, exc)
                return None
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        message_id = next(self._ids)
        self._pending[message_id] = future
        self._deliver(target, {"id": message_id, "method": method, "params": params or {}})
        try:
            reply = await asyncio.wait_for(future, timeout)
        except Exception as exc:
            log.debug("CDP %s on %s failed: %s", method, target.context, exc)
            return None
        finally:
            self._pending.pop(message_id, None)
        if "error" in reply:
            log.debug("CDP %s on %s: %s", method, target.context, reply["error"])
            return None
        return reply.get("result", {})

    def post(self, target: Target, method: str, params: dict[str, Any] | None) -> None:
        self.spawn(self.send(target, method, params, 10.0))

    def spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _deliver(self, target: Target, message: dict[str, Any]) -> None:
        """Wrap ``message`` once per level between the root and ``target`` and send it."""
        text = json.dumps(message)
        hop = target
        while hop.parent is not None and hop.parent.session_id is not None:
            wrapped = {
                "id": next(self._ids),
                "method": "Target.sendMessageToTarget",
                "params": {"sessionId": hop.session_id, "message": text},
            }
            text = json.dumps(wrapped)
            hop = hop.parent
        self.spawn(
            self._send_root(
                "Target.sendMessageToTarget", {"sessionId": hop.session_id, "message": text}
            )
        )

    async def _send_root(self, method: str, params: dict[str, Any]) -> None:
        try:
            await asyncio.wait_for(self._session.send(method, params), 10.0)
        except Exception as exc:
            log.debug("CDP delivery failed: %s", exc)

    # -- receiving ------------------------------------------------------------------------

    def _received(self, params: dict[str, Any]) -> None:
        target = self._by_session.get(params.get("sessionId", ""))
        try:
            message = json.loads(params.get("message", ""))
        except (TypeError, ValueError):
            return
        self._handle_child_message(target, message)

    def _handle_child_message(self, target: Target | None, message: dict[str, Any]) -> None:
        if "id" in message:
            future = self._pending.get(message["id"])
            if future is not None and not future.done():
                future.set_result(message)
            return
        if target is None:
            return
        method = message.get("method", "")
        params = message.get("params") or {}
        if method == "Target.receivedMessageFromTarget":
            self._received(params)
        elif method == "Target.attachedToTarget":
            self._attached(target, params)
        elif method == "Target.detachedFromTarget":
            self._detached(params)
        else:
            self._dispatch(target, method, params)

    def _dispatch(self, target: Target, method: str, params: dict[str, Any]) -> None:
        for handler in self._handlers.get(method, ()):
            try:
                handler(target, params)
            except Exception:  # one listener's bug must not silence the others
                log.exception("handler for %s failed", method)

    def _attached(self, parent: Target, params: dict[str, Any]) -> None:
        info = params.get("targetInfo") or {}
        session_id = params.get("sessionId", "")
        if not session_id or session_id in self._by_session:
            return
        child = Target(
            self,
            info.get("type", ""),
            info.get("url", ""),
            session_id=session_id,
            target_id=info.get("targetId", ""),
            parent=parent,
            attached_at=self._clock(),
        )
        self._by_session[session_id] = child
        parent.children.append(child)
        self.targets.append(child)
        for hook in self._attach_hooks:
            try:
                hook(child)
            except Exception:
                log.exception("attach hook failed")
        # Children of children (a worker's workers, a frame's workers) wait for us alone.
        child.post("Target.setAutoAttach", dict(AUTO_ATTACH))
        child.post("Runtime.runIfWaitingForDebugger")

    def _detached(self, params: dict[str, Any]) -> None:
        target = self._by_session.get(params.get("sessionId", ""))
        if target is not None:
            target.detached = True

    async def refresh_urls(self) -> None:
        """Frames often attach before they navigate (url ""); ask for their current URL."""

        async def refresh(target: Target) -> None:
            reply = await target.send("Target.getTargetInfo", timeout=1.0)
            url = ((reply or {}).get("targetInfo") or {}).get("url")
            if url:
                target.url = url

        frames = [t for t in self.targets if t.type == "iframe" and not t.detached]
        await asyncio.gather(*(refresh(t) for t in frames))

    def now(self) -> float:
        return self._clock()

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        for future in self._pending.values():
            if not future.done():
                future.cancel()


def monotonic_clock() -> Callable[[], float]:
    """Seconds since the call, the time base of every observation of one visit."""
    start = time.monotonic()
    return lambda: time.monotonic() - start


def initiator_script_url(initiator: dict[str, Any]) -> str | None:
    """The innermost script URL on the opener's stack (async parents included)."""
    stack: dict[str, Any] | None = initiator.get("stack")
    while stack:
        for frame in stack.get("callFrames") or ():
            if frame.get("url"):
                return str(frame["url"])
        stack = stack.get("parent")
    return initiator.get("url") or None
