"""A little human-looking activity during the dwell.

Some miners wait for a sign of a real visitor (a mouse move, a scroll) before starting, so
the dwell moves the mouse along a short path and scrolls. Every step is bounded: a page
whose main thread is stuck in a loop never answers input, and the dwell must go on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

_STEP_TIMEOUT = 1.0
_PATH = ((120, 140), (260, 220), (420, 260), (380, 420), (200, 360))


async def _bounded(action: Any) -> bool:
    try:
        await asyncio.wait_for(action, _STEP_TIMEOUT)
        return True
    except Exception as exc:  # page closed, crashed, hung
        log.debug("interaction step failed: %s", exc)
        return False


async def interact(page: Any) -> None:
    """Move the mouse along a path, scroll down and back up; gives up at the first hang."""
    for x, y in _PATH:
        if not await _bounded(page.mouse.move(x, y, steps=4)):
            return
        await asyncio.sleep(0.05)
    if not await _bounded(page.mouse.wheel(0, 400)):
        return
    await asyncio.sleep(0.2)
    await _bounded(page.mouse.wheel(0, -400))
