"""Page-controlled text is data: make it safe to show on a terminal.

A page title or WebSocket frame can hold ANSI escape sequences that would move the cursor, rewrite
earlier lines or change a terminal's title. Control characters are shown as visible escapes.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str, limit: int | None = 200) -> str:
    """Control and bidi-override characters become ``\\xNN``/``\\uNNNN``; long text is cut."""

    def visible(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    cleaned = _CONTROL.sub(visible, text)
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


_CONTROL_KEEP_LINES = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def visible(text: object, limit: int | None = None) -> str:
    """Like :func:`terminal_safe`, but keeps newlines and tabs (for excerpts in documents).

    Bidi overrides are made visible too: in HTML or Markdown they would reorder what a reader
    sees (a URL that reads differently from where it points).
    """

    def shown(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    cleaned = _CONTROL_KEEP_LINES.sub(shown, "" if text is None else str(text))
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned
