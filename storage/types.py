"""Column types shared by the models and the migrations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Dialect, Integer, Text
from sqlalchemy.types import TypeDecorator

# Row ids of the high-volume tables outgrow 32 bits in a large survey. On SQLite only a column
# declared exactly INTEGER becomes the auto-incrementing rowid, so it keeps that type there.
BigId = BigInteger().with_variant(Integer(), "sqlite")

_REPLACEMENT = "\ufffd"


class PageText(TypeDecorator[str]):
    """Text a web page controls (titles, URLs, frames), stored verbatim as data.

    Two things no driver can store are replaced by U+FFFD instead of failing the whole visit:
    lone UTF-16 surrogates (JavaScript strings may hold them; UTF-8 cannot encode them) and, on
    PostgreSQL only, NUL characters (its text type refuses them; SQLite keeps them).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        text = str(value)
        if dialect.name == "postgresql" and "\x00" in text:
            text = text.replace("\x00", _REPLACEMENT)
        return _without_lone_surrogates(text)


def _without_lone_surrogates(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # Round-tripping through UTF-16 joins valid surrogate pairs and replaces lone halves.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
