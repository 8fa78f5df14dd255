"""How well does minerscan detect? Scan the labelled corpus and print what each layer catches.

    python bench/bench_detection.py                    # serve tests/corpus, scan it, report
    python bench/bench_detection.py --keep out/        # ... and keep the db and URL map in out/
    python bench/bench_detection.py --reuse out/       # re-analyse the kept scan, no crawling

Prints the confusion matrix (label × verdict), then for each detection layer which miner pages
that layer *alone* would have caught and how many benign pages it alone would have flagged, then
each page's row, then the wall time. A layer catches a page when the page has a finding of that
layer at HIGH or above; for the behaviour layer, a MEDIUM-or-above MS501 (sustained worker CPU),
since no behaviour rule is ever HIGH by design.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "corpus"))
import corpus_runner
from corpus_runner import CorpusPage, CorpusSites

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
VERDICTS = ("miner", "suspicious", "clean", "failed", "missing")
URL_MAP = "corpus-urls.json"


@dataclass(frozen=True)
class Layer:
    name: str
    prefix: str  # rule id family, e.g. "MS3"
    min_severity: str
    only_rule: str | None = None

    def catches(self, page: dict[str, Any] | None) -> bool:
        if page is None:
            return False
        return any(
            f["rule_id"].startswith(self.prefix)
            and (self.only_rule is None or f["rule_id"] == self.only_rule)
            and SEVERITY_RANK[f["severity"]] >= SEVERITY_RANK[self.min_severity]
            for f in page.get("findings", [])
        )


LAYERS = (
    Layer("blocklist (MS1xx)", "MS1", "high"),
    Layer("signatures (MS2xx)", "MS2", "high"),
    Layer("protocol (MS3xx)", "MS3", "high"),
    Layer("wasm (MS4xx)", "MS4", "high"),
    Layer("behaviour (MS501)", "MS5", "medium", only_rule="MS501"),
)


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    fmt = lambda row: "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()
    return "\n".join([fmt(header), line, *(fmt(r) for r in rows)])


def confusion(pages: list[CorpusPage], reports: dict[str, dict[str, Any] | None]) -> str:
    rows = []
    for label in corpus_runner.LABELS:
        counts = {v: 0 for v in VERDICTS}
        for page in pages:
            if page.label == label:
                reported = reports[page.path]
                counts[reported["verdict"] if reported else "missing"] += 1
        rows.append([label, *(str(counts[v]) for v in VERDICTS)])
    return table(["label \\ verdict", *VERDICTS], rows)


def layer_contribution(pages: list[CorpusPage], reports: dict[str, dict[str, Any] | None]) -> str:
    miners = [p for p in pages if p.label == "miner"]
    benign = [p for p in pages if p.label == "clean"]
    rows = []
    for layer in LAYERS:
        caught = [p for p in miners if layer.catches(reports[p.path])]
        flagged = [p for p in benign if layer.catches(reports[p.path])]
        rows.append(
            [
                layer.name,
                f"{len(caught)}/{len(miners)}",
                f"{len(flagged)}/{len(benign)}",
                _missed(miners, caught),
                ", ".join(p.path for p in flagged) or "-",
            ]
        )
    return table(
        [
            "layer alone",
            "miners caught",
            "benign flagged",
            "miners missed",
            "benign flagged (pages)",
        ],
        rows,
    )


def _missed(miners: list[CorpusPage], caught: list[CorpusPage]) -> str:
    """The missed pages, or when that list is the longer one, the caught ones."""
    missed = [p.path for p in miners if p not in caught]
    if not missed:
        return "-"
    if not caught:
        return "all"
    if len(missed) <= len(caught):
        return ", ".join(missed)
    return "all but " + ", ".join(p.path for p in caught)


def per_page(pages: list[CorpusPage], reports: dict[str, dict[str, Any] | None]) -> str:
    rows = []
    for page in pages:
        reported = reports[page.path]
        verdict = reported["verdict"] if reported else "missing"
        ok = "ok" if verdict == page.label else "WRONG"
        hits = ["x" if layer.catches(reported) else "." for layer in LAYERS]
        cpu = reported.get("cpu") or {} if reported else {}
        rows.append(
            [page.path, page.label, verdict, ok, *hits, f"{cpu.get('demand_cores') or 0:.2f}"]
        )
    short = [layer.name.split(" ")[0] for layer in LAYERS]
    return table(["page", "label", "verdict", "", *short, "cpu demand"], rows)


def scan_corpus(
    pages: list[CorpusPage], workdir: Path, dwell: float, concurrency: int
) -> tuple[dict[str, dict[str, Any] | None], float]:
    with CorpusSites(pages) as sites:
        urls = {p.path: sites.url(p) for p in pages}
        run = corpus_runner.scan(list(urls.values()), workdir, dwell=dwell, concurrency=concurrency)
    (workdir / URL_MAP).write_text(json.dumps(urls, indent=1), "utf-8")
    by_url = run.pages_by_url()
    return {path: by_url.get(url) for path, url in urls.items()}, run.seconds


def reanalyze_kept(
    pages: list[CorpusPage], workdir: Path
) -> tuple[dict[str, dict[str, Any] | None], float]:
    urls = json.loads((workdir / URL_MAP).read_text("utf-8"))
    run = corpus_runner.reanalyze(workdir / "corpus.db", workdir)
    by_url = run.pages_by_url()
    return {p.path: by_url.get(urls.get(p.path, "")) for p in pages}, run.seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dwell", type=float, default=5.0, help="seconds per page (default 5)")
    parser.add_argument("--concurrency", type=int, default=4, help="pages at once (default 4)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--keep", type=Path, help="keep the scan's db and URL map in this folder")
    where.add_argument(
        "--reuse", type=Path, help="re-analyse the scan kept in this folder instead of crawling"
    )
    args = parser.parse_args(argv)

    pages = corpus_runner.load_manifest()
    started = time.monotonic()
    if args.reuse:
        reports, step = reanalyze_kept(pages, args.reuse)
        how = f"re-analysis of the scan kept in {args.reuse}"
    else:
        workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-detection-"))
        workdir.mkdir(parents=True, exist_ok=True)
        reports, step = scan_corpus(pages, workdir, args.dwell, args.concurrency)
        how = (
            f"scan of {len(pages)} pages, dwell {args.dwell:g} s, concurrency "
            f"{args.concurrency} (db in {workdir})"
        )
    wall = time.monotonic() - started

    miners = sum(p.label == "miner" for p in pages)
    print(
        f"minerscan detection benchmark: {miners} miner pages, {len(pages) - miners} benign "
        f"look-alikes ({how})\n"
    )
    print(confusion(pages, reports), end="\n\n")
    print(layer_contribution(pages, reports), end="\n\n")
    print(per_page(pages, reports), end="\n\n")
    print(f"wall time: {wall:.1f} s (of which minerscan itself: {step:.1f} s)")
    wrong = [p.path for p in pages if (reports[p.path] or {}).get("verdict") != p.label]
    if wrong:
        print(f"wrong verdicts: {', '.join(wrong)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
