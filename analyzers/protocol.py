"""Mining protocols on the wire: WebSocket frames that speak a pool's dialect.

A browser miner is useless without its pool: it logs in with a wallet or site key, receives
jobs (a block template ``blob`` and a difficulty ``target``) and submits shares (a ``nonce``
and the hash ``result``). Those messages have a shape that chat apps, price tickers and GraphQL
subscriptions do not share, so a socket is reported only when at least one message has the
full structure of its dialect (a job with a hex blob and a target, a submit with a nonce and a
32-byte result, a login with a wallet address, an auth with a site key). Weak messages
(keep-alives, "accepted") count only on a socket that already proved its dialect.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeGuard

from analyzers.base import Finding, Severity, rule
from model.observations import FrameDirection, PageVisit, WebSocketFrame, WebSocketSession

if TYPE_CHECKING:
    from analyzers.engine import AnalysisContext


class Dialect(StrEnum):
    STRATUM = "stratum"  # Monero-style JSON-RPC: login / job / submit / keepalived
    STRATUM_MINING = (
        "stratum-mining"  # Bitcoin-style: mining.subscribe / authorize / notify / submit
    )
    COINHIVE = "coinhive"  # {"type": "auth" | "authed" | "job" | "submit" | "hash_accepted"}
    WEBMINERPOOL = "webminerpool"  # {"identifier": "handshake" | "job" | "solved" | "hashsolved"}
    LINE = "line"  # plain text: JOB,<id>,<blob>,<target> / SUBMIT,… / LOGIN … / GOOD

    @property
    def label(self) -> str:
        return _DIALECT_LABELS[self]


_DIALECT_LABELS = {
    Dialect.STRATUM: "Stratum",
    Dialect.STRATUM_MINING: "Stratum (mining.*)",
    Dialect.COINHIVE: "Coinhive",
    Dialect.WEBMINERPOOL: "webminerpool",
    Dialect.LINE: "line-based mining",
}

# --- what identifiers look like ---------------------------------------------------------------

_B58 = "1-9A-HJ-NP-Za-km-z"
# Monero: 95-char standard (4…) or subaddress (8…), 106-char integrated (4…), base58.
_MONERO = re.compile(rf"(?<![{_B58}])(4[{_B58}]{{105}}|[48][{_B58}]{{94}})(?![{_B58}])")
_BITCOIN = re.compile(
    rf"(?<![{_B58}])([13][{_B58}]{{25,34}})(?![{_B58}])|\b(bc1[ac-hj-np-z02-9]{{11,71}})\b"
)
_ETHEREUM = re.compile(r"\b(0x[0-9a-fA-F]{40})\b")
_SITE_KEY = re.compile(r"^[A-Za-z0-9_.-]{8,128}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
# A CryptoNote hashing blob is at least 76 bytes; a Bitcoin header 80. Nothing a chat sends.
MIN_BLOB_HEX = 76 * 2
RESULT_HEX = 64  # a 32-byte hash
MAX_SAMPLE_CHARS = 300
MAX_SAMPLES = 3
MAX_LISTED = 5  # job ids, logins, … listed in evidence


@dataclass(frozen=True)
class Wallet:
    kind: str  # "monero", "monero-integrated", "bitcoin", "ethereum"
    address: str


def find_wallets(text: str) -> list[Wallet]:
    """Wallet-like addresses in a login string such as ``4…xyz.worker1+5000``."""
    found = [
        Wallet("monero-integrated" if len(m) == 106 else "monero", m) for m in _MONERO.findall(text)
    ]
    if not found:
        for legacy, segwit in _BITCOIN.findall(text):
            found.append(Wallet("bitcoin", legacy or segwit))
        found.extend(Wallet("ethereum", m) for m in _ETHEREUM.findall(text))
    return found


def _is_hex(value: Any, min_len: int, max_len: int | None = None) -> bool:
    if not isinstance(value, str) or not _HEX.match(value) or len(value) < min_len:
        return False
    return max_len is None or len(value) <= max_len


def _is_job(params: Any) -> TypeGuard[dict[str, Any]]:
    """A mining job: a hashing blob and a difficulty target."""
    if not isinstance(params, dict) or not _is_hex(params.get("blob"), MIN_BLOB_HEX):
        return False
    target = params.get("target")
    return _is_hex(target, 4, 64) or (
        isinstance(target, int | float) and not isinstance(target, bool)
    )


def _is_share(params: Any) -> TypeGuard[dict[str, Any]]:
    """A submitted share: a 4..8-byte nonce and a 32-byte hash result."""
    return (
        isinstance(params, dict)
        and _is_hex(params.get("nonce"), 8, 16)
        and _is_hex(params.get("result"), RESULT_HEX, RESULT_HEX)
    )


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MiningMessage:
    """One message of a mining dialect, with what it reveals."""

    dialect: Dialect
    event: str  # login, job, submit, accepted, keepalive, subscribe, auth, authed, handshake
    strong: bool  # its structure alone shows the dialect
    fields: dict[str, str] = field(default_factory=dict)  # login, password, site_key, algo, job_id


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _fields(**values: Any) -> dict[str, str]:
    return {key: _str(value) for key, value in values.items() if value not in (None, "", [])}


def _stratum(msg: dict[str, Any]) -> MiningMessage | None:
    method, params = msg.get("method"), msg.get("params")
    if method == "login" and isinstance(params, dict) and isinstance(params.get("login"), str):
        login = params["login"]
        return MiningMessage(
            Dialect.STRATUM,
            "login",
            bool(find_wallets(login)),
            _fields(
                login=login,
                password=params.get("pass"),
                algo=params.get("algo"),
                agent=params.get("agent"),
            ),
        )
    if method == "job" and _is_job(params):
        return MiningMessage(Dialect.STRATUM, "job", True, _job_fields(params))
    if method == "submit" and _is_share(params):
        return MiningMessage(Dialect.STRATUM, "submit", True, _fields(job_id=params.get("job_id")))
    if method == "keepalived":
        return MiningMessage(Dialect.STRATUM, "keepalive", False)
    result = msg.get("result")
    if method is None and isinstance(result, dict) and _is_job(result.get("job")):
        return MiningMessage(Dialect.STRATUM, "job", True, _job_fields(result["job"]))
    return None


def _job_fields(params: dict[str, Any]) -> dict[str, str]:
    return _fields(
        job_id=params.get("job_id"), algo=params.get("algo"), variant=params.get("variant")
    )


def _stratum_mining(msg: dict[str, Any]) -> MiningMessage | None:
    method, params = msg.get("method"), msg.get("params")
    if (
        not isinstance(method, str)
        or not method.startswith("mining.")
        or not isinstance(params, list)
    ):
        return None
    if method == "mining.subscribe":
        return MiningMessage(
            Dialect.STRATUM_MINING, "subscribe", True, _fields(agent=params[0] if params else None)
        )
    if method == "mining.authorize" and params and isinstance(params[0], str):
        password = params[1] if len(params) > 1 else None
        return MiningMessage(
            Dialect.STRATUM_MINING, "login", True, _fields(login=params[0], password=password)
        )
    if method == "mining.notify" and len(params) >= 8:
        return MiningMessage(Dialect.STRATUM_MINING, "job", True, _fields(job_id=params[0]))
    if method == "mining.submit" and len(params) >= 5:
        return MiningMessage(
            Dialect.STRATUM_MINING, "submit", True, _fields(login=params[0], job_id=params[1])
        )
    if method == "mining.set_difficulty":
        return MiningMessage(Dialect.STRATUM_MINING, "difficulty", False)
    return None


def _coinhive(msg: dict[str, Any]) -> MiningMessage | None:
    kind, params = msg.get("type"), msg.get("params")
    if not isinstance(kind, str) or not isinstance(params, dict):
        return None
    if kind == "auth":
        site_key = params.get("site_key")
        strong = isinstance(site_key, str) and bool(_SITE_KEY.match(site_key))
        return MiningMessage(
            Dialect.COINHIVE, "auth", strong, _fields(site_key=site_key, user=params.get("user"))
        )
    if kind == "job" and _is_job(params):
        return MiningMessage(Dialect.COINHIVE, "job", True, _job_fields(params))
    if kind == "submit" and _is_share(params):
        return MiningMessage(Dialect.COINHIVE, "submit", True, _fields(job_id=params.get("job_id")))
    if kind == "authed" and ("token" in params or "hashes" in params):
        return MiningMessage(Dialect.COINHIVE, "authed", False)
    if kind == "hash_accepted" and "hashes" in params:
        return MiningMessage(
            Dialect.COINHIVE, "accepted", False, _fields(hashes=params.get("hashes"))
        )
    return None


def _webminerpool(msg: dict[str, Any]) -> MiningMessage | None:
    kind = msg.get("identifier")
    if kind == "handshake" and isinstance(msg.get("login"), str):
        login = msg["login"]
        return MiningMessage(
            Dialect.WEBMINERPOOL,
            "login",
            bool(find_wallets(login)),
            _fields(
                login=login,
                password=msg.get("password"),
                pool=msg.get("pool"),
                worker=msg.get("userid"),
            ),
        )
    if kind == "job" and _is_job(msg):
        return MiningMessage(Dialect.WEBMINERPOOL, "job", True, _job_fields(msg))
    if kind == "solved" and _is_share(msg):
        return MiningMessage(
            Dialect.WEBMINERPOOL, "submit", True, _fields(job_id=msg.get("job_id"))
        )
    if kind == "hashsolved":
        return MiningMessage(Dialect.WEBMINERPOOL, "accepted", False)
    return None


def _line(text: str) -> MiningMessage | None:
    tokens = [t for t in re.split(r"[,\s]+", text.strip()) if t]
    if not tokens:
        return None
    verb, args = tokens[0].upper(), tokens[1:]
    if verb == "JOB" and len(args) >= 3 and any(_is_hex(a, MIN_BLOB_HEX) for a in args):
        return MiningMessage(Dialect.LINE, "job", True, _fields(job_id=args[0]))
    if (
        verb == "SUBMIT"
        and any(_is_hex(a, 8, 16) for a in args)
        and any(_is_hex(a, 64, 64) for a in args)
    ):
        return MiningMessage(Dialect.LINE, "submit", True, _fields(job_id=args[0]))
    if verb == "LOGIN" and args and find_wallets(args[0]):
        return MiningMessage(
            Dialect.LINE,
            "login",
            True,
            _fields(login=args[0], password=args[1] if len(args) > 1 else None),
        )
    if verb in ("GOOD", "ACCEPTED") and len(tokens) <= 2:
        return MiningMessage(Dialect.LINE, "accepted", False)
    return None


def classify(value: Any) -> MiningMessage | None:
    """The mining message a decoded frame value is, if any."""
    if isinstance(value, str):
        return _line(value)
    if not isinstance(value, dict):
        return None
    for reader in (_stratum_mining, _stratum, _coinhive, _webminerpool):
        message = reader(value)
        if message is not None:
            return message
    return None


def decode_frame(frame: WebSocketFrame) -> list[Any]:
    """The values a frame carries: one JSON document, JSON lines, or plain text lines.

    Frames are page-controlled: a document nested too deeply for the JSON parser is read as text.
    """
    text = frame.payload
    if frame.binary:
        try:
            text = base64.b64decode(frame.payload, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return []  # a binary protocol we do not read
    try:
        return [json.loads(text)]
    except (ValueError, RecursionError):
        pass
    values: list[Any] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            values.append(json.loads(line))
        except (ValueError, RecursionError):
            values.append(line)
    return values


# --- one socket -------------------------------------------------------------------------------


@dataclass
class SocketTalk:
    """What the frames of one WebSocket said in one dialect."""

    session: WebSocketSession
    dialect: Dialect
    messages: list[tuple[FrameDirection, MiningMessage, WebSocketFrame]]

    def count(self, event: str) -> int:
        return sum(1 for _, message, _ in self.messages if message.event == event)

    def values(self, name: str) -> list[str]:
        seen: dict[str, None] = {}
        for _, message, _ in self.messages:
            if message.fields.get(name):
                seen.setdefault(message.fields[name], None)
        return list(seen)

    def wallets(self) -> list[Wallet]:
        found: dict[str, Wallet] = {}
        for login in self.values("login"):
            for wallet in find_wallets(login):
                found.setdefault(wallet.address, wallet)
        return list(found.values())

    def workers(self) -> list[str]:
        names = self.values("worker")
        for login in self.values("login"):
            for wallet in find_wallets(login):
                rest = login.split(wallet.address, 1)[1]
                if rest[:1] in (".", ":", "/") and len(rest) > 1:
                    names.append(re.split(r"[+]", rest[1:])[0])
        return list(dict.fromkeys(n for n in names if n))

    def samples(self) -> list[dict[str, str]]:
        """Up to three frames, preferring different events (login, job, submit first)."""
        chosen: list[tuple[FrameDirection, WebSocketFrame]] = []
        seen_events: set[str] = set()
        for direction, message, frame in self.messages:
            if message.strong and message.event not in seen_events and len(chosen) < MAX_SAMPLES:
                seen_events.add(message.event)
                chosen.append((direction, frame))
        return [
            {
                "direction": direction.value,
                "payload": _cap(frame.payload),
                "time": f"{frame.time:.2f}",
            }
            for direction, frame in chosen
        ]


def _cap(text: str) -> str:
    return text if len(text) <= MAX_SAMPLE_CHARS else text[:MAX_SAMPLE_CHARS] + "…"


def read_socket(session: WebSocketSession) -> SocketTalk | None:
    """The dialect a socket speaks, or None when no message has a mining dialect's structure."""
    messages: list[tuple[FrameDirection, MiningMessage, WebSocketFrame]] = []
    submit_ids: dict[Any, Dialect] = {}  # JSON-RPC ids of shares sent, to recognise the replies
    for frame in session.frames:
        for value in decode_frame(frame):
            message = classify(value) or _share_reply(value, submit_ids)
            if message is None:
                continue
            if (
                message.event == "submit"
                and isinstance(value, dict)
                and value.get("id") is not None
            ):
                submit_ids[_hashable(value["id"])] = message.dialect
            messages.append((frame.direction, message, frame))
    strong = Counter(message.dialect for _, message, _ in messages if message.strong)
    if not strong:
        return None
    dialect = strong.most_common(1)[0][0]
    spoken = [entry for entry in messages if entry[1].dialect is dialect]
    return SocketTalk(session, dialect, spoken)


def _share_reply(value: Any, submit_ids: dict[Any, Dialect]) -> MiningMessage | None:
    """A JSON-RPC reply accepting a share sent earlier (``{"id": 4, "result": {"status": "OK"}}``)."""
    if not isinstance(value, dict) or "result" not in value or value.get("error"):
        return None
    dialect = submit_ids.get(_hashable(value.get("id")))
    if dialect is None or not value["result"]:
        return None
    return MiningMessage(dialect, "accepted", False)


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else repr(value)


def _short(address: str) -> str:
    return address if len(address) <= 16 else f"{address[:8]}…{address[-4:]}"


def describe(talk: SocketTalk) -> str:
    """One sentence: ``WebSocket wss://… speaks the Stratum protocol: login with wallet 4…``."""
    parts: list[str] = []
    wallets = talk.wallets()
    site_keys = talk.values("site_key")
    if wallets:
        parts.append(f"login with {wallets[0].kind} wallet {_short(wallets[0].address)}")
    elif site_keys:
        parts.append(f"auth with site key {_short(site_keys[0])}")
    elif talk.values("login"):
        parts.append(f"login as {_short(talk.values('login')[0])}")
    jobs, submits, accepted = talk.count("job"), talk.count("submit"), talk.count("accepted")
    if jobs:
        parts.append(f"{jobs} job{'s' if jobs != 1 else ''} received")
    if submits:
        parts.append(f"{submits} share{'s' if submits != 1 else ''} submitted")
    if accepted:
        parts.append(f"{accepted} accepted")
    detail = ", ".join(parts) if parts else "mining messages exchanged"
    return f"WebSocket {talk.session.url} speaks the {talk.dialect.label} protocol: {detail}"


def _evidence(talk: SocketTalk) -> dict[str, Any]:
    session = talk.session
    directions = Counter(direction.value for direction, _, _ in talk.messages)
    return {
        "url": session.url,
        "pool": session.url,
        "context": session.context,
        "initiator_script": session.initiator_script,
        "dialect": talk.dialect.value,
        "messages": {"sent": directions.get("sent", 0), "received": directions.get("received", 0)},
        "frames": {
            "sent": session.frames_sent,
            "received": session.frames_received,
            "kept": len(session.frames),
        },
        "events": dict(Counter(message.event for _, message, _ in talk.messages)),
        "wallets": [{"kind": w.kind, "address": w.address} for w in talk.wallets()],
        "site_keys": talk.values("site_key")[:MAX_LISTED],
        "logins": talk.values("login")[:MAX_LISTED],
        "workers": talk.workers()[:MAX_LISTED],
        "passwords": talk.values("password")[:MAX_LISTED],
        "algorithms": talk.values("algo")[:MAX_LISTED],
        "job_ids": talk.values("job_id")[:MAX_LISTED],
        "jobs": talk.count("job"),
        "submits": talk.count("submit"),
        "accepted": talk.count("accepted"),
        "samples": talk.samples(),
    }


def mining_sockets(visit: PageVisit) -> Iterator[SocketTalk]:
    for session in visit.websockets:
        talk = read_socket(session)
        if talk is not None:
            yield talk


@rule(id="MS301", severity=Severity.CRITICAL, observes=("websockets",))
def mining_protocol(visit: PageVisit, context: AnalysisContext) -> Iterator[Finding]:
    """WebSocket speaks a mining pool protocol (Stratum, Coinhive, webminerpool, line-based).

    Every frame of every socket (page, frames, workers) is decoded as JSON, JSON lines or text
    lines and matched against the dialects browser miners speak with their pool. A socket is
    reported when a message has its dialect's full structure — a job with a hex blob and a
    target, a share with a nonce and a 32-byte result, a login with a wallet address, an auth
    with a site key — so a chat or a price ticker sending ``{"type": "job"}`` does not match.
    This is mining in progress, not a hint: the verdict calls the page a miner on it alone.
    The evidence names the pool, wallet or site key, worker, algorithm, and counts jobs and
    shares.
    """
    for talk in mining_sockets(visit):
        both_ways = talk.count("job") > 0 and talk.count("submit") > 0
        yield Finding(
            rule_id="MS301",
            severity=Severity.CRITICAL,
            title=describe(talk),
            evidence=_evidence(talk),
            confidence=1.0 if both_ways else 0.95,
        )
