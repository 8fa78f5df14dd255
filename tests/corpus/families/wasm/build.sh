#!/bin/sh
# Rebuild cryptonight.wasm from cn_keccak.c (clang with the wasm32 target and wasm-ld; no libc).
# The built file is committed, so running the corpus needs no compiler.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32 -O2 -nostdlib -fno-builtin \
  -Wl,--no-entry -Wl,--export=cn_search -Wl,--export=blob_ptr -Wl,--export=out_ptr \
  -Wl,--export=hash_blob -Wl,--strip-all \
  -o cryptonight.wasm cn_keccak.c
# The pages that ship it, under the name the families used.
for page in ../sites/tuned/deepminer-wasm/lib ../sites/set-aside/coinhive-user-wasm/lib; do
  mkdir -p "$page" && cp cryptonight.wasm "$page/cryptonight.wasm"
done
