"""How fast is ``scan --static`` next to a rendered scan of the same site? Prints pages/min of each
and the ratio, and whether both found the same miner pages.

    python bench/bench_static.py                       # 600 pages static, 40 of them rendered
    python bench/bench_static.py --pages 2000 --rendered-pages 80 --dwell 5

The generated site is an ordinary shop: each page has its own HTML (about 12 kB), the site's CSS,
a 150 kB library every page loads and a small page script; every 20th page also carries a miner
(a CoinHive snippet inline, or a CryptoLoot copy served by the site). Both scans run through the
real CLI with default settings (``--offline`` only keeps Chromium off the network), each into
its own SQLite file; the figure is the pages stored over the scan's own wall time (the stored
``seconds``), process start-up left out. The rendered scan covers the first ``--rendered-pages``
pages (``--max-pages``): its rate does not depend on the site's size, and 600 pages at a 5 s
dwell would take a quarter of an hour on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from minerscan.sites.server import SiteServer
from storage import Store

MINER_EVERY = 20
WORDS = [
    "tent",
    "stove",
    "boot",
    "trail",
    "ridge",
    "river",
    "pack",
    "socks",
    "map",
    "compass",
    "lantern",
    "rope",
    "kettle",
    "fleece",
    "gaiter",
    "summit",
    "valley",
    "forest",
    "cabin",
    "meadow",
]


def build_site(root: Path, pages: int) -> set[str]:
    """``pages`` HTML pages under ``root``; returns the paths of the miner pages."""
    rng = random.Random(7)
    (root / "static").mkdir(parents=True)
    lines = [
        f"function f{i}(a){{return a.map(function(x){{return x*{i}+{rng.randint(1, 99)}}})}}"
        for i in range(2600)
    ]
    (root / "static" / "vendor.js").write_text("\n".join(lines)[: 150 * 1024])
    (root / "static" / "site.css").write_text("body{font:16px sans-serif}" * 200)
    (root / "static" / "page.js").write_text("document.title += ' · shop';\n")
    (root / "static" / "loot.js").write_text(
        "var miner = new CRLT.Anonymous('f3e1c2b7a9d84e6f0a5b3c1d2e7f8a9b', {threads: 2});\n"
        "miner.start();\n"
    )
    miners: set[str] = set()
    for n in range(pages):
        name = "index.html" if n == 0 else f"p{n}.html"
        links = " ".join(
            f'<a href="p{m}.html">item {m}</a>' for m in range(n + 1, n + 6) if m < pages
        )
        text = " ".join(rng.choice(WORDS) for _ in range(1800))
        extra = ""
        if n and n % MINER_EVERY == 0:
            miners.add(name)
            extra = (
                "<script>var m = new CoinHive.Anonymous('SiteKeyForBench0000000000');"
                "m.start();</script>"
                if (n // MINER_EVERY) % 2
                else '<script src="/static/loot.js"></script>'
            )
        (root / name).write_text(
            "<!doctype html><html><head><meta charset=utf-8>"
            f"<title>Item {n}</title><link rel=stylesheet href=/static/site.css>"
            "<script src=/static/vendor.js></script><script src=/static/page.js></script>"
            f"</head><body><h1>Item {n}</h1><p>{text}</p><nav>{links}</nav>{extra}</body></html>"
        )
    return miners


def scan(url: str, db: Path, *extra: str) -> tuple[float, float, set[str], set[str]]:
    """Run the CLI; return (seconds the scan took, CPU seconds of the whole process with its
    start-up and its browser, pages visited, pages judged not clean)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "minerscan", "scan", url, "--offline", "--exit-zero",
         "--progress", "never", "--db", str(db), "--format", "json", "-o", os.devnull, *extra],
        check=True,
        capture_output=True,
        cwd=db.parent,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with Store.open(str(db)) as store:
        result = store.load_result(store.latest_scan_id() or 0)
    names = {p.visit_id: p.visit.url.rsplit("/", 1)[-1] or "index.html" for p in result.pages}
    flagged = {names[p.visit_id] for p in result.pages if str(p.verdict) in ("miner", "suspicious")}
    return float(result.scan.stats["seconds"]), cpu, set(names.values()), flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--rendered-pages", type=int, default=40, help="0: no rendered scan")
    parser.add_argument("--dwell", type=float, default=None, help="rendered scan's --dwell")
    args = parser.parse_args()
    figures: dict[str, object] = {"load_average_before": round(os.getloadavg()[0], 1)}
    with tempfile.TemporaryDirectory(prefix="bench-static-") as tmp:
        work = Path(tmp)
        miners = build_site(work / "site", args.pages)
        server = SiteServer(work / "site").start()
        try:
            # Each page links the next five: this depth reaches every page.
            reach = ["--depth", str(args.pages), "--max-pages", str(args.pages)]
            secs, cpu, pages, flagged = scan(
                server.base_url, work / "static.db", "--static", *reach
            )
            figures["static"] = {
                "pages": len(pages),
                "seconds": round(secs, 2),
                "pages_per_min": round(len(pages) / secs * 60),
                "pages_per_s": round(len(pages) / secs, 1),
                # A figure the other programs on the machine cannot halve: pages per CPU second
                # of the scan process (start-up included), what one idle core would give.
                "pages_per_cpu_s": round(len(pages) / cpu, 1),
                "miner_pages_flagged": f"{len(flagged & miners)}/{len(miners)}",
                "other_pages_flagged": len(flagged - miners),
            }
            static_rate = len(pages) / secs * 60
            if args.rendered_pages:
                rendered = ["--depth", str(args.pages), "--max-pages", str(args.rendered_pages)]
                if args.dwell is not None:
                    rendered += ["--dwell", str(args.dwell)]
                secs, cpu, pages, flagged = scan(server.base_url, work / "rendered.db", *rendered)
                figures["rendered"] = {
                    "pages": len(pages),
                    "seconds": round(secs, 2),
                    "pages_per_min": round(len(pages) / secs * 60, 1),
                    "miner_pages_flagged": f"{len(flagged & miners)}/{len(miners & pages)}",
                }
                figures["static_vs_rendered"] = round(static_rate / (len(pages) / secs * 60), 1)
        finally:
            server.stop()
    figures["load_average_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
