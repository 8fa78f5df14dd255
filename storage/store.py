"""The Store: what the crawler, the analyzers and the reporters ask of the database."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any, Self

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload, sessionmaker, undefer

from model.analysis import PageAnalysis
from model.observations import PageVisit
from model.results import PageResult, ScanInfo, ScanResult
from storage.analyses import analysis_to_row, row_to_analysis, scan_info
from storage.engine import connection_error, create_store_engine
from storage.errors import StorageError
from storage.migrate import current_revision, head_revision, upgrade_schema
from storage.models import AnalysisRow, BodyRow, DomRow, ScanRow, VisitRow, WebSocketRow
from storage.surveys import Surveys
from storage.urls import masked, parse_db_url
from storage.visits import Bodies, body_keys, rows_to_visit, visit_to_rows

SCAN_STATUSES = ("running", "complete", "incomplete", "interrupted")
FINAL_STATUSES = ("complete", "incomplete", "interrupted")

# Visits are read this many at a time, so iterating a million-page survey stays in bounded memory.
_VISIT_CHUNK = 200
# Bound on the values in one IN (...) list; SQLite and PostgreSQL both cap bound parameters.
_IN_CHUNK = 500


class Store:
    """Scans, their page visits, and the analyses of those visits, in SQLite or PostgreSQL.

    Every write is its own committed transaction: a scan killed at any moment keeps every visit
    and analysis recorded before it.
    """

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.url = masked(url)

    @classmethod
    def open(cls, url_or_path: str) -> Store:
        """Open (creating if needed) the database and bring its schema up to date."""
        url = parse_db_url(url_or_path)
        engine = create_store_engine(url)
        try:
            upgrade_schema(engine, masked(url))
        except DBAPIError as exc:
            engine.dispose()
            raise connection_error(url, exc) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, url)

    @staticmethod
    def revision(url_or_path: str) -> tuple[str | None, str | None]:
        """(the database's schema revision, the newest this minerscan knows), changing nothing.

        The first is None for a database minerscan never wrote (or a SQLite file not there yet).
        """
        url = parse_db_url(url_or_path)
        if url.get_backend_name() == "sqlite" and url.database and not os.path.exists(url.database):
            return None, head_revision()
        engine = create_store_engine(url)
        try:
            return current_revision(engine), head_revision()
        except DBAPIError as exc:
            raise connection_error(url, exc) from exc
        finally:
            engine.dispose()

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @property
    def surveys(self) -> Surveys:
        """Ranked site lists and each site's state (see storage/surveys.py)."""
        return Surveys(self)

    # -- scans -------------------------------------------------------------------------------

    def start_scan(
        self,
        targets: list[str],
        settings: dict[str, Any],
        tool_version: str,
        signature_version: str,
    ) -> int:
        row = ScanRow(
            started_at=time.time(),
            finished_at=None,
            status="running",
            targets=list(targets),
            targets_key=_targets_key(targets),
            settings=settings,
            tool_version=tool_version,
            signature_version=signature_version,
            stats=None,
            analyzer_errors=0,
        )
        with self._transaction("start a scan") as session:
            session.add(row)
            session.flush()
            return row.id

    def finish_scan(
        self,
        scan_id: int,
        status: str,
        stats: dict[str, Any] | None = None,
        analyzer_errors: int = 0,
    ) -> None:
        if status not in FINAL_STATUSES:
            raise ValueError(f"scan status {status!r} is not one of {', '.join(FINAL_STATUSES)}")
        with self._transaction(f"finish scan {scan_id}") as session:
            row = self._scan_row(session, scan_id)
            row.status = status
            row.finished_at = time.time()
            if stats is not None:
                row.stats = stats
            row.analyzer_errors = analyzer_errors

    def note_reanalysis(self, scan_id: int, signature_version: str, analyzer_errors: int) -> None:
        """A re-analysis ran: the scan now reports with ``signature_version``."""
        with self._transaction(f"update scan {scan_id}") as session:
            row = self._scan_row(session, scan_id)
            row.signature_version = signature_version
            row.analyzer_errors = analyzer_errors

    def scans(self) -> list[ScanInfo]:
        with self._reading("list scans") as session:
            return [scan_info(r) for r in session.scalars(select(ScanRow).order_by(ScanRow.id))]

    def latest_scan_id(self) -> int | None:
        with self._reading("find the latest scan") as session:
            return session.scalar(select(func.max(ScanRow.id)))

    def find_scan(
        self,
        targets: list[str],
        status: str | Collection[str] = "interrupted",
        *,
        static: bool = False,
    ) -> int | None:
        """The newest scan of the same set of targets (order and duplicates aside) in ``status``,
        made the same way (``static``: a ``--static`` triage, else a rendered scan).

        "interrupted" also matches scans still marked "running": a writer killed outright
        (SIGKILL, power loss) never got to mark its scan interrupted.
        """
        wanted = {status} if isinstance(status, str) else set(status)
        if "interrupted" in wanted:
            wanted.add("running")
        query = (
            select(ScanRow.id, ScanRow.targets, ScanRow.settings)
            .where(ScanRow.targets_key == _targets_key(targets), ScanRow.status.in_(wanted))
            .order_by(ScanRow.id.desc())
        )
        with self._reading("find a scan to resume") as session:
            for scan_id, stored, settings in session.execute(query):
                if sorted(set(stored)) != sorted(set(targets)):  # guards against a hash clash
                    continue
                # Compared here, not in SQL: JSON operators differ between SQLite and PostgreSQL.
                if bool((settings or {}).get("static")) == static:
                    return int(scan_id)
        return None

    # -- visits ------------------------------------------------------------------------------

    def record_visit(self, scan_id: int, visit: PageVisit) -> int:
        """Store one visit with everything observed on it; committed when this returns."""
        row, bodies = visit_to_rows(scan_id, visit)
        with self._transaction(f"record the visit of {visit.url!r}") as session:
            self._scan_row(session, scan_id)
            _store_bodies(session, bodies)
            session.add(row)
            session.flush()
            return row.id

    def visited_urls(self, scan_id: int) -> set[str]:
        """URLs (as requested) with a recorded visit in this scan, failed ones included."""
        query = select(VisitRow.url).where(VisitRow.scan_id == scan_id)
        with self._reading("read visited URLs") as session:
            return set(session.scalars(query))

    def visited_pages(self, scan_id: int) -> set[tuple[str, str]]:
        """(URL as requested, browser profile) of every recorded visit in this scan, failed
        ones included: what ``--resume`` need not visit again. The profile is "" for visits
        recorded before profiles existed."""
        query = select(VisitRow.url, VisitRow.profile).where(VisitRow.scan_id == scan_id)
        with self._reading("read visited pages") as session:
            return {(url, profile or "") for url, profile in session.execute(query)}

    def iter_visits(
        self, scan_id: int, *, with_bodies: bool = True
    ) -> Iterator[tuple[int, PageVisit]]:
        """Each recorded visit of the scan, in the order recorded, rebuilt as it was recorded.

        Without bodies, script and wasm bytes are None and DOM HTML is empty.
        """
        for chunk in self._visit_chunks(scan_id, with_bodies):
            yield from chunk

    # -- analyses ----------------------------------------------------------------------------

    def record_analysis(
        self, visit_id: int, analysis: PageAnalysis, signature_version: str
    ) -> None:
        """Add an analysis of a visit. Older ones stay (history); reports use the newest."""
        row = analysis_to_row(visit_id, analysis, signature_version)
        with self._transaction(f"record the analysis of visit {visit_id}") as session:
            if session.get(VisitRow, visit_id) is None:
                raise StorageError(
                    f"cannot record an analysis: no page visit {visit_id} in {self.url}"
                )
            session.add(row)

    def load_result(self, scan_id: int, *, with_bodies: bool = False) -> ScanResult:
        """The scan and its pages in visit order, each with its newest analysis (or None)."""
        with self._reading(f"read scan {scan_id}") as session:
            info = scan_info(self._scan_row(session, scan_id))
        pages: list[PageResult] = []
        for chunk in self._visit_chunks(scan_id, with_bodies):
            analyses = self._latest_analyses([visit_id for visit_id, _ in chunk])
            pages.extend(PageResult(vid, visit, analyses.get(vid)) for vid, visit in chunk)
        return ScanResult(scan=info, pages=tuple(pages))

    # -- internals ---------------------------------------------------------------------------

    def _visit_chunks(
        self, scan_id: int, with_bodies: bool
    ) -> Iterator[list[tuple[int, PageVisit]]]:
        with self._reading(f"read scan {scan_id}") as session:
            self._scan_row(session, scan_id)
        dom = selectinload(VisitRow.dom)
        if with_bodies:
            dom = dom.options(undefer(DomRow.served_html), undefer(DomRow.rendered_html))
        query = (
            select(VisitRow)
            .where(VisitRow.scan_id == scan_id)
            .order_by(VisitRow.id)
            .limit(_VISIT_CHUNK)
            .options(
                selectinload(VisitRow.scripts),
                selectinload(VisitRow.requests),
                selectinload(VisitRow.websockets).selectinload(WebSocketRow.frames),
                selectinload(VisitRow.workers),
                selectinload(VisitRow.wasm_modules),
                selectinload(VisitRow.target_cpu),
                dom,
            )
        )
        after = 0
        while True:
            # Keyset paging: each chunk is read in its own short session, so a long report
            # never holds a read transaction open while the caller works.
            with self._reading(f"read the visits of scan {scan_id}") as session:
                rows = list(session.scalars(query.where(VisitRow.id > after)))
                if not rows:
                    return
                bodies = _load_bodies(session, rows) if with_bodies else None
            yield [(row.id, rows_to_visit(row, bodies)) for row in rows]
            after = rows[-1].id

    def _latest_analyses(self, visit_ids: list[int]) -> dict[int, PageAnalysis]:
        newest = (
            select(func.max(AnalysisRow.id))
            .where(AnalysisRow.visit_id.in_(visit_ids))
            .group_by(AnalysisRow.visit_id)
        )
        query = (
            select(AnalysisRow)
            .where(AnalysisRow.id.in_(newest))
            .options(selectinload(AnalysisRow.findings), selectinload(AnalysisRow.errors))
        )
        with self._reading("read analyses") as session:
            return {row.visit_id: row_to_analysis(row) for row in session.scalars(query)}

    def _scan_row(self, session: Session, scan_id: int) -> ScanRow:
        row = session.get(ScanRow, scan_id)
        if row is None:
            raise StorageError(f"no scan {scan_id} in {self.url}; list the scans it holds")
        return row

    @contextmanager
    def _transaction(self, action: str) -> Iterator[Session]:
        """A session whose work is committed on leaving, or rolled back on an error."""
        try:
            with self._sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            raise self._failure(action, exc) from exc

    @contextmanager
    def _reading(self, action: str) -> Iterator[Session]:
        try:
            with self._sessions() as session:
                yield session
        except DBAPIError as exc:
            raise self._failure(action, exc) from exc

    def _failure(self, action: str, exc: DBAPIError) -> StorageError:
        reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
        return StorageError(
            f"cannot {action} in {self.url}: {reason}; check the disk space and the database server"
        )


def _targets_key(targets: Collection[str]) -> str:
    canonical = json.dumps(sorted(set(targets)), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _store_bodies(session: Session, bodies: Bodies) -> None:
    """Insert the bodies not stored yet; a body shared by many pages is kept once."""
    if not bodies:
        return
    present: set[str] = set()
    for keys in _batches(list(bodies)):
        present.update(session.scalars(select(BodyRow.sha256).where(BodyRow.sha256.in_(keys))))
    missing = [
        {"sha256": k, "size": len(v), "data": v} for k, v in bodies.items() if k not in present
    ]
    if not missing:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Another survey worker may store the same body between our check and our insert.
        session.execute(postgresql_insert(BodyRow).on_conflict_do_nothing(), missing)
    elif dialect == "sqlite":
        session.execute(sqlite_insert(BodyRow).on_conflict_do_nothing(), missing)
    else:
        session.execute(insert(BodyRow), missing)


def _load_bodies(session: Session, rows: list[VisitRow]) -> Bodies:
    keys = sorted(set().union(*(body_keys(row) for row in rows)))
    bodies: Bodies = {}
    for batch in _batches(keys):
        query = select(BodyRow.sha256, BodyRow.data).where(BodyRow.sha256.in_(batch))
        bodies.update({key: bytes(data) for key, data in session.execute(query)})
    return bodies


def _batches(items: list[str]) -> Iterator[list[str]]:
    it = iter(items)
    while batch := list(islice(it, _IN_CHUNK)):
        yield batch
