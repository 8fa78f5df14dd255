"""Every script and WebAssembly module the engine compiled, in the page, frames and workers.

``Debugger.enable`` replays the scripts a target already parsed, so a worker we attach to
late still reports its top-level script. Sources are fetched as soon as a script is parsed:
a worker may be gone by the time the visit is collected. Each is cut to the body cap as it
arrives (its sha256 and size are those of the whole source), so a page of huge or countless
scripts holds at most ``body_bytes`` of each until the visit is collected.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from typing import Any

from model.observations import ScriptKind, ScriptObservation, WasmModule, sha256_hex

from .targets import Target, TargetTree, initiator_script_url
from .wasm_sections import WasmInterface, read_interface

log = logging.getLogger(__name__)

# Playwright runs page.evaluate() code under this name; it is ours, not the page's.
_PLAYWRIGHT_SOURCE_URL = "__playwright_evaluation_script__"
_MAX_SCRIPTS = 3000  # a page that evals in a loop must not exhaust memory
_SOURCE_TIMEOUT = 8.0
# What one visit keeps of all its script and wasm sources together; past it, a source is still
# hashed and measured but none of it is kept (recorded as truncated), so thousands of eval'd
# megabyte scripts cannot hold gigabytes until the visit is collected.
_VISIT_SOURCE_BUDGET = 48 << 20
# Keep the source of collected (eval'd, unreferenced) scripts so getScriptSource still works.
_DEBUGGER_CACHE_BYTES = 32 * 1024 * 1024


@dataclass
class _ParsedScript:
    target: Target
    url: str
    start_line: int
    start_column: int
    has_source_url: bool
    is_wasm: bool
    length: int
    initiator: str | None = None  # the script whose code compiled this one (insert, eval)
    # What was captured, already cut to the body cap: the full source is hashed, measured
    # (and for wasm, its interface read) the moment it arrives, then dropped.
    source: bytes | None = None
    sha256: str = ""
    size: int = 0
    interface: WasmInterface | None = None


def enable_debugger(target: Target) -> None:
    """Queue the Debugger set-up on ``target`` (sent before it is resumed)."""
    target.post("Debugger.enable", {"maxScriptsCacheSize": _DEBUGGER_CACHE_BYTES})
    # `debugger;` statements are a common anti-analysis trick: never stop on them.
    target.post("Debugger.setSkipAllPauses", {"skip": True})


class ScriptRecorder:
    def __init__(self, tree: TargetTree, body_bytes: int) -> None:
        self._tree = tree
        self._body_bytes = body_bytes
        self._scripts: list[_ParsedScript] = []
        self._kept_bytes = 0
        self._fetches: list[asyncio.Task[None]] = []
        self._limit = asyncio.Semaphore(6)
        tree.on("Debugger.scriptParsed", self._parsed)
        tree.on("Debugger.paused", lambda target, _: target.post("Debugger.resume"))

    def _parsed(self, target: Target, params: dict[str, Any]) -> None:
        aux = params.get("executionContextAuxData") or {}
        url = params.get("url", "") or ""
        if aux.get("type") == "isolated" or url == _PLAYWRIGHT_SOURCE_URL:
            return  # Playwright's utility world and evaluations
        if len(self._scripts) >= _MAX_SCRIPTS:
            return
        script = _ParsedScript(
            target=target,
            url=url,
            start_line=int(params.get("startLine", 0) or 0),
            start_column=int(params.get("startColumn", 0) or 0),
            has_source_url=bool(params.get("hasSourceURL")),
            is_wasm=params.get("scriptLanguage") == "WebAssembly",
            length=int(params.get("length", 0) or 0),
            initiator=_initiator(params, url),
        )
        self._scripts.append(script)
        self._fetches.append(self._tree.spawn(self._fetch(script, params.get("scriptId", ""))))

    async def _fetch(self, script: _ParsedScript, script_id: str) -> None:
        async with self._limit:
            reply = await script.target.send(
                "Debugger.getScriptSource", {"scriptId": script_id}, timeout=_SOURCE_TIMEOUT
            )
        if not reply:
            return
        if script.is_wasm:
            try:
                full = base64.b64decode(reply.get("bytecode", ""))
            except ValueError:
                return
            script.interface = read_interface(full)
        else:
            full = (reply.get("scriptSource") or "").encode("utf-8", "surrogatepass")
        del reply  # a huge script is held once, not twice, until it is cut
        self._keep(script, full)

    def _keep(self, script: _ParsedScript, full: bytes) -> None:
        script.sha256 = sha256_hex(full)
        script.size = len(full)
        room = max(0, min(self._body_bytes, _VISIT_SOURCE_BUDGET - self._kept_bytes))
        script.source = full[:room] if len(full) > room else full
        self._kept_bytes += len(script.source)

    async def settle(self, timeout: float) -> None:
        """Wait (bounded) for outstanding source fetches."""
        pending = [task for task in self._fetches if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    @property
    def wasm_count(self) -> int:
        return sum(1 for s in self._scripts if s.is_wasm)

    def scripts(
        self, document_urls: set[str], fallback_bodies: dict[str, bytes] | None = None
    ) -> tuple[ScriptObservation, ...]:
        """One observation per distinct (context, kind, url, content)."""
        seen: set[tuple[str, ScriptKind, str, str]] = set()
        out: list[ScriptObservation] = []
        for script in self._scripts:
            if script.is_wasm:
                continue
            kind = classify(script, document_urls)
            if script.source is None and fallback_bodies and script.url in fallback_bodies:
                self._keep(script, fallback_bodies[script.url])
            observation = self._observe(script, kind)
            key = (observation.context, kind, observation.url, observation.sha256)
            if key in seen:
                continue
            seen.add(key)
            out.append(observation)
        return tuple(out)

    def _observe(self, script: _ParsedScript, kind: ScriptKind) -> ScriptObservation:
        url = (
            ""
            if kind in (ScriptKind.INLINE, ScriptKind.EVAL) and not script.has_source_url
            else script.url
        )
        if script.source is None:
            return ScriptObservation(
                kind=kind,
                url=url,
                context=script.target.context,
                sha256="",
                size=script.length,
                initiator_script=script.initiator,
            )
        return ScriptObservation(
            kind=kind,
            url=url,
            context=script.target.context,
            sha256=script.sha256,
            size=script.size,
            body=script.source,
            truncated=script.size > len(script.source),
            initiator_script=script.initiator,
        )

    def wasm_modules(self) -> tuple[WasmModule, ...]:
        seen: set[tuple[str, str]] = set()
        out: list[WasmModule] = []
        for script in self._scripts:
            if not script.is_wasm or script.source is None:
                continue
            digest = script.sha256
            context = script.target.context
            if (context, digest) in seen:
                continue
            seen.add((context, digest))
            interface = script.interface or read_interface(script.source)
            out.append(
                WasmModule(
                    sha256=digest,
                    size=script.size,
                    context=context,
                    body=script.source,
                    exports=interface.exports,
                    imports=interface.imports,
                    truncated=script.size > len(script.source),
                )
            )
        return tuple(out)


def classify(script: _ParsedScript, document_urls: set[str]) -> ScriptKind:
    """What kind of script this was, from what V8 knows about its origin.

    eval / new Function / setTimeout(string) have no URL. A <script> block or an on*=
    handler carries its document's URL and starts inside it (a nonzero line or column),
    while a fetched script always starts at 0:0.
    """
    url = script.url
    if not url:
        return ScriptKind.EVAL
    if url.startswith("blob:"):
        return ScriptKind.BLOB
    if url.startswith("data:"):
        return ScriptKind.DATA
    if script.has_source_url and not url.startswith(("http://", "https://")):
        return ScriptKind.EVAL  # eval'd code that named itself with //# sourceURL
    if script.target.is_worker and url == script.target.url:
        return ScriptKind.WORKER
    if (
        script.start_line > 0
        or script.start_column > 0
        or (url in document_urls and not script.target.is_worker)
    ):
        return ScriptKind.INLINE
    return ScriptKind.EXTERNAL


def _initiator(params: dict[str, Any], url: str) -> str | None:
    """The script on top of the engine's stack when this one was compiled: whoever inserted an
    inline ``<script>`` or called eval / new Function. Parsed HTML and fetched files have none."""
    stack = params.get("stackTrace")
    if not isinstance(stack, dict):
        return None
    who = initiator_script_url({"stack": stack})
    return who if who and who != url else None
