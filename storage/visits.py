"""A PageVisit to rows and back, without losing anything a later re-analysis needs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from model.observations import (
    AfterlifeObservation,
    CpuProfile,
    DomInventory,
    DomSnapshot,
    FailureReason,
    FrameDirection,
    HttpBody,
    PageVisit,
    RequestObservation,
    ScriptKind,
    ScriptObservation,
    TargetCpu,
    WasmModule,
    WatchRecord,
    WebSocketFrame,
    WebSocketSession,
    WorkerObservation,
    sha256_hex,
)
from storage.models import (
    DomRow,
    FrameRow,
    RequestRow,
    ScriptRow,
    TargetCpuRow,
    VisitRow,
    WasmRow,
    WebSocketRow,
    WorkerRow,
)

Bodies = dict[str, bytes]  # sha256 of the stored bytes -> the bytes


def visit_to_rows(scan_id: int, visit: PageVisit) -> tuple[VisitRow, Bodies]:
    """The visit's row (children attached) and the bodies it references, keyed by hash."""
    bodies: Bodies = {}

    def keep(body: bytes | None) -> str | None:
        if body is None:
            return None
        # Keyed by the bytes actually stored: a truncated body hashes differently from the
        # full script, whose hash stays in the observation's own sha256 column.
        key = sha256_hex(body)
        bodies[key] = body
        return key

    row = VisitRow(
        scan_id=scan_id,
        url=visit.url,
        final_url=visit.final_url,
        status=visit.status,
        title=visit.title,
        content_type=visit.content_type,
        depth=visit.depth,
        started_at=visit.started_at,
        load_seconds=visit.load_seconds,
        failure=visit.failure.value if visit.failure is not None else None,
        error=visit.error,
        rendered=visit.rendered,
        inline_script_count=visit.inline_script_count,
        scripts=[_script_row(i, s, keep(s.body)) for i, s in enumerate(visit.scripts)],
        requests=[_request_row(i, r) for i, r in enumerate(visit.requests)],
        websockets=[_websocket_row(i, w) for i, w in enumerate(visit.websockets)],
        workers=[_worker_row(i, w) for i, w in enumerate(visit.workers)],
        wasm_modules=[_wasm_row(i, m, keep(m.body)) for i, m in enumerate(visit.wasm_modules)],
        target_cpu=[],
        dom=_dom_row(visit.dom) if visit.dom is not None else None,
        profile=visit.profile,
        watch=asdict(visit.watch) if visit.watch is not None else None,
        afterlife=_afterlife_json(visit.afterlife) if visit.afterlife is not None else None,
    )
    if visit.cpu is not None:
        _set_cpu(row, visit.cpu)
    return row, bodies


def rows_to_visit(row: VisitRow, bodies: Bodies | None) -> PageVisit:
    """Rebuild the visit; with ``bodies`` None, script and wasm bytes and DOM HTML are left out."""
    with_bodies = bodies is not None
    stored = bodies or {}
    return PageVisit(
        url=row.url,
        final_url=row.final_url,
        status=row.status,
        title=row.title,
        content_type=row.content_type,
        depth=row.depth,
        started_at=row.started_at,
        load_seconds=row.load_seconds,
        failure=FailureReason(row.failure) if row.failure is not None else None,
        error=row.error,
        rendered=row.rendered,
        scripts=tuple(_script(s, stored) for s in row.scripts),
        inline_script_count=row.inline_script_count,
        requests=tuple(_request(r) for r in row.requests),
        websockets=tuple(_websocket(w) for w in row.websockets),
        workers=tuple(_worker(w) for w in row.workers),
        wasm_modules=tuple(_wasm(m, stored) for m in row.wasm_modules),
        cpu=_cpu(row),
        dom=_dom(row.dom, with_bodies) if row.dom is not None else None,
        profile=row.profile or "",
        watch=_watch(row.watch) if row.watch else None,
        afterlife=_afterlife(row.afterlife) if row.afterlife else None,
    )


def body_keys(row: VisitRow) -> set[str]:
    keys = {s.body_sha256 for s in row.scripts} | {m.body_sha256 for m in row.wasm_modules}
    return {k for k in keys if k is not None}


def _script_row(seq: int, s: ScriptObservation, body_key: str | None) -> ScriptRow:
    return ScriptRow(
        seq=seq,
        kind=s.kind.value,
        url=s.url,
        context=s.context,
        sha256=s.sha256,
        size=s.size,
        body_sha256=body_key,
        truncated=s.truncated,
        initiator_script=s.initiator_script,
    )


def _script(row: ScriptRow, bodies: Bodies) -> ScriptObservation:
    return ScriptObservation(
        kind=ScriptKind(row.kind),
        url=row.url,
        context=row.context,
        sha256=row.sha256,
        size=row.size,
        body=bodies.get(row.body_sha256) if row.body_sha256 is not None else None,
        truncated=row.truncated,
        initiator_script=row.initiator_script,
    )


def _request_row(seq: int, r: RequestObservation) -> RequestRow:
    return RequestRow(
        seq=seq,
        url=r.url,
        resource_type=r.resource_type,
        method=r.method,
        status=r.status,
        context=r.context,
        third_party=r.third_party,
        failure=r.failure,
        time=r.time,
        initiator_script=r.initiator_script,
        request_body=asdict(r.request_body) if r.request_body is not None else None,
        response_body=asdict(r.response_body) if r.response_body is not None else None,
    )


def _request(row: RequestRow) -> RequestObservation:
    return RequestObservation(
        url=row.url,
        resource_type=row.resource_type,
        method=row.method,
        status=row.status,
        context=row.context,
        third_party=row.third_party,
        failure=row.failure,
        time=row.time,
        initiator_script=row.initiator_script,
        request_body=_http_body(row.request_body),
        response_body=_http_body(row.response_body),
    )


def _http_body(data: dict[str, Any] | None) -> HttpBody | None:
    if not data:
        return None
    return HttpBody(
        text=str(data.get("text", "")),
        size=int(data.get("size", 0)),
        binary=bool(data.get("binary", False)),
        truncated=bool(data.get("truncated", False)),
    )


def _websocket_row(seq: int, w: WebSocketSession) -> WebSocketRow:
    return WebSocketRow(
        seq=seq,
        url=w.url,
        context=w.context,
        opened_at=w.opened_at,
        closed_at=w.closed_at,
        close_code=w.close_code,
        frames_sent=w.frames_sent,
        frames_received=w.frames_received,
        initiator_script=w.initiator_script,
        error=w.error,
        frames=[
            FrameRow(
                seq=i,
                direction=f.direction.value,
                time=f.time,
                payload=f.payload,
                size=f.size,
                binary=f.binary,
                truncated=f.truncated,
                ordinal=f.index,
            )
            for i, f in enumerate(w.frames)
        ],
    )


def _websocket(row: WebSocketRow) -> WebSocketSession:
    return WebSocketSession(
        url=row.url,
        context=row.context,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        close_code=row.close_code,
        frames=tuple(
            WebSocketFrame(
                direction=FrameDirection(f.direction),
                time=f.time,
                payload=f.payload,
                size=f.size,
                binary=f.binary,
                truncated=f.truncated,
                index=f.ordinal or 0,
            )
            for f in row.frames
        ),
        frames_sent=row.frames_sent,
        frames_received=row.frames_received,
        initiator_script=row.initiator_script,
        error=row.error,
    )


def _worker_row(seq: int, w: WorkerObservation) -> WorkerRow:
    return WorkerRow(seq=seq, url=w.url, type=w.type, parent=w.parent, started_at=w.started_at)


def _worker(row: WorkerRow) -> WorkerObservation:
    return WorkerObservation(
        url=row.url, type=row.type, parent=row.parent, started_at=row.started_at
    )


def _wasm_row(seq: int, m: WasmModule, body_key: str | None) -> WasmRow:
    return WasmRow(
        seq=seq,
        sha256=m.sha256,
        size=m.size,
        context=m.context,
        body_sha256=body_key,
        exports=list(m.exports),
        imports=list(m.imports),
        truncated=m.truncated,
    )


def _wasm(row: WasmRow, bodies: Bodies) -> WasmModule:
    return WasmModule(
        sha256=row.sha256,
        size=row.size,
        context=row.context,
        body=bodies.get(row.body_sha256) if row.body_sha256 is not None else None,
        exports=tuple(row.exports),
        imports=tuple(row.imports),
        truncated=row.truncated,
    )


def _set_cpu(row: VisitRow, cpu: CpuProfile) -> None:
    row.cpu_dwell_seconds = cpu.dwell_seconds
    row.cpu_process_seconds = cpu.process_seconds
    row.cpu_main_thread_seconds = cpu.main_thread_seconds
    row.cpu_worker_seconds = cpu.worker_seconds
    row.cpu_demand_cores = cpu.demand_cores
    row.cpu_machine_busy = cpu.machine_busy
    row.cpu_peak_workers = cpu.peak_workers
    row.cpu_load_seconds = cpu.load_seconds
    row.cpu_timeline = list(cpu.timeline)
    row.target_cpu = [
        TargetCpuRow(seq=i, context=t.context, cpu_seconds=t.cpu_seconds, script_url=t.script_url)
        for i, t in enumerate(cpu.per_target)
    ]


def _cpu(row: VisitRow) -> CpuProfile | None:
    if row.cpu_dwell_seconds is None:
        return None
    return CpuProfile(
        dwell_seconds=row.cpu_dwell_seconds,
        process_seconds=row.cpu_process_seconds or 0.0,
        main_thread_seconds=row.cpu_main_thread_seconds or 0.0,
        worker_seconds=row.cpu_worker_seconds or 0.0,
        per_target=tuple(
            TargetCpu(context=t.context, cpu_seconds=t.cpu_seconds, script_url=t.script_url)
            for t in row.target_cpu
        ),
        timeline=tuple(row.cpu_timeline or ()),
        demand_cores=row.cpu_demand_cores,
        machine_busy=row.cpu_machine_busy,
        peak_workers=row.cpu_peak_workers or 0,
        load_seconds=row.cpu_load_seconds or 0.0,
    )


def _dom_row(dom: DomSnapshot) -> DomRow:
    return DomRow(
        served_html=dom.served_html,
        rendered_html=dom.rendered_html,
        served_script_srcs=list(dom.served.script_srcs),
        served_inline_scripts=dom.served.inline_scripts,
        served_iframes=list(dom.served.iframes),
        served_inline_handlers=dom.served.inline_handlers,
        rendered_script_srcs=list(dom.rendered.script_srcs),
        rendered_inline_scripts=dom.rendered.inline_scripts,
        rendered_iframes=list(dom.rendered.iframes),
        rendered_inline_handlers=dom.rendered.inline_handlers,
    )


def _dom(row: DomRow, with_html: bool) -> DomSnapshot:
    return DomSnapshot(
        served_html=row.served_html if with_html else "",
        rendered_html=row.rendered_html if with_html else "",
        served=DomInventory(
            script_srcs=tuple(row.served_script_srcs),
            inline_scripts=row.served_inline_scripts,
            iframes=tuple(row.served_iframes),
            inline_handlers=row.served_inline_handlers,
        ),
        rendered=DomInventory(
            script_srcs=tuple(row.rendered_script_srcs),
            inline_scripts=row.rendered_inline_scripts,
            iframes=tuple(row.rendered_iframes),
            inline_handlers=row.rendered_inline_handlers,
        ),
    )


def _watch(data: dict[str, Any]) -> WatchRecord:
    return WatchRecord(
        watched_seconds=float(data.get("watched_seconds", 0.0)),
        clock_advanced_seconds=float(data.get("clock_advanced_seconds", 0.0)),
        stop_reason=str(data.get("stop_reason", "")),
        interactions=tuple(data.get("interactions") or ()),
    )


def _afterlife_json(after: AfterlifeObservation) -> dict[str, Any]:
    """The afterlife as JSON: its sockets and requests reuse the row converters' shapes."""
    return {
        "seconds": after.seconds,
        "windows": list(after.windows),
        "workers": [asdict(w) for w in after.workers],
        "websockets": [_websocket_json(w) for w in after.websockets],
        "requests": [asdict(r) for r in after.requests],
        "cpu_seconds": after.cpu_seconds,
    }


def _websocket_json(w: WebSocketSession) -> dict[str, Any]:
    data = asdict(w)
    data["frames"] = [{**asdict(f), "direction": f.direction.value} for f in w.frames]
    return data


def _afterlife(data: dict[str, Any]) -> AfterlifeObservation:
    return AfterlifeObservation(
        seconds=float(data.get("seconds", 0.0)),
        windows=tuple(data.get("windows") or ()),
        workers=tuple(WorkerObservation(**w) for w in data.get("workers") or ()),
        websockets=tuple(_websocket_from_json(w) for w in data.get("websockets") or ()),
        requests=tuple(_request_from_json(r) for r in data.get("requests") or ()),
        cpu_seconds=float(data.get("cpu_seconds", 0.0)),
    )


def _websocket_from_json(data: dict[str, Any]) -> WebSocketSession:
    frames = tuple(
        WebSocketFrame(**{**f, "direction": FrameDirection(f["direction"])})
        for f in data.get("frames") or ()
    )
    return WebSocketSession(**{**data, "frames": frames})


def _request_from_json(data: dict[str, Any]) -> RequestObservation:
    return RequestObservation(
        **{
            **data,
            "request_body": _http_body(data.get("request_body")),
            "response_body": _http_body(data.get("response_body")),
        }
    )
