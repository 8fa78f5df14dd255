"""Build every test module of the fingerprint matrix and write manifest.json (run by build.sh).

Each program (a set of sources and defines) is compiled with clang/wasm-ld at -O1, -O2, -O3 and
-Oz, with -msimd128 at -O2 and -O3, and with emscripten at -O2, -O3, -Oz and -O3 -msimd128.
All -Oz builds and all emscripten SIMD builds are held out ("set-aside"): the fingerprint was
tuned on the others only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
OUT = HERE / "out"


@dataclass(frozen=True)
class Program:
    name: str
    algorithm: str
    label: str  # miner-core, primitive, benign
    expect: str | None  # the rule the fingerprint should give: MS401, MS402, MS403 or None
    sources: tuple[str, ...]
    exports: tuple[str, ...]
    defines: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


CN = ("cryptonight.c", "keccak.c", "aes.c", "blake.c")
RX = ("randomx.c", "blake.c", "aes.c")
# fmt: off
PROGRAMS = (
    Program("cn", "CryptoNight shape: 2 MiB, AES T-tables in data, literal mask", "miner-core",
            "MS401", CN, ("cryptonight_hash",)),
    Program("cn_lite", "CryptoNight shape: 256 KiB scratchpad (mask 0x3FFF0)", "miner-core",
            "MS401", CN, ("hash_cn",), ("CN_MEMORY=(1u<<18)", "EXPORT_NAME=hash_cn")),
    Program("cn_int128", "CryptoNight shape: multiply through unsigned __int128 (__multi3)",
            "miner-core", "MS401", CN, ("cn_slow_hash",), ("CN_INT128", "EXPORT_NAME=cn_slow_hash")),
    Program("cn_runtime", "CryptoNight shape: size/mask/iterations, AES tables and Keccak round "
            "constants all computed at run time", "miner-core", "MS401", CN, ("_cryptonight_hash",),
            ("CN_RUNTIME_SIZE", "AES_MODE=1", "KECCAK_RC_LFSR", "EXPORT_NAME=_cryptonight_hash")),
    Program("cn_tablefree", "CryptoNight shape: runtime size, table-free AES (S-box computed per "
            "byte), LFSR round constants, neutral export", "miner-core", "MS401", CN, ("run",),
            ("CN_RUNTIME_SIZE", "AES_MODE=2", "KECCAK_RC_LFSR", "EXPORT_NAME=run")),
    Program("rx", "RandomX shape: BLAKE2b, AES generator/hash, VM over a program, L1/L2/L3 masks",
            "miner-core", "MS401", RX, ("randomx_hash",)),
    Program("rx_neutral", "RandomX shape with runtime AES tables and a neutral export",
            "miner-core", "MS401", RX, ("b",), ("AES_MODE=1", "EXPORT_NAME=b")),
    Program("sha256", "SHA-256", "primitive", "MS403", ("prim_main.c", "sha.c"), ("sha256",),
            ("PRIM=1", "EXPORT_NAME=sha256")),
    Program("sha1", "SHA-1", "primitive", "MS403", ("prim_main.c", "sha.c"), ("sha1",),
            ("PRIM=2", "WITH_SHA1", "EXPORT_NAME=sha1")),
    Program("keccak", "Keccak-256 alone", "primitive", "MS403", ("prim_main.c", "keccak.c"),
            ("keccak256",), ("PRIM=3", "EXPORT_NAME=keccak256")),
    Program("aes_ctr", "AES-256-CTR alone (T-tables)", "primitive", "MS403",
            ("prim_main.c", "aes.c"), ("aes_ctr",), ("PRIM=4", "EXPORT_NAME=aes_ctr")),
    Program("aes_tablefree", "AES-256-CTR alone, table-free (computed S-box)", "primitive",
            "MS403", ("prim_main.c", "aes.c"), ("encrypt",),
            ("PRIM=4", "AES_MODE=2", "EXPORT_NAME=encrypt")),
    Program("blake256", "BLAKE-256 alone", "primitive", "MS403", ("prim_main.c", "blake.c"),
            ("blake256_hash",), ("PRIM=5", "EXPORT_NAME=blake256_hash")),
    Program("seal", "AES-256-CTR + Keccak MAC: two mining-grade primitives, no scratchpad",
            "primitive", "MS402", ("prim_main.c", "aes.c", "keccak.c"), ("seal",),
            ("PRIM=6", "EXPORT_NAME=seal")),
    Program("blur", "image filters (Gaussian blur, 3x3 convolution)", "benign", None,
            ("benign_blur.c",), ("blur_image", "convolve3x3", "grayscale")),
    Program("compress", "CRC-32 and an LZ77-style compressor", "benign", None,
            ("benign_compress.c",), ("crc32", "lz_compress", "lz_decompress")),
    Program("physics", "matrix multiply and a particle step", "benign", None,
            ("benign_physics.c",), ("matmul", "step", "energy")),
    Program("pbkdf2", "PBKDF2-HMAC-SHA-256 password hasher", "benign", "MS403",
            ("benign_pbkdf2.c", "sha.c"), ("pbkdf2_sha256", "verify_password")),
    Program("base64", "base64 codec", "benign", None, ("benign_base64.c",),
            ("b64_encode", "b64_decode")),
)
# fmt: on

CONFIGS = (  # (compiler, opt, simd)
    ("clang", "-O1", False), ("clang", "-O2", False), ("clang", "-O3", False),
    ("clang", "-Oz", False), ("clang", "-O2", True), ("clang", "-O3", True),
    ("emcc", "-O2", False), ("emcc", "-O3", False), ("emcc", "-Oz", False),
    ("emcc", "-O3", True),
)  # fmt: skip


def part(compiler: str, opt: str, simd: bool) -> str:
    return "set-aside" if opt == "-Oz" or (compiler == "emcc" and simd) else "tuned"


def version(tool: str) -> str:
    done = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()[0].strip()


# clang 14 runs binaryen's wasm-opt after wasm-ld when it finds one (without the SIMD feature
# flag, so SIMD builds fail); the clang builds are meant to be plain clang/wasm-ld output, so a
# do-nothing wasm-opt is put first on clang's program path (-B).
SHIM = HERE / ".noop-wasm-opt"


def command(program: Program, compiler: str, opt: str, simd: bool, target: Path) -> list[str]:
    defines = [f"-D{d}" for d in program.defines]
    sources = [str(SRC / s) for s in program.sources]
    common = [opt, *(["-msimd128"] if simd else []), "-fvisibility=hidden", *defines]
    if compiler == "clang":
        return ["clang", "--target=wasm32", f"-B{SHIM}", "-nostdlib", "-ffreestanding", *common,
                "-Wl,--no-entry", "-Wl,--export-dynamic", "-Wl,--strip-all",
                "-o", str(target), *sources, str(SRC / "rt.c")]  # fmt: skip
    exported = ",".join("_" + name for name in program.exports)
    return ["emcc", *common, f"-sEXPORTED_FUNCTIONS={exported}", "-sINITIAL_MEMORY=16MB",
            "-o", str(target.with_suffix(".js")), *sources]  # fmt: skip


def main() -> int:
    env = dict(os.environ)
    env.setdefault("NODE_PATH", "/usr/share/nodejs")  # Debian's acorn, which emcc's JS passes need
    only = set(sys.argv[1:])
    OUT.mkdir(exist_ok=True)
    SHIM.mkdir(exist_ok=True)
    (SHIM / "wasm-opt").write_text("#!/bin/sh\nexit 0\n")
    (SHIM / "wasm-opt").chmod(0o755)
    versions = {"clang": version("clang"), "emcc": version("emcc")}
    entries = []
    for program in PROGRAMS:
        if only and program.name not in only:
            continue
        for compiler, opt, simd in CONFIGS:
            tag = f"{compiler}{opt}" + ("-simd" if simd else "")
            target = OUT / f"{program.name}.{tag}.wasm"
            cmd = command(program, compiler, opt, simd, target)
            subprocess.run(cmd, check=True, env=env, cwd=HERE)
            if compiler == "emcc":
                target.with_suffix(".js").unlink()
            flags = [a for a in cmd[1:] if a.startswith("-") and a[:2] not in ("-o", "-B")]
            entries.append({
                "file": f"out/{target.name}", "program": program.name,
                "algorithm": program.algorithm, "label": program.label, "expect": program.expect,
                "compiler": versions[compiler], "flags": " ".join(flags),
                "exports": list(program.exports), "part": part(compiler, opt, simd),
                "size": target.stat().st_size,
            })  # fmt: skip
            print(f"{target.name:40} {target.stat().st_size:7} bytes", flush=True)
    if not only:
        (HERE / "manifest.json").write_text(json.dumps(entries, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    for tool in ("clang", "wasm-ld", "emcc"):
        if shutil.which(tool) is None:
            sys.exit(
                f"build.py: {tool} not found (apt-get install clang lld emscripten node-acorn)"
            )
    sys.exit(main())
