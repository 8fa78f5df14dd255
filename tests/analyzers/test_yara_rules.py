"""Script signatures: every bundled YARA rule on its own sample, minified and renamed copies,
benign look-alikes, and the findings a page visit produces."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yara_x

from analyzers import yara_rules
from analyzers.base import Severity, registered_rules
from analyzers.yara_rules import GROUPS, bundled_signature_files, compile_rules, scan_visit
from model.observations import DomSnapshot, PageVisit, ScriptKind, ScriptObservation, sha256_hex

SAMPLES = Path(__file__).parent / "samples"
CORPUS_LIB = Path(__file__).parent.parent / "corpus" / "lib"
CORPUS_SITES = Path(__file__).parent.parent / "corpus" / "sites"
# positive/<rule>.js, or positive/<rule>__<variant>.js for more shapes of the same rule
POSITIVE = sorted((SAMPLES / "positive").glob("*.js"))
BENIGN = sorted((SAMPLES / "benign").glob("*.js"))
EXPECTED_SEVERITY = {"MS201": "high", "MS202": "medium", "MS203": "medium", "MS204": "low"}


@pytest.fixture(scope="module")
def rules() -> yara_x.Rules:
    return compile_rules()


def rule_of(sample: Path) -> str:
    return sample.stem.split("__")[0]


def matching(rules: yara_x.Rules, data: bytes) -> dict[str, str]:
    """Rule name -> declared severity, for every rule matching ``data``."""
    return {
        m.identifier: dict(m.metadata)["severity"]
        for m in yara_x.Scanner(rules).scan(data).matching_rules
    }


# --- a toy minifier: drop comments and whitespace, rename function-local names --------------------

TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<string>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")"""
    r"""|(?P<word>[A-Za-z_$][\w$]*)|(?P<number>\d+(?:\.\d+)?)|(?P<space>\s+)|(?P<punct>.)""",
    re.DOTALL,
)
KEYWORDS = {
    "var",
    "let",
    "const",
    "function",
    "return",
    "new",
    "if",
    "else",
    "for",
    "in",
    "of",
    "typeof",
    "true",
    "false",
    "null",
    "undefined",
    "this",
    "while",
    "do",
}


@dataclass
class Token:
    kind: str
    text: str


def tokens(source: str) -> list[Token]:
    return [
        Token(m.lastgroup or "", m.group())
        for m in TOKEN.finditer(source)
        if m.lastgroup not in ("comment", "space")
    ]


def local_names(toks: list[Token]) -> set[str]:
    """Names declared inside a function (top-level names stay: minifiers keep globals)."""
    names: set[str] = set()
    depth = 0
    for i, tok in enumerate(toks):
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        elif tok.kind == "word" and i and toks[i - 1].text in ("var", "let", "const") and depth > 0:
            names.add(tok.text)
        if tok.text == "function":
            j = i + 1
            while j < len(toks) and toks[j].text != "(":
                j += 1
            k = j + 1
            while k < len(toks) and toks[k].text != ")":
                if toks[k].kind == "word":
                    names.add(toks[k].text)
                k += 1
    return names - KEYWORDS


def short_names(taken: set[str]) -> Iterator[str]:
    for first in "abcdefghijklmnopqrstuvwxyz":
        for second in [""] + list("abcdefghijklmnopqrstuvwxyz0123456789"):
            if first + second not in taken:
                yield first + second


def minify(source: str) -> str:
    toks = tokens(source)
    locals_ = local_names(toks)
    fresh = short_names({t.text for t in toks if t.kind == "word"})
    renamed = {name: next(fresh) for name in sorted(locals_)}
    out: list[str] = []
    for i, tok in enumerate(toks):
        text = tok.text
        property_access = i > 0 and toks[i - 1].text == "."
        object_key = (
            i + 1 < len(toks) and toks[i + 1].text == ":" and i > 0 and toks[i - 1].text in "{,"
        )
        if tok.kind == "word" and text in renamed and not property_access and not object_key:
            text = renamed[text]
        if tok.kind == "string" and object_key and re.fullmatch(r"[A-Za-z_$][\w$]*", text[1:-1]):
            text = text[1:-1]  # {'job_id': x} -> {job_id: x}, as minifiers print keys
        if out and tok.kind in ("word", "number") and re.match(r"[\w$]", out[-1][-1]):
            out.append(" ")
        out.append(text)
    return "".join(out)


def rebrand(source: str) -> str:
    """Rename the miner's global namespace, as a re-branded copy would."""
    return re.sub(r"\b(CoinHive|CRLT|deepMiner|PageBoost|Client|CoinHave|Minero)\.", "Qz.", source)


def test_minifier_really_minifies_and_renames() -> None:
    original = (SAMPLES / "positive" / "coinhive_miner.js").read_text()
    small = minify(original)
    assert "\n" not in small and "//" not in small
    assert "siteMiner" in small  # a top-level name stays, as minifiers keep globals
    assert "rate" not in re.findall(r"[\w$]+", small)  # a local one is renamed
    assert "CoinHive.Anonymous(" in small
    assert "{job_id:" in minify((SAMPLES / "positive" / "mining_protocol_client.js").read_text())


# --- the bundled rules ------------------------------------------------------------------------


def test_bundled_files_are_package_data_and_all_compile(rules: yara_x.Rules) -> None:
    files = bundled_signature_files()
    assert files and all(p.suffix == ".yar" and p.parent.name == "signatures" for p in files)
    assert len(list(rules)) >= 15


def test_every_bundled_rule_has_complete_meta(rules: yara_x.Rules) -> None:
    for r in rules:
        meta = dict(r.metadata)
        assert set(meta) >= {"id", "severity", "family", "description"}, r.identifier
        assert meta["id"] in EXPECTED_SEVERITY, r.identifier
        assert meta["severity"] == EXPECTED_SEVERITY[meta["id"]], r.identifier
        assert meta["description"], r.identifier


def test_every_bundled_rule_has_a_positive_sample(rules: yara_x.Rules) -> None:
    names = {r.identifier for r in rules}
    assert names == {rule_of(p) for p in POSITIVE}


@pytest.mark.parametrize("sample", POSITIVE, ids=lambda p: p.stem)
def test_rule_matches_its_sample(rules: yara_x.Rules, sample: Path) -> None:
    assert rule_of(sample) in matching(rules, sample.read_bytes())


@pytest.mark.parametrize("sample", POSITIVE, ids=lambda p: p.stem)
def test_rule_matches_its_sample_minified_and_renamed(rules: yara_x.Rules, sample: Path) -> None:
    small = minify(sample.read_text())
    assert len(small) < len(sample.read_text())
    assert rule_of(sample) in matching(rules, small.encode())


CONSTRUCTOR_SAMPLES = [
    "anonymous_miner_constructor",
    "coinhive_miner",
    "coinimp_miner",
    "cryptoloot_miner",
    "deepminer_miner",
]


@pytest.mark.parametrize("name", CONSTRUCTOR_SAMPLES)
def test_generic_constructor_rule_survives_rebranding(rules: yara_x.Rules, name: str) -> None:
    source = (SAMPLES / "positive" / f"{name}.js").read_text()
    assert "anonymous_miner_constructor" in matching(rules, source.encode())
    renamed = minify(rebrand(source))
    assert "Qz." in renamed
    assert "anonymous_miner_constructor" in matching(rules, renamed.encode())


STARTERS = [
    "Miner.Anonymous('site-key-0a1b2c3d4e5f', {pool: 'ws://127.0.0.1:9/', threads: 2}).start();",
    "window.Q7.Anonymous('corpus-coinhive-renamed-global', {pool: p, dialect: 'coinhive'}).start();",
    'Q7.Anonymous(c.k,{pool:c.p,dialect:"line"}).start()',
    "new Qz.Anonymous(key, {pool: endpoint}).start();",
    "var w = Q7.Anonymous(cfg.key);\nsetTimeout(function () { w.start(); }, 3000);",
    'a=R.Anonymous("0123456789abcdefXYZ"),b=1,a.start()',
    "Kp.User('0123456789abcdef0123', 'visitor', {throttle: 0.4});",
    "new Kp.User(siteKey, user, {threads: 4}).start();",
]


@pytest.mark.parametrize("starter", STARTERS)
def test_generic_constructor_matches_without_new_and_under_any_name(
    rules: yara_x.Rules, starter: str
) -> None:
    assert "anonymous_miner_constructor" in matching(rules, starter.encode())


NOT_STARTERS = [
    "Miner.Anonymous = function (siteKey, opts) { return new Miner(siteKey, opts); };",
    "new Tracker.User('0f9e8d7c6b5a4f3e2d1c', { sampleRate: 50 }).start();",
    "label.textContent = user.name || Names.Anonymous('guest');",
    "var g = Auth.Anonymous(id); // no start anywhere near",
]


@pytest.mark.parametrize("source", NOT_STARTERS)
def test_generic_constructor_needs_a_start_or_miner_options(
    rules: yara_x.Rules, source: str
) -> None:
    assert "anonymous_miner_constructor" not in matching(rules, source.encode())


def test_the_corpus_obfuscated_miner_library_matches_on_structure(rules: yara_x.Rules) -> None:
    """javascript-obfuscator output of our demo miner: no family name, no readable API."""
    library = (CORPUS_LIB / "obf" / "app.js").read_bytes()
    assert b"Anonymous" not in library and b"webminerpool" not in library
    assert matching(rules, library) == {"obfuscated_miner_loader": "medium"}


def test_no_benign_corpus_script_matches_medium_or_high(rules: yara_x.Rules) -> None:
    scripts = sorted((CORPUS_SITES / "clean").rglob("*.js"))
    assert scripts
    for path in scripts:
        strong = {n: s for n, s in matching(rules, path.read_bytes()).items() if s != "low"}
        assert strong == {}, path


@pytest.mark.parametrize("sample", BENIGN, ids=lambda p: p.stem)
def test_benign_look_alikes_reach_no_medium_or_high(rules: yara_x.Rules, sample: Path) -> None:
    for variant in (sample.read_text(), minify(sample.read_text())):
        strong = {
            name: sev for name, sev in matching(rules, variant.encode()).items() if sev != "low"
        }
        assert strong == {}


def test_benign_set_covers_the_look_alikes_we_promised() -> None:
    assert {p.stem for p in BENIGN} >= {
        "dom_utility",
        "chat_client",
        "price_ticker",
        "password_worker",
        "webgl_animation",
        "analytics",
        "framework_bundle",
        "obfuscated_chat_widget",
        "anti_miner_blocklist",
    }


# --- words are not families: lists, blocklists and articles name miners without being one ------

LISTED_NOT_USED = [
    "var hosts = ['webminerpool.com', 'coinhive.com', 'load.jsecoin.com', 'minero.cc'];",
    "var urls = ['*://coinhive.com/lib/*', '*://crypto-loot.com/lib/*', '*://*/deepMiner.min.js'];",
    "var names = ['startMining', 'stopMining', 'throttleMiner', 'sendStack', 'jsecoin'];",
    "var api = ['getHashesPerSecond', 'getTotalHashes', 'getAcceptedHashes', 'setThrottle'];",
    "var frames = ['job_id', 'keepalived', 'hash_accepted', 'authed', 'submit'];",
    "document.querySelectorAll('.minero-hidden').forEach(function (n) { n.remove(); });",
    "// webminerpool: startMining() is its entry point; see github.com/notgiven688/webminerpool",
]


@pytest.mark.parametrize("source", LISTED_NOT_USED)
def test_names_listed_as_strings_match_no_family_or_structure(
    rules: yara_x.Rules, source: str
) -> None:
    strong = {n: s for n, s in matching(rules, source.encode()).items() if s != "low"}
    assert strong == {}


USED = {
    "webminerpool_miner": "startMining(pool, wallet, 'x', 4); throttleMiner = 20; stopMining();",
    "jsecoin_miner": "<script src='https://load.jsecoin.com/load/12345/example.com/0/0/'></script>",
    "coinhive_miner": "<script src='https://coinhive.com/lib/coinhive.min.js'></script>",
    "deepminer_miner": '<script src="/static/deepMiner.min.js"></script>',
    "minero_miner": '<div class="minero-hidden" data-key="abc"></div>',
}


@pytest.mark.parametrize(("name", "source"), USED.items())
def test_the_same_names_used_as_api_still_name_the_family(
    rules: yara_x.Rules, name: str, source: str
) -> None:
    assert matching(rules, source.encode()).get(name) == "high"


def test_a_blog_post_quoting_miner_code_is_no_high_finding(rules: yara_x.Rules) -> None:
    """Quoted in article text (escaped HTML), miner code is demoted to a hint: the page is clean."""
    html = (SAMPLES / "benign" / "blog_post_quoting_miners.html").read_text()
    visit = PageVisit(url="http://127.0.0.1/blog/", dom=DomSnapshot(rendered_html=html))
    findings = scan_visit(visit, rules)
    assert findings, "the quotes are still reported, as hints"
    assert all(f.severity <= Severity.MEDIUM for f in findings)


# --- findings for a page visit ----------------------------------------------------------------


def script(
    body: str, url: str = "", kind: ScriptKind = ScriptKind.EXTERNAL, context: str = "page"
) -> ScriptObservation:
    raw = body.encode()
    return ScriptObservation(
        kind=kind, url=url, context=context, sha256=sha256_hex(raw), size=len(raw), body=raw
    )


def sample(name: str) -> str:
    return (SAMPLES / "positive" / f"{name}.js").read_text()


def test_visit_findings_name_the_script_and_the_matched_text(rules: yara_x.Rules) -> None:
    miner = script(sample("coinhive_miner"), "http://127.0.0.1:8000/js/m.js")
    visit = PageVisit(url="http://127.0.0.1:8000/", scripts=(miner,))
    findings = {f.rule_id: f for f in scan_visit(visit, rules)}
    assert set(findings) == {"MS201", "MS202"}  # the weak marker is dropped next to stronger ones
    family = findings["MS201"]
    assert family.severity is Severity.HIGH and family.confidence >= 0.9
    assert family.title == "CoinHive miner in http://127.0.0.1:8000/js/m.js"
    assert family.evidence["url"] == "http://127.0.0.1:8000/js/m.js"
    assert family.evidence["sha256"] == miner.sha256
    assert family.evidence["yara_rules"] == ["coinhive_miner"]
    (match,) = family.evidence["matches"]
    assert match["family"] == "CoinHive"
    assert match["strings"][0]["excerpt"] == "CoinHive.Anonymous("
    json.dumps(family.evidence)


def test_excerpts_are_capped(rules: yara_x.Rules) -> None:
    long_url = "wss://" + "a" * 50 + ".xmr-pool.example.test:3333/"
    visit = PageVisit(
        url="http://127.0.0.1/", scripts=(script(f"var s = new WebSocket('{long_url}');"),)
    )
    (finding,) = scan_visit(visit, rules)
    excerpt = finding.evidence["matches"][0]["strings"][0]["excerpt"]
    assert len(excerpt) == yara_rules.MAX_EXCERPT_CHARS and long_url.startswith(excerpt)


def test_each_kind_of_script_is_scanned_and_duplicates_merge(rules: yara_x.Rules) -> None:
    worker_body = sample("mining_protocol_client")
    visit = PageVisit(
        url="http://127.0.0.1/",
        scripts=(
            script(
                worker_body,
                "http://127.0.0.1/w.js",
                ScriptKind.WORKER,
                "worker:http://127.0.0.1/w.js",
            ),
            script(
                worker_body,
                "http://127.0.0.1/w.js",
                ScriptKind.WORKER,
                "worker:http://127.0.0.1/w.js#2",
            ),
            script(sample("stratum_url"), "", ScriptKind.EVAL, "page"),
            script(
                sample("webminerpool_miner"),
                "blob:http://127.0.0.1/0f2c",
                ScriptKind.BLOB,
                "worker:blob:x",
            ),
            script(
                sample("weak_miner_marker"), "", ScriptKind.INLINE, "frame:http://127.0.0.1/f.html"
            ),
        ),
    )
    by_rule = {(f.rule_id, f.evidence["kind"]): f for f in scan_visit(visit, rules)}
    assert set(by_rule) == {
        ("MS202", "worker"),
        ("MS203", "eval"),
        ("MS201", "blob"),
        ("MS204", "inline"),
    }
    assert by_rule[("MS202", "worker")].evidence["also_seen"] == [
        {"url": "http://127.0.0.1/w.js", "context": "worker:http://127.0.0.1/w.js#2"}
    ]
    assert (
        by_rule[("MS203", "eval")].title
        == "mining pool address in code: stratum_url in eval script in page"
    )
    assert by_rule[("MS204", "inline")].severity is Severity.LOW


def test_dom_adds_only_what_scripts_did_not_and_demotes_page_text(rules: yara_x.Rules) -> None:
    inline = sample("cryptoloot_miner")
    html = (
        "<html><head><script src='https://coinhive.com/lib/coinhive.min.js'></script>"
        f"<script>{inline}</script></head><body><article><p>Attackers used "
        "new deepMiner.Anonymous('…') to mine.</p></article></body></html>"
    )
    visit = PageVisit(
        url="http://127.0.0.1/",
        scripts=(script(inline, "", ScriptKind.INLINE),),
        dom=DomSnapshot(rendered_html=html),
    )
    dom = [f for f in scan_visit(visit, rules) if f.evidence["source"] == "dom"]
    families = {m["rule"]: m["severity"] for f in dom for m in f.evidence["matches"]}
    assert families == {"coinhive_miner": "high", "deepminer_miner": "medium"}
    assert all(f.evidence["url"] == "http://127.0.0.1/" for f in dom)


def test_benign_page_produces_no_medium_or_high_findings(rules: yara_x.Rules) -> None:
    visit = PageVisit(
        url="http://127.0.0.1/",
        scripts=tuple(script(p.read_text(), f"http://127.0.0.1/{p.name}") for p in BENIGN),
    )
    assert [f for f in scan_visit(visit, rules) if f.severity >= Severity.MEDIUM] == []


def test_scripts_without_bodies_are_skipped(rules: yara_x.Rules) -> None:
    empty = ScriptObservation(
        kind=ScriptKind.EXTERNAL,
        url="http://127.0.0.1/a.js",
        context="page",
        sha256="00" * 32,
        size=10_000_000,
        body=None,
    )
    assert scan_visit(PageVisit(url="http://127.0.0.1/", scripts=(empty,)), rules) == []


# --- registered rules and user signatures ----------------------------------------------------


@dataclass
class Context:
    yara_rules: yara_x.Rules


def test_registered_rules_split_one_scan_by_group() -> None:
    registry = registered_rules()
    assert {"MS201", "MS202", "MS203", "MS204", "MS209"} <= set(registry)
    assert set(GROUPS) == {"MS201", "MS202", "MS203", "MS204", "MS209"}
    visit = PageVisit(
        url="http://127.0.0.1/", scripts=(script(sample("coinhive_miner") + sample("stratum_url")),)
    )
    found = {rid: list(registry[rid].check(visit, None)) for rid in GROUPS}
    assert [f.rule_id for f in found["MS201"]] == ["MS201"]
    assert [f.rule_id for f in found["MS203"]] == ["MS203"]
    assert found["MS204"] == [] and found["MS209"] == []


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_user_rules_report_under_ms209_with_their_severity(tmp_path: Path) -> None:
    write(
        tmp_path / "team" / "house.yar",
        """
rule house_miner_loader {
    meta:
        severity = "critical"
        description = "our own loader name"
    strings:
        $a = "loadHouseMiner("
    condition:
        $a
}
rule coinhive_miner {  // same name as a bundled rule: separate namespace, no clash
    strings: $a = "never-present-marker"
    condition: $a
}
""",
    )
    ctx = Context(compile_rules([tmp_path / "team"]))
    visit = PageVisit(
        url="http://127.0.0.1/",
        scripts=(script("window.loadHouseMiner(3);", "http://127.0.0.1/x.js"),),
    )
    (finding,) = registered_rules()["MS209"].check(visit, ctx)
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence["yara_rules"] == ["house_miner_loader"]
    # without the user's folder the bundled set knows nothing about it
    assert list(registered_rules()["MS209"].check(visit, None)) == []


def test_bad_user_rule_names_file_and_line(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "rules" / "broken.yar",
        "rule ok { condition: true }\n\nrule broken {\n  condition: $missing\n}\n",
    )
    with pytest.raises(ValueError, match=re.escape(str(bad)) + r":4:"):
        compile_rules([tmp_path / "rules"])


def test_missing_user_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        compile_rules([tmp_path / "nope"])


def test_user_rules_cannot_include_other_files(tmp_path: Path) -> None:
    write(tmp_path / "secret.yar", "rule secret { condition: true }")
    write(tmp_path / "rules" / "sneaky.yar", f'include "{tmp_path / "secret.yar"}"\n')
    with pytest.raises(ValueError, match="sneaky.yar"):
        compile_rules([tmp_path / "rules"])


def test_benign_look_alikes_bundled_together_reach_no_medium_or_high(rules: yara_x.Rules) -> None:
    """A bundler puts many modules in one file: weak markers from different modules must not add up."""
    bundle = "\n".join(p.read_text() for p in BENIGN)
    for variant in (bundle, minify(bundle)):
        strong = {n: s for n, s in matching(rules, variant.encode()).items() if s != "low"}
        assert strong == {}
