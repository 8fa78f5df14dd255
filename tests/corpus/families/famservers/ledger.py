"""Who received work and who returned results, per miner identity (site key, login, worker id).

Every pool records into one ledger, keyed by the identity the page's miner announced, so a test
can ask "did *this* page mine?" while many pages run at once.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field


@dataclass
class Tally:
    connections: int = 0
    work_sent: int = 0
    results: int = 0
    accepted: int = 0
    verified: int = 0  # results whose hash the server recomputed and found right
    protocol: str = ""
    extra: dict[str, int] = field(default_factory=dict)


class Ledger:
    """Thread-safe counters; the pools write from the server loop, tests read from pytest."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[str, Tally] = {}

    def _get(self, identity: str, protocol: str) -> Tally:
        tally = self._tallies.get(identity)
        if tally is None:
            tally = self._tallies[identity] = Tally(protocol=protocol)
        return tally

    def connected(self, identity: str, protocol: str) -> None:
        with self._lock:
            self._get(identity, protocol).connections += 1

    def work(self, identity: str, protocol: str, n: int = 1) -> None:
        with self._lock:
            self._get(identity, protocol).work_sent += n

    def result(self, identity: str, protocol: str, *, verified: bool = False) -> None:
        with self._lock:
            tally = self._get(identity, protocol)
            tally.results += 1
            tally.accepted += 1
            tally.verified += int(verified)

    def count(self, identity: str, protocol: str, what: str, n: int = 1) -> None:
        """Anything else worth showing (benign back ends: challenges, solutions, messages)."""
        with self._lock:
            extra = self._get(identity, protocol).extra
            extra[what] = extra.get(what, 0) + n

    def snapshot(self, identity: str) -> dict[str, object]:
        with self._lock:
            tally = self._tallies.get(identity)
            if tally is None:
                return {"work_sent": 0, "results": 0, "accepted": 0, "connections": 0}
            data = asdict(tally)
        extra = data.pop("extra")
        data.update(extra)
        return data

    def identities(self) -> list[str]:
        with self._lock:
            return sorted(self._tallies)
