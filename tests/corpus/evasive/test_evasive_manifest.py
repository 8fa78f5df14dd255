"""Fast checks (no browser): the manifest keeps its promises and the pools count only real work."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib.util
import json
import struct
import sys
from pathlib import Path

import aiohttp
import pytest

HERE = Path(__file__).resolve().parent


def _load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, HERE / file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


runner = _load("evasive_corpus_runner", "runner.py")
PAGES = runner.load_manifest()
MINERS = [p for p in PAGES if p.label == "miner"]


def test_every_gate_kind_is_present_in_miners():
    gates = {p.gate for p in MINERS}
    assert gates == runner.GATES, runner.GATES - gates


def test_parts_match_paths_and_split_about_sixty_forty():
    for page in PAGES:
        assert page.path.split("/")[0] == page.part, page.path
        assert (runner.PAGES_DIR / page.path / "index.html").is_file(), page.path
    tuned = sum(p.part == "tuned" for p in PAGES) / len(PAGES)
    assert 0.55 <= tuned <= 0.65, tuned


def test_set_aside_repeats_evasions_built_differently():
    tuned = {(p.gate, p.variant) for p in MINERS if p.part == "tuned"}
    again = [p for p in MINERS if p.part == "set-aside" and p.gate in {g for g, _ in tuned} - {""}]
    assert len(again) >= 5
    assert all((p.gate, p.variant) not in tuned for p in again)


def test_mobile_gates_are_labelled_mobile_and_benign_pages_are_plain():
    assert all(p.profile == "mobile" for p in MINERS if p.gate == "mobile")
    assert all(p.profile == "desktop" for p in MINERS if p.gate != "mobile")
    clean = [p for p in PAGES if p.label == "clean"]
    assert len(clean) >= 2 and all(p.gate == "" and p.family == "none" for p in clean)
    assert sum(p.variant == "outlives-page" for p in MINERS) >= 2


def test_a_part_that_contradicts_the_path_is_refused(tmp_path):
    entry = (HERE / "manifest.toml").read_text().split("[[page]]")[1]
    bad = tmp_path / "manifest.toml"
    bad.write_text("[[page]]" + entry.replace('part = "tuned"', 'part = "set-aside"'))
    with pytest.raises(runner.ManifestError, match="does not match the path"):
        runner.load_manifest(bad)


def _share(blob: bytes, target_hex: str) -> tuple[str, str]:
    """Find a nonce the way the pages do (at byte 39, SHA-256, last word below the target)."""
    limit = struct.unpack("<I", bytes.fromhex(target_hex))[0]
    for n in range(1 << 22):
        nonce = struct.pack("<I", n)
        digest = hashlib.sha256(blob[:39] + nonce + blob[43:]).digest()
        if struct.unpack("<I", digest[28:])[0] < limit:
            return nonce.hex(), digest.hex()
    raise AssertionError("no share found")


async def _stratum_session(url: str, login: str) -> list[dict]:
    replies = []
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
        await ws.send_json({"id": 1, "method": "login", "params": {"login": login, "pass": "x"}})
        job = (await ws.receive_json())["result"]["job"]
        nonce, digest = _share(bytes.fromhex(job["blob"]), job["target"])
        wrong = hashlib.sha256(b"not the blob").hexdigest()
        for n, result in ((2, wrong), (3, digest)):
            params = {"id": "", "job_id": job["job_id"], "nonce": nonce, "result": result}
            await ws.send_json({"id": n, "method": "submit", "params": params})
            replies.append(await ws.receive_json())
    return replies


def test_the_pool_accepts_only_results_it_can_recompute():
    page = next(p for p in MINERS if p.path == "tuned/webdriver-gate")
    with runner.Sites() as sites:
        url = sites.origin.replace("http", "ws") + "/pool/stratum"
        replies = asyncio.run(_stratum_session(url, runner.login_for(page.path)))
        seen = sites.activity(page)
        assert sites.mined(page)
    assert replies[0]["error"] and replies[0]["result"] is None
    assert replies[1]["result"] == {"status": "OK"}
    assert (seen["work_sent"], seen["valid"], seen["invalid"]) == (1, 1, 1)


def test_a_login_that_only_connects_has_not_mined():
    page = next(p for p in MINERS if p.path == "tuned/useragent-gate")

    async def connect(url: str) -> None:
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            await ws.send_str(json.dumps({"type": "auth", "params": {"site_key": key}}))
            assert (await ws.receive_json())["type"] == "authed"
            assert (await ws.receive_json())["type"] == "job"

    key = runner.site_key_for(page.path)
    with runner.Sites() as sites:
        asyncio.run(connect(sites.origin.replace("http", "ws") + "/pool/hive"))
        assert sites.activity(page)["work_sent"] == 1
        assert not sites.mined(page)


def test_loaders_get_the_miner_encoded_with_its_login_filled_in():
    async def fetch(url: str) -> str:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return await response.text()

    with runner.Sites() as sites:
        b64 = asyncio.run(fetch(f"{sites.origin}/tuned/fetched-loader/payload.js.b64"))
        codes = asyncio.run(fetch(f"{sites.origin}/set-aside/fetched-charcodes/engine.js.codes"))
    payload = base64.b64decode(b64).decode()
    assert runner.login_for("tuned/fetched-loader") in payload and "new WebSocket" in payload
    engine = "".join(chr(c ^ ((i * 31 + 7) & 0x7F)) for i, c in enumerate(json.loads(codes)))
    assert runner.site_key_for("set-aside/fetched-charcodes") in engine and "Blob" in engine
