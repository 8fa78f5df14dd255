"""Each pool dialect, driven by a real WebSocket client the way a web miner drives it."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from minerscan.sites import DIALECTS, PoolEmulator

WALLET = "48furNHtAQnqxQN2FmkLzf8x4TPpLkf6C82DM1GLLuTSEuWgkojQTvGwn4pdHQJRFvEbAUk4uxj"
NONCE, RESULT = "0badf00d", "ab" * 32


@asynccontextmanager
async def connect(pool: PoolEmulator) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with aiohttp.ClientSession() as http, http.ws_connect(pool.ws_url) as ws:
        yield ws


async def recv(ws: aiohttp.ClientWebSocketResponse) -> str:
    msg = await asyncio.wait_for(ws.receive(), 5)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return str(msg.data)


async def recv_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    value = json.loads(await recv(ws))
    assert isinstance(value, dict)
    return value


def rpc(method: str, params: dict[str, Any], msg_id: int) -> str:
    return json.dumps({"id": msg_id, "jsonrpc": "2.0", "method": method, "params": params})


@pytest.fixture
def pool(request: pytest.FixtureRequest) -> Iterator[PoolEmulator]:
    with PoolEmulator(request.param, job_interval=0.3) as emulator:
        yield emulator


@pytest.mark.parametrize("pool", ["stratum"], indirect=True)
def test_stratum_login_gets_a_job_and_submit_is_accepted(pool: PoolEmulator) -> None:
    login = rpc("login", {"login": WALLET, "pass": "x", "agent": "test"}, 1)

    async def scenario() -> None:
        async with connect(pool) as ws:
            await ws.send_str(login)
            answer = await recv_json(ws)
            result = answer["result"]
            assert answer["id"] == 1 and answer["error"] is None and result["status"] == "OK"
            job = result["job"]
            assert {"blob", "job_id", "target", "algo"} <= job.keys()
            assert len(job["blob"]) == 152 and job["blob"][78:86] == "00000000"  # nonce slot
            await ws.send_str(
                rpc(
                    "submit",
                    {"id": result["id"], "job_id": job["job_id"], "nonce": NONCE, "result": RESULT},
                    2,
                )
            )
            assert await recv_json(ws) == {
                "id": 2,
                "jsonrpc": "2.0",
                "error": None,
                "result": {"status": "OK"},
            }
            await ws.send_str(rpc("keepalived", {"id": result["id"]}, 3))
            assert (await recv_json(ws))["result"] == {"status": "KEEPALIVED"}
            pushed = await recv_json(ws)  # the pool hands out a new job on its own
            assert pushed["method"] == "job" and pushed["params"]["job_id"] != job["job_id"]

    asyncio.run(scenario())
    assert pool.accepted_shares == 1
    assert pool.logins == [WALLET]
    assert pool.received[0] == login and len(pool.received) == 3


@pytest.mark.parametrize("pool", ["stratum"], indirect=True)
def test_stratum_refuses_shares_it_did_not_ask_for(pool: PoolEmulator) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with connect(pool) as ws:
            await ws.send_str(rpc("submit", {"job_id": "x", "nonce": NONCE, "result": RESULT}, 1))
            before_login = await recv_json(ws)
            await ws.send_str(rpc("login", {"login": WALLET}, 2))
            job = (await recv_json(ws))["result"]["job"]
            await ws.send_str(
                rpc("submit", {"job_id": "not-a-job", "nonce": NONCE, "result": RESULT}, 3)
            )
            unknown_job = await recv_json(ws)
            await ws.send_str(
                rpc("submit", {"job_id": job["job_id"], "nonce": "xyz", "result": RESULT}, 4)
            )
            bad_nonce = await recv_json(ws)
            return [before_login, unknown_job, bad_nonce]

    answers = asyncio.run(scenario())
    assert [a["error"]["message"] for a in answers] == [
        "Unauthenticated",
        "Invalid share",
        "Invalid share",
    ]
    assert pool.accepted_shares == 0 and pool.rejected_shares == 2


@pytest.mark.parametrize("pool", ["coinhive"], indirect=True)
def test_coinhive_auth_job_and_hash_accepted(pool: PoolEmulator) -> None:
    async def scenario() -> None:
        async with connect(pool) as ws:
            await ws.send_str(
                json.dumps(
                    {
                        "type": "auth",
                        "params": {
                            "site_key": "SITEKEY123",
                            "type": "anonymous",
                            "user": None,
                            "goal": 0,
                        },
                    }
                )
            )
            assert await recv_json(ws) == {"type": "authed", "params": {"token": "", "hashes": 0}}
            job = await recv_json(ws)
            assert job["type"] == "job"
            assert {"job_id", "blob", "target"} <= job["params"].keys()
            await ws.send_str(
                json.dumps(
                    {
                        "type": "submit",
                        "params": {
                            "job_id": job["params"]["job_id"],
                            "nonce": NONCE,
                            "result": RESULT,
                        },
                    }
                )
            )
            accepted = await recv_json(ws)
            assert accepted["type"] == "hash_accepted" and accepted["params"]["hashes"] > 0
            assert (await recv_json(ws))["type"] == "job"  # pushed by the pool

    asyncio.run(scenario())
    assert pool.accepted_shares == 1 and pool.logins == ["SITEKEY123"]


@pytest.mark.parametrize("pool", ["webminerpool"], indirect=True)
def test_webminerpool_handshake_job_and_hashsolved(pool: PoolEmulator) -> None:
    async def scenario() -> None:
        async with connect(pool) as ws:
            await ws.send_str(
                json.dumps(
                    {
                        "identifier": "handshake",
                        "pool": "pool.example",
                        "login": WALLET,
                        "password": "x",
                        "userid": "",
                        "version": 7,
                    }
                )
            )
            job = await recv_json(ws)
            assert job["identifier"] == "job" and job["algo"] == "cn"
            assert {"job_id", "variant", "blob", "target"} <= job.keys()
            await ws.send_str(
                json.dumps(
                    {
                        "identifier": "solved",
                        "job_id": job["job_id"],
                        "nonce": NONCE,
                        "result": RESULT,
                    }
                )
            )
            assert await recv_json(ws) == {"identifier": "hashsolved"}

    asyncio.run(scenario())
    assert pool.accepted_shares == 1 and pool.logins == [WALLET]


@pytest.mark.parametrize("pool", ["line"], indirect=True)
def test_line_protocol_login_job_submit(pool: PoolEmulator) -> None:
    async def scenario() -> None:
        async with connect(pool) as ws:
            await ws.send_str(f"LOGIN {WALLET}")
            kind, job_id, blob, target = (await recv(ws)).split(",")
            assert kind == "JOB" and len(blob) == 152 and len(target) == 8
            await ws.send_str(f"SUBMIT,{job_id},{NONCE}")
            assert await recv(ws) == "GOOD"
            await ws.send_str("SUBMIT,nope,00000000")
            assert await recv(ws) == "BAD"

    asyncio.run(scenario())
    assert pool.accepted_shares == 1 and pool.rejected_shares == 1


def test_every_dialect_has_a_test_and_unknown_ones_are_refused() -> None:
    assert set(DIALECTS) == {"stratum", "coinhive", "webminerpool", "line"}
    with pytest.raises(ValueError, match="unknown pool dialect"):
        PoolEmulator("getwork")


def test_plain_http_to_the_pool_is_told_to_upgrade() -> None:
    with PoolEmulator() as pool:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(pool.ws_url.replace("ws://", "http://"), timeout=5)
        err.value.close()
        assert err.value.code == 426
