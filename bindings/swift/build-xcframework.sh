#!/usr/bin/env bash
# Builds OrderlyFFI.xcframework, the binary target of Package.swift, on macOS with Xcode and
# rustup: the static library for iOS devices, the iOS simulator (Apple silicon) and macOS
# (Apple silicon), each with the C header and module map from include/.
#
# Usage: bindings/swift/build-xcframework.sh     (then `swift test` in bindings/swift)
set -euo pipefail
cd "$(dirname "$0")"

[ "$(uname -s)" = Darwin ] || { echo "build-xcframework: needs macOS with Xcode" >&2; exit 1; }
command -v xcodebuild >/dev/null 2>&1 || { echo "build-xcframework: xcodebuild not found (install Xcode)" >&2; exit 1; }

targets=(aarch64-apple-ios aarch64-apple-ios-sim aarch64-apple-darwin)
rustup target add "${targets[@]}"

# The minimum OS versions of Package.swift, so the linker does not warn about newer objects.
export IPHONEOS_DEPLOYMENT_TARGET=15.0 MACOSX_DEPLOYMENT_TARGET=12.0
for target in "${targets[@]}"; do
    cargo build --locked --release -p orderly-swift --target "$target"
done

target_dir="$(cargo metadata --locked --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
args=()
for target in "${targets[@]}"; do
    args+=(-library "$target_dir/$target/release/liborderly_ffi.a" -headers include)
done
rm -rf OrderlyFFI.xcframework
xcodebuild -create-xcframework "${args[@]}" -output OrderlyFFI.xcframework
echo "built bindings/swift/OrderlyFFI.xcframework"
