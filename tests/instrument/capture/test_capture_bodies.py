"""Evidence that survives evasion: a miner polling over HTTP, and a socket kept alive.

Real Chromium against the counting site in conftest.py: what the browser recorded is compared
with what the server really answered.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest
from playwright.async_api import async_playwright

from crawler.instrument import InstrumentOptions
from crawler.instrument.requests import endpoint_of
from model.observations import FrameDirection, RequestObservation, WebSocketSession

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

N = 5  # max_frames: calls with bodies kept at each end, per endpoint; frames per direction
CAP = 64  # frame_bytes: per body and per frame
POLLER = InstrumentOptions(dwell=15.0, max_dwell=15.0, max_frames=N, frame_bytes=CAP)
SOCKETS = InstrumentOptions(dwell=4.0, max_dwell=4.0, max_frames=N, frame_bytes=CAP)
CASES = {
    "poller": ("http-poller/", POLLER),
    "page-socket": ("socket-keepalive/", SOCKETS),
    "shared-socket": ("socket-keepalive/shared.html", SOCKETS),
}


@pytest.fixture(scope="module")
def visits(capture_site: Any, harness: Any) -> dict[str, Any]:
    async def render_all() -> dict[str, Any]:
        async with async_playwright() as playwright:
            browser = await harness.launch(playwright)
            try:
                rendered = await asyncio.gather(
                    *(
                        harness.render(browser, capture_site.url(path), options)
                        for path, options in CASES.values()
                    )
                )
            finally:
                await browser.close()
        return dict(zip(CASES, rendered))

    return asyncio.run(render_all())


def _calls(visit: Any, site: Any, path: str) -> list[RequestObservation]:
    return [r for r in visit.result.requests if endpoint_of(r.url) == site.url(path)]


# -- HTTP polling ------------------------------------------------------------------------------


def test_every_poll_is_counted_and_timed(visits, capture_site):
    work = _calls(visits["poller"], capture_site, "api/work")
    served = capture_site.calls["/api/work"]
    assert served >= 50  # 15 s at one poll per 200 ms, on a busy machine
    # Calls in flight when the page was closed may be answered and not reported, or not both.
    assert served - 2 <= len(work) <= served + 1
    times = [r.time for r in visits["poller"].result.requests]
    assert all(t is not None and 0 <= t <= 25 for t in times)
    assert times == sorted(times)
    assert work[-1].time - work[0].time > 10


def test_first_and_last_polls_keep_their_bodies_and_the_middle_does_not(visits, capture_site):
    work = _calls(visits["poller"], capture_site, "api/work")
    with_body = [r for r in work if r.response_body is not None]
    assert len(with_body) <= 2 * N  # memory stays bounded however long it polls
    # Polls can overlap on a busy machine, so the server may number them a little out of order.
    first_jobs = [int(r.response_body.text.split(",")[0].split(":")[1]) for r in work[:N]]
    assert max(first_jobs) < N + 2
    assert all(r.response_body is None for r in work[N + 2 : -N - 2])
    last_job = int(with_body[-1].response_body.text.split(",")[0].split(":")[1])
    assert last_job >= max(capture_site.jobs_served) - 3  # the latest work, not stale


def test_bodies_are_capped_with_their_whole_size(visits, capture_site):
    first = _calls(visits["poller"], capture_site, "api/work")[0].response_body
    assert first.truncated and len(first.text.encode()) == CAP and first.size > CAP
    result = _calls(visits["poller"], capture_site, "api/result")
    assert result[0].method == "POST"
    # Polls overlap on a busy machine: the first poll's result may be sent a little later.
    (first_sent,) = [r for r in result[:4] if r.request_body.text.endswith('"nonce":"n0"}')]
    assert not first_sent.request_body.truncated
    assert json.loads(first_sent.response_body.text)["echo"] == first_sent.request_body.text
    last_sent = [r for r in result if r.request_body is not None][-1]
    assert int(last_sent.request_body.text.split('"n')[-1].rstrip('"}')) >= len(result) - 4


def test_binary_bodies_are_base64(visits, capture_site):
    (call,) = _calls(visits["poller"], capture_site, "api/bin")
    body = call.response_body
    assert body.binary and body.truncated and body.size == 1024
    assert base64.b64decode(body.text) == bytes(range(CAP))


def test_beacon_body_is_kept(visits, capture_site):
    (beacon,) = _calls(visits["poller"], capture_site, "api/ping")
    assert beacon.resource_type == "ping"
    assert beacon.request_body.text == "beacon-hello"


def test_no_bodies_for_documents_scripts_and_images(visits):
    content = [
        r
        for r in visits["poller"].result.requests
        if r.resource_type in ("document", "script", "image")
    ]
    assert {r.resource_type for r in content} == {"document", "script", "image"}
    assert all(r.request_body is None and r.response_body is None for r in content)


def test_worker_calls_are_the_worker_s_with_their_bodies(visits, capture_site):
    calls = _calls(visits["poller"], capture_site, "api/worker-result")
    served = capture_site.calls["/api/worker-result"]
    assert served >= 30 and served - 2 <= len(calls) <= served + 1
    assert {r.context for r in calls} == {f"worker:{capture_site.url('http-poller/worker.js')}"}
    kept = [r for r in calls if r.request_body is not None]
    assert kept[0].request_body.text == "worker-share-0"
    assert kept[0].response_body.text.startswith('{"accepted": 0')
    assert len(kept) <= 2 * N
    assert int(kept[-1].request_body.text.rsplit("-", 1)[1]) >= len(calls) - 3


# -- sockets kept alive ------------------------------------------------------------------------


def _socket(visit: Any, who: str) -> WebSocketSession:
    (socket,) = [s for s in visit.result.websockets if s.url.endswith(f"/ws?who={who}")]
    return socket


@pytest.mark.parametrize(
    ("case", "who", "context"),
    [("page-socket", "page", "page"), ("shared-socket", "shared", "shared_worker:")],
)
def test_login_and_latest_jobs_both_survive_keepalives(visits, case, who, context):
    socket = _socket(visits[case], who)
    assert socket.context.startswith(context)
    # login + 30 keep-alives + 3 x (getjob, submit); authed + 30 acks + 3 x (job, accepted)
    assert (socket.frames_sent, socket.frames_received) == (37, 37)
    sent = [f for f in socket.frames if f.direction is FrameDirection.SENT]
    received = [f for f in socket.frames if f.direction is FrameDirection.RECEIVED]
    expected = [*range(N), *range(37 - N, 37)]
    assert [f.index for f in sent] == expected
    assert [f.index for f in received] == expected
    assert '"login"' in sent[0].payload and "wallet-" + who in sent[0].payload
    assert '"j3"' in sent[-1].payload and '"submit"' in sent[-1].payload
    assert '"j3"' in received[-2].payload and "accepted" in received[-1].payload
    times = [f.time for f in socket.frames]
    assert times == sorted(times)


def test_a_full_recorder_still_shows_the_latest_polls(capture_site, harness, monkeypatch):
    """Past the recorder's cap, the newest call of a polling endpoint replaces the call that
    just left its window: memory stays bounded and the latest work stays visible."""
    from crawler.instrument import requests as recorder

    monkeypatch.setattr(recorder, "_MAX_REQUESTS", 30)
    options = InstrumentOptions(dwell=5.0, max_dwell=5.0, max_frames=3, frame_bytes=CAP)

    async def render() -> Any:
        async with async_playwright() as playwright:
            browser = await harness.launch(playwright)
            try:
                return await harness.render(browser, capture_site.url("http-poller/"), options)
            finally:
                await browser.close()

    served_before = capture_site.calls["/api/work"]
    visit = asyncio.run(render())
    requests = visit.result.requests
    assert len(requests) <= 30
    work = _calls(visit, capture_site, "api/work")
    served = capture_site.calls["/api/work"] - served_before
    assert served >= 15  # well past the cap with everything else the page requests
    last_numbers = [int(r.url.rsplit("=", 1)[1]) for r in work[-3:]]
    assert min(last_numbers) >= served - 6  # the newest polls, not the ones before the cap
    assert [int(r.url.rsplit("=", 1)[1]) for r in work[:3]] == [0, 1, 2]  # and the first
