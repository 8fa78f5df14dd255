"""``minerscan survey`` against the plain sequential Playwright loop: pages/min and peak memory.

    .venv/bin/python bench/bench_survey.py                  # 200 sites, 5 s dwell, loop on all
    .venv/bin/python bench/bench_survey.py --sites 40 --sequential-sites 12 [--concurrency 8]

Each generated site is one landing page of an ordinary shop: its own HTML (60 product blocks),
the CSS and a 150 kB script of its own (bench_throughput.py's generator); every 20th site, from
the 10th on, also carries a miner, as in bench_static.py: a CoinHive snippet inline or a
CryptoLoot copy served by the site (neither mines for real). One SiteServer serves them all;
``site{n}.localhost`` host names (loopback to Chromium) make each its own site to the survey.

- ``sequential``: what a researcher would write, in a child process: one Chromium, and per URL
  a new page, ``goto(url, wait_until="load")``, ``wait_for_timeout(dwell)``, close.
- ``survey``: the real CLI, ``minerscan survey LIST --pages-per-site 1 --offline --dwell D``,
  everything else at its defaults (concurrency chosen from the machine) unless ``--concurrency``.

Wall time is the child's, start to exit (Python, Playwright and Chromium start-up included);
peak PSS is of the child's whole process tree (Python, Playwright's driver, every Chromium
process), sampled every 0.5 s, also per quarter of the run (does memory stay flat over a long
list?), and CPU a page sums every process the tree ever held, also split by kind of process (the
command, its analysis processes, the driver, the browser, renderers, GPU ...); the machine's busy
share comes from /proc/stat. The stored visits say where a page's time went (load, dwell,
afterlife) and when each started, so a survey that leaves its browser idle shows. The loop's rate
does not depend on the list's length (a page costs its load plus the dwell), so ``--sequential-sites K`` times it on the first K sites and
estimates the full list as start-up + N x the time a page took; the ratio then uses that.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_throughput import CSS, _script
from proctree import cpu_seconds, pss_bytes, tree

from crawler.instrument.procfs import machine_times
from minerscan.sites.server import SiteServer
from storage import Store

MINER_EVERY = 20
LOOP = r"""
import json, sys, time
from playwright.sync_api import sync_playwright
from crawler.browser import find_browser

urls, dwell = open(sys.argv[1]).read().split(), float(sys.argv[2])
failed = 0
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=find_browser().path, args=["--no-sandbox"])
    started = time.monotonic()
    for url in urls:
        page = browser.new_page()
        try:
            page.goto(url, wait_until="load")
            page.wait_for_timeout(dwell * 1000)
        except Exception as exc:
            failed += 1
            print(f"{url}: {exc}", file=sys.stderr)
        page.close()
    seconds = time.monotonic() - started
    browser.close()
print(json.dumps({"loop_seconds": seconds, "failed": failed}))
"""
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{host}: garden shop</title>
<link rel="stylesheet" href="site.css"></head>
<body><header><h1>{host}</h1><nav>{nav}</nav></header><main>{body}</main>
<script src="app.js"></script>{miner}
</body></html>
"""
COINHIVE = (
    "<script>var m = new CoinHive.Anonymous('SiteKeyForBench0000000000'); m.start();</script>"
)
LOOT = (
    "var miner = new CRLT.Anonymous('f3e1c2b7a9d84e6f0a5b3c1d2e7f8a9b', {threads: 2});\n"
    "miner.start();\n"
)


def build_sites(root: Path, sites: int) -> set[int]:
    """Site n lives in ``root/s{n}/``; returns the numbers of the sites with a miner."""
    miners: set[int] = set()
    for n in range(sites):
        folder = root / f"s{n}"
        folder.mkdir(parents=True)
        (folder / "site.css").write_text(CSS)
        (folder / "app.js").write_text(_script(n, 150 * 1024))
        miner = ""
        if n % MINER_EVERY == MINER_EVERY // 2:
            miners.add(n)
            if (n // MINER_EVERY) % 2:
                (folder / "loot.js").write_text(LOOT)
                miner = '<script src="loot.js"></script>'
            else:
                miner = COINHIVE
        nav = " ".join(f'<a href="#c{i}">category {i}</a>' for i in range(12))
        body = "".join(
            f"<div class='item'><h2>Plant {n}-{i}</h2><p>Water weekly; light: "
            f"{'full sun' if i % 2 else 'shade'}.</p></div>"
            for i in range(60)
        )
        (folder / "index.html").write_text(
            PAGE.format(host=f"site{n}", nav=nav, body=body, miner=miner)
        )
    return miners


@dataclass
class Measured:
    seconds: float  # wall time, start to exit
    peak: int  # peak PSS bytes of the process tree
    quarters: tuple[int, ...]  # peak PSS in each quarter of the run: flat, or growing?
    cpu_seconds: float  # CPU of every process the tree ever held (renderers come and go)
    launched: float  # unix time the command was started
    cpu_by_role: dict[str, float]  # the same, split by what each process is (see role())
    busy: float  # share of the machine's cores busy (anything running) over the run
    out: str
    err: str
    code: int


def role(pid: int, root: int) -> str:
    """What a process of the tree is: the command itself, its Python children (the analysis
    pool), Playwright's node driver, Chromium's browser process, or a Chromium child by its
    ``--type=`` (renderer, gpu-process, utility ...)."""
    if pid == root:
        return "command"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
    except OSError:
        return "gone"
    # Chromium rewrites its children's command lines into one space-separated string.
    words = [w for arg in argv for w in arg.split()]
    name = os.path.basename(words[0].decode(errors="replace")) if words else "?"
    if name.startswith("python"):
        return "python child"
    if name == "node":
        return "driver"
    for word in words:
        if word.startswith(b"--type="):
            return word[7:].decode(errors="replace")
    return "browser" if "chrom" in name or "headless" in name else name


def run_measured(command: list[str]) -> Measured:
    """Run ``command``, sampling its process tree's PSS and CPU every 0.5 s."""
    started = time.monotonic()
    launched = time.time()
    machine_before = machine_times()
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    series: list[tuple[float, int]] = []
    cpu: dict[int, float] = {}  # pid -> its CPU seconds when last seen
    roles: dict[int, str] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            pids = tree(proc.pid)
            series.append((time.monotonic() - started, pss_bytes(pids)))
            for pid in pids:
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    cpu[pid] = seconds
                    if pid not in roles:
                        roles[pid] = role(pid, proc.pid)
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.monotonic() - started
    machine_after = machine_times()
    busy = (machine_after[0] - machine_before[0]) / max(machine_after[1] - machine_before[1], 1)
    done.set()
    sampler.join()
    quarters = tuple(
        max((pss for at, pss in series if q * seconds / 4 <= at < (q + 1) * seconds / 4), default=0)
        for q in range(4)
    )
    peak = max((pss for _, pss in series), default=0)
    by_role: dict[str, float] = {}
    for pid, used in cpu.items():
        by_role[roles[pid]] = by_role.get(roles[pid], 0.0) + used
    return Measured(
        seconds,
        peak,
        quarters,
        sum(cpu.values()),
        launched,
        by_role,
        busy,
        out,
        err,
        proc.returncode,
    )


def split(measured: Measured, pages: int) -> str:
    """CPU-s a page by role, largest first."""
    parts = sorted(measured.cpu_by_role.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{name} {used / max(pages, 1):.3f}" for name, used in parts)


def verdicts(db: Path) -> tuple[dict[str, str], set[int], list[float], str]:
    """URL → verdict of its last visit over every scan the survey made; the concurrencies used;
    when each visit started (unix time); where a page's time went (load, dwell, afterlife)."""
    found: dict[str, str] = {}
    concurrency: set[int] = set()
    starts: list[float] = []
    loads: list[float] = []
    watched: list[float] = []
    after: list[float] = []
    reasons: Counter[str] = Counter()
    with Store.open(f"sqlite:///{db}") as store:
        for scan in store.scans():
            concurrency.add(scan.settings.get("concurrency"))
            for page in store.load_result(scan.id).pages:
                found[page.visit.url] = str(page.verdict)
                visit = page.visit
                starts.append(visit.started_at)
                if visit.load_seconds is not None:
                    loads.append(visit.load_seconds)
                if visit.watch is not None:
                    watched.append(visit.watch.watched_seconds)
                    reasons[visit.watch.stop_reason] += 1
                if visit.afterlife is not None:
                    after.append(visit.afterlife.seconds)
    spent = (
        f"load {_spread(loads)}, dwell {_spread(watched)} (ended: "
        + ", ".join(f"{r} {n}" for r, n in reasons.most_common())
        + f"), afterlife {_spread(after)}"
    )
    return found, concurrency, sorted(starts), spent


def _spread(values: list[float]) -> str:
    """Median and 90th percentile of ``values``, in seconds."""
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[len(ordered) // 2]:.2f}/{ordered[int(len(ordered) * 0.9)]:.2f} s"


def row(mode: str, pages: int, wall: float, peak: int) -> str:
    rate = pages / wall * 60
    return f"{mode:<22} {pages:>5} {wall:>7.1f} {rate:>9.1f} {peak / 2**30:>7.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--dwell", type=float, default=5.0)
    parser.add_argument("--sequential-sites", type=int, default=None, help="default: all")
    parser.add_argument("--concurrency", type=int, default=None, help="passed to survey")
    parser.add_argument(
        "--survey-args", default="", help='more options for survey, e.g. "--profile scanner"'
    )
    args = parser.parse_args()
    sequential = min(args.sequential_sites or args.sites, args.sites)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-survey-") as tmp:
        work = Path(tmp)
        miners = build_sites(work / "sites", args.sites)
        with SiteServer(work / "sites") as server:
            # The alternate port also listens on ::1, which Chromium may try first for *.localhost.
            urls = [f"http://site{n}.localhost:{server.alt_port}/s{n}/" for n in range(args.sites)]
            (work / "all.txt").write_text("\n".join(urls) + "\n")
            (work / "sequential.txt").write_text("\n".join(urls[:sequential]) + "\n")
            print(
                f"{args.sites} sites (one page each, 150 kB script, {len(miners)} with a miner), "
                f"dwell {args.dwell:g} s, {os.cpu_count()} cores, load {load_before:.1f}"
            )
            loop_cmd = [sys.executable, "-c", LOOP, str(work / "sequential.txt"), str(args.dwell)]
            seq = run_measured(loop_cmd)
            seq_wall, seq_peak = seq.seconds, seq.peak
            if seq.code != 0:
                raise SystemExit(f"sequential loop failed ({seq.code}):\n{seq.err[-3000:]}")
            loop = json.loads(seq.out.strip().splitlines()[-1])
            db = work / "survey.db"
            survey_cmd = [sys.executable, "-m", "minerscan", "survey", str(work / "all.txt"),
                          "--db", f"sqlite:///{db}", "--offline", "--dwell", str(args.dwell),
                          "--pages-per-site", "1"]  # fmt: skip
            if args.concurrency is not None:
                survey_cmd += ["--concurrency", str(args.concurrency)]
            survey_cmd += args.survey_args.split()
            sur = run_measured(survey_cmd)
            sur_wall, sur_peak = sur.seconds, sur.peak
        if sur.code not in (0, 1):
            print(f"survey exited {sur.code}:\n{sur.err[-3000:]}")
        by_url, concurrency, starts, spent = verdicts(db)
    counts = Counter(by_url.values())
    flagged = {u for u, v in by_url.items() if v in ("miner", "suspicious")}
    miner_urls = {urls[n] for n in miners}
    chosen = "given" if args.concurrency else "the machine's default"
    print(f"survey ran {sorted(concurrency)} pages at once ({chosen})")
    print(f"{'mode':<22} {'pages':>5} {'wall s':>7} {'pages/min':>9} {'peak PSS':>10}")
    print(row("sequential", sequential, seq_wall, seq_peak))
    seq_full, seq_pages = seq_wall, sequential
    if sequential < args.sites:
        # Start-up once, then each page as long as the measured ones took on average.
        startup = seq_wall - loop["loop_seconds"]
        seq_full = startup + loop["loop_seconds"] / sequential * args.sites
        seq_pages = args.sites
        print(row(f"sequential (est. {args.sites})", seq_pages, seq_full, seq_peak))
    print(row("minerscan survey", len(by_url), sur_wall, sur_peak))
    rate_ratio = (len(by_url) / sur_wall) / (seq_pages / seq_full)
    memory_ratio = sur_peak / seq_peak
    print(f"{'ratio survey/sequential':<22} {'':>13} {rate_ratio:>8.2f}x {memory_ratio:>8.2f}x")
    if sequential < args.sites:
        print(
            f"(the loop ran on the first {sequential} sites; its rate does not depend on the "
            f"list's length, so {args.sites} are estimated as its {startup:.1f} s start-up + "
            f"{args.sites} x {loop['loop_seconds'] / sequential:.2f} s a page)"
        )
    print(
        f"CPU a page: sequential {seq.cpu_seconds / sequential:.2f} s, survey "
        f"{sur.cpu_seconds / max(len(by_url), 1):.2f} s (every process of the tree, start-up "
        f"included); survey peak PSS by quarter of its run: "
        + ", ".join(f"{q / 2**30:.2f}" for q in sur.quarters)
        + " GB"
    )
    print(
        f"  sequential ({seq.busy:.0%} of the cores busy) CPU-s a page by process: "
        f"{split(seq, sequential)}"
    )
    print(
        f"  survey ({sur.busy:.0%} of the cores busy) CPU-s a page by process: "
        f"{split(sur, len(by_url))}"
    )
    if len(starts) >= 3:
        first, last = starts[0] - sur.launched, starts[-1] - sur.launched
        print(
            f"  survey timeline: first page started {first:.1f} s after launch, last at "
            f"{last:.1f} s, exit at {sur.seconds:.1f} s; {(len(starts) - 1) / (last - first) * 60:.1f} "
            f"pages started a minute in between"
        )
    print(f"  a survey page's time, median/p90: {spent}")
    print(
        f"survey verdicts: miner {counts['miner']}, suspicious {counts['suspicious']}, "
        f"clean {counts['clean']}, failed {counts['failed']}; miner sites flagged "
        f"{len(flagged & miner_urls)}/{len(miner_urls)}, others {len(flagged - miner_urls)}; "
        f"loop failures {loop['failed']}; load average after {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
