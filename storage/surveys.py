"""Surveys in the database: a ranked site list, each site's state, and leases for workers.

A site moves queued → running (a worker claimed it and holds a lease until ``lease_expires``)
→ done or failed (final). Every move is one conditional UPDATE, so two workers racing for a
site cannot both win it, and a site in a final state is never claimed again. A worker that
dies keeps its lease until it expires; :meth:`Surveys.expire_leases` then puts the site back
in the queue, and the next claim counts one more attempt (up to the survey's limit).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from storage.models import SurveyRow, SurveySiteRow

if TYPE_CHECKING:
    from storage.store import Store

__all__ = ["SITE_STATES", "ClaimedSite", "SiteOutcome", "SurveyInfo", "SurveySite", "Surveys"]

SITE_STATES = ("queued", "running", "done", "failed")
FINAL_STATES = ("done", "failed")
GAVE_UP = "gave_up"  # the failure kind of a site whose attempts ran out
_INSERT_CHUNK = 1000


@dataclass(frozen=True)
class SurveySite:
    """A site as listed: its rank in the list, its registrable domain, the URL to start from."""

    rank: int
    domain: str
    url: str


@dataclass(frozen=True)
class ClaimedSite:
    id: int
    survey_id: int
    rank: int
    domain: str
    url: str
    attempt: int


@dataclass(frozen=True)
class SiteOutcome:
    """How a crawled site ended: done, or failed with the kind of failure of its landing page."""

    state: str  # done | failed
    pages: int
    failed_pages: int
    failure: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SurveyInfo:
    id: int
    list_name: str
    created_at: float
    settings: dict[str, Any]
    max_attempts: int
    from_scan_id: int | None
    states: dict[str, int]  # every state, zeros included
    pages: int
    failed_pages: int
    failures: dict[str, int]  # failure kind -> sites, of the failed sites
    first_started: float | None
    last_finished: float | None
    scan_ids: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def finished(self) -> bool:
        return self.states["queued"] == 0 and self.states["running"] == 0


class Surveys:
    """The survey tables, through the Store's sessions (every call is its own transaction)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # -- creating ----------------------------------------------------------------------------

    def create(
        self,
        list_name: str,
        sites: Iterable[SurveySite],
        settings: dict[str, Any],
        max_attempts: int,
        from_scan_id: int | None = None,
    ) -> int:
        """A new survey with every site queued. Domains must be unique (the database says so)."""
        row = SurveyRow(
            list_name=list_name,
            created_at=time.time(),
            settings=settings,
            max_attempts=max_attempts,
            from_scan_id=from_scan_id,
        )
        with self._store._transaction("create a survey") as session:
            session.add(row)
            session.flush()
            batch: list[dict[str, Any]] = []
            for site in sites:
                batch.append(_site_values(row.id, site))
                if len(batch) >= _INSERT_CHUNK:
                    session.execute(SurveySiteRow.__table__.insert(), batch)
                    batch = []
            if batch:
                session.execute(SurveySiteRow.__table__.insert(), batch)
            return row.id

    def add_site(self, survey_id: int, site: SurveySite) -> None:
        """One more site; raises StorageError if the survey already lists its domain."""
        with self._store._transaction(f"add {site.domain!r} to survey {survey_id}") as session:
            session.execute(SurveySiteRow.__table__.insert(), [_site_values(survey_id, site)])

    # -- reading -----------------------------------------------------------------------------

    def ids(self) -> list[int]:
        with self._store._reading("list surveys") as session:
            return list(session.scalars(select(SurveyRow.id).order_by(SurveyRow.id)))

    def latest_id(self, *, unfinished: bool = False) -> int | None:
        query = select(func.max(SurveyRow.id))
        if unfinished:
            open_sites = select(SurveySiteRow.survey_id).where(
                SurveySiteRow.state.in_(("queued", "running"))
            )
            query = query.where(SurveyRow.id.in_(open_sites))
        with self._store._reading("find the latest survey") as session:
            return session.scalar(query)

    def info(self, survey_id: int) -> SurveyInfo:
        from storage.errors import StorageError

        sites = SurveySiteRow
        with self._store._reading(f"read survey {survey_id}") as session:
            row = session.get(SurveyRow, survey_id)
            if row is None:
                raise StorageError(f"no survey {survey_id} in {self._store.url}")
            where = sites.survey_id == survey_id
            states = dict.fromkeys(SITE_STATES, 0)
            for state, count in session.execute(
                select(sites.state, func.count()).where(where).group_by(sites.state)
            ):
                states[state] = int(count)
            failures = {
                str(kind): int(count)
                for kind, count in session.execute(
                    select(sites.failure, func.count())
                    .where(where, sites.state == "failed")
                    .group_by(sites.failure)
                    .order_by(func.count().desc())
                )
            }
            pages, failed_pages, first, last = session.execute(
                select(
                    func.coalesce(func.sum(sites.pages), 0),
                    func.coalesce(func.sum(sites.failed_pages), 0),
                    func.min(sites.started_at),
                    func.max(sites.finished_at),
                ).where(where)
            ).one()
            scan_ids = tuple(
                session.scalars(
                    select(sites.scan_id)
                    .where(where, sites.scan_id.is_not(None))
                    .distinct()
                    .order_by(sites.scan_id)
                )
            )
            return SurveyInfo(
                id=row.id,
                list_name=row.list_name,
                created_at=row.created_at,
                settings=dict(row.settings),
                max_attempts=row.max_attempts,
                from_scan_id=row.from_scan_id,
                states=states,
                pages=int(pages),
                failed_pages=int(failed_pages),
                failures=failures,
                first_started=first,
                last_finished=last,
                scan_ids=scan_ids,
            )

    def sites(self, survey_id: int) -> list[dict[str, Any]]:
        """Every site of the survey in rank order, as plain rows (for reports and tests)."""
        columns = [c for c in SurveySiteRow.__table__.columns if c.name != "survey_id"]
        query = (
            select(*columns)
            .where(SurveySiteRow.survey_id == survey_id)
            .order_by(SurveySiteRow.rank, SurveySiteRow.id)
        )
        with self._store._reading(f"read the sites of survey {survey_id}") as session:
            return [dict(r._mapping) for r in session.execute(query)]

    def open_site_ids(self, survey_id: int, *, limit: int | None = None) -> list[int]:
        """Queued sites, best rank first."""
        query = (
            select(SurveySiteRow.id)
            .where(SurveySiteRow.survey_id == survey_id, SurveySiteRow.state == "queued")
            .order_by(SurveySiteRow.rank, SurveySiteRow.id)
            .limit(limit)
        )
        with self._store._reading(f"read the queued sites of survey {survey_id}") as session:
            return list(session.scalars(query))

    def open_count(self, survey_id: int) -> int:
        """Sites not in a final state (queued or running)."""
        query = select(func.count()).where(
            SurveySiteRow.survey_id == survey_id, SurveySiteRow.state.in_(("queued", "running"))
        )
        with self._store._reading(f"count the open sites of survey {survey_id}") as session:
            return int(session.scalar(query) or 0)

    # -- claiming and leases -----------------------------------------------------------------

    def claim(self, site_ids: Sequence[int], owner: str, lease_seconds: float) -> list[ClaimedSite]:
        """Take each queued site for ``owner``; sites done, failed or held by another are not
        taken. A site whose attempts are used up is marked failed (gave_up) instead."""
        claimed: list[ClaimedSite] = []
        now = time.time()
        t = SurveySiteRow
        with self._store._transaction("claim survey sites") as session:
            for site_id in site_ids:
                limit = (
                    select(SurveyRow.max_attempts)
                    .where(SurveyRow.id == t.survey_id)
                    .scalar_subquery()
                )
                taken = session.execute(
                    update(t)
                    .where(t.id == site_id, t.state == "queued", t.attempts < limit)
                    .values(
                        state="running",
                        attempts=t.attempts + 1,
                        lease_owner=owner,
                        lease_expires=now + lease_seconds,
                        started_at=func.coalesce(t.started_at, now),
                    )
                    .returning(t.id, t.survey_id, t.rank, t.domain, t.url, t.attempts)
                ).first()
                if taken is not None:
                    claimed.append(ClaimedSite(*taken))
                    continue
                session.execute(
                    update(t)
                    .where(t.id == site_id, t.state == "queued", t.attempts >= limit)
                    .values(
                        state="failed",
                        failure=GAVE_UP,
                        error=f"gave up after {t.attempts} attempts",
                        finished_at=now,
                    )
                )
        return claimed

    def renew(self, site_ids: Sequence[int], owner: str, lease_seconds: float) -> int:
        """Extend ``owner``'s leases; how many it still held."""
        if not site_ids:
            return 0
        t = SurveySiteRow
        with self._store._transaction("renew survey leases") as session:
            result = session.execute(
                update(t)
                .where(t.id.in_(list(site_ids)), t.state == "running", t.lease_owner == owner)
                .values(lease_expires=time.time() + lease_seconds)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def finish(self, site_id: int, owner: str, outcome: SiteOutcome, scan_id: int | None) -> bool:
        """Record how the site ended; False if ``owner`` no longer held it (its lease had
        expired and the site went back to the queue, or someone else finished it)."""
        t = SurveySiteRow
        with self._store._transaction(f"finish survey site {site_id}") as session:
            result = session.execute(
                update(t)
                .where(t.id == site_id, t.state == "running", t.lease_owner == owner)
                .values(
                    state=outcome.state,
                    failure=outcome.failure,
                    error=outcome.error,
                    pages=outcome.pages,
                    failed_pages=outcome.failed_pages,
                    scan_id=scan_id,
                    lease_owner=None,
                    lease_expires=None,
                    finished_at=time.time(),
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def release(self, site_ids: Sequence[int], owner: str) -> int:
        """Give sites back unfinished (Ctrl-C): queued again, the attempt not counted."""
        if not site_ids:
            return 0
        t = SurveySiteRow
        with self._store._transaction("release survey sites") as session:
            result = session.execute(
                update(t)
                .where(t.id.in_(list(site_ids)), t.state == "running", t.lease_owner == owner)
                .values(
                    state="queued",
                    attempts=t.attempts - 1,
                    lease_owner=None,
                    lease_expires=None,
                )
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def expire_leases(self, survey_id: int, *, now: float | None = None) -> list[int]:
        """Sites whose worker stopped renewing its lease, queued again; their ids."""
        return self._requeue(
            survey_id, SurveySiteRow.lease_expires < (time.time() if now is None else now)
        )

    def take_over(self, survey_id: int) -> list[int]:
        """Every running site of the survey, queued again: a single-process ``--resume`` after
        its process was killed (nobody else works on a survey that has no frontier)."""
        return self._requeue(survey_id, SurveySiteRow.state == "running")

    def _requeue(self, survey_id: int, condition: Any) -> list[int]:
        t = SurveySiteRow
        with self._store._transaction(f"requeue the sites of survey {survey_id}") as session:
            rows = session.execute(
                update(t)
                .where(t.survey_id == survey_id, t.state == "running", condition)
                .values(state="queued", lease_owner=None, lease_expires=None)
                .returning(t.id)
            )
            return sorted(int(r[0]) for r in rows)


def _site_values(survey_id: int, site: SurveySite) -> dict[str, Any]:
    return {
        "survey_id": survey_id,
        "rank": site.rank,
        "domain": site.domain,
        "url": site.url,
        "state": "queued",
        "attempts": 0,
        "pages": 0,
        "failed_pages": 0,
    }
