"""What is kept of a stream of frames or calls: the first N, a rolling last N, and a count.

A miner logs in once and then polls or keeps the socket alive for as long as the page is open.
Keeping only the first N would hide the latest job; keeping only the last N would hide the
login. Both ends together show who it is and what it is doing now, in bounded memory.
"""

from __future__ import annotations

import base64
from collections import deque
from typing import Generic, TypeVar

from model.observations import HttpBody

T = TypeVar("T")


class HeadTail(Generic[T]):
    """The first ``n`` items added and the most recent ``n`` after those; ``total`` counts all."""

    def __init__(self, n: int) -> None:
        self._n = max(0, n)
        self._head: list[T] = []
        self._tail: deque[T] = deque()
        self.total = 0

    def add(self, item: T) -> tuple[bool, T | None]:
        """Keep ``item`` if the window allows; answers (kept, the item pushed out or None)."""
        self.total += 1
        if self._n == 0:
            return False, None
        if len(self._head) < self._n:
            self._head.append(item)
            return True, None
        evicted = self._tail.popleft() if len(self._tail) >= self._n else None
        self._tail.append(item)
        return True, evicted

    def items(self) -> list[T]:
        return [*self._head, *self._tail]


def encode_payload(data: bytes, cap: int) -> tuple[str, bool, bool]:
    """(text, binary, truncated) of ``data`` capped at ``cap`` bytes.

    UTF-8 text stays verbatim (cut on a character boundary); anything else is base64.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(data[:cap]).decode("ascii"), True, len(data) > cap
    if len(data) <= cap:
        return data.decode("utf-8"), False, False
    return data[:cap].decode("utf-8", "ignore"), False, True


def http_body(data: bytes, cap: int, size: int | None = None) -> HttpBody:
    """An :class:`HttpBody` of ``data``; ``size`` is the whole body's when ``data`` is a part."""
    text, binary, truncated = encode_payload(data, cap)
    whole = len(data) if size is None else size
    return HttpBody(text=text, size=whole, binary=binary, truncated=truncated or whole > len(data))
