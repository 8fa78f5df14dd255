"""Script signatures: YARA rules over every script body and the rendered DOM.

The bundled rules live in ``analyzers/signatures/*.yar``; users add folders of their own. Every
rule carries ``meta: id, severity, family, description``. The ``id`` puts a match into one of the
rule groups registered below (MS201 named families, MS202 generic miner structure, MS203 pool
addresses, MS204 weak markers); a user rule with any other id, or none, reports as MS209.

One scan per page visit feeds all groups: each unique script body is scanned once (the same
worker script loaded twice is one finding that lists both places), then the rendered DOM. The DOM
mostly repeats inline scripts, so a DOM finding only names rules no script matched; a DOM match
outside any ``<script>`` element (article text quoting a miner, say) is demoted one severity step,
because text on a page is weaker evidence than code the browser compiled.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import yara_x

from analyzers.base import Finding, Severity, rule
from model.observations import PageVisit, ScriptObservation

SIGNATURES_DIR = Path(__file__).with_name("signatures")
RULE_FILE_SUFFIXES = (".yar", ".yara")
GROUPS = {
    "MS201": "known web-miner family",
    "MS202": "miner code structure",
    "MS203": "mining pool address in code",
    "MS204": "weak miner marker",
    "MS209": "custom signature",
}
CUSTOM_GROUP = "MS209"
WEAK_GROUP = "MS204"
SCAN_TIMEOUT_SECONDS = 10
MAX_MATCHES_PER_PATTERN = 8
MAX_EXCERPTS_PER_RULE = 3
MAX_EXCERPT_CHARS = 80
MAX_ALSO_SEEN = 5
_CONFIDENCE = {
    Severity.CRITICAL: 0.95,
    Severity.HIGH: 0.9,
    Severity.MEDIUM: 0.6,
    Severity.LOW: 0.3,
    Severity.INFO: 0.1,
}


def bundled_signature_files() -> list[Path]:
    """The shipped rule files, sorted: hash them for the signature version."""
    return sorted(p for p in SIGNATURES_DIR.iterdir() if p.suffix in RULE_FILE_SUFFIXES)


def _rule_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ValueError(f"signature folder {folder} does not exist or is not a folder")
    return sorted(p for p in folder.rglob("*") if p.suffix in RULE_FILE_SUFFIXES and p.is_file())


def compile_rules(extra_dirs: Sequence[Path] = ()) -> yara_x.Rules:
    """Compile the bundled rules plus every ``*.yar``/``*.yara`` file under ``extra_dirs``.

    Each file gets its own namespace, so a user rule may reuse a bundled rule's name. A file that
    does not compile raises :class:`ValueError` naming the file, line and column.
    """
    compiler = yara_x.Compiler()
    compiler.enable_includes(False)  # a rule file must not read other files off the disk
    files = [("bundled", p) for p in bundled_signature_files()]
    files += [
        (f"user{n}", p) for n, folder in enumerate(extra_dirs) for p in _rule_files(Path(folder))
    ]
    for prefix, path in files:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read signature file {path}: {exc}") from None
        compiler.new_namespace(f"{prefix}_{path.stem}")
        try:
            compiler.add_source(source, origin=str(path))
        except yara_x.CompileError as exc:
            raise ValueError(_describe_compile_error(path, compiler, exc)) from None
    return compiler.build()


def _describe_compile_error(path: Path, compiler: yara_x.Compiler, exc: Exception) -> str:
    errors = compiler.errors()
    if errors:
        last = errors[-1]
        label: dict[str, Any] = next(iter(last.get("labels") or []), {})
        detail = label.get("text") or last.get("title", "")
        return f"{path}:{last.get('line', '?')}:{last.get('column', '?')}: {last.get('title', 'error')}: {detail}"
    return f"{path}: {str(exc).splitlines()[0]}"


@cache
def _bundled_rules() -> yara_x.Rules:
    return compile_rules()


def rules_for(ctx: object) -> yara_x.Rules:
    """The engine's compiled rules when it has them, else the bundled set compiled once."""
    return getattr(ctx, "yara_rules", None) or _bundled_rules()


@dataclass(frozen=True)
class _Source:
    """One body to scan, and where it came from."""

    label: str  # for titles: the script URL, or "inline script in page", or "rendered DOM"
    origin: dict[str, Any]
    data: bytes
    is_dom: bool = False


def _script_sources(visit: PageVisit) -> list[tuple[_Source, list[ScriptObservation]]]:
    by_body: dict[str, list[ScriptObservation]] = {}
    for script in visit.scripts:
        if script.body:
            by_body.setdefault(script.sha256, []).append(script)
    sources = []
    for sha, scripts in by_body.items():
        first = scripts[0]
        where = first.url or f"{first.kind.value} script in {first.context}"
        origin: dict[str, Any] = {
            "source": "script",
            "url": first.url,
            "context": first.context,
            "kind": first.kind.value,
            "sha256": sha,
            "size": first.size,
            "truncated": first.truncated,
        }
        also = [{"url": s.url, "context": s.context} for s in scripts[1 : MAX_ALSO_SEEN + 1]]
        if also:
            origin["also_seen"] = also
        sources.append((_Source(where, origin, first.body or b""), scripts))
    return sources


def _excerpt(data: bytes, offset: int, length: int) -> str:
    return data[offset : offset + min(length, MAX_EXCERPT_CHARS)].decode("utf-8", "replace")


def _inside_script_element(html: bytes, offset: int) -> bool:
    opened = html.rfind(b"<script", 0, offset)
    return opened >= 0 and html.rfind(b"</script", 0, offset) < opened


@dataclass(frozen=True)
class _RuleMatch:
    name: str
    group: str
    severity: Severity
    evidence: dict[str, Any]


def _matches(scanner: yara_x.Scanner, source: _Source) -> list[_RuleMatch]:
    try:
        results = scanner.scan(source.data)
    except (yara_x.TimeoutError, yara_x.ScanError) as exc:
        # Say so rather than stay silent: a body crafted to stall the scanner is itself notable.
        return [
            _RuleMatch(
                "scan_error",
                CUSTOM_GROUP,
                Severity.INFO,
                {
                    "rule": "scan_error",
                    "namespace": "",
                    "family": "",
                    "severity": str(Severity.INFO),
                    "description": f"signature scan stopped: {exc}",
                    "strings": [],
                },
            )
        ]
    found = []
    for match in results.matching_rules:
        meta = dict(match.metadata)
        group = str(meta.get("id", ""))
        group = group if group in GROUPS else CUSTOM_GROUP
        try:
            severity = Severity.parse(str(meta.get("severity", "medium")))
        except ValueError:
            severity = Severity.MEDIUM
        hits = [(p.identifier, m.offset, m.length) for p in match.patterns for m in p.matches]
        if source.is_dom and not any(
            _inside_script_element(source.data, off) for _, off, _ in hits
        ):
            severity = Severity(max(severity - 1, Severity.INFO))
        evidence = {
            "rule": match.identifier,
            "namespace": match.namespace,
            "family": str(meta.get("family", "")),
            "description": str(meta.get("description", "")),
            "severity": str(severity),
            "strings": [
                {"pattern": pid, "offset": off, "excerpt": _excerpt(source.data, off, length)}
                for pid, off, length in hits[:MAX_EXCERPTS_PER_RULE]
            ],
        }
        if meta.get("id") and group == CUSTOM_GROUP:
            evidence["declared_id"] = str(meta["id"])
        found.append(_RuleMatch(match.identifier, group, severity, evidence))
    return found


def _group_findings(source: _Source, matches: list[_RuleMatch]) -> list[Finding]:
    by_group: dict[str, list[_RuleMatch]] = {}
    for m in matches:
        by_group.setdefault(m.group, []).append(m)
    if set(by_group) - {WEAK_GROUP}:  # weak markers count only on their own
        by_group.pop(WEAK_GROUP, None)
    findings = []
    for group, group_matches in sorted(by_group.items()):
        group_matches.sort(key=lambda m: -m.severity)
        top = group_matches[0]
        family = top.evidence["family"]
        what = (
            f"{family} miner" if family not in ("", "generic") else f"{GROUPS[group]}: {top.name}"
        )
        more = f" (+{len(group_matches) - 1} more)" if len(group_matches) > 1 else ""
        findings.append(
            Finding(
                rule_id=group,
                severity=top.severity,
                title=f"{what}{more} in {source.label}",
                evidence={
                    **source.origin,
                    "yara_rules": [m.name for m in group_matches],
                    "matches": [m.evidence for m in group_matches],
                },
                confidence=_CONFIDENCE[top.severity],
            )
        )
    return findings


def scan_visit(visit: PageVisit, rules: yara_x.Rules) -> list[Finding]:
    """Every signature finding for one page visit, all groups together."""
    scanner = yara_x.Scanner(rules)
    scanner.set_timeout(SCAN_TIMEOUT_SECONDS)
    scanner.max_matches_per_pattern(MAX_MATCHES_PER_PATTERN)
    findings: list[Finding] = []
    matched_in_scripts: set[str] = set()
    for source, _ in _script_sources(visit):
        matches = _matches(scanner, source)
        matched_in_scripts.update(m.name for m in matches)
        findings += _group_findings(source, matches)
    if visit.dom is not None and visit.dom.rendered_html:
        dom = _Source(
            "rendered DOM",
            {"source": "dom", "url": visit.final_url or visit.url},
            visit.dom.rendered_html.encode("utf-8", "replace"),
            is_dom=True,
        )
        fresh = [m for m in _matches(scanner, dom) if m.name not in matched_in_scripts]
        findings += _group_findings(dom, fresh)
    return findings


# --- registered rules: one scan per visit, split by group ---------------------------------------

_last_scan = threading.local()


def _visit_findings(visit: PageVisit, ctx: object) -> list[Finding]:
    rules = rules_for(ctx)
    cached = getattr(_last_scan, "entry", None)
    if cached is not None and cached[0] is visit and cached[1] is rules:
        return cast(list[Finding], cached[2])
    findings = scan_visit(visit, rules)
    _last_scan.entry = (visit, rules, findings)
    return findings


def _of_group(visit: PageVisit, ctx: object, group: str) -> Iterable[Finding]:
    return [f for f in _visit_findings(visit, ctx) if f.rule_id == group]


@rule(id="MS201", severity=Severity.HIGH, observes=("scripts", "dom"))
def known_miner_family(visit: PageVisit, ctx: object = None) -> Iterable[Finding]:
    """Script uses a known web-miner family's API (CoinHive, CryptoLoot, deepMiner, CoinImp, ...).

    YARA signatures for the constructors, configuration objects and loader URLs of the publicly
    known browser-miner families: ``CoinHive.Anonymous``, ``CRLT.Anonymous``, ``deepMiner``,
    webminerpool's ``startMining(pool, login, …)``/``throttleMiner =``/handshake message,
    JSECoin, CoinImp's ``Client.Anonymous``, CoinHave and Minero. A family is named by its API
    *used* (called, assigned, loaded from its script URL), never by a bare word or host name,
    which anti-miner lists and articles carry too. Evidence names the script (URL or context,
    sha256) and the matched text.
    """
    return _of_group(visit, ctx, "MS201")


@rule(id="MS202", severity=Severity.MEDIUM, observes=("scripts", "dom"))
def miner_code_structure(visit: PageVisit, ctx: object = None) -> Iterable[Finding]:
    """Script has the structure of a miner without a family name.

    Renaming-proof shapes: ``<X>.Anonymous(<key>, {...}).start()`` under any namespace, with or
    without ``new`` (also ``m = <X>.Anonymous(...)`` with ``m.start()`` soon after, and
    ``<X>.User(...)`` with miner options), three or more miner control names
    (``getHashesPerSecond``, ``getTotalHashes``, ``setThrottle``, algorithm ids like ``cn/r`` and
    ``rx/0``), mining-protocol client code (``job_id``, ``keepalived``, ``submit``), CryptoNight
    hash entry points next to WebAssembly or worker start-up, and string-array obfuscated
    scripts that start workers or wasm, open a WebSocket and keep miner words (``Anonymous``,
    ``throttle``, ``job_id``, ``hash_accepted``) encoded in their string table.
    """
    return _of_group(visit, ctx, "MS202")


@rule(id="MS203", severity=Severity.MEDIUM, observes=("scripts", "dom"))
def pool_address_in_code(visit: PageVisit, ctx: object = None) -> Iterable[Finding]:
    """Script contains a mining pool or WebSocket-to-Stratum proxy address.

    ``ws(s)://`` URLs with an explicit port whose host or path names a pool, proxy, stratum or
    coin (``wss://xmr-pool.example:3333``), and ``stratum+tcp://`` addresses.
    """
    return _of_group(visit, ctx, "MS203")


@rule(id="MS204", severity=Severity.LOW, observes=("scripts", "dom"))
def weak_miner_marker(visit: PageVisit, ctx: object = None) -> Iterable[Finding]:
    """Script contains a single weak miner marker and nothing stronger.

    A hash-rate getter, the word CryptoNight, an algorithm id or ``throttle:`` with ``threads:``
    options: common in miners, but also in pages that merely talk about mining.
    """
    return _of_group(visit, ctx, "MS204")


@rule(id="MS209", severity=Severity.MEDIUM, observes=("scripts", "dom"))
def custom_signature(visit: PageVisit, ctx: object = None) -> Iterable[Finding]:
    """Script matches a user-supplied YARA rule.

    Rules from ``--rules`` folders whose ``meta: id`` is not one of the built-in groups report
    here, with the severity their ``meta: severity`` declares (medium when absent).
    """
    return _of_group(visit, ctx, "MS209")
