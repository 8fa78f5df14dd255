"""What a person does with a page in its first seconds, done during the dwell.

Miners that wait for a human listen for a mouse that moves like a hand (curved, uneven, never
twice the same), a scroll, a key, a click, the tab coming back into view. So the dwell does all
of those, in a person's order, and records each one it completed in the visit's
:class:`~model.observations.WatchRecord`.

The click is the dangerous one: it must never follow a link, press a button, submit a form or
start anything a page hung on a click. It lands only where ``document.elementFromPoint`` is the
body, the root or a plain element with no interactive ancestor (links, buttons, form fields,
labels, ``[onclick]``, ARIA buttons, pointer cursors) and, when CDP can tell, no click-like
listener on it or its ancestors below the body.

Every step is bounded: a page whose main thread spins never answers input, and the dwell must go
on; the first step that does not answer ends the interaction.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable
from typing import Any

from .profiles import own_script
from .targets import Target

log = logging.getLogger(__name__)

__all__ = ["EMPTY_SPOTS_SCRIPT", "interact"]

# A loaded machine (2 cores, other browsers) answered a mouse move in over a second; a page whose
# main thread spins never answers at all, so the bound only decides how soon we give up on it.
_STEP_TIMEOUT = 2.5
_CDP_TIMEOUT = 1.0
_CLICK_LISTENERS = frozenset(
    ("click", "dblclick", "auxclick", "mousedown", "mouseup", "pointerdown", "pointerup")
    + ("touchstart", "touchend", "contextmenu")
)
_OBJECT_GROUP = "minerscan-interaction"

# Points on a grid over the viewport where a click would hit nothing interactive, best first
# (the bare body or root before any other element).
EMPTY_SPOTS_SCRIPT = r"""
(() => {
  const interactive = 'a,button,input,select,textarea,label,option,summary,details,area,'
    + 'video,audio,iframe,frame,embed,object,form,[onclick],[onmousedown],[onmouseup],'
    + '[onpointerdown],[onpointerup],[ondblclick],[role=button],[role=link],[role=checkbox],'
    + '[role=menuitem],[role=tab],[role=switch],[role=option],[role=radio],[contenteditable],'
    + '[tabindex],[draggable=true]';
  const root = document.documentElement, body = document.body;
  const spots = [];
  const width = window.innerWidth, height = window.innerHeight;
  for (let gy = 1; gy < 10; gy++) {
    for (let gx = 1; gx < 10; gx++) {
      const x = Math.round(width * gx / 10), y = Math.round(height * gy / 10);
      const hit = document.elementFromPoint(x, y);
      if (!hit || hit.closest(interactive)) continue;
      let pointer = false;
      for (let node = hit; node && node !== root; node = node.parentElement) {
        if (getComputedStyle(node).cursor === 'pointer') { pointer = true; break; }
      }
      if (pointer) continue;
      spots.push([hit === body || hit === root ? 0 : 1, x, y]);
    }
  }
  spots.sort((a, b) => a[0] - b[0]);
  return spots.slice(0, 8).map((s) => [s[1], s[2]]);
})()
"""

# The ancestors of the element at a point, from it up to (not including) the body.
_CHAIN_FUNCTION = """function () {
  const out = [];
  for (let node = this; node && node !== document.body && node !== document.documentElement;
       node = node.parentElement) out.push(node);
  return out;
}"""

_VISIBILITY_CYCLE = """(async () => {
  // The tab goes to the background and comes back, as when a person switches tabs.
  const doc = document;
  const hide = {visibilityState: {get: () => 'hidden', configurable: true},
                hidden: {get: () => true, configurable: true}};
  Object.defineProperties(doc, hide);
  doc.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(new FocusEvent('blur'));
  await new Promise((resolve) => setTimeout(resolve, 150));
  delete doc.visibilityState;
  delete doc.hidden;
  doc.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(new FocusEvent('focus'));
  return doc.visibilityState;
})()"""

_FOCUS_BODY = """(() => {
  // A key press must land on the page, not in a field that could submit a form.
  const active = document.activeElement;
  if (active && active !== document.body && typeof active.blur === 'function') active.blur();
  return document.activeElement === document.body || document.activeElement === null;
})()"""


async def _bounded(action: Awaitable[Any]) -> bool:
    try:
        await asyncio.wait_for(action, _STEP_TIMEOUT)
        return True
    except Exception as exc:  # page closed, crashed, hung
        log.debug("interaction step failed: %s", exc)
        return False


async def _value(action: Awaitable[Any]) -> Any:
    try:
        return await asyncio.wait_for(action, _STEP_TIMEOUT)
    except Exception as exc:
        log.debug("interaction step failed: %s", exc)
        return None


class _Page:
    """Runs our expressions in the page over CDP, marked as ours (see profiles.own_script);
    Playwright's ``page.evaluate`` would leave them among the page's recorded scripts."""

    def __init__(self, page: Any, root: Target | None) -> None:
        self.page = page
        self.root = root

    async def evaluate(self, expression: str) -> Any:
        if self.root is None:
            return await _value(self.page.evaluate(expression))
        reply = await self.root.send(
            "Runtime.evaluate",
            {"expression": own_script(expression), "returnByValue": True, "awaitPromise": True},
            timeout=_STEP_TIMEOUT,
        )
        if not reply or "exceptionDetails" in reply:
            return None
        return (reply.get("result") or {}).get("value")

    async def bring_to_front(self) -> bool:
        if self.root is None:
            return await _bounded(self.page.bring_to_front())
        return await self.root.send("Page.bringToFront", timeout=_STEP_TIMEOUT) is not None


class _Hand:
    """The mouse, moved along curves at a hand's uneven speed."""

    def __init__(self, page: Any, rng: random.Random, width: int, height: int) -> None:
        self.page = page
        self.rng = rng
        self.width = width
        self.height = height
        self.x = rng.uniform(0.3, 0.7) * width
        self.y = rng.uniform(0.2, 0.5) * height

    def random_point(self) -> tuple[float, float]:
        return (
            self.rng.uniform(0.08, 0.92) * self.width,
            self.rng.uniform(0.1, 0.85) * self.height,
        )

    def nearby_point(self) -> tuple[float, float]:
        """Where a resting hand drifts to: a short way from where it is."""
        return (
            min(max(self.x + self.rng.uniform(-120, 120), 0.08 * self.width), 0.92 * self.width),
            min(max(self.y + self.rng.uniform(-80, 80), 0.1 * self.height), 0.85 * self.height),
        )

    async def move_to(self, x: float, y: float) -> bool:
        """A cubic Bézier from here to (x, y), eased in and out, with a little tremor."""
        rng = self.rng
        x0, y0 = self.x, self.y
        distance = math.hypot(x - x0, y - y0)
        bend = max(20.0, distance * 0.3)
        c1 = (x0 + (x - x0) * 0.3 + rng.uniform(-bend, bend), y0 + rng.uniform(-bend, bend))
        c2 = (x - (x - x0) * 0.3 + rng.uniform(-bend, bend), y + rng.uniform(-bend, bend))
        # Each point is one input event the renderer hit-tests (and may repaint for): a dozen
        # make a curve no page can tell from a hand's, and cost a few ms of CPU each.
        points = max(4, min(12, int(distance / 50)))
        for i in range(1, points + 1):
            t = i / points
            eased = t * t * (3 - 2 * t)  # slow start and end, fast middle
            u = 1 - eased
            px = u**3 * x0 + 3 * u * u * eased * c1[0] + 3 * u * eased * eased * c2[0]
            px += eased**3 * x
            py = u**3 * y0 + 3 * u * u * eased * c1[1] + 3 * u * eased * eased * c2[1]
            py += eased**3 * y
            if i < points:
                px += rng.gauss(0, 1.2)
                py += rng.gauss(0, 1.2)
            px = min(max(px, 1.0), self.width - 2.0)
            py = min(max(py, 1.0), self.height - 2.0)
            if not await _bounded(self.page.mouse.move(px, py)):
                return False
            self.x, self.y = px, py
            # Faster in the middle of the stroke than at its ends.
            await asyncio.sleep(rng.uniform(0.004, 0.012) + 0.02 * abs(0.5 - t))
        return True


async def interact(
    page: Any,
    done: list[str],
    *,
    root: Target | None = None,
    seed: int | None = None,
    human: bool = True,
) -> None:
    """Focus, move, switch tabs, scroll, press a key, click empty space, then wander.

    Appends the name of each completed step to ``done`` (focus, mouse, visibility, scroll,
    key, click) as it completes, so a dwell that ends mid-way still knows what happened.
    Gives up at the first step the page does not answer.
    """
    rng = random.Random(seed)
    runner = _Page(page, root)
    size = await runner.evaluate("[window.innerWidth, window.innerHeight]")
    if not isinstance(size, list) or len(size) != 2:
        return
    hand = _Hand(page, rng, max(int(size[0]), 50), max(int(size[1]), 50))
    if not human:
        await _unhurried(page, hand, rng, done)
        return

    if not await runner.bring_to_front():
        return
    done.append("focus")
    for _ in range(2):
        if not await hand.move_to(*hand.random_point()):
            return
        await asyncio.sleep(rng.uniform(0.05, 0.2))
    done.append("mouse")
    if await runner.evaluate(_VISIBILITY_CYCLE) != "visible":
        return
    done.append("visibility")
    if not await _scroll(page, rng):
        return
    done.append("scroll")
    if not await _key(page, runner):
        return
    done.append("key")
    spot = await _empty_spot(runner)
    if spot is not None:
        if not await hand.move_to(*spot):
            return
        await asyncio.sleep(rng.uniform(0.05, 0.15))
        if not await _bounded(page.mouse.click(hand.x, hand.y, delay=rng.randint(40, 110))):
            return
        done.append("click")
    # Then the hand rests, and drifts a little now and then, as a reader's does, until the
    # dwell ends (every stroke costs CPU on a busy machine; a page sees a live hand either way).
    while True:
        await asyncio.sleep(rng.uniform(1.0, 2.5))
        if not await hand.move_to(*hand.nearby_point()):
            return


async def _unhurried(page: Any, hand: _Hand, rng: random.Random, done: list[str]) -> None:
    """What the honest scanner does: nothing. It loads the page and watches, as a crawler
    does, so a miner waiting for a person's input stays quiet for it (the gate is real)."""


async def _scroll(page: Any, rng: random.Random) -> bool:
    """A few wheel notches down, a pause to read, and back up."""
    total = 0
    for _ in range(rng.randint(3, 5)):
        delta = rng.choice((100, 100, 120, 125))
        if not await _bounded(page.mouse.wheel(0, delta)):
            return False
        total += delta
        await asyncio.sleep(rng.uniform(0.04, 0.12))
    await asyncio.sleep(rng.uniform(0.15, 0.35))
    while total > 0:
        delta = min(total, rng.choice((100, 120, 240)))
        if not await _bounded(page.mouse.wheel(0, -delta)):
            return False
        total -= delta
        await asyncio.sleep(rng.uniform(0.03, 0.1))
    return True


async def _key(page: Any, runner: _Page) -> bool:
    """Arrow down with the focus on the body: scrolls a little, types into nothing."""
    if not await runner.evaluate(_FOCUS_BODY):
        return False
    return await _bounded(page.keyboard.press("ArrowDown"))


async def _empty_spot(runner: _Page) -> tuple[float, float] | None:
    """A point whose element is not interactive; None when there is none (never guess)."""
    spots = await runner.evaluate(EMPTY_SPOTS_SCRIPT)
    if not isinstance(spots, list):
        return None
    for x, y in spots[:4]:
        if runner.root is None or await _no_click_listeners(runner.root, x, y):
            return float(x), float(y)
    return None


async def _no_click_listeners(root: Target, x: float, y: float) -> bool:
    """Whether nothing between the element at (x, y) and the body listens for clicks."""
    try:
        return await _listeners_absent(root, x, y)
    finally:
        root.post("Runtime.releaseObjectGroup", {"objectGroup": _OBJECT_GROUP})


async def _listeners_absent(root: Target, x: float, y: float) -> bool:
    hit = await root.send(
        "Runtime.evaluate",
        {
            "expression": own_script(f"document.elementFromPoint({x}, {y})"),
            "objectGroup": _OBJECT_GROUP,
        },
        timeout=_CDP_TIMEOUT,
    )
    element = ((hit or {}).get("result") or {}).get("objectId")
    if not element:
        return False
    chain = await root.send(
        "Runtime.callFunctionOn",
        {
            "objectId": element,
            "functionDeclaration": own_script(_CHAIN_FUNCTION),
            "objectGroup": _OBJECT_GROUP,
        },
        timeout=_CDP_TIMEOUT,
    )
    chain_id = ((chain or {}).get("result") or {}).get("objectId")
    if not chain_id:
        return False
    props = await root.send(
        "Runtime.getProperties", {"objectId": chain_id, "ownProperties": True}, timeout=_CDP_TIMEOUT
    )
    if props is None:
        return False
    nodes = [
        p["value"]["objectId"]
        for p in props.get("result", ())
        if p.get("name", "").isdigit() and (p.get("value") or {}).get("objectId")
    ]
    replies = await asyncio.gather(
        *(
            root.send("DOMDebugger.getEventListeners", {"objectId": node}, timeout=_CDP_TIMEOUT)
            for node in nodes
        )
    )
    for reply in replies:
        if reply is None:
            return False  # could not tell: do not click there
        if any(listener.get("type") in _CLICK_LISTENERS for listener in reply.get("listeners", ())):
            return False
    return True
