"""The evasive corpus is real: its gates open for a person's browser and stay shut for a bot's.

Plain Playwright on the system Chromium, no minerscan. Two visitors see every page:

* a person-like browser: a desktop Chrome user agent (and matching ``userAgentData`` brands),
  ``--disable-blink-features=AutomationControlled``, eight cores, a mouse that moves, a scroll, a
  click on empty space, the tab coming back to the front, the Pixel 7 descriptor for the mobile
  pages and a clock fast-forwarded 45 s for the delayed ones. Every miner page must mine: its pool
  gets back a result it re-hashed and found valid.
* a plain automated headless browser doing nothing for the same time: the gated miners must not
  mine, the ungated ones must (so it is the gate, not the browser, that stops them).

Benign pages never contact a pool and do show their benign feature.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import importlib.util
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _load_runner():
    # A unique module name: the other corpus also has a runner.py.
    spec = importlib.util.spec_from_file_location("evasive_corpus_runner", HERE / "runner.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


runner = _load_runner()
PAGES = runner.load_manifest()

DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
EIGHT_CORES = "Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', {get: () => 8});"
# The tab coming back to the front. Headless Chromium never fires these by itself (no tab
# switch, popup, minimise or focus-emulation change made it), so a person-like scanner plays them.
TAB_RETURNS = (
    "() => { document.dispatchEvent(new Event('visibilitychange'));"
    " window.dispatchEvent(new FocusEvent('focus')); }"
)
PLAIN_WINDOW_S = 10.0  # shorter than the shortest delay gate (12 s): "the same time"
PERSON_DEADLINE_S = 30.0
PERSON_PARALLEL = 6  # these pages mine: a few at a time on a small machine
PLAIN_PARALLEL = 14  # most of these sit idle behind their gates


def _brands(version: str) -> dict[str, list[dict[str, str]]]:
    major = version.split(".")[0]
    return {
        "brands": [
            {"brand": "Google Chrome", "version": major},
            {"brand": "Chromium", "version": major},
            {"brand": "Not_A Brand", "version": "24"},
        ],
        "fullVersionList": [
            {"brand": "Google Chrome", "version": version},
            {"brand": "Chromium", "version": version},
            {"brand": "Not_A Brand", "version": "24.0.0.0"},
        ],
    }


DESKTOP_METADATA = {
    **_brands("131.0.6778.86"),
    "platform": "Windows",
    "platformVersion": "10.0.0",
    "architecture": "x86",
    "model": "",
    "mobile": False,
    "bitness": "64",
}


def _phone_metadata(user_agent: str) -> dict:
    version = user_agent.split("Chrome/")[1].split(" ")[0]
    return {
        **_brands(version),
        "platform": "Android",
        "platformVersion": "14.0.0",
        "architecture": "",
        "model": "Pixel 7",
        "mobile": True,
    }


def _browser_path() -> str:
    from crawler.browser import BrowserNotFound, find_browser

    try:
        return find_browser().path
    except BrowserNotFound as exc:
        pytest.skip(str(exc))


async def _wait_mined(sites, page, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if sites.mined(page):
            return True
        await asyncio.sleep(0.25)
    return sites.mined(page)


async def _rig_valid(sites, page, rig: str) -> int:
    return sites.activity(page)["rigs"].get(rig, {}).get("valid", 0)


async def _grows_after_leaving(sites, page, tab, rig: str) -> bool:
    """Navigate the page away; the rig's accepted results must keep growing without it."""
    await tab.goto("about:blank")
    before = await _rig_valid(sites, page, rig)
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        if await _rig_valid(sites, page, rig) > before:
            return True
    return False


async def _act_like_a_person(tab) -> None:
    await tab.mouse.move(220, 180, steps=4)
    await tab.mouse.move(480, 330, steps=6)
    await tab.mouse.move(610, 290, steps=3)
    await tab.mouse.wheel(0, 400)
    await tab.mouse.click(1000, 650)  # empty space, away from any link or button
    await tab.evaluate(TAB_RETURNS)


async def _person_visit(playwright, browser, sites, page) -> dict:
    mobile = page.profile == "mobile"
    if mobile:
        device = {
            k: v for k, v in playwright.devices["Pixel 7"].items() if k != "default_browser_type"
        }
        options, metadata = device, _phone_metadata(device["user_agent"])
    else:
        options = {"user_agent": DESKTOP_UA, "viewport": {"width": 1280, "height": 720}}
        metadata = DESKTOP_METADATA
    context = await browser.new_context(**options)
    try:
        await context.add_init_script(EIGHT_CORES)
        tab = await context.new_page()
        cdp = await context.new_cdp_session(tab)
        await cdp.send(
            "Emulation.setUserAgentOverride",
            {"userAgent": options["user_agent"], "userAgentMetadata": metadata},
        )
        clocked = page.gate == "delay" or page.variant == "delayed-popin"
        if clocked:
            await tab.clock.install()
        await tab.goto(sites.url(page), wait_until="load")
        if clocked:
            await tab.clock.fast_forward("00:45")
        await _act_like_a_person(tab)
        return await _person_checks(sites, page, context, tab)
    finally:
        await context.close()


async def _person_checks(sites, page, context, tab) -> dict:
    start = time.monotonic()
    seen: dict = {"path": page.path}
    if page.label == "clean":
        seen["feature"] = await _benign_feature(tab, page, automated=False)
        await asyncio.sleep(2)
        seen["activity"] = sites.activity(page)
        return seen
    seen["mined"] = await _wait_mined(sites, page, start + PERSON_DEADLINE_S)
    seen["seconds"] = round(time.monotonic() - start, 1)
    if page.variant == "outlives-page":
        rigs = ["under", "shared"] if page.part == "tuned" else ["sw"]
        deadline = start + PERSON_DEADLINE_S
        while time.monotonic() < deadline and not all(
            [await _rig_valid(sites, page, rig) for rig in rigs]
        ):
            await asyncio.sleep(0.25)
        seen["rigs_mined"] = {rig: await _rig_valid(sites, page, rig) > 0 for rig in rigs}
        seen["outlives"] = await _grows_after_leaving(sites, page, tab, rigs[-1])
    if page.gate == "visibility":
        seen["pauses"] = await _pauses_on_blur(sites, page, tab)
    seen["activity"] = sites.activity(page)
    return seen


async def _pauses_on_blur(sites, page, tab) -> bool:
    """The tab losing focus stops the hashing: no accepted result after a short grace."""
    await tab.evaluate("() => window.dispatchEvent(new FocusEvent('blur'))")
    await asyncio.sleep(1.0)  # results already on the wire may still land
    before = sites.activity(page)["results"]
    await asyncio.sleep(2.0)
    return sites.activity(page)["results"] == before


@functools.cache
def _download_digest() -> str:
    """What benign-checksum-once must show: SHA-256 of its generated 4 MB "download"."""
    data = bytes(((i * 2654435761) % 2**32) >> 24 for i in range(4 * 1024 * 1024))
    return hashlib.sha256(data).hexdigest()


async def _benign_feature(tab, page, *, automated: bool) -> bool:
    """Each benign page visibly does its harmless thing."""
    if page.variant == "webdriver-warning":
        shown = await tab.is_visible("#automation-banner")
        return shown == automated
    if page.variant == "delayed-popin":
        if automated:
            return not await tab.is_visible("#newsletter")
        await tab.wait_for_selector("#newsletter", state="visible", timeout=5000)
        return True
    if page.variant == "click-popup":
        if automated:
            return True
        async with tab.expect_popup() as popup_info:
            await tab.click("#help")
        popup = await popup_info.value
        await popup.wait_for_load_state()
        return await popup.title() == "Help: box 12"
    if page.variant == "one-off-hash":
        await tab.wait_for_function("document.getElementById('digest').textContent.length == 64")
        return await tab.text_content("#digest") == _download_digest()
    raise AssertionError(f"no benign check for {page.path}")


async def _plain_visit(browser, sites, page) -> dict:
    context = await browser.new_context()
    try:
        tab = await context.new_page()
        await tab.goto(sites.url(page), wait_until="load")
        cores = await tab.evaluate("navigator.hardwareConcurrency")
        # Right after load: the delayed pop-in must not be there yet, whatever the machine's pace.
        feature = (
            await _benign_feature(tab, page, automated=True) if page.label == "clean" else None
        )
        # A page that mines is done (for a gated one that is already the failure); the others
        # get the whole window.
        mined = await _wait_mined(sites, page, time.monotonic() + PLAIN_WINDOW_S)
        seen = {"path": page.path, "cores": cores, "mined": mined}
        if page.label == "clean":
            seen["feature"] = feature
        seen["activity"] = sites.activity(page)
        return seen
    finally:
        await context.close()


async def _visit_all(visit, pages, parallel: int) -> list[dict]:
    gate = asyncio.Semaphore(parallel)

    async def one(page):
        async with gate:
            return await visit(page)

    return await asyncio.gather(*(one(p) for p in pages))


def _run_person() -> tuple[list[dict], float]:
    from playwright.async_api import async_playwright

    path = _browser_path()
    _download_digest()  # once, before the pages: it would stall the event loop for a second

    async def main() -> list[dict]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=path, args=["--disable-blink-features=AutomationControlled"]
            )
            try:
                return await _visit_all(
                    lambda p: _person_visit(playwright, browser, sites, p), PAGES, PERSON_PARALLEL
                )
            finally:
                await browser.close()

    started = time.monotonic()
    with runner.Sites() as sites:
        results = asyncio.run(main())
    return results, time.monotonic() - started


def _run_plain() -> list[dict]:
    from playwright.async_api import async_playwright

    path = _browser_path()

    async def main() -> list[dict]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=path)
            try:
                return await _visit_all(
                    lambda p: _plain_visit(browser, sites, p), PAGES, PLAIN_PARALLEL
                )
            finally:
                await browser.close()

    with runner.Sites() as sites:
        return asyncio.run(main())


def _no_pool_contact(activity: dict) -> bool:
    return activity["connections"] == 0 and activity["work_sent"] == 0 and activity["results"] == 0


def _print_lines(results: list[dict]) -> None:
    """One line per page (shown with -s): what the visit saw and what the pool counted."""
    for seen in results:
        counts = {k: seen["activity"][k] for k in ("work_sent", "valid", "invalid", "stale")}
        print({k: v for k, v in seen.items() if k != "activity"}, counts)


@pytest.mark.browser
def test_every_miner_mines_for_a_person_like_browser():
    results, took = _run_person()
    _print_lines(results)
    by_path = {r["path"]: r for r in results}
    failures = []
    for page in PAGES:
        seen = by_path[page.path]
        if page.label == "clean":
            if not seen["feature"] or not _no_pool_contact(seen["activity"]):
                failures.append(seen)
            continue
        if not seen["mined"] or seen["activity"]["invalid"] or seen.get("pauses") is False:
            failures.append(seen)
        if page.variant == "outlives-page" and not (
            all(seen["rigs_mined"].values()) and seen["outlives"]
        ):
            failures.append(seen)
    assert not failures, failures
    print(f"person-like visit of {len(PAGES)} pages took {took:.1f} s")


@pytest.mark.browser
def test_gated_miners_stay_quiet_for_a_plain_headless_browser():
    results = _run_plain()
    _print_lines(results)
    by_path = {r["path"]: r for r in results}
    failures = []
    for page in PAGES:
        seen = by_path[page.path]
        if page.label == "clean":
            if not seen["feature"] or not _no_pool_contact(seen["activity"]):
                failures.append(seen)
            continue
        expect = page.gate == "" or (page.gate == "cores" and seen["cores"] >= 4)
        if seen["mined"] != expect:
            failures.append({"expected_mined": expect, **seen})
    assert not failures, failures
