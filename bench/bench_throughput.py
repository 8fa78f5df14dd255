"""Scan throughput: N generated local pages, with analysis off the browser's loop and on it.

Every page has an ordinary site's HTML and CSS and a script of its own (150 kB by default);
every fifth also compiles a large WebAssembly module (≈500 kB of Keccak-like functions) that the
pure-Python wasm decoder has to walk. Each mode is one real ``run_scan`` (real Chromium, SQLite)
in a child process, every page a target (depth 0), at the machine's default concurrency or at
each ``--concurrency`` given:

- ``off-loop``: how scans run (crawler/pipeline.py → minerscan/stage.py): visits queued to a
  writer thread, analysis in a process pool;
- ``on-loop``: storing and analysing inside Scrapy's item pipeline, on the asyncio loop that
  drives every page (how scans ran before), kept only to compare;
- ``writer-only`` (not run by default): off the loop, but analysed on the writer thread, with
  no process pool (``analysis_workers = 0``).

Printed per mode: wall time of the scan, pages per minute, and the peak memory (PSS, sampled
every 0.5 s) of the whole process tree: scanner, analysis processes, Chromium.

    .venv/bin/python bench/bench_throughput.py [--pages 60] [--dwell 2] [--modes off-loop,on-loop]
        [--concurrency 4,8]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proctree import pss_bytes, tree

from minerscan.sites import SiteServer, make_wasm

MODES = ("off-loop", "on-loop", "writer-only")

CHILD = r"""
import json, sys, time
from analyzers.engine import AnalysisContext
from minerscan.config import build_config
from minerscan.scan import run_scan
from storage import Store

args = json.loads(sys.argv[1])
config = build_config(
    targets=tuple(args["urls"]), db=args["db"], depth=0, dwell=args["dwell"],
    max_dwell=args["dwell"], closed_network=True, exit_zero=True,
    concurrency=args["concurrency"],
    analysis_workers=0 if args["mode"] == "writer-only" else None,
)
with Store.open(config.db) as store:
    started = time.monotonic()
    outcome = run_scan(
        config, store, AnalysisContext.load(), extra_lists=[],
        analysis_on_loop=args["mode"] == "on-loop",
    )
    seconds = time.monotonic() - started
verdicts = {}
for page in outcome.result.pages:
    verdicts[str(page.verdict)] = verdicts.get(str(page.verdict), 0) + 1
print(json.dumps({
    "seconds": seconds, "pages": len(outcome.result.pages), "verdicts": verdicts,
    "concurrency": config.concurrency, "basis": config.concurrency_basis,
}))
"""

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Shop page {n}</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body><header><h1>Garden shop, page {n}</h1><nav>{nav}</nav></header>
<main>{body}</main>
<script src="/static/app-{n}.js"></script>
{wasm}
</body></html>
"""

WASM_LOADER = """<script>
fetch("/static/big.wasm").then(r => r.arrayBuffer()).then(b => WebAssembly.compile(b))
  .then(() => { document.title += " (wasm ready)"; });
</script>"""

CSS = "body{font-family:sans-serif;margin:2em}main div{padding:.2em}nav a{margin-right:1em}\n"


def _script(n: int, size: int) -> str:
    """A bundle-like script of about ``size`` bytes, different on every page."""
    rng = random.Random(n)
    parts = [f"/* app bundle {n} */\n(function(){{var state = {{page: {n}}};\n"]
    length = len(parts[0])
    i = 0
    while length < size:
        line = (
            f"function handler_{n}_{i}(event, value) {{ state.k{i % 97} = "
            f"(value * {rng.randint(2, 999)} + {rng.randint(0, 99999)}) % 65521; "
            f"return state.k{i % 97} ^ {rng.randint(0, 255)}; }}\n"
        )
        parts.append(line)
        length += len(line)
        i += 1
    parts.append("document.addEventListener('click', function(e){ handler_0(e, 1); });})();\n")
    return "".join(parts)


def _big_wasm(functions: int = 400) -> bytes:
    """A valid module of many Keccak-round functions: heavy for the wasm decoder."""
    w = make_wasm
    body = w.keccak_function()
    types = w.vec([bytes([0x60]) + w.vec([bytes([w.I32])]) + w.vec([])])
    memory = w.vec([bytes([0x00]) + w.uleb(w.MEMORY_PAGES)])
    return (
        b"\0asm"
        + (1).to_bytes(4, "little")
        + w.section(1, types)
        + w.section(3, w.vec([w.uleb(0)] * functions))
        + w.section(5, memory)
        + w.section(10, w.vec([body] * functions))
    )


def build_site(folder: Path, pages: int, script_bytes: int) -> None:
    static = folder / "static"
    static.mkdir(parents=True)
    (static / "site.css").write_text(CSS)
    (static / "big.wasm").write_bytes(_big_wasm())
    nav = " ".join(f'<a href="/p{i}.html">page {i}</a>' for i in range(12))
    for n in range(pages):
        body = "".join(
            f"<div class='item'><h2>Plant {n}-{i}</h2><p>Water weekly; light: "
            f"{'full sun' if i % 2 else 'shade'}.</p></div>"
            for i in range(60)
        )
        wasm = WASM_LOADER if n % 5 == 0 else ""
        (folder / f"p{n}.html").write_text(PAGE.format(n=n, nav=nav, body=body, wasm=wasm))
        (static / f"app-{n}.js").write_text(_script(n, script_bytes))


def run_mode(
    mode: str, urls: list[str], workdir: Path, dwell: float, concurrency: int | None
) -> dict:
    args = {
        "mode": mode,
        "urls": urls,
        "db": str(workdir / f"{mode}-{concurrency}.db"),
        "dwell": dwell,
        "concurrency": concurrency,
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, pss_bytes(tree(proc.pid)))
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{mode} scan failed ({proc.returncode}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_pss"] = peak
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--dwell", type=float, default=2.0)
    parser.add_argument("--script-kb", type=int, default=150)
    parser.add_argument("--modes", default="off-loop,on-loop")
    parser.add_argument(
        "--concurrency",
        default="",
        help="comma-separated pages-at-once figures to run each mode at (default: the machine's)",
    )
    options = parser.parse_args()
    modes = [m for m in options.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(sorted(unknown))}; choose from {MODES}")
    with tempfile.TemporaryDirectory(prefix="minerscan-bench-") as tmp:
        workdir = Path(tmp)
        build_site(workdir / "site", options.pages, options.script_kb * 1024)
        with SiteServer(workdir / "site") as site:
            urls = [site.url(f"p{n}.html") for n in range(options.pages)]
            print(
                f"{options.pages} pages ({options.script_kb} kB script each, every 5th with a "
                f"{len(_big_wasm()) // 1024} kB wasm module), dwell {options.dwell:g} s"
            )
            print(
                f"{'mode':<10} {'conc':>4} {'pages':>5} {'wall s':>7} {'pages/min':>9} "
                f"{'peak PSS':>9}  verdicts"
            )
            levels = [int(c) for c in options.concurrency.split(",") if c] or [None]
            for mode, level in ((m, c) for c in levels for m in modes):
                r = run_mode(mode, urls, workdir, options.dwell, level)
                print(
                    f"{mode:<10} {r['concurrency']:>4} {r['pages']:>5} {r['seconds']:>7.1f} "
                    f"{r['pages'] / r['seconds'] * 60:>9.1f} {r['peak_pss'] / 2**30:>7.2f} GB"
                    f"  {r['verdicts']}"
                )
                sys.stdout.flush()


if __name__ == "__main__":
    main()
