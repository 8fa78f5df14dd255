"""Blocklists of known mining infrastructure: reading, validating and refreshing them.

Two formats are understood, and told apart by their content rather than by file name:

- **adblock**: Adblock Plus / uBlock Origin network filters (the NoCoin list), matched by the
  ``adblock`` package (adblock-rust) in :mod:`analyzers.blocklist`;
- **hosts**: ``0.0.0.0 pool.example`` lines (or bare host names, one a line), matched by host
  name and parent domains.

The NoCoin lists ship in ``analyzers/lists/nocoin/`` (see ``SOURCE`` there). :func:`update_lists`
is what ``minerscan signatures update`` calls: it never replaces a good list with a bad download.
"""

from __future__ import annotations

import http.client
import os
import re
import tempfile
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

BUNDLED_DIR = Path(__file__).resolve().parent
BUNDLED_LISTS = ("nocoin/nocoin.txt", "nocoin/hosts.txt")

# A list shorter than this is a truncated download or an error page, not a blocklist.
MIN_RULES = 10
# An update that loses more than half of the previous rules is more likely a broken mirror
# than the maintainers deleting half their list; keep the old copy and say so.
MIN_KEPT_FRACTION = 0.5
# Tolerate a few lines we cannot read (new syntax) but not a file that is mostly not a list.
MAX_BAD_LINE_FRACTION = 0.1
MAX_LIST_BYTES = 20 * 1024 * 1024

_HOSTS_ADDRESS = r"(?:0\.0\.0\.0|127\.0\.0\.1|::1?|0)"
_HOST_NAME = r"[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?"
_HOSTS_LINE = re.compile(rf"^(?:{_HOSTS_ADDRESS}\s+)?({_HOST_NAME})\s*(?:#.*)?$", re.IGNORECASE)
_HOSTS_ENTRY_WITH_ADDRESS = re.compile(rf"^{_HOSTS_ADDRESS}\s+\S", re.IGNORECASE)
# Names hosts files map for the machine itself; they are not blocklist entries.
_LOCAL_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "local", "broadcasthost", "0.0.0.0", "ip6-localhost"}
)
_COSMETIC_MARKERS = ("##", "#@#", "#?#", "#$#", "#%#")


class ListFormat(StrEnum):
    ADBLOCK = "adblock"
    HOSTS = "hosts"

    def __str__(self) -> str:
        return self.value


class InvalidListError(ValueError):
    """A blocklist that cannot be read or does not look like a blocklist."""


@dataclass(frozen=True)
class FilterList:
    """One parsed blocklist: its text (for adblock) or host names (for hosts)."""

    name: str  # what findings cite, e.g. "nocoin/nocoin.txt"
    format: ListFormat
    rules: tuple[str, ...]  # filter lines (adblock) or host names (hosts), comments dropped
    text: str  # as read, for hashing into the signature version

    @property
    def rule_count(self) -> int:
        return len(self.rules)


def detect_format(text: str) -> ListFormat:
    """Hosts when nearly every rule line is ``address host`` or a bare host name."""
    lines = list(_rule_lines(text, ListFormat.HOSTS))
    if text.lstrip().startswith("[Adblock") or not lines:
        return ListFormat.ADBLOCK
    with_address = sum(1 for line in lines if _HOSTS_ENTRY_WITH_ADDRESS.match(line))
    host_like = sum(1 for line in lines if _HOSTS_LINE.match(line))
    # Bare domains are also valid adblock filters; only call a file "hosts" when it says so
    # with addresses, or when it is nothing but host names.
    if host_like >= len(lines) * (1 - MAX_BAD_LINE_FRACTION) and (
        with_address or host_like == len(lines)
    ):
        return ListFormat.HOSTS
    return ListFormat.ADBLOCK


def parse_list(name: str, text: str, *, min_rules: int = MIN_RULES) -> FilterList:
    """Parse and validate a list; raise :class:`InvalidListError` saying what is wrong."""
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "{")):
        raise InvalidListError(f"{name}: looks like an HTML/XML/JSON document, not a blocklist")
    fmt = detect_format(text)
    lines = list(_rule_lines(text, fmt))
    if fmt is ListFormat.HOSTS:
        rules, bad = _hosts_rules(lines)
    else:
        rules, bad = _adblock_rules(lines)
    if lines and bad > len(lines) * MAX_BAD_LINE_FRACTION:
        raise InvalidListError(f"{name}: {bad} of {len(lines)} lines are not {fmt} filter rules")
    if len(rules) < min_rules:
        raise InvalidListError(
            f"{name}: only {len(rules)} {fmt} rules (expected at least {min_rules})"
        )
    return FilterList(name=name, format=fmt, rules=tuple(rules), text=text)


def read_list(path: Path, *, name: str | None = None, min_rules: int = 1) -> FilterList:
    """Read a list file; raise ValueError (with the path) when unreadable or invalid."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidListError(f"cannot read blocklist {path}: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidListError(f"blocklist {path} is not UTF-8 text") from exc
    try:
        return parse_list(name or path.name, text, min_rules=min_rules)
    except InvalidListError as exc:
        raise InvalidListError(f"invalid blocklist {path}: {exc}") from exc


def bundled_lists() -> tuple[FilterList, ...]:
    """The lists shipped with minerscan (NoCoin)."""
    return tuple(read_list(BUNDLED_DIR / rel, name=rel) for rel in BUNDLED_LISTS)


def _rule_lines(text: str, fmt: ListFormat) -> Iterable[str]:
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("!", "[")):
            continue
        if line.startswith("#") and not line.startswith(_COSMETIC_MARKERS):
            continue  # hosts-file comment
        if fmt is ListFormat.ADBLOCK and line.startswith(_COSMETIC_MARKERS):
            continue  # generic cosmetic filter: hides elements, blocks no request
        yield line


def _hosts_rules(lines: Iterable[str]) -> tuple[list[str], int]:
    hosts: list[str] = []
    bad = 0
    for line in lines:
        match = _HOSTS_LINE.match(line)
        if match is None:
            bad += 1
            continue
        host = match.group(1).lower().rstrip(".")
        if host not in _LOCAL_NAMES:
            hosts.append(host)
    return hosts, bad


def _adblock_rules(lines: Iterable[str]) -> tuple[list[str], int]:
    rules: list[str] = []
    bad = 0
    for line in lines:
        is_cosmetic = any(marker in line for marker in _COSMETIC_MARKERS)
        # Network filters never contain white space (a regex filter may, inside its options
        # like $csp=..., so look only at the pattern part); markup means an error page.
        pattern = line.split("$", 1)[0] if not line.startswith("/") else line
        if line.startswith("<") or (not is_cosmetic and re.search(r"\s", pattern)):
            bad += 1
            continue
        if not is_cosmetic:
            rules.append(line)
    return rules, bad


# --- refreshing lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class ListUpdate:
    """What happened to one configured list during an update."""

    name: str
    url: str
    path: Path
    updated: bool
    rules: int  # rules in the copy now on disk (0 when there is none)
    message: str  # "updated: 342 adblock rules (was 340)" or why the old copy was kept


@dataclass(frozen=True)
class UpdateReport:
    lists: tuple[ListUpdate, ...]

    @property
    def ok(self) -> bool:
        return all(item.updated for item in self.lists)

    @property
    def failed(self) -> tuple[ListUpdate, ...]:
        return tuple(item for item in self.lists if not item.updated)


Fetch = Callable[[str], bytes]


def fetch_url(url: str, *, timeout: float = 30.0) -> bytes:
    """Download one list over HTTP(S); raise OSError on any HTTP or network error."""
    if not url.lower().startswith(("http://", "https://")):
        raise OSError(f"unsupported URL scheme in {url!r} (use http or https)")
    request = urllib.request.Request(url, headers={"User-Agent": "minerscan-signatures-update"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # scheme checked above
        data: bytes = response.read(MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES:
        raise OSError(f"{url}: larger than {MAX_LIST_BYTES} bytes")
    return data


def update_lists(
    sources: Mapping[str, str],
    dest: Path,
    fetch: Fetch = fetch_url,
    *,
    min_rules: int = MIN_RULES,
) -> UpdateReport:
    """Download each ``name -> URL`` into ``dest/name``, keeping the old copy on any failure.

    ``name`` is a relative path such as ``nocoin/nocoin.txt``; it may not leave ``dest``.
    A download is accepted only when it parses as a list with at least ``min_rules`` rules and
    keeps at least half the rules of the copy it replaces. The new file is written to a
    temporary file in the same directory and renamed over the old one, so a reader never sees
    half a list.
    """
    return UpdateReport(
        tuple(_update_one(name, url, dest, fetch, min_rules) for name, url in sources.items())
    )


def _update_one(name: str, url: str, dest: Path, fetch: Fetch, min_rules: int) -> ListUpdate:
    path = _safe_destination(dest, name)
    previous = _previous_rule_count(path, name)

    def kept(why: str) -> ListUpdate:
        note = f"kept the previous copy ({previous} rules)" if previous else "no previous copy"
        return ListUpdate(name, url, path, False, previous, f"{why}; {note}")

    try:
        data = fetch(url)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError, timeouts, TLS
        return kept(f"download failed: {exc}")
    try:
        text = data.decode("utf-8-sig")
        parsed = parse_list(name, text, min_rules=min_rules)
    except UnicodeDecodeError:
        return kept("download is not UTF-8 text")
    except InvalidListError as exc:
        return kept(f"invalid list: {exc}")
    if previous and parsed.rule_count < previous * MIN_KEPT_FRACTION:
        return kept(f"implausible: {parsed.rule_count} rules where there were {previous}")
    _write_atomically(path, data)
    was = f" (was {previous})" if previous else ""
    return ListUpdate(
        name,
        url,
        path,
        True,
        parsed.rule_count,
        f"updated: {parsed.rule_count} {parsed.format} rules{was}",
    )


def _safe_destination(dest: Path, name: str) -> Path:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ValueError(f"list name {name!r} must be a relative path inside {dest}")
    return dest.joinpath(*relative.parts)


def _previous_rule_count(path: Path, name: str) -> int:
    try:
        return read_list(path, name=name).rule_count
    except ValueError:
        return 0  # missing or unreadable: anything valid is an improvement


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_lists(paths: Sequence[Path]) -> tuple[FilterList, ...]:
    """Read user-supplied lists (``--blocklist``); each must hold at least one rule."""
    return tuple(read_list(path, name=str(path)) for path in paths)
