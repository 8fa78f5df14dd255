"""The database schema as typed SQLAlchemy models: one table per kind of observation.

Normalised so researchers can query it with plain SQL (which pages opened a WebSocket to this
pool? which script hash ran on the most sites?). Enum values are stored as their string values
and severities as their integer level, so no database-specific enum types are needed.
Times are unix seconds (double precision); ``seq`` keeps each list in the order it was observed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import BigId, PageText

# None stored as SQL NULL, not the JSON literal null, so "IS NULL" queries work.
NullableJSON = JSON(none_as_null=True)


def _children(model: str) -> Any:
    """A one-to-many list kept in observation order; never lazy-loaded behind our back."""
    return relationship(model, cascade="all, delete-orphan", order_by=f"{model}.seq", lazy="raise")


class Base(DeclarativeBase):
    pass


class ScanRow(Base):
    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    started_at: Mapped[float] = mapped_column(Double)
    finished_at: Mapped[float | None] = mapped_column(Double)
    status: Mapped[str] = mapped_column(String(32))
    targets: Mapped[list[str]] = mapped_column(JSON)
    # sha256 of the sorted targets: finds the scan to resume without comparing JSON in SQL.
    targets_key: Mapped[str] = mapped_column(String(64), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    tool_version: Mapped[str] = mapped_column(String(64))
    signature_version: Mapped[str] = mapped_column(String(64))
    stats: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    analyzer_errors: Mapped[int] = mapped_column(Integer, default=0)


class BodyRow(Base):
    """Content-addressed bytes: a script served to a thousand pages is stored once."""

    __tablename__ = "bodies"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigId)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class VisitRow(Base):
    __tablename__ = "page_visits"
    __table_args__ = (
        # A hash index on PostgreSQL: a btree refuses entries over ~2.7 kB, and URLs can be longer.
        Index("ix_page_visits_url", "url", postgresql_using="hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scan_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("scans.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(PageText)
    final_url: Mapped[str] = mapped_column(PageText)
    status: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(PageText)
    content_type: Mapped[str] = mapped_column(PageText)
    depth: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(Double)
    load_seconds: Mapped[float | None] = mapped_column(Double)
    failure: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(PageText)
    rendered: Mapped[bool] = mapped_column(Boolean)
    inline_script_count: Mapped[int] = mapped_column(Integer)
    # The CPU profile, flattened so "pages burning more than one core" is a WHERE clause.
    # cpu_dwell_seconds is NULL exactly when the visit has no CPU profile.
    cpu_dwell_seconds: Mapped[float | None] = mapped_column(Double)
    cpu_process_seconds: Mapped[float | None] = mapped_column(Double)
    cpu_main_thread_seconds: Mapped[float | None] = mapped_column(Double)
    cpu_worker_seconds: Mapped[float | None] = mapped_column(Double)
    cpu_demand_cores: Mapped[float | None] = mapped_column(Double)
    cpu_machine_busy: Mapped[float | None] = mapped_column(Double)
    cpu_peak_workers: Mapped[int | None] = mapped_column(Integer)
    cpu_load_seconds: Mapped[float | None] = mapped_column(Double)
    cpu_timeline: Mapped[list[float] | None] = mapped_column(NullableJSON)
    # The browser profile the page was shown with, how it was watched, what outlived it.
    profile: Mapped[str] = mapped_column(String(32), default="", server_default="")
    watch: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    afterlife: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)

    scripts: Mapped[list[ScriptRow]] = _children("ScriptRow")
    requests: Mapped[list[RequestRow]] = _children("RequestRow")
    websockets: Mapped[list[WebSocketRow]] = _children("WebSocketRow")
    workers: Mapped[list[WorkerRow]] = _children("WorkerRow")
    wasm_modules: Mapped[list[WasmRow]] = _children("WasmRow")
    target_cpu: Mapped[list[TargetCpuRow]] = _children("TargetCpuRow")
    dom: Mapped[DomRow | None] = relationship(cascade="all, delete-orphan", lazy="raise")


class ScriptRow(Base):
    __tablename__ = "scripts"

    visit_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("page_visits.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(PageText)
    context: Mapped[str] = mapped_column(PageText)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the full script
    size: Mapped[int] = mapped_column(BigId)
    # The stored bytes (possibly truncated, so their hash may differ from sha256); NULL if none.
    body_sha256: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("bodies.sha256"), index=True
    )
    truncated: Mapped[bool] = mapped_column(Boolean)
    initiator_script: Mapped[str | None] = mapped_column(PageText)  # who added it at run time


class RequestRow(Base):
    __tablename__ = "requests"

    visit_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("page_visits.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(PageText)
    resource_type: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(PageText)
    status: Mapped[int | None] = mapped_column(Integer)
    context: Mapped[str] = mapped_column(PageText)
    third_party: Mapped[bool] = mapped_column(Boolean)
    failure: Mapped[str | None] = mapped_column(PageText)
    time: Mapped[float | None] = mapped_column(Double)
    initiator_script: Mapped[str | None] = mapped_column(PageText)  # script that inserted its tag
    # fetch/XHR/beacon bodies, capped: {"text", "size", "binary", "truncated"}
    request_body: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)


class WebSocketRow(Base):
    __tablename__ = "websockets"
    __table_args__ = (Index("ix_websockets_visit_id_seq", "visit_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    visit_id: Mapped[int] = mapped_column(BigId, ForeignKey("page_visits.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(PageText)
    context: Mapped[str] = mapped_column(PageText)
    opened_at: Mapped[float] = mapped_column(Double)
    closed_at: Mapped[float | None] = mapped_column(Double)
    close_code: Mapped[int | None] = mapped_column(Integer)
    frames_sent: Mapped[int] = mapped_column(BigId)
    frames_received: Mapped[int] = mapped_column(BigId)
    initiator_script: Mapped[str | None] = mapped_column(PageText)
    error: Mapped[str | None] = mapped_column(PageText)

    frames: Mapped[list[FrameRow]] = _children("FrameRow")


class FrameRow(Base):
    __tablename__ = "websocket_frames"

    websocket_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("websockets.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(16))
    time: Mapped[float] = mapped_column(Double)
    payload: Mapped[str] = mapped_column(PageText)
    size: Mapped[int] = mapped_column(BigId)
    binary: Mapped[bool] = mapped_column(Boolean)
    truncated: Mapped[bool] = mapped_column(Boolean)
    # Ordinal among all frames of its direction (WebSocketFrame.index): gaps show dropped frames.
    ordinal: Mapped[int] = mapped_column(BigId, default=0, server_default="0")


class WorkerRow(Base):
    __tablename__ = "workers"

    visit_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("page_visits.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(PageText)
    type: Mapped[str] = mapped_column(String(16))
    parent: Mapped[str] = mapped_column(PageText)
    started_at: Mapped[float | None] = mapped_column(Double)


class WasmRow(Base):
    __tablename__ = "wasm_modules"

    visit_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("page_visits.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigId)
    context: Mapped[str] = mapped_column(PageText)
    body_sha256: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("bodies.sha256"), index=True
    )
    exports: Mapped[list[str]] = mapped_column(JSON)
    imports: Mapped[list[str]] = mapped_column(JSON)
    truncated: Mapped[bool] = mapped_column(Boolean)


class TargetCpuRow(Base):
    __tablename__ = "target_cpu"

    visit_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("page_visits.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    context: Mapped[str] = mapped_column(PageText)
    cpu_seconds: Mapped[float] = mapped_column(Double)
    script_url: Mapped[str | None] = mapped_column(PageText)


class DomRow(Base):
    __tablename__ = "dom_snapshots"

    visit_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("page_visits.id", ondelete="CASCADE"), primary_key=True
    )
    # The HTML is large and reports rarely need it: loaded only when bodies are asked for.
    served_html: Mapped[str] = mapped_column(PageText, deferred=True)
    rendered_html: Mapped[str] = mapped_column(PageText, deferred=True)
    served_script_srcs: Mapped[list[str]] = mapped_column(JSON)
    served_inline_scripts: Mapped[int] = mapped_column(Integer)
    served_iframes: Mapped[list[str]] = mapped_column(JSON)
    served_inline_handlers: Mapped[int] = mapped_column(Integer)
    rendered_script_srcs: Mapped[list[str]] = mapped_column(JSON)
    rendered_inline_scripts: Mapped[int] = mapped_column(Integer)
    rendered_iframes: Mapped[list[str]] = mapped_column(JSON)
    rendered_inline_handlers: Mapped[int] = mapped_column(Integer)


class AnalysisRow(Base):
    """One run of the analyzers over one visit; the newest per visit is the one reported."""

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("page_visits.id", ondelete="CASCADE"), index=True
    )
    signature_version: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Double)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Double)

    findings: Mapped[list[FindingRow]] = _children("FindingRow")
    errors: Mapped[list[AnalyzerErrorRow]] = _children("AnalyzerErrorRow")


class FindingRow(Base):
    __tablename__ = "findings"

    analysis_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[int] = mapped_column(Integer)  # Severity level: 0 info .. 4 critical
    title: Mapped[str] = mapped_column(PageText)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    confidence: Mapped[float] = mapped_column(Double)


class AnalyzerErrorRow(Base):
    __tablename__ = "analyzer_errors"

    analysis_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(PageText)
    message: Mapped[str] = mapped_column(PageText)


class SurveyRow(Base):
    """A ranked list of sites to visit, with the crawl settings every worker applies to it."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    list_name: Mapped[str] = mapped_column(PageText)
    created_at: Mapped[float] = mapped_column(Double)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    max_attempts: Mapped[int] = mapped_column(Integer)
    # A browserless scan this survey renders the sites of (``survey --from-static``), if any.
    from_scan_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scans.id", ondelete="SET NULL")
    )


class SurveySiteRow(Base):
    """One site of a survey: its rank, its state, who holds it and which scan served it.

    ``state`` is queued, running (a worker holds the lease until ``lease_expires``), done or
    failed; done and failed are final. One row per (survey, domain), enforced by the database.
    """

    __tablename__ = "survey_sites"
    __table_args__ = (
        UniqueConstraint("survey_id", "domain", name="uq_survey_sites_survey_domain"),
        Index("ix_survey_sites_survey_state", "survey_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(BigId)
    domain: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(PageText)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(PageText)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires: Mapped[float | None] = mapped_column(Double)
    scan_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("scans.id", ondelete="SET NULL"), index=True
    )
    pages: Mapped[int] = mapped_column(Integer, default=0)
    failed_pages: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[float | None] = mapped_column(Double)
    finished_at: Mapped[float | None] = mapped_column(Double)
