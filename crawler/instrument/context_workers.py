"""Shared and service workers of the page's browser context, followed from the browser.

A shared worker is not the child of any page, so the page's auto-attach never reaches it;
and once the page is closed, its sessions (and the service worker's session through it) are
gone while the workers may live on. A browser CDP session can reach both: auto-attach on it,
filtered to shared workers, announces each one as it starts (before its script has been
fetched, so ``Network.enable`` is in place before it can open a socket), and after leaving,
service workers are attached explicitly. Workers of other browser contexts (other pages
scanned at the same time) are detached at once and never reach the recorders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .targets import Target, TargetTree

log = logging.getLogger(__name__)

_TIMEOUT = 2.0
_DISCOVER = {
    "discover": True,
    "filter": [{"type": "shared_worker"}, {"type": "service_worker"}],
}


class Watcher(Protocol):
    def watch(self, tree: TargetTree) -> None: ...


class _OneContext:
    """A CDP session seen through a filter: attachments from other contexts are dropped."""

    def __init__(self, session: Any, context_id: str) -> None:
        self._session = session
        self.context_id = context_id
        self._tasks: set[asyncio.Task[Any]] = set()

    async def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return await self._session.send(method, params or {})

    def on(self, event: str, handler: Callable[[Any], Any]) -> None:
        if event != "Target.attachedToTarget":
            self._session.on(event, handler)
            return

        def filtered(params: dict[str, Any]) -> None:
            info = params.get("targetInfo") or {}
            if info.get("browserContextId") == self.context_id:
                handler(params)
                return
            task = asyncio.ensure_future(self._detach(str(params.get("sessionId", ""))))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._session.on(event, filtered)

    async def _detach(self, session_id: str) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                self._session.send("Target.detachFromTarget", {"sessionId": session_id}),
                _TIMEOUT,
            )


class ContextWorkers:
    """A browser-level target tree holding this context's shared (and later service) workers."""

    def __init__(self, session: Any, context_id: str, clock: Callable[[], float]) -> None:
        self.session = session
        self.context_id = context_id
        self.tree = TargetTree(_OneContext(session, context_id), clock)
        self.tree.on_attach(lambda target: target.post("Network.enable"))
        self._follow = {"shared_worker"}  # service workers reach us through the page, for now
        self._asked: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._held = False
        self._closed = False

    @classmethod
    async def follow(
        cls, page: Any, root: Target, clock: Callable[[], float], recorders: Iterable[Watcher]
    ) -> ContextWorkers:
        """Follow the shared workers of ``page``'s context into ``recorders``, until the page
        closes (or, after ``hold``, until ``close``). Raises when that cannot be done."""
        workers = await cls.open(page, root, clock)
        try:
            for recorder in recorders:
                recorder.watch(workers.tree)
            await workers.start()
        except BaseException:
            await workers.close()
            raise
        workers.close_with(page)
        return workers

    @classmethod
    async def open(cls, page: Any, root: Target, clock: Callable[[], float]) -> ContextWorkers:
        """Raises when there is no browser session to be had (the caller goes without)."""
        browser = page.context.browser
        if browser is None:
            raise RuntimeError("the page's context has no browser")
        info, session = await asyncio.gather(
            root.send("Target.getTargetInfo", timeout=_TIMEOUT),
            asyncio.wait_for(browser.new_browser_cdp_session(), _TIMEOUT),
        )
        context_id = str(((info or {}).get("targetInfo") or {}).get("browserContextId") or "")
        if not context_id:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.detach(), _TIMEOUT)
            raise RuntimeError("the page's browser context is unknown")
        return cls(session, context_id, clock)

    async def start(self) -> None:
        """Call once the recorders watch ``tree``."""
        self.tree.start()
        self.session.on("Target.targetCreated", self._created)
        await asyncio.wait_for(self.session.send("Target.setDiscoverTargets", _DISCOVER), _TIMEOUT)

    def _created(self, params: dict[str, Any]) -> None:
        info = params.get("targetInfo") or {}
        if info.get("browserContextId") == self.context_id and info.get("type") in self._follow:
            self._attach(str(info.get("targetId", "")))

    def _attach(self, target_id: str) -> None:
        if not target_id or target_id in self._asked:
            return
        self._asked.add(target_id)
        task = asyncio.ensure_future(
            self._bounded("Target.attachToTarget", {"targetId": target_id, "flatten": False})
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def close_with(self, page: Any) -> None:
        """Let go of the browser session when the page closes, unless ``hold`` was called
        (the afterlife closes the page itself and still needs the session)."""

        def closed(_: Any) -> None:
            if not self._held and not self._closed:
                task = asyncio.ensure_future(self.close())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        page.on("close", closed)

    def hold(self) -> None:
        self._held = True

    def workers(self) -> list[Target]:
        return [t for t in self.tree.targets if t.is_worker]

    async def targets(self) -> list[dict[str, Any]]:
        """Every target of this context the browser knows now (``targetInfo`` dicts)."""
        return await self._targets() or []

    async def empty(self) -> bool:
        """Whether the browser answered that this context has no target left at all."""
        return await self._targets() == []

    async def _targets(self) -> list[dict[str, Any]] | None:
        try:
            reply = await asyncio.wait_for(self.session.send("Target.getTargets"), _TIMEOUT)
        except Exception as exc:
            log.debug("Target.getTargets failed: %s", exc)
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("targetInfos"), list):
            return None
        return [
            info
            for info in reply["targetInfos"]
            if isinstance(info, dict) and info.get("browserContextId") == self.context_id
        ]

    async def follow_service_workers(self) -> None:
        """After the page (and its session into the service workers) is gone: attach them,
        and any started from now on."""
        self._follow.add("service_worker")
        for info in await self.targets():
            if info.get("type") == "service_worker":
                self._attach(str(info.get("targetId", "")))

    async def _bounded(self, method: str, params: dict[str, Any]) -> None:
        try:
            await asyncio.wait_for(self.session.send(method, params), _TIMEOUT)
        except Exception as exc:
            log.debug("CDP %s failed: %s", method, exc)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        await self.tree.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.session.detach(), _TIMEOUT)
