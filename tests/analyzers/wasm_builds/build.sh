#!/bin/sh
# Regenerate the AES tables, every .wasm under out/ and manifest.json.
# Needs Debian's clang (14), lld, emscripten (3.1.6) and node-acorn:
#   apt-get install -y clang lld emscripten node-acorn
set -eu
cd "$(dirname "$0")"
python3 gen_tables.py
rm -rf out
python3 build.py "$@"
