"""The stages import downward only: model ← crawler, analyzers, storage ← reports ← CLI.

A stage that imports a layer above it (storage loading the analyzers' YARA and adblock, the
crawler importing the CLI package, a reporter calling the analysis engine) can no longer be
changed or run alone; these tests name the offending import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("model", "crawler", "analyzers", "storage", "minerscan")

# What each layer may import of the project's packages, besides its own modules.
ALLOWED = {
    "model": (),
    "crawler": ("model",),
    "analyzers": ("model",),
    "storage": ("model",),
    # Reporters read results and rule metadata (analyzers.base; ``import analyzers`` registers
    # the built-in rules SARIF describes); they never run the engine or the crawler.
    "minerscan.reports": ("model", "storage", "analyzers.base", "minerscan.reports"),
}
EXACTLY = {"minerscan.reports": ("analyzers",)}


def _allowed(layer: str, name: str) -> bool:
    if layer != "minerscan.reports" and name.split(".")[0] == layer:
        return True
    if name in EXACTLY.get(layer, ()):
        return True
    return any(name == ok or name.startswith(ok + ".") for ok in ALLOWED[layer])


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _layer(path: Path) -> str:
    rel = path.relative_to(ROOT)
    if rel.parts[:2] == ("minerscan", "reports"):
        return "minerscan.reports"
    return rel.parts[0]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    folder = ROOT.joinpath(*layer.split("."))
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted(folder.rglob("*.py"))
        if _layer(path) == layer
        for name in sorted(_imports(path))
        if not _allowed(layer, name)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("module", "must_not_load"),
    [
        ("model.observations", ("sqlalchemy", "scrapy", "playwright", "yara_x", "adblock")),
        ("model.results", ("sqlalchemy", "scrapy", "playwright", "yara_x", "adblock", "analyzers")),
        ("storage", ("scrapy", "playwright", "yara_x", "adblock", "analyzers", "crawler")),
        ("analyzers", ("scrapy", "playwright", "sqlalchemy", "crawler", "storage")),
    ],
)
def test_importing_a_stage_does_not_load_what_it_does_not_use(
    module: str, must_not_load: tuple[str, ...]
) -> None:
    probe = (
        f"import sys, {module}\nprint(' '.join(m for m in {must_not_load!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"importing {module} loaded {out.stdout.strip()}"
