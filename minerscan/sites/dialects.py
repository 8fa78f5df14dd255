"""The wire protocols of the pools web miners talk to, one session class per dialect.

Each session answers frames the way a real pool of that kind does (the message names are the
publicly documented ones), so a miner script written for the dialect keeps working against it.
Shares are checked for shape and for a job id this session was given, not for the hash itself:
the emulator exists to keep miners mining, not to secure a coin.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

# Little-endian uint32 compared with the top 4 bytes of a hash: 0x0000ffff means one hash in
# 2**16 is a share, so the demo miner's workers (JavaScript or wasm) each find about one a
# second even on a busy machine, without flooding the socket.
DEFAULT_TARGET = "ffff0000"
# A Monero-style hashing blob is 76 bytes; the nonce sits at bytes 39..42.
BLOB_BYTES = 76

_HEX8 = re.compile(r"^[0-9a-fA-F]{8}$")
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class PoolJob:
    job_id: str
    blob: str
    target: str


@dataclass
class PoolLedger:
    """What every session of one pool saw, shared across connections and threads."""

    target: str = DEFAULT_TARGET
    accepted_shares: int = 0
    rejected_shares: int = 0
    logins: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def login(self, identity: str) -> None:
        with self._lock:
            self.logins.append(identity)

    def logins_so_far(self) -> list[str]:
        with self._lock:
            return list(self.logins)

    def share(self, accepted: bool) -> None:
        with self._lock:
            if accepted:
                self.accepted_shares += 1
            else:
                self.rejected_shares += 1

    def new_job(self) -> PoolJob:
        blob = bytearray(secrets.token_bytes(BLOB_BYTES))
        blob[39:43] = b"\0\0\0\0"  # the miner fills in the nonce here
        return PoolJob(job_id=secrets.token_hex(6), blob=blob.hex(), target=self.target)


def well_formed_share(nonce: object, result: object = None, *, need_result: bool = True) -> bool:
    if not isinstance(nonce, str) or not _HEX8.match(nonce):
        return False
    if not need_result:
        return True
    return isinstance(result, str) and bool(_HEX64.match(result))


class PoolSession(ABC):
    """One client connection: parses its frames, answers, and hands out jobs."""

    dialect: ClassVar[str]

    def __init__(self, ledger: PoolLedger) -> None:
        self.ledger = ledger
        self.authenticated = False
        self._issued: set[str] = set()

    def issue_job(self) -> PoolJob:
        job = self.ledger.new_job()
        self._issued.add(job.job_id)
        return job

    def record_share(self, job_id: object, accepted: bool) -> bool:
        accepted = accepted and self.authenticated and job_id in self._issued
        self.ledger.share(accepted)
        return accepted

    @abstractmethod
    def handle(self, text: str) -> list[str]:
        """Replies to one text frame from the client, in order."""

    @abstractmethod
    def job_push(self) -> str:
        """An unsolicited new-job frame, sent every few seconds once the client logged in."""


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))


def _params(msg: dict[str, Any]) -> dict[str, Any]:
    params = msg.get("params")
    return params if isinstance(params, dict) else {}


def _parse_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class StratumSession(PoolSession):
    """JSON-RPC 2.0 as the Monero web miners speak it: login, job, submit, keepalived."""

    dialect = "stratum"

    def __init__(self, ledger: PoolLedger) -> None:
        super().__init__(ledger)
        self.session_id = secrets.token_hex(8)

    def _job_params(self, job: PoolJob) -> dict[str, Any]:
        return {
            "blob": job.blob,
            "job_id": job.job_id,
            "target": job.target,
            "algo": "cn/r",
            "height": 3_100_000,
            "id": self.session_id,
        }

    def _reply(self, msg_id: object, result: Any = None, error: str | None = None) -> str:
        err = {"code": -1, "message": error} if error else None
        return _json({"id": msg_id, "jsonrpc": "2.0", "error": err, "result": result})

    def handle(self, text: str) -> list[str]:
        msg = _parse_object(text)
        if msg is None:
            return [self._reply(None, error="Parse error")]
        msg_id, method = msg.get("id"), msg.get("method")
        params = _params(msg)
        if method == "login":
            self.authenticated = True
            self.ledger.login(str(params.get("login", "")))
            result = {
                "id": self.session_id,
                "job": self._job_params(self.issue_job()),
                "extensions": ["algo", "keepalive"],
                "status": "OK",
            }
            return [self._reply(msg_id, result)]
        if not self.authenticated:
            return [self._reply(msg_id, error="Unauthenticated")]
        if method == "submit":
            ok = well_formed_share(params.get("nonce"), params.get("result"))
            if self.record_share(params.get("job_id"), ok):
                return [self._reply(msg_id, {"status": "OK"})]
            return [self._reply(msg_id, error="Invalid share")]
        if method == "keepalived":
            return [self._reply(msg_id, {"status": "KEEPALIVED"})]
        return [self._reply(msg_id, error="Unknown method")]

    def job_push(self) -> str:
        return _json(
            {"jsonrpc": "2.0", "method": "job", "params": self._job_params(self.issue_job())}
        )


class CoinhiveSession(PoolSession):
    """The Coinhive-style typed messages: auth/authed, job, submit/hash_accepted."""

    dialect = "coinhive"

    def __init__(self, ledger: PoolLedger) -> None:
        super().__init__(ledger)
        self.hashes = 0

    def _job(self) -> str:
        job = self.issue_job()
        return _json(
            {
                "type": "job",
                "params": {"job_id": job.job_id, "blob": job.blob, "target": job.target},
            }
        )

    @staticmethod
    def _error(reason: str) -> str:
        return _json({"type": "error", "params": {"error": reason}})

    def handle(self, text: str) -> list[str]:
        msg = _parse_object(text)
        if msg is None:
            return [self._error("invalid_message")]
        kind = msg.get("type")
        params = _params(msg)
        if kind == "auth":
            self.authenticated = True
            self.ledger.login(str(params.get("site_key", "")))
            return [
                _json({"type": "authed", "params": {"token": "", "hashes": self.hashes}}),
                self._job(),
            ]
        if not self.authenticated:
            return [self._error("unauthenticated")]
        if kind == "submit":
            ok = well_formed_share(params.get("nonce"), params.get("result"))
            if self.record_share(params.get("job_id"), ok):
                # Each share stands for 256 hashes, which is how the counter grows on real pools.
                self.hashes += 256
                return [_json({"type": "hash_accepted", "params": {"hashes": self.hashes}})]
            return [self._error("invalid_submit")]
        return [self._error("invalid_message")]

    def job_push(self) -> str:
        return self._job()


class WebminerpoolSession(PoolSession):
    """The webminerpool proxy protocol: handshake, job, solved/hashsolved."""

    dialect = "webminerpool"

    def _job(self) -> str:
        job = self.issue_job()
        return _json(
            {
                "identifier": "job",
                "job_id": job.job_id,
                "algo": "cn",
                "variant": 1,
                "blob": job.blob,
                "target": job.target,
            }
        )

    @staticmethod
    def _error(reason: str) -> str:
        return _json({"identifier": "error", "param": reason})

    def handle(self, text: str) -> list[str]:
        msg = _parse_object(text)
        if msg is None:
            return [self._error("invalid message")]
        kind = msg.get("identifier")
        if kind == "handshake":
            self.authenticated = True
            self.ledger.login(str(msg.get("login", "")))
            return [self._job()]
        if not self.authenticated:
            return [self._error("no handshake")]
        if kind == "solved":
            ok = well_formed_share(msg.get("nonce"), msg.get("result"))
            if self.record_share(msg.get("job_id"), ok):
                return [_json({"identifier": "hashsolved"})]
            return [self._error("invalid solution")]
        return [self._error("unknown identifier")]

    def job_push(self) -> str:
        return self._job()


class LineSession(PoolSession):
    """A bare text protocol, one command per line: LOGIN, JOB, SUBMIT, GOOD/BAD.

    Not every miner speaks JSON; this dialect is here so detection cannot lean on JSON alone.
    """

    dialect = "line"

    def _job(self) -> str:
        job = self.issue_job()
        return f"JOB,{job.job_id},{job.blob},{job.target}"

    def handle(self, text: str) -> list[str]:
        replies: list[str] = []
        for line in text.splitlines():
            line = line.strip()
            if line:
                replies.append(self._handle_line(line))
        return replies

    def _handle_line(self, line: str) -> str:
        if line.startswith("LOGIN "):
            self.authenticated = True
            self.ledger.login(line[len("LOGIN ") :].strip())
            return self._job()
        if line.startswith("SUBMIT,"):
            parts = line.split(",")
            ok = len(parts) == 3 and well_formed_share(parts[2], need_result=False)
            job_id = parts[1] if len(parts) > 1 else None
            return "GOOD" if self.record_share(job_id, ok) else "BAD"
        return "ERROR unknown command"

    def job_push(self) -> str:
        return self._job()


SESSION_CLASSES: dict[str, type[PoolSession]] = {
    cls.dialect: cls for cls in (StratumSession, CoinhiveSession, WebminerpoolSession, LineSession)
}
