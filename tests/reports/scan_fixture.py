"""A fixed stored scan for the report tests: synthetic visits and analyses through ``Store``.

No browser and no analyzer run: the findings are written as an analyzer would write them, so
golden files change only when a reporter does. One page of each kind a report must handle: a
clean page, a miner injected at run time (with a pool socket, wasm, worker CPU), a page whose
every string is hostile, and a page that failed to load.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from analyzers.base import Finding, PageAnalysis, Severity, Verdict
from model.observations import (
    CpuProfile,
    DomInventory,
    DomSnapshot,
    FailureReason,
    FrameDirection,
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
from model.results import ScanResult
from storage import Store

SITE = "http://127.0.0.1:8000"
POOL = "ws://127.0.0.1:9000/proxy"
WALLET = "48furNHtQzrTNixLRL9GqFTy1QXvJn8pmhwGyVF4Nv8qS3L8oRgLEJRRmY2hSVmYGDXhmW4yUYBXDy1HoE5hY48d"
HOSTILE = (
    '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=2">'
    "\x1b]0;pwned\x07\x1b[2J\u202egnp.exe =cmd|' /C calc'!A0 @here [x](http://evil.example/)"
)
DB_URL = "sqlite:///golden.db"

APP_JS = b"document.querySelector('#cart').addEventListener('click', () => {});"
LOADER_JS = b"var s=document.createElement('script');s.src='/static/m.js';document.body.append(s);"
MINER_JS = b"var miner = new CoinHive.Anonymous('SiteKeyAbc123', {throttle: 0.2}); miner.start();"
WORKER_JS = b"self.onmessage = function (e) { /* cryptonight */ };"
WASM = b"\x00asm\x01\x00\x00\x00" + b"\x00" * 24


def _script(kind: ScriptKind, url: str, context: str, body: bytes) -> ScriptObservation:
    return ScriptObservation(kind, url, context, sha256_hex(body), len(body), body)


def _watch(seconds: float = 5.0) -> WatchRecord:
    return WatchRecord(seconds, 30.0, "quiet", ("mouse", "scroll"))


def clean_page() -> tuple[PageVisit, PageAnalysis]:
    visit = PageVisit(
        url=f"{SITE}/",
        final_url=f"{SITE}/",
        status=200,
        title="Coffee & Co",
        content_type="text/html",
        rendered=True,
        load_seconds=0.4,
        profile="desktop",
        watch=_watch(),
        scripts=(
            _script(ScriptKind.EXTERNAL, f"{SITE}/static/app.js", "page", APP_JS),
            _script(ScriptKind.EXTERNAL, "https://cdn.example.net/lib.js", "page", APP_JS[:20]),
        ),
        requests=(
            RequestObservation(f"{SITE}/static/app.js", "script", status=200),
            RequestObservation(
                "https://api.example.net/v1/prices", "fetch", status=200, third_party=True
            ),
        ),
        cpu=CpuProfile(5.0, 0.12, 0.1, 0.0, timeline=(0.05, 0.02, 0.02, 0.02, 0.01)),
        dom=DomSnapshot(
            served=DomInventory(
                script_srcs=(f"{SITE}/static/app.js", "https://cdn.example.net/lib.js")
            ),
            rendered=DomInventory(
                script_srcs=(f"{SITE}/static/app.js", "https://cdn.example.net/lib.js")
            ),
        ),
    )
    return visit, PageAnalysis(Verdict.CLEAN, 0.9)


def miner_page() -> tuple[PageVisit, PageAnalysis]:
    url = f"{SITE}/blog/first-post.html"
    miner_url, worker_url = f"{SITE}/static/m.js", f"{SITE}/static/m-worker.js"
    visit = PageVisit(
        url=url,
        final_url=url,
        status=200,
        title="Our first post",
        content_type="text/html",
        rendered=True,
        load_seconds=0.6,
        depth=1,
        profile="desktop",
        watch=_watch(6.0),
        scripts=(
            _script(ScriptKind.EXTERNAL, f"{SITE}/static/loader.js", "page", LOADER_JS),
            _script(ScriptKind.EXTERNAL, miner_url, "page", MINER_JS),
            _script(ScriptKind.WORKER, worker_url, f"worker:{worker_url}", WORKER_JS),
            _script(ScriptKind.EXTERNAL, "https://cdn.example.net/lib.js", "page", APP_JS[:20]),
        ),
        # The loader inserted the miner's tag after load: the browser saw who.
        requests=(
            RequestObservation(
                miner_url, "script", status=200, initiator_script=f"{SITE}/static/loader.js"
            ),
        ),
        websockets=(
            WebSocketSession(
                POOL,
                f"worker:{worker_url}",
                1.2,
                frames=(
                    WebSocketFrame(FrameDirection.SENT, 1.3, '{"method":"login"}', 18),
                    WebSocketFrame(FrameDirection.RECEIVED, 1.4, '{"method":"job"}', 16),
                ),
                frames_sent=20,
                frames_received=3,
                initiator_script=worker_url,
            ),
        ),
        workers=(
            WorkerObservation(worker_url, "dedicated", "page", 1.0),
            WorkerObservation(worker_url, "dedicated", "page", 1.0),
        ),
        wasm_modules=(WasmModule(sha256_hex(WASM), len(WASM), f"worker:{worker_url}", WASM),),
        cpu=CpuProfile(
            6.0,
            9.3,
            0.3,
            8.9,
            per_target=(TargetCpu(f"worker:{worker_url}", 8.9, worker_url),),
            timeline=(0.4, 1.6, 1.6, 1.5, 1.6, 1.6),
            peak_workers=2,
            load_seconds=0.3,
        ),
        dom=DomSnapshot(
            served=DomInventory(script_srcs=(f"{SITE}/static/loader.js",)),
            rendered=DomInventory(script_srcs=(f"{SITE}/static/loader.js", miner_url)),
        ),
    )
    findings = (
        Finding(
            "MS301",
            Severity.CRITICAL,
            f"WebSocket {POOL} speaks the Stratum protocol: login with monero wallet, 3 jobs",
            {
                "url": POOL,
                "pool": POOL,
                "context": f"worker:{worker_url}",
                "initiator_script": worker_url,
                "dialect": "stratum",
                "events": {"login": 1, "job": 3, "submit": 19},
                "wallets": [{"kind": "monero", "address": WALLET}],
                "site_keys": [],
                "jobs": 3,
                "submits": 19,
                "accepted": 19,
            },
        ),
        Finding(
            "MS201",
            Severity.HIGH,
            f"coinhive miner in {miner_url}",
            {
                "source": "script",
                "url": miner_url,
                "context": "page",
                "kind": "external",
                "sha256": sha256_hex(MINER_JS),
                "size": len(MINER_JS),
                "matches": [
                    {
                        "rule": "coinhive_anonymous",
                        "family": "coinhive",
                        "strings": [
                            {
                                "pattern": "$ctor",
                                "offset": 12,
                                "excerpt": "new CoinHive.Anonymous('SiteKeyAbc123'",
                            }
                        ],
                    }
                ],
            },
            0.9,
        ),
        Finding(
            "MS401",
            Severity.HIGH,
            f"WebAssembly module with a mining hash core (keccak, aes) in worker:{worker_url}",
            {"sha256": sha256_hex(WASM), "size": len(WASM), "context": f"worker:{worker_url}"},
            0.85,
        ),
        Finding(
            "MS501",
            Severity.MEDIUM,
            f"2 workers burned 1.5 cores for 6.0 s ({worker_url})",
            {
                "dwell_seconds": 6.0,
                "cores": 1.55,
                "worker_cores": 1.483,
                "timeline": [0.4, 1.6, 1.6, 1.5, 1.6, 1.6],
                "scripts": [worker_url],
            },
            0.6,
        ),
    )
    reasons = (
        f"WebSocket {POOL} speaks the Stratum protocol: login with monero wallet, 3 jobs",
        f"2 workers burned 1.5 cores for 6.0 s ({worker_url})",
    )
    return visit, PageAnalysis(Verdict.MINER, 0.99, findings, reasons)


def hostile_page() -> tuple[PageVisit, PageAnalysis]:
    url = f"{SITE}/search?q=" + "%3Cscript%3E"
    script_url = f"{SITE}/static/x.js?{HOSTILE}"
    body = HOSTILE.encode()
    visit = PageVisit(
        url=url,
        final_url=url,
        status=200,
        title=HOSTILE,
        rendered=True,
        profile="mobile",
        watch=_watch(),
        scripts=(_script(ScriptKind.EXTERNAL, script_url, "page", body),),
        cpu=CpuProfile(5.0, 0.2, 0.2, 0.0, timeline=(0.1, 0.0, 0.0, 0.0, 0.1)),
        dom=DomSnapshot(
            served=DomInventory(script_srcs=(script_url,)),
            rendered=DomInventory(script_srcs=(script_url,)),
        ),
    )
    finding = Finding(
        "MS202",
        Severity.HIGH,
        f"miner structure in {script_url}",
        {
            "source": "script",
            "url": script_url,
            "kind": "external",
            "context": "page",
            "sha256": sha256_hex(body),
            "matches": [{"rule": "generic", "strings": [{"excerpt": HOSTILE}]}],
            "note": HOSTILE,
        },
        0.7,
    )
    return visit, PageAnalysis(
        Verdict.SUSPICIOUS, 0.7, (finding,), (f"{HOSTILE} looks like a miner",)
    )


def failed_page() -> tuple[PageVisit, PageAnalysis]:
    visit = PageVisit(
        url=f"{SITE}/gone.html",
        failure=FailureReason.CONNECTION,
        error="connection refused (net::ERR_CONNECTION_REFUSED)",
        profile="desktop",
    )
    return visit, PageAnalysis(Verdict.FAILED, 0.0)


PAGES = (clean_page, miner_page, hostile_page, failed_page)
STARTED, FINISHED = 1_764_000_000.0, 1_764_000_042.0


def store_scan(db: Path, pages=PAGES) -> int:
    """Write the fixed scan into a SQLite file at ``db``; returns its scan id."""
    with Store.open(str(db)) as store:
        scan_id = store.start_scan(
            [f"{SITE}/"],
            {"depth": 2, "dwell": 5.0, "max_pages": 50, "fail_on": "high"},
            "0.1.0",
            "sig-golden-1",
        )
        for make in pages:
            visit, analysis = make()
            visit_id = store.record_visit(scan_id, visit)
            store.record_analysis(visit_id, analysis, "sig-golden-1")
        store.finish_scan(scan_id, "complete", {"pages": len(pages), "failed": 1})
    return scan_id


def fixed_times(result: ScanResult) -> ScanResult:
    """The stored scan with the fixed start and end times golden files were made with."""
    scan = dataclasses.replace(result.scan, started_at=STARTED, finished_at=FINISHED)
    return dataclasses.replace(result, scan=scan)


def load_fixed(db: Path) -> ScanResult:
    scan_id = store_scan(db)
    with Store.open(str(db)) as store:
        return fixed_times(store.load_result(scan_id))
