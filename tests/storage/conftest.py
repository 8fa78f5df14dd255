"""Fixtures for storage tests: real SQLite files and a real PostgreSQL, one schema per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

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
from storage import Store

PG_URL = os.environ.get(
    "MINERSCAN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

# Page-controlled text a hostile site could send; none of it may change how it is stored.
HOSTILE = "'; DROP TABLE scans;-- <script>alert(1)</script> \" \\ %s ?"
CONTROL = "bell\x07 esc\x1b[31m red\x1b[0m cr\r lf\n tab\t del\x7f"
UNICODE = "Майнер 挖矿 ⛏️ 😀 مرحبا \u202eRTL\u202c zero\u200bwidth"
WASM_BYTES = b"\x00asm\x01\x00\x00\x00" + bytes(range(256)) + b"\xff\xfe\x00\x00"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database URL whose tables live in a fresh schema, dropped after the test."""
    schema = f"minerscan_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against a SQLite file and against PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "scan.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url)
    yield opened
    opened.close()


@pytest.fixture
def sql(db_url: str) -> Iterator[Engine]:
    """A plain engine on the same database, to check what a researcher's SQL would see."""
    url = db_url if "://" in db_url else f"sqlite:///{db_url}"
    engine = create_engine(url)
    yield engine
    engine.dispose()


def script(body: bytes, kind: ScriptKind = ScriptKind.EXTERNAL, url: str = "") -> ScriptObservation:
    return ScriptObservation(
        kind=kind, url=url, context="page", sha256=sha256_hex(body), size=len(body), body=body
    )


@pytest.fixture
def rich_visit() -> Callable[..., PageVisit]:
    """A visit with every field of every observation populated, hostile text included."""

    def build(url: str = "https://shop.example/", shared_script: bytes = b"") -> PageVisit:
        full_script = b"var miner = new CoinLike.Anonymous('site-key'); // " + UNICODE.encode()
        capped = full_script[:40]
        return PageVisit(
            url=url,
            final_url=url + "?redirected=" + HOSTILE,
            status=200,
            title=f"{HOSTILE} {UNICODE} {CONTROL}",
            content_type="text/html; charset=utf-8",
            depth=2,
            started_at=1_732_570_000.123456789,
            load_seconds=1.0 / 3.0,
            failure=FailureReason.HTTP_STATUS,
            error=f"HTTP 503 {HOSTILE}",
            rendered=True,
            scripts=(
                ScriptObservation(
                    kind=ScriptKind.EXTERNAL,
                    url="https://cdn.example/m.js?" + HOSTILE,
                    context="frame:https://ads.example/",
                    sha256=sha256_hex(full_script),
                    size=len(full_script),
                    body=capped,
                    truncated=True,
                ),
                script(b"inline()" + CONTROL.encode(), ScriptKind.INLINE),
                script(b"self.onmessage=()=>{}", ScriptKind.WORKER, "blob:https://shop.example/1"),
                script(b"data()", ScriptKind.DATA, "data:text/javascript,data()"),
                script(b"eval('x')", ScriptKind.EVAL),
                script(b"blob()", ScriptKind.BLOB, "blob:https://shop.example/2"),
                ScriptObservation(
                    ScriptKind.EXTERNAL,
                    "https://x.example/nobody.js",
                    "page",
                    sha256_hex(b"never captured"),
                    14,
                ),
                script(shared_script or b"shared library v1", url="https://cdn.example/lib.js"),
            ),
            inline_script_count=3,
            requests=(
                RequestObservation("https://cdn.example/m.js", "script", "GET", 200, "page", True),
                RequestObservation(
                    "https://pool.example/" + UNICODE,
                    "xhr",
                    "POST",
                    None,
                    "worker:blob:x",
                    True,
                    "net::ERR_CONNECTION_REFUSED " + HOSTILE,
                ),
                RequestObservation(
                    "https://shop.example/api/work?" + HOSTILE,
                    "fetch",
                    "POST",
                    200,
                    "page",
                    False,
                    time=2.5,
                    request_body=HttpBody('{"nonce":"' + UNICODE + '"}', 30),
                    response_body=HttpBody("AAEC", 3000, binary=True, truncated=True),
                ),
            ),
            websockets=(
                WebSocketSession(
                    url="wss://pool.example:3333/" + HOSTILE,
                    context="worker:blob:https://shop.example/1",
                    opened_at=0.25,
                    closed_at=4.75,
                    close_code=1006,
                    frames=(
                        WebSocketFrame(
                            FrameDirection.SENT,
                            0.3,
                            '{"method":"login","params":{"login":"' + UNICODE + '"}}',
                            52,
                        ),
                        WebSocketFrame(FrameDirection.RECEIVED, 0.4, "AAECAwQ=", 5, binary=True),
                        WebSocketFrame(FrameDirection.RECEIVED, 0.5, CONTROL, 9000, truncated=True),
                        WebSocketFrame(FrameDirection.RECEIVED, 4.5, "{}", 2, index=11),
                    ),
                    frames_sent=10,
                    frames_received=12,
                    initiator_script="https://cdn.example/m.js",
                    error="closed abnormally " + HOSTILE,
                ),
                WebSocketSession(url="ws://127.0.0.1:1/", context="page", opened_at=1.5),
            ),
            workers=(
                WorkerObservation("blob:https://shop.example/1", "dedicated", "page", 0.2),
                WorkerObservation("https://shop.example/sw.js", "service", "page", None),
            ),
            wasm_modules=(
                WasmModule(
                    sha256=sha256_hex(WASM_BYTES),
                    size=len(WASM_BYTES),
                    context="worker:blob:https://shop.example/1",
                    body=WASM_BYTES,
                    exports=("hash", "_" + UNICODE),
                    imports=("env.memory", "env.abort"),
                ),
                WasmModule(sha256="0" * 64, size=1 << 33, context="page", truncated=True),
            ),
            cpu=CpuProfile(
                dwell_seconds=5.0,
                process_seconds=9.012345678901234,
                main_thread_seconds=0.1,
                worker_seconds=8.9,
                per_target=(
                    TargetCpu(
                        "worker:blob:https://shop.example/1", 8.9, "https://cdn.example/m.js"
                    ),
                    TargetCpu("page", 0.1),
                ),
                timeline=(1.9, 2.0, 1.95, 0.0, 1e-9),
                demand_cores=1.95,
                machine_busy=0.97,
                peak_workers=2,
                load_seconds=0.35,
            ),
            dom=DomSnapshot(
                served_html="<html><title>" + HOSTILE + "</title></html>",
                rendered_html="<html>" + UNICODE + CONTROL + "<script src=x></script></html>",
                served=DomInventory(("a.js",), 1, ("https://ads.example/",), 0),
                rendered=DomInventory(("a.js", "https://cdn.example/m.js"), 2, (), 3),
            ),
            profile="desktop",
            watch=WatchRecord(12.5, 60.0, "quiet", ("mouse", "scroll", "click")),
            afterlife=AfterlifeObservation(
                seconds=3.0,
                windows=("https://popunder.example/" + HOSTILE,),
                workers=(WorkerObservation("https://shop.example/sw.js", "service", "page", 0.5),),
                websockets=(
                    WebSocketSession(
                        url="wss://pool.example/",
                        context="service_worker:https://shop.example/sw.js",
                        opened_at=0.9,
                        frames=(
                            WebSocketFrame(FrameDirection.RECEIVED, 6.0, UNICODE, 40, index=7),
                        ),
                        frames_received=8,
                    ),
                ),
                requests=(RequestObservation("https://pool.example/poll", "fetch", time=6.1),),
                cpu_seconds=2.9,
            ),
        )

    return build


@pytest.fixture
def failed_visit() -> Callable[..., PageVisit]:
    """A visit where nothing loaded: no final URL, a failure reason and an error line."""

    def build(url: str = "https://down.example/") -> PageVisit:
        return PageVisit(
            url=url,
            depth=1,
            started_at=1_732_570_001.5,
            failure=FailureReason.TIMEOUT,
            error="navigation timed out after 30 s",
        )

    return build
