"""The pure parts of the instrumentation: no browser needed."""

from __future__ import annotations

import os

from crawler.instrument import browser_args, is_third_party, procfs, read_interface, site_of
from crawler.instrument.cpu import CpuMeter, _Sample
from crawler.instrument.dom import cap_text, inventory
from crawler.instrument.targets import TargetTree, monotonic_clock
from minerscan.sites.demo import MINER_STATIC


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _name(text: str) -> bytes:
    raw = text.encode()
    return _leb(len(raw)) + raw


def _section(section_id: int, body: bytes) -> bytes:
    return bytes([section_id]) + _leb(len(body)) + body


def _module() -> bytes:
    imports = _leb(3) + (
        _name("env")
        + _name("abort")
        + b"\x00"
        + _leb(0)  # function
        + _name("env")
        + _name("memory")
        + b"\x02\x01"
        + _leb(1)
        + _leb(256)  # memory, max
        + _name("js")
        + _name("table")
        + b"\x01\x70\x00"
        + _leb(4)  # table of funcref
    )
    exports = _leb(2) + _name("cryptonight_hash") + b"\x00" + _leb(1) + _name("mem") + b"\x02\x00"
    type_section = _section(1, _leb(1) + b"\x60\x00\x00")
    return (
        b"\x00asm\x01\x00\x00\x00"
        + type_section
        + _section(2, imports)
        + _section(0, _name("custom") + b"junk")
        + _section(7, exports)
    )


def test_wasm_imports_and_exports_are_read():
    interface = read_interface(_module())
    assert interface.imports == ("env.abort", "env.memory", "js.table")
    assert interface.exports == ("cryptonight_hash", "mem")


def test_wasm_reader_survives_garbage_and_truncation():
    module = _module()
    assert read_interface(b"not wasm at all") == read_interface(b"")
    for cut in range(len(module)):
        read_interface(module[:cut])  # never raises
    # A section claiming to be huge is read as far as the bytes go.
    bogus = b"\x00asm\x01\x00\x00\x00" + b"\x07" + _leb(2**31) + _leb(1) + _name("x") + b"\x00\x00"
    assert read_interface(bogus).exports == ("x",)


def test_wasm_reader_on_the_demo_miner_module():
    assert "hash" in read_interface((MINER_STATIC / "m.wasm").read_bytes()).exports


def test_third_party_uses_registrable_domains_offline():
    assert site_of("https://a.b.example.co.uk/x") == "example.co.uk"
    assert not is_third_party("https://cdn.example.com/m.js", "https://www.example.com/")
    assert is_third_party("https://coinhive.com/lib.js", "https://www.example.com/")
    assert is_third_party("http://localhost:8001/m.js", "http://127.0.0.1:8000/")
    assert not is_third_party("blob:http://127.0.0.1:8000/0d1e", "http://127.0.0.1:9000/")
    assert not is_third_party("data:text/javascript,1", "http://127.0.0.1:8000/")


def test_dom_inventory_resolves_and_counts():
    html = """<html><head><base href="/sub/"></head><body onload="go()">
      <script src="a.js"></script><script src="//cdn.example.net/m.js"></script>
      <script>var x = 1;</script><script type="application/json">{"a":1}</script>
      <script></script>
      <iframe src="frame.html"></iframe><div onclick="x()" onmouseover="y()"></div>
    </body></html>"""
    found = inventory(html, "http://127.0.0.1:8000/page/index.html")
    assert found.script_srcs == ("http://127.0.0.1:8000/sub/a.js", "http://cdn.example.net/m.js")
    assert found.inline_scripts == 1
    assert found.iframes == ("http://127.0.0.1:8000/sub/frame.html",)
    assert found.inline_handlers == 3


def test_cap_text_never_splits_a_character():
    assert cap_text("ab€", 4) == "ab"
    assert cap_text("abc", 10) == "abc"


def test_browser_args_follow_the_ground_rules():
    args = browser_args(as_root=False, closed_network=False)
    for flag in (
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ):
        assert flag in args
    assert "--no-sandbox" not in args and not any("resolver" in a for a in args)
    closed = browser_args(as_root=True, closed_network=True)
    assert "--no-sandbox" in closed
    rules = "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE *.localhost , EXCLUDE 127.0.0.1"
    assert f"--host-resolver-rules={rules}" in closed


def test_procfs_reads_this_process_threads():
    snapshot = procfs.process_snapshot(os.getpid())
    assert snapshot is not None and os.getpid() in snapshot.threads
    assert snapshot.cpu_seconds >= snapshot.threads[os.getpid()].cpu_seconds - 0.05
    busy, total = procfs.machine_times() or (0, 0)
    assert 0 <= busy <= total
    assert procfs.worker_thread_kind("DedicatedWorker") == "dedicated"
    assert procfs.worker_thread_kind("ServiceWorker t") == "service"
    assert procfs.worker_thread_kind("Compositor") is None


class _SilentSession:
    """A CDP session that answers nothing: the meter's matching is pure arithmetic."""

    async def send(self, method: str, params: object = None) -> None:
        return None

    def on(self, event: str, handler: object) -> None:
        pass


def _idle_meter() -> CpuMeter:
    return CpuMeter(TargetTree(_SilentSession(), monotonic_clock()), monotonic_clock())


def test_cpu_meter_does_not_match_a_renderer_that_stood_still_while_the_page_worked() -> None:
    """A renderer of another browser that happens to sit near the page's CPU total is not the
    page's: the page's ProcessTime moved 0.8 s and that renderer not at all. The page's own
    renderer, read late by a loaded machine, is off by more than the tolerance: unmatched, so
    the page's own ProcessTime is what the profile counts, never the idle stranger's zero."""
    meter = _idle_meter()
    root = meter._tree.root
    page_times = (0.4, 0.667, 0.933, 1.2)
    for n, process_time in enumerate(page_times):
        renderers = {100: process_time + 0.45, 200: 0.8}
        meter._samples.append(
            _Sample(
                float(n),
                {root: {"ProcessTime": process_time, "ThreadTime": 0.1}},
                renderers,
                {root: renderers},
            )
        )
    assert meter._match(root) is None
    profile = meter.profile(2)
    assert profile is not None
    assert round(profile.process_seconds, 3) == 0.8


def test_cpu_meter_does_not_match_a_renderer_read_once_and_then_gone() -> None:
    """A closed page's renderer matched the first sample to 0.01 s and then exited; the page's
    own renderer tracked its ProcessTime in every sample. The page's is the one that tracked."""
    meter = _idle_meter()
    root = meter._tree.root
    for n, process_time in enumerate((0.17, 0.55, 1.26, 1.75, 2.63)):
        renderers = {300: process_time + 0.02}
        if n == 0:
            renderers[400] = 0.16
        meter._samples.append(
            _Sample(float(n), {root: {"ProcessTime": process_time}}, renderers, {root: renderers})
        )
    assert meter._match(root) == 300


def test_a_page_that_went_busy_late_is_watched_until_it_was_busy_for_three_samples() -> None:
    from crawler.instrument.page import went_busy_lately

    assert went_busy_lately((0.01, 0.02, 0.2))  # a late starter: keep watching
    assert went_busy_lately((0.01, 0.02, 0.19, 0.27))  # slow climb on a loaded machine
    assert not went_busy_lately((0.01, 0.3, 0.3, 0.3))  # busy long enough to be judged
    assert not went_busy_lately((0.9, 0.9, 0.9))  # busy from the start: nothing to wait for
    assert not went_busy_lately((0.9, 0.9, 0.02))  # went idle: nothing starting
    assert not went_busy_lately(())


def test_a_starved_page_is_watched_longer_in_proportion_up_to_one_and_a_half_dwells() -> None:
    from crawler.instrument import InstrumentOptions
    from crawler.instrument.page import PageInstrumentation
    from model.observations import CpuProfile

    class Meter:
        def __init__(self, process_seconds: float, demand: float | None) -> None:
            self.so_far = CpuProfile(5.0, process_seconds, 0.1, 0.0, demand_cores=demand)

        def profile(self, _: int) -> CpuProfile:
            return self.so_far

    watch = PageInstrumentation(InstrumentOptions(dwell=5.0, max_dwell=15.0), page_url="x")
    watch._cpu = Meter(1.0, 0.8)  # got 0.2 cores, asked for 0.8: watched up to 7.5 s
    assert watch._starved_for(7.0) and not watch._starved_for(7.6)
    watch._cpu = Meter(1.0, 0.3)  # got 0.2, asked for 0.3: not starved, 5 s as usual
    assert not watch._starved_for(5.5)
    watch._cpu = Meter(0.15, 0.44)  # an idle page (0.03 cores) whose wake-ups waited
    assert not watch._starved_for(5.5)
    watch._cpu = Meter(1.0, None)  # demand unknown (no /proc): judged as before
    assert not watch._starved_for(5.5)
