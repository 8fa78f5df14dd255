"""How well does minerscan detect? Scan every labelled corpus once per browser profile and print
confusion matrices per profile and per corpus part (tuned / set-aside), what each detection layer
alone catches, and every page's row.

    python bench/bench_detection.py                               # every corpus, every profile
    python bench/bench_detection.py --profiles desktop            # one profile
    python bench/bench_detection.py --corpora families,evasive    # only the independent corpora
    python bench/bench_detection.py --keep out/                   # keep each profile's db in out/
    python bench/bench_detection.py --reuse out/                  # re-analyse them, no crawling

The corpora (tests/corpus/corpora.py): ``own`` is built from our own demo miner and the rules
were written against it; ``families`` and ``evasive`` were written by people who had not read
the rules, and their ``set-aside`` part was never used to tune them: its figures are the honest
ones. A miner is expected to be ``miner`` under the profile its manifest names (desktop, or
mobile for phone-only miners); under ``scanner`` a gated miner is expected *not* to be ``miner``
(it never starts for an honest scanner: that shows the gate is real). Benign pages must be
``clean`` under every profile. Under ``mobile`` a desktop miner is not judged (whether it
mines on a phone is the page's choice, which the manifests do not record).

A layer catches a page when the page has a finding of that layer at HIGH or above; for the
behaviour layer a MEDIUM-or-above MS501 (sustained worker CPU), since no behaviour rule is HIGH.
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
import corpora
import corpus_runner
from corpora import LabelledPage

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
VERDICTS = ("miner", "suspicious", "clean", "failed", "missing")
URL_MAP = "corpus-urls.json"
Reports = dict[str, dict[str, Any] | None]


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

    def fmt(row: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()

    return "\n".join([fmt(header), line, *(fmt(r) for r in rows)])


def _verdict(reports: Reports, page: LabelledPage) -> str:
    reported = reports.get(page.key)
    return reported["verdict"] if reported else "missing"


def confusion(pages: list[LabelledPage], reports: Reports, profile: str) -> str:
    """Rows: what the page must be under this profile; columns: what the scan said."""
    rows = []
    for want in ("miner", "not miner", "clean"):
        chosen = [p for p in pages if p.expected(profile) == want]
        if not chosen:
            continue
        counts = {v: 0 for v in VERDICTS}
        for page in chosen:
            counts[_verdict(reports, page)] += 1
        right = sum(page.matches(_verdict(reports, page), profile) for page in chosen)
        rows.append([want, *(str(counts[v]) for v in VERDICTS), f"{right}/{len(chosen)}"])
    return table(["expected \\ verdict", *VERDICTS, "right"], rows)


def layer_contribution(pages: list[LabelledPage], reports: Reports, profile: str) -> str:
    miners = [p for p in pages if p.expected(profile) == "miner"]
    benign = [p for p in pages if p.label == "clean"]
    rows = []
    for layer in LAYERS:
        caught = [p for p in miners if layer.catches(reports.get(p.key))]
        flagged = [p for p in benign if layer.catches(reports.get(p.key))]
        rows.append(
            [
                layer.name,
                f"{len(caught)}/{len(miners)}",
                f"{len(flagged)}/{len(benign)}",
                ", ".join(p.key for p in flagged) or "-",
            ]
        )
    return table(["layer alone", "miners caught", "benign flagged", "benign flagged (pages)"], rows)


def per_page(pages: list[LabelledPage], reports: Reports, profile: str) -> str:
    rows = []
    for page in pages:
        reported = reports.get(page.key)
        verdict = _verdict(reports, page)
        ok = (
            "-"
            if page.expected(profile) == corpora.NOT_JUDGED
            else ("ok" if page.matches(verdict, profile) else "WRONG")
        )
        hits = ["x" if layer.catches(reported) else "." for layer in LAYERS]
        cpu = (reported or {}).get("cpu") or {}
        rules = sorted({f["rule_id"] for f in (reported or {}).get("findings", [])})
        rows.append(
            [
                page.key,
                page.part,
                page.expected(profile),
                verdict,
                ok,
                *hits,
                f"{cpu.get('demand_cores') or 0:.2f}",
                " ".join(rules) or "-",
            ]
        )
    short = [layer.name.split(" ")[0] for layer in LAYERS]
    header = ["page", "part", "expected", "verdict", "", *short, "cpu", "rules"]
    return table(header, rows)


def scan_profile(
    pages: list[LabelledPage], workdir: Path, profile: str, dwell: float, concurrency: int
) -> tuple[Reports, float]:
    started = time.monotonic()
    with corpora.ServedCorpora(pages) as served:
        urls = {p.key: served.url(p) for p in pages}
        reports = corpora.scan(
            pages, served, workdir, profile=profile, dwell=dwell, concurrency=concurrency
        )
    (workdir / URL_MAP).write_text(json.dumps(urls, indent=1), "utf-8")
    return reports, time.monotonic() - started


def reanalyze_kept(pages: list[LabelledPage], workdir: Path) -> tuple[Reports, float]:
    urls = json.loads((workdir / URL_MAP).read_text("utf-8"))
    run = corpus_runner.reanalyze(workdir / "corpus.db", workdir)
    by_url = run.pages_by_url()
    return {p.key: by_url.get(urls.get(p.key, "")) for p in pages}, run.seconds


def report_profile(pages: list[LabelledPage], reports: Reports, profile: str) -> list[str]:
    """Print one profile's figures; return the keys of pages it got wrong."""
    print(f"=== profile {profile} ===\n")
    for part in corpora.PARTS:
        chosen = [p for p in pages if p.part == part]
        if chosen:
            print(f"-- {part} ({len(chosen)} pages) --")
            print(confusion(chosen, reports, profile), end="\n\n")
    for corpus in sorted({p.corpus for p in pages}):
        chosen = [p for p in pages if p.corpus == corpus]
        print(f"-- corpus {corpus} ({len(chosen)} pages) --")
        print(confusion(chosen, reports, profile), end="\n\n")
    print(layer_contribution(pages, reports, profile), end="\n\n")
    print(per_page(pages, reports, profile), end="\n\n")
    return [p.key for p in pages if not p.matches(_verdict(reports, p), profile)]


def set_aside_rate(pages: list[LabelledPage], reports: Reports, profile: str) -> str:
    held = [p for p in pages if p.part == "set-aside"]
    miners = [p for p in held if p.expected(profile) == "miner"]
    benign = [p for p in held if p.label == "clean"]
    found = sum(_verdict(reports, p) == "miner" for p in miners)
    alarms = sum(_verdict(reports, p) in ("miner", "suspicious") for p in benign)
    return (
        f"set-aside under {profile}: {found}/{len(miners)} miners found"
        f" ({100 * found / len(miners):.0f} %)"
        if miners
        else f"set-aside under {profile}: no miners"
    ) + f", {alarms}/{len(benign)} benign pages above clean"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default=",".join(corpora.PROFILES))
    parser.add_argument("--corpora", default=",".join(corpora.available()))
    parser.add_argument("--dwell", type=float, default=5.0, help="seconds per page (default 5)")
    parser.add_argument("--concurrency", type=int, default=4, help="pages at once (default 4)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--keep", type=Path, help="keep each profile's db and URL map here")
    where.add_argument("--reuse", type=Path, help="re-analyse the scans kept here, no crawling")
    args = parser.parse_args(argv)

    profiles = [p for p in args.profiles.split(",") if p]
    pages = corpora.load(tuple(c for c in args.corpora.split(",") if c))
    base = args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="bench-detection-"))
    miners = sum(p.label == "miner" for p in pages)
    held = sum(p.part == "set-aside" for p in pages)
    print(
        f"minerscan detection benchmark: {len(pages)} pages ({miners} miners, "
        f"{len(pages) - miners} benign; {held} set aside from tuning), corpora "
        f"{', '.join(sorted({p.corpus for p in pages}))}; dwell {args.dwell:g} s, "
        f"concurrency {args.concurrency}; {'re-analysis of ' if args.reuse else 'scans in '}{base}\n"
    )
    summary = []
    for profile in profiles:
        workdir = base / profile
        workdir.mkdir(parents=True, exist_ok=True)
        if args.reuse:
            reports, seconds = reanalyze_kept(pages, workdir)
        else:
            reports, seconds = scan_profile(pages, workdir, profile, args.dwell, args.concurrency)
        wrong = report_profile(pages, reports, profile)
        judged = [p for p in pages if p.expected(profile) != corpora.NOT_JUDGED]
        right = len(judged) - len(wrong)
        summary.append(
            f"{profile}: {right}/{len(judged)} judged pages right in {seconds:.0f} s; "
            + set_aside_rate(pages, reports, profile)
            + (f"; wrong: {', '.join(wrong)}" if wrong else "")
        )
    print("=== summary ===")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
