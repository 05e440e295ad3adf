#!/usr/bin/env bash
# The parity test: one table of bad inputs (tests/parity/cases.json) through every front end,
# which must all answer with the same error code:
#
#   REST    a real orderly-server over HTTP, reading carts from the example Cart Service;
#   Python  the wheel installed in bindings/python/.venv by scripts/test-bindings.sh;
#   Node    the addon built in bindings/node by scripts/test-bindings.sh;
#   Swift   the code UniFFI generates from liborderly_ffi (as scripts/test-swift.sh does),
#           driven from UniFFI's Python bindings over the same library.
#
# Usage: scripts/test-parity.sh   (after scripts/test-bindings.sh; scripts/test runs it so)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PYTHON="${PYTHON:-python3}"

binding_python="$ROOT/bindings/python/.venv/bin/python"
"$binding_python" -c 'import orderly' 2>/dev/null ||
    { echo "test-parity: the Python binding is not installed; run scripts/test-bindings.sh first" >&2; exit 1; }
ls "$ROOT"/bindings/node/orderly.*.node >/dev/null 2>&1 ||
    { echo "test-parity: the Node addon is not built; run scripts/test-bindings.sh first" >&2; exit 1; }

echo "== Parity: cargo build (orderly-server, cart-service, orderly-swift, uniffi-bindgen)"
# Two builds: built with the server, the FFI library would get the server's MySQL feature and
# no longer be the library scripts/test-swift.sh tests.
cargo build --locked -p orderly-server -p orderly-example-cart-service
cargo build --locked -p orderly-swift -p orderly-uniffi-bindgen

target_dir="$(cargo metadata --locked --format-version 1 --no-deps |
    "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
library=""
for candidate in "$target_dir/debug/liborderly_ffi.so" "$target_dir/debug/liborderly_ffi.dylib"; do
    [ -f "$candidate" ] && library="$candidate" && break
done
[ -n "$library" ] || { echo "test-parity: liborderly_ffi.{so,dylib} not found in $target_dir/debug" >&2; exit 1; }

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$target_dir/debug/uniffi-bindgen" generate --no-format --library "$library" --language python --out-dir "$scratch" >/dev/null
cp "$library" "$scratch/"

echo "== Parity: the same bad inputs through REST, Python, Node and Swift"
PYTHONDONTWRITEBYTECODE=1 "$PYTHON" tests/parity/run.py \
    --server "$target_dir/debug/orderly-server" \
    --cart-service "$target_dir/debug/cart-service" \
    --binding-python "$binding_python" \
    --uniffi-dir "$scratch" \
    --node-dir bindings/node
