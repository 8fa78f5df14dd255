"""Regenerate the corpus's derived files: disguised copies of the demo miner and a benign wasm.

Run ``python tests/corpus/build.py`` after the demo miner (``minerscan/demo_site/static``)
changes, and commit what it writes. The tests only read the committed output, so they need no
npm; this script does: it installs ``terser`` and ``javascript-obfuscator`` into a temporary
folder (pinned versions, so the output only changes when the miner does).

What it writes, each a variant an attacker would actually ship:

- ``lib/min/``    the library, its worker and its hash engine minified and mangled (terser)
- ``lib/obf/``    the same obfuscated (javascript-obfuscator: string array in base64, hex names,
                  flattened control flow), plus ``boot.js``, an obfuscated starter
- ``lib/vendor/`` the library renamed to ``jquery.min.js`` and friends, comments stripped
- ``lib/q7/``     the library renamed to ``analytics-bundle.js`` exporting ``window.Q7``
- ``sites/webminerpool/self-hosted/js/`` a site-local copy with its own names, wasm included
- ``sites/clean/wasm-image-filter/filter.wasm`` a benign image-filter module
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from minerscan.sites.demo import MINER_STATIC
from minerscan.sites.make_wasm import name, section, sleb, uleb, vec

LIB = HERE / "lib"
SITES = HERE / "sites"
NPM_PACKAGES = ("terser@5.51.4", "javascript-obfuscator@5.8.0")
# javascript-obfuscator is seeded so a rebuild of an unchanged miner gives the same bytes.
OBFUSCATOR_FLAGS = (
    "--seed",
    "20240611",
    "--compact",
    "true",
    "--identifier-names-generator",
    "hexadecimal",
    "--string-array",
    "true",
    "--string-array-encoding",
    "base64",
    "--string-array-threshold",
    "1",
    "--split-strings",
    "true",
    "--split-strings-chunk-length",
    "6",
    "--control-flow-flattening",
    "true",
    "--control-flow-flattening-threshold",
    "0.5",
    "--transform-object-keys",
    "true",
    "--rename-globals",
    "false",
    "--self-defending",
    "false",
)
# The starter the obfuscated pages run: the page-specific settings come from the script tag's
# data attributes (base64 JSON, and the pool address the server fills in), so one obfuscated
# file serves every dialect and no miner name stays readable in the page either.
BOOT_SOURCE = """
(function () {
  var tag = document.currentScript, cfg = JSON.parse(atob(tag.dataset.cfg));
  var miner = window.Miner.Anonymous(cfg.k, {
    pool: tag.dataset.endpoint, dialect: cfg.d, wallet: cfg.w, threads: 2
  });
  miner.start();
})();
"""


@dataclass(frozen=True)
class Disguise:
    """How one copy of the miner is named: its three files, its wasm and its global."""

    library: str
    worker: str
    engine: str
    wasm: str = "m.wasm"
    global_name: str = "Miner"


def disguised(source: str, disguise: Disguise) -> str:
    """The miner source with its file names and global replaced and its header comment gone."""
    text = re.sub(r"\A\s*/\*.*?\*/\s*", "", source, flags=re.DOTALL)
    for original, renamed in (
        ("m-worker.js", disguise.worker),
        ("m-hash.js", disguise.engine),
        ("m.wasm", disguise.wasm),
    ):
        text = text.replace(f"'{original}'", f"'{renamed}'")
    if disguise.global_name != "Miner":
        text = text.replace("g.Miner = Miner;", f"g.{disguise.global_name} = Miner;")
    return text


def computed_dialect_keys(source: str) -> str:
    """``webminerpool: {`` → ``['webminerpool']: {`` in the dialect table.

    javascript-obfuscator leaves plain object keys readable, and the dialect names would give
    the obfuscated copy away; as computed string keys they go into its encoded string array.
    """
    return re.sub(
        r"^(\s+)(stratum|coinhive|webminerpool|line): \{",
        r"\1['\2']: {",
        source,
        flags=re.MULTILINE,
    )


def write_copy(folder: Path, disguise: Disguise) -> dict[str, Path]:
    """Write the three renamed files (and the wasm) into ``folder``; return them by role."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "library": folder / disguise.library,
        "worker": folder / disguise.worker,
        "engine": folder / disguise.engine,
    }
    for role, original in (("library", "m.js"), ("worker", "m-worker.js"), ("engine", "m-hash.js")):
        source = (MINER_STATIC / original).read_text(encoding="utf-8")
        files[role].write_text(disguised(source, disguise), encoding="utf-8")
    shutil.copyfile(MINER_STATIC / "m.wasm", folder / disguise.wasm)
    return files


def npm_tools(workdir: Path) -> Path:
    """Install the pinned JavaScript tools; return their ``node_modules/.bin``."""
    try:
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", *NPM_PACKAGES],
            cwd=workdir,
            check=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        sys.exit(f"build.py needs npm to install {', '.join(NPM_PACKAGES)}: {exc}")
    return workdir / "node_modules" / ".bin"


def minify(bin_dir: Path, path: Path) -> None:
    subprocess.run(
        [str(bin_dir / "terser"), str(path), "--compress", "--mangle", "--output", str(path)],
        check=True,
        timeout=120,
    )


def obfuscate(bin_dir: Path, path: Path) -> None:
    subprocess.run(
        [
            str(bin_dir / "javascript-obfuscator"),
            str(path),
            "--output",
            str(path),
            *OBFUSCATOR_FLAGS,
        ],
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
    )


def build_miner_variants(bin_dir: Path) -> None:
    shutil.rmtree(LIB, ignore_errors=True)
    for path in write_copy(LIB / "min", Disguise("m.min.js", "w.min.js", "h.min.js")).values():
        minify(bin_dir, path)
    obf = write_copy(LIB / "obf", Disguise("app.js", "app-worker.js", "app-hash.js"))
    obf["library"].write_text(computed_dialect_keys(obf["library"].read_text("utf-8")), "utf-8")
    boot = LIB / "obf" / "boot.js"
    boot.write_text(BOOT_SOURCE, encoding="utf-8")
    for path in [*obf.values(), boot]:
        obfuscate(bin_dir, path)
        for word in ("webminerpool", "coinhive", "Anonymous", "Miner", "m-hash"):
            if word in path.read_text("utf-8"):
                sys.exit(f"{path.name}: {word!r} is still readable after obfuscation")
    write_copy(
        LIB / "vendor", Disguise("jquery.min.js", "jquery.ui.min.js", "jquery.easing.min.js")
    )
    write_copy(
        LIB / "q7",
        Disguise(
            "analytics-bundle.js", "analytics-worker.js", "analytics-core.js", global_name="Q7"
        ),
    )
    self_hosted = SITES / "webminerpool" / "self-hosted" / "js"
    shutil.rmtree(self_hosted, ignore_errors=True)
    write_copy(self_hosted, Disguise("site.js", "site-worker.js", "site-core.js", "site.wasm"))
    for folder in (LIB / "min", LIB / "obf", LIB / "vendor", LIB / "q7"):
        (folder / "m.wasm").unlink()  # only the self-hosted copy hashes with wasm


# -- a benign WebAssembly module: image filters over RGBA pixels --------------------------------

I32 = 0x7F
LOCAL_GET, LOCAL_SET, LOCAL_TEE = 0x20, 0x21, 0x22
I32_CONST, I32_ADD, I32_SUB, I32_MUL, I32_SHR_U, I32_GE_U, I32_GT_S = (
    0x41,
    0x6A,
    0x6B,
    0x6C,
    0x76,
    0x4F,
    0x4A,
)
I32_LOAD8_U, I32_STORE8 = 0x2D, 0x3A
BLOCK, LOOP, BR, BR_IF, END, SELECT, VOID = 0x02, 0x03, 0x0C, 0x0D, 0x0B, 0x1B, 0x40


def _op(*parts: int | bytes) -> bytes:
    out = bytearray()
    for part in parts:
        out.extend(part if isinstance(part, bytes) else bytes([part]))
    return bytes(out)


def _body(locals_count: int, code: bytes) -> bytes:
    decls = vec([uleb(locals_count) + bytes([I32])]) if locals_count else vec([])
    body = decls + code + bytes([END])
    return uleb(len(body)) + body


def _pixel_loop(i: int, step: bytes) -> bytes:
    """for (i = ptr; i < ptr + len; i += 4) { step }: params ptr (0) and len (1), i in ``i``."""
    return _op(
        LOCAL_GET,
        uleb(0),
        LOCAL_SET,
        uleb(i),
        BLOCK,
        VOID,
        LOOP,
        VOID,
        LOCAL_GET,
        uleb(i),
        LOCAL_GET,
        uleb(0),
        LOCAL_GET,
        uleb(1),
        I32_ADD,
        I32_GE_U,
        BR_IF,
        uleb(1),
        step,
        LOCAL_GET,
        uleb(i),
        I32_CONST,
        sleb(4),
        I32_ADD,
        LOCAL_SET,
        uleb(i),
        BR,
        uleb(0),
        END,
        END,
    )


def _invert_channel(i: int, offset: int) -> bytes:
    # mem[i + offset] = 255 - mem[i + offset]
    return _op(
        LOCAL_GET,
        uleb(i),
        I32_CONST,
        sleb(255),
        LOCAL_GET,
        uleb(i),
        I32_LOAD8_U,
        0,
        uleb(offset),
        I32_SUB,
        I32_STORE8,
        0,
        uleb(offset),
    )


def _grey_pixel(i: int, luma: int) -> bytes:
    # luma = (77 r + 150 g + 29 b) >> 8, written to r, g and b
    weigh = _op(
        LOCAL_GET,
        uleb(i),
        I32_LOAD8_U,
        0,
        uleb(0),
        I32_CONST,
        sleb(77),
        I32_MUL,
        LOCAL_GET,
        uleb(i),
        I32_LOAD8_U,
        0,
        uleb(1),
        I32_CONST,
        sleb(150),
        I32_MUL,
        I32_ADD,
        LOCAL_GET,
        uleb(i),
        I32_LOAD8_U,
        0,
        uleb(2),
        I32_CONST,
        sleb(29),
        I32_MUL,
        I32_ADD,
        I32_CONST,
        sleb(8),
        I32_SHR_U,
        LOCAL_SET,
        uleb(luma),
    )
    stores = b"".join(
        _op(LOCAL_GET, uleb(i), LOCAL_GET, uleb(luma), I32_STORE8, 0, uleb(channel))
        for channel in range(3)
    )
    return weigh + stores


def _brighten_channel(amount: int, i: int, value: int, offset: int) -> bytes:
    # mem[i + offset] = min(mem[i + offset] + amount, 255)
    return _op(
        LOCAL_GET,
        uleb(i),
        I32_CONST,
        sleb(255),
        LOCAL_GET,
        uleb(i),
        I32_LOAD8_U,
        0,
        uleb(offset),
        LOCAL_GET,
        uleb(amount),
        I32_ADD,
        LOCAL_TEE,
        uleb(value),
        LOCAL_GET,
        uleb(value),
        I32_CONST,
        sleb(255),
        I32_GT_S,
        SELECT,  # 255 when the sum overflows a byte, else the sum
        I32_STORE8,
        0,
        uleb(offset),
    )


def image_filter_module() -> bytes:
    """Exports memory, invert(ptr, len), grayscale(ptr, len), brighten(ptr, len, amount)."""
    two = bytes([0x60]) + vec([bytes([I32]), bytes([I32])]) + vec([])
    three = bytes([0x60]) + vec([bytes([I32])] * 3) + vec([])
    # locals after the params: invert (ptr, len | i), grayscale (ptr, len | i, luma),
    # brighten (ptr, len, amount | i, value)
    invert = _body(1, _pixel_loop(2, b"".join(_invert_channel(2, c) for c in range(3))))
    grey = _body(2, _pixel_loop(2, _grey_pixel(2, 3)))
    brighten = _body(2, _pixel_loop(3, b"".join(_brighten_channel(2, 3, 4, c) for c in range(3))))
    exports = vec(
        [
            name("memory") + bytes([0x02]) + uleb(0),
            name("invert") + bytes([0x00]) + uleb(0),
            name("grayscale") + bytes([0x00]) + uleb(1),
            name("brighten") + bytes([0x00]) + uleb(2),
        ]
    )
    return (
        b"\0asm"
        + (1).to_bytes(4, "little")
        + section(1, vec([two, three]))
        + section(3, vec([uleb(0), uleb(0), uleb(1)]))
        + section(5, vec([bytes([0x00]) + uleb(2)]))
        + section(7, exports)
        + section(10, vec([invert, grey, brighten]))
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="corpus-npm-") as tmp:
        build_miner_variants(npm_tools(Path(tmp)))
    wasm = SITES / "clean" / "wasm-image-filter" / "filter.wasm"
    wasm.parent.mkdir(parents=True, exist_ok=True)
    wasm.write_bytes(image_filter_module())
    for path in sorted([*LIB.rglob("*"), *wasm.parent.glob("*.wasm")]):
        if path.is_file():
            print(f"wrote {path.relative_to(HERE)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
