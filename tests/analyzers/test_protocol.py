"""MS301: WebSocket frames speaking a mining pool's dialect, and look-alikes that do not."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from analyzers.base import Severity
from analyzers.engine import AnalysisContext
from analyzers.protocol import find_wallets, mining_protocol
from model.observations import FrameDirection, PageVisit, WebSocketFrame, WebSocketSession

SENT, RECEIVED = FrameDirection.SENT, FrameDirection.RECEIVED
WALLET = "4MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMWeWQLGsCmrG6dLaYyNoVKf"
INTEGRATED = "458ZTBqNAYT3j5qcdsyuMNmPfYetW5v6JXmj54omLidkuVKnRyjP2WPBg8Y4ErK9pGSSxY6BVScJy9uUxcJnTPkyRFA6CAFjF1YveCHK1A"
SUBADDRESS = "8TbQgdM9mwZgikp4WzxrxktcSSSS7XhS4D5EVB8Nf471dAb7Qg25xEgRAhHPfQX88wYWXXL6A7pNpHXvmBa2EaQAmb2qaLi"
BLOB = "0e0ed0a1b4a70598f3b1d2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2" * 2
RESULT = "a3" * 32


@pytest.fixture(scope="module")
def ctx() -> AnalysisContext:
    return AnalysisContext.load(cores=2)


def frame(
    direction: FrameDirection, payload: Any, at: float = 0.5, binary: bool = False
) -> WebSocketFrame:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    if binary:
        text = base64.b64encode(text.encode()).decode()
    return WebSocketFrame(direction, at, text, len(text), binary=binary)


def visit_with(*sockets: WebSocketSession) -> PageVisit:
    return PageVisit(
        url="https://shop.example/",
        final_url="https://shop.example/",
        status=200,
        rendered=True,
        websockets=sockets,
    )


def socket(url: str, *frames: WebSocketFrame, context: str = "page") -> WebSocketSession:
    sent = sum(1 for f in frames if f.direction is SENT)
    return WebSocketSession(
        url, context, 0.3, frames=frames, frames_sent=sent, frames_received=len(frames) - sent
    )


def findings(ctx: AnalysisContext, *sockets: WebSocketSession) -> list:
    return list(mining_protocol(visit_with(*sockets), ctx))


def stratum_session() -> WebSocketSession:
    job = {"blob": BLOB, "job_id": "q8Jw1", "target": "b88d0600", "algo": "rx/0", "height": 3051234}
    return socket(
        "wss://pool.example:443/ws",
        frame(
            SENT,
            {
                "id": 1,
                "jsonrpc": "2.0",
                "method": "login",
                "params": {
                    "login": f"{WALLET}.rig1",
                    "pass": "x",
                    "agent": "webminer/1.0",
                    "algo": ["rx/0"],
                },
            },
        ),
        frame(
            RECEIVED,
            {
                "id": 1,
                "jsonrpc": "2.0",
                "error": None,
                "result": {"id": "a1b2", "job": job, "status": "OK"},
            },
        ),
        *[
            frame(
                SENT,
                {
                    "id": 2 + i,
                    "jsonrpc": "2.0",
                    "method": "submit",
                    "params": {
                        "id": "a1b2",
                        "job_id": "q8Jw1",
                        "nonce": f"0000{i:04x}",
                        "result": RESULT,
                    },
                },
            )
            for i in range(3)
        ],
        *[
            frame(
                RECEIVED, {"id": 2 + i, "jsonrpc": "2.0", "error": None, "result": {"status": "OK"}}
            )
            for i in range(3)
        ],
        frame(RECEIVED, {"jsonrpc": "2.0", "method": "job", "params": {**job, "job_id": "q8Jw2"}}),
        frame(SENT, {"id": 9, "jsonrpc": "2.0", "method": "keepalived", "params": {"id": "a1b2"}}),
    )


def test_stratum_login_jobs_and_shares_make_one_critical_finding(ctx: AnalysisContext) -> None:
    [finding] = findings(ctx, stratum_session())

    assert finding.rule_id == "MS301"
    assert finding.severity is Severity.CRITICAL
    assert finding.confidence == 1.0
    assert finding.title.startswith(
        "WebSocket wss://pool.example:443/ws speaks the Stratum protocol"
    )
    assert "login with monero wallet 4MASi45u…oVKf" in finding.title
    assert "3 shares submitted" in finding.title
    ev = finding.evidence
    assert ev["dialect"] == "stratum"
    assert ev["pool"] == "wss://pool.example:443/ws"
    assert ev["wallets"] == [{"kind": "monero", "address": WALLET}]
    assert ev["workers"] == ["rig1"]
    assert ev["passwords"] == ["x"]
    assert ev["algorithms"] == ["rx/0"]
    assert ev["job_ids"] == ["q8Jw1", "q8Jw2"]
    assert (ev["jobs"], ev["submits"], ev["accepted"]) == (2, 3, 3)
    assert ev["messages"] == {"sent": 5, "received": 5}
    assert ev["frames"] == {"sent": 5, "received": 5, "kept": 10}
    assert [s["direction"] for s in ev["samples"]] == [
        "sent",
        "received",
        "sent",
    ]  # login, job, submit


def test_stratum_mining_methods(ctx: AnalysisContext) -> None:
    session = socket(
        "ws://127.0.0.1:3333/",
        frame(SENT, {"id": 1, "method": "mining.subscribe", "params": ["webminer/2.1"]}),
        frame(
            RECEIVED,
            {
                "id": 1,
                "result": [[["mining.notify", "ae6812eb4cd7735a"]], "08000002", 4],
                "error": None,
            },
        ),
        frame(
            SENT,
            {
                "id": 2,
                "method": "mining.authorize",
                "params": ["bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq.w7", "pw"],
            },
        ),
        frame(RECEIVED, {"id": 2, "result": True, "error": None}),
        frame(RECEIVED, {"id": None, "method": "mining.set_difficulty", "params": [16]}),
        frame(
            RECEIVED,
            {
                "id": None,
                "method": "mining.notify",
                "params": [
                    "bf",
                    "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000",
                    "01000000010000",
                    "072f736c7573682f000000000100f2052a",
                    [],
                    "00000002",
                    "1c2ac4af",
                    "504e86b9",
                    False,
                ],
            },
        ),
        frame(
            SENT,
            {
                "id": 4,
                "method": "mining.submit",
                "params": [
                    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq.w7",
                    "bf",
                    "00000001",
                    "504e86ed",
                    "b2957c02",
                ],
            },
        ),
        frame(RECEIVED, {"id": 4, "result": True, "error": None}),
    )
    [finding] = findings(ctx, session)
    ev = finding.evidence
    assert ev["dialect"] == "stratum-mining"
    assert ev["wallets"] == [
        {"kind": "bitcoin", "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}
    ]
    assert ev["workers"] == ["w7"]
    assert (ev["jobs"], ev["submits"], ev["accepted"]) == (1, 1, 1)
    assert "Stratum (mining.*)" in finding.title


def test_coinhive_auth_job_submit_accept(ctx: AnalysisContext) -> None:
    site_key = "Rx8KZ0bJbE5nNlJ3OwEbd6ZbUVzy1RjQ"
    session = socket(
        "wss://ws014.coinhive.com/proxy",
        frame(
            SENT,
            {
                "type": "auth",
                "params": {"site_key": site_key, "type": "anonymous", "user": None, "goal": 0},
            },
        ),
        frame(RECEIVED, {"type": "authed", "params": {"token": "", "hashes": 0}}),
        frame(
            RECEIVED,
            {"type": "job", "params": {"job_id": "905712", "blob": BLOB, "target": "ffffff00"}},
        ),
        frame(
            SENT,
            {
                "type": "submit",
                "params": {"job_id": "905712", "nonce": "7a3c0100", "result": RESULT},
            },
        ),
        frame(RECEIVED, {"type": "hash_accepted", "params": {"hashes": 256}}),
        context="worker:blob:https://shop.example/4f1c",
    )
    [finding] = findings(ctx, session)
    ev = finding.evidence
    assert ev["dialect"] == "coinhive"
    assert ev["site_keys"] == [site_key]
    assert ev["context"] == "worker:blob:https://shop.example/4f1c"
    assert (ev["jobs"], ev["submits"], ev["accepted"]) == (1, 1, 1)
    assert f"auth with site key {site_key[:8]}…" in finding.title


def test_webminerpool_handshake_job_solved(ctx: AnalysisContext) -> None:
    session = socket(
        "wss://webminer.example/",
        frame(
            SENT,
            {
                "identifier": "handshake",
                "pool": "moneroocean.stream",
                "login": SUBADDRESS,
                "password": "web",
                "userid": "site-42",
                "version": 7,
            },
        ),
        frame(
            RECEIVED,
            {
                "identifier": "job",
                "job_id": "661",
                "algo": "cn",
                "variant": 2,
                "blob": BLOB,
                "target": "e4a63d00",
            },
        ),
        frame(
            SENT, {"identifier": "solved", "job_id": "661", "nonce": "0b9e0200", "result": RESULT}
        ),
        frame(RECEIVED, {"identifier": "hashsolved"}),
    )
    [finding] = findings(ctx, session)
    ev = finding.evidence
    assert ev["dialect"] == "webminerpool"
    assert ev["wallets"] == [{"kind": "monero", "address": SUBADDRESS}]
    assert ev["workers"] == ["site-42"]
    assert ev["algorithms"] == ["cn"]
    assert (ev["jobs"], ev["submits"], ev["accepted"]) == (1, 1, 1)


def test_plain_text_line_protocol(ctx: AnalysisContext) -> None:
    session = socket(
        "ws://127.0.0.1:8181/mine",
        frame(SENT, f"LOGIN {WALLET} x"),
        frame(RECEIVED, f"JOB,j17,{BLOB},b88d0600"),
        frame(SENT, f"SUBMIT,j17,00a1b2c3,{RESULT}"),
        frame(RECEIVED, "GOOD"),
    )
    [finding] = findings(ctx, session)
    ev = finding.evidence
    assert ev["dialect"] == "line"
    assert ev["wallets"][0]["address"] == WALLET
    assert (ev["jobs"], ev["submits"], ev["accepted"]) == (1, 1, 1)


def test_newline_delimited_json_and_binary_frames(ctx: AnalysisContext) -> None:
    login = json.dumps({"id": 1, "method": "login", "params": {"login": INTEGRATED, "pass": "x"}})
    keepalive = json.dumps({"id": 2, "method": "keepalived", "params": {}})
    job = {
        "jsonrpc": "2.0",
        "method": "job",
        "params": {"blob": BLOB, "job_id": "7", "target": "9999"},
    }
    session = socket(
        "wss://p.example/",
        frame(SENT, login + "\n" + keepalive + "\n"),
        frame(RECEIVED, job, binary=True),
    )
    [finding] = findings(ctx, session)
    assert finding.evidence["wallets"] == [{"kind": "monero-integrated", "address": INTEGRATED}]
    assert finding.evidence["events"] == {"login": 1, "keepalive": 1, "job": 1}
    assert finding.confidence == 0.95  # jobs but no shares yet


def test_samples_are_capped(ctx: AnalysisContext) -> None:
    huge_job = {"method": "job", "params": {"blob": BLOB * 20, "job_id": "1", "target": "ff00"}}
    [finding] = findings(
        ctx, socket("wss://p.example/", *[frame(RECEIVED, huge_job) for _ in range(6)])
    )
    [sample] = finding.evidence["samples"]  # one per event kind, at most three
    assert len(sample["payload"]) <= 301 and sample["payload"].endswith("…")


def test_one_finding_per_mining_socket(ctx: AnalysisContext) -> None:
    chat = socket("wss://chat.example/", frame(SENT, {"type": "message", "text": "hi"}))
    result = findings(ctx, stratum_session(), chat, stratum_session())
    assert len(result) == 2


@pytest.mark.parametrize(
    "frames",
    [
        pytest.param(  # a chat app: "job" in the text, "type" on every message
            [
                frame(SENT, {"type": "auth", "params": {"token": "eyJhbGciOi"}}),
                frame(
                    RECEIVED, {"type": "job", "params": {"title": "Senior baker", "target": "Q3"}}
                ),
                frame(SENT, {"type": "message", "params": {"text": "submit your job application"}}),
            ],
            id="chat",
        ),
        pytest.param(  # a price ticker
            [
                frame(
                    SENT, {"type": "subscribe", "product_ids": ["XMR-USD"], "channels": ["ticker"]}
                ),
                *[
                    frame(
                        RECEIVED,
                        {
                            "type": "ticker",
                            "product_id": "XMR-USD",
                            "price": "163.2",
                            "sequence": i,
                        },
                    )
                    for i in range(5)
                ],
            ],
            id="ticker",
        ),
        pytest.param(  # GraphQL subscription (graphql-transport-ws) about jobs and targets
            [
                frame(SENT, {"type": "connection_init", "payload": {}}),
                frame(RECEIVED, {"type": "connection_ack"}),
                frame(
                    SENT,
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": "subscription { job { id blob target } }"},
                    },
                ),
                frame(
                    RECEIVED,
                    {
                        "id": "1",
                        "type": "next",
                        "payload": {
                            "data": {"job": {"id": "j1", "blob": "cat.png", "target": "_blank"}}
                        },
                    },
                ),
            ],
            id="graphql",
        ),
        pytest.param(  # JSON-RPC with a "job" method that is a print queue, and a human login
            [
                frame(
                    SENT,
                    {"id": 1, "method": "login", "params": {"login": "alice", "pass": "hunter2"}},
                ),
                frame(RECEIVED, {"id": 1, "result": {"job": {"id": 4, "target": "printer-2"}}}),
                frame(
                    RECEIVED,
                    {"method": "job", "params": {"blob": "not-hex-at-all", "target": "0a1b"}},
                ),
            ],
            id="print-queue",
        ),
        pytest.param(  # only weak messages: keep-alives and "GOOD" prove nothing alone
            [frame(SENT, {"id": 1, "method": "keepalived", "params": {}}), frame(RECEIVED, "GOOD")],
            id="weak-only",
        ),
        pytest.param(  # a CI dashboard: a job about a git blob (a 20-byte hash, no hashing blob)
            [
                frame(
                    RECEIVED,
                    {
                        "type": "job",
                        "params": {
                            "job_id": "build-88",
                            "blob": "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
                            "target": "ff",
                        },
                    },
                ),
                frame(
                    SENT,
                    {
                        "type": "submit",
                        "params": {"job_id": "build-88", "nonce": "1", "result": "passed"},
                    },
                ),
            ],
            id="ci-dashboard",
        ),
        pytest.param([frame(RECEIVED, "AAEC/w==", binary=True)], id="binary-protocol"),
    ],
)
def test_look_alikes_are_not_mining(ctx: AnalysisContext, frames: list[WebSocketFrame]) -> None:
    assert findings(ctx, socket("wss://app.example/socket", *frames)) == []


def test_wallet_recognition() -> None:
    assert [w.kind for w in find_wallets(f"{WALLET}+50000")] == ["monero"]
    assert [w.kind for w in find_wallets(INTEGRATED)] == ["monero-integrated"]
    assert [w.kind for w in find_wallets("0x52908400098527886E0F7030069857D2E4169EE7.rig")] == [
        "ethereum"
    ]
    assert find_wallets(WALLET + "X") == []  # 96 base58 chars is no Monero address
    assert find_wallets("alice@example.com") == []
