"""Parsers of page-controlled bytes, fuzzed: they never raise past their analyzer.

WebSocket frames and request bodies (analyzers/wire.py), wasm modules (wasm_decode.py and the
fingerprint over it), filter lists (analyzers/lists), the sources YARA reads (scripts, DOM) and
config files. Each parser is driven directly, and the whole engine is run with ``debug=True``
(which re-raises what an analyzer would otherwise record as an error) on visits built from the
same bytes: an exception anywhere is a bug a hostile page could use to blind a rule.

Budgets are small (the suite must stay fast); raise ``HYPOTHESIS_PROFILE=long`` for a long run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzers.engine import AnalysisContext, analyze_visit
from analyzers.lists import InvalidListError, detect_format, parse_list
from analyzers.wasm import fingerprint
from analyzers.wasm_decode import WASM_MAGIC, WASM_VERSION, decode_module, tokenize_body
from analyzers.wire import decode_payload, decode_query, unwrap_json
from minerscan.config import ConfigError, build_config, load_config_file
from model.observations import (
    DomSnapshot,
    FrameDirection,
    HttpBody,
    PageVisit,
    RequestObservation,
    ScriptKind,
    ScriptObservation,
    WasmModule,
    WebSocketFrame,
    WebSocketSession,
)

settings.register_profile(
    "quick",
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("long", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))

# Text a miner's pool protocol is made of, so the decoders get past their first check.
WIRE_ALPHABET = string.printable + '{}[]":,\\éü\u202e\x00'
wire_text = st.one_of(
    st.text(alphabet=WIRE_ALPHABET, max_size=400),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    ).map(json.dumps),
)
wasm_bytes = st.one_of(
    st.binary(max_size=600),
    st.binary(max_size=600).map(lambda body: WASM_MAGIC + WASM_VERSION + body),
)


@given(wire_text, st.booleans())
def test_frame_decoder_never_raises(payload: str, binary: bool) -> None:
    values = decode_payload(payload, binary=binary)
    assert isinstance(values, list)
    if binary:  # binary frames arrive base64-encoded
        decode_payload(base64.b64encode(payload.encode("utf-8", "replace")).decode(), binary=True)
    unwrap_json(payload)


@given(st.text(max_size=300))
def test_query_decoder_never_raises(query: str) -> None:
    decode_query(f"wss://pool.example/?{query}")
    decode_query(query)


@given(wasm_bytes, st.integers(min_value=0, max_value=5000))
def test_wasm_decoder_and_fingerprint_never_raise(data: bytes, limit: int) -> None:
    layout = decode_module(data)
    assert layout.valid_header == (data[:8] == WASM_MAGIC + WASM_VERSION)
    tokenize_body(data[8:], limit)
    result = fingerprint(data, exports=("main",), imports=("env.memory",))
    assert not any("internal decoder error" in e for e in result.errors), result.errors


@given(st.text(max_size=600))
def test_filter_list_parser_raises_only_its_own_error(text: str) -> None:
    detect_format(text)
    try:
        parse_list("fuzzed.txt", text, min_rules=1)
    except InvalidListError:
        pass  # a list that is not one says so: the user sees that line


@given(st.text(max_size=400))
def test_config_file_gives_only_config_errors(tmp_path_factory, text: str) -> None:
    path: Path = tmp_path_factory.mktemp("config") / "minerscan.toml"
    path.write_text(text, encoding="utf-8")
    try:
        build_config(path)
    except ConfigError:
        pass


@given(
    st.dictionaries(
        st.sampled_from(["depth", "dwell", "profiles", "targets", "fail_on", "concurrency"]),
        st.one_of(st.integers(-5, 100), st.text(max_size=10), st.lists(st.text(max_size=8))),
        max_size=4,
    )
)
def test_config_values_of_any_type_give_config_errors(tmp_path_factory, values: dict) -> None:
    path: Path = tmp_path_factory.mktemp("config") / "minerscan.toml"
    # JSON's numbers, strings and arrays of strings are TOML too
    lines = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path.write_text("[scan]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_config_file(path)
        build_config(path)
    except ConfigError:
        pass


@pytest.fixture(scope="module")
def context() -> AnalysisContext:
    return AnalysisContext.load()


def _script(body: bytes) -> ScriptObservation:
    return ScriptObservation(
        kind=ScriptKind.INLINE,
        url="",
        context="page",
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        body=body,
    )


@given(
    frames=st.lists(st.tuples(wire_text, st.booleans()), max_size=6),
    script=st.binary(max_size=400),
    wasm=wasm_bytes,
    html=st.text(max_size=300),
    body=wire_text,
    url=st.text(alphabet=string.printable, max_size=60),
)
def test_no_analyzer_raises_on_a_visit_made_of_hostile_bytes(
    context: AnalysisContext,
    frames: list[tuple[str, bool]],
    script: bytes,
    wasm: bytes,
    html: str,
    body: str,
    url: str,
) -> None:
    visit = PageVisit(
        url="http://127.0.0.1/",
        final_url="http://127.0.0.1/",
        status=200,
        content_type="text/html",
        rendered=True,
        scripts=(_script(script), _script(html.encode("utf-8", "surrogatepass"))),
        requests=(
            RequestObservation(
                url=f"http://127.0.0.1/{url}",
                resource_type="xhr",
                method="POST",
                status=200,
                request_body=HttpBody(text=body, size=len(body)),
            ),
        ),
        websockets=(
            WebSocketSession(
                url=f"ws://127.0.0.1/{url}",
                context="page",
                opened_at=0.0,
                frames=tuple(
                    WebSocketFrame(
                        direction=FrameDirection.SENT if i % 2 else FrameDirection.RECEIVED,
                        time=float(i),
                        payload=payload,
                        size=len(payload),
                        binary=binary,
                        index=i,
                    )
                    for i, (payload, binary) in enumerate(frames)
                ),
                frames_sent=len(frames),
            ),
        ),
        wasm_modules=(
            WasmModule(
                sha256=hashlib.sha256(wasm).hexdigest(),
                size=len(wasm),
                context="page",
                body=wasm,
            ),
        ),
        dom=DomSnapshot(served_html=html, rendered_html=html),
    )
    analysis = analyze_visit(visit, context, debug=True)  # debug: an analyzer error raises
    assert analysis.errors == ()
