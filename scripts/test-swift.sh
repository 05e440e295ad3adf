#!/usr/bin/env bash
# Tests the Swift binding (bindings/swift) on any machine with a Rust toolchain and Python 3.9+;
# no Swift compiler is needed:
#
#   1. builds the FFI library (orderly-swift) and the bundled uniffi-bindgen, and runs the
#      crate's Rust tests;
#   2. generates the Swift sources from the library and fails if the committed ones
#      (Sources/Orderly/Orderly.swift, include/OrderlyFFI.h, include/module.modulemap) differ;
#   3. generates UniFFI's Python bindings from the same library and runs the full order flow
#      through them (bindings/swift/tests/test_full_flow.py), crossing the same FFI functions,
#      records and errors the Swift module uses;
#   4. runs offline capture and sync through the same bindings against a real orderly-server
#      (built here) over HTTP (bindings/swift/tests/test_sync.py).
#
# Usage: scripts/test-swift.sh [--regenerate]
#   --regenerate  writes the generated Swift sources into bindings/swift instead of comparing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SWIFT_DIR="$ROOT/bindings/swift"

regenerate=0
for arg in "$@"; do
    case "$arg" in
        --regenerate) regenerate=1 ;;
        -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
    esac
done

PYTHON="${PYTHON:-python3}"
command -v cargo >/dev/null 2>&1 || { echo "test-swift: cargo is required (https://rustup.rs)" >&2; exit 1; }
command -v "$PYTHON" >/dev/null 2>&1 || { echo "test-swift: Python 3.9+ is required (or set PYTHON)" >&2; exit 1; }

echo "== Swift: cargo build (orderly-swift, uniffi-bindgen) and cargo test -p orderly-swift"
cargo build --locked -p orderly-swift -p orderly-uniffi-bindgen
cargo test --locked -p orderly-swift
# A build of its own: built with the FFI library, the server would change the library's features.
echo "== Swift: cargo build -p orderly-server (for the sync test)"
cargo build --locked -p orderly-server

target_dir="$(cargo metadata --locked --format-version 1 --no-deps |
    "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
bindgen="$target_dir/debug/uniffi-bindgen"
library=""
for candidate in "$target_dir/debug/liborderly_ffi.so" "$target_dir/debug/liborderly_ffi.dylib"; do
    [ -f "$candidate" ] && library="$candidate" && break
done
[ -n "$library" ] || { echo "test-swift: liborderly_ffi.{so,dylib} not found in $target_dir/debug" >&2; exit 1; }

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# --no-format: the committed sources must not depend on whether swift-format is installed.
generate() {
    "$bindgen" generate --no-format --library "$library" --language "$1" --out-dir "$2" >/dev/null
}

echo "== Swift: generate the Swift sources and compare with the committed ones"
generate swift "$scratch/swift"
# generated file -> committed path (the modulemap is renamed as an XCFramework expects it)
pairs=(
    "Orderly.swift:Sources/Orderly/Orderly.swift"
    "OrderlyFFI.h:include/OrderlyFFI.h"
    "OrderlyFFI.modulemap:include/module.modulemap"
)
stale=0
for pair in "${pairs[@]}"; do
    generated="$scratch/swift/${pair%%:*}"
    committed="$SWIFT_DIR/${pair#*:}"
    if [ "$regenerate" = 1 ]; then
        mkdir -p "$(dirname "$committed")"
        cp "$generated" "$committed"
        echo "wrote bindings/swift/${pair#*:}"
    elif ! cmp -s "$generated" "$committed"; then
        echo "stale: bindings/swift/${pair#*:} differs from what uniffi-bindgen generates" >&2
        diff -u "$committed" "$generated" | head -40 >&2 || true
        stale=1
    fi
done
if [ "$stale" = 1 ]; then
    echo "test-swift: the committed Swift sources are stale; regenerate them with" >&2
    echo "    scripts/test-swift.sh --regenerate" >&2
    exit 1
fi

echo "== Swift: the full flow through UniFFI's Python bindings over the same library"
generate python "$scratch/python"
cp "$library" "$scratch/python/"
PYTHONPATH="$scratch/python" PYTHONDONTWRITEBYTECODE=1 "$PYTHON" "$SWIFT_DIR/tests/test_full_flow.py"

echo "== Swift: offline capture and sync through the same bindings, against a real orderly-server"
PYTHONPATH="$scratch/python:$SWIFT_DIR/tests" PYTHONDONTWRITEBYTECODE=1 ORDERLY_SERVER_BIN="$target_dir/debug/orderly-server" \
    "$PYTHON" "$SWIFT_DIR/tests/test_sync.py"
