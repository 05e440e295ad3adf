#!/usr/bin/env bash
# Builds and tests the Python and Node bindings from a clean clone, with nothing installed
# globally beyond a Rust toolchain, Python 3.9+ and Node.js 20.17+ with npm:
#
#   Python  bindings/python/.venv gets maturin, pytest and mypy; the abi3 wheel is built with
#           `maturin build --release` and installed into the venv; pytest runs against it, and
#           mypy checks the shipped stubs against the module and type-checks the tests.
#   Server  the sync tests of both bindings start the debug orderly-server (built here) on a
#           temporary SQLite file; ORDERLY_SERVER_BIN names it to the tests.
#   Node    `npm ci` in bindings/node installs the napi CLI and TypeScript locally; the addon
#           is built with `npx napi build`, the committed index.d.ts is checked to be current,
#           then `node --test` and `tsc --strict --noEmit` run.
#
# Usage: scripts/test-bindings.sh [--mysql] [--bench] [--python-only | --node-only]
#   --mysql  builds both bindings with MySQL and also runs their MySQL tests, against the
#            server in ORDERLY_TEST_MYSQL_URL or the local MariaDB (scripts/services.sh).
#   --bench  then measures place_order from Rust, Python and Node in one run (same data, same
#            SQLite settings) and prints each binding's throughput as a ratio of native.
#            ORDERLY_BENCH_ORDERS (default 2000), ORDERLY_BENCH_ROUNDS (default 5) and
#            ORDERLY_BENCH_STORE (file or memory, default file) tune it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

bench=0 python=1 node=1 features=()
for arg in "$@"; do
    case "$arg" in
        --bench) bench=1 ;;
        --mysql) features=(--features mysql) ;;
        --python-only) node=0 ;;
        --node-only) python=0 ;;
        -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
    esac
done

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "test-bindings: $1 is required: $2" >&2; exit 1; }
}
need cargo "install Rust from https://rustup.rs"
PYTHON="${PYTHON:-python3}"
if [ "$python" = 1 ]; then
    need "$PYTHON" "install Python 3.9 or later (or set PYTHON)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
        { echo "test-bindings: Python 3.9 or later is required" >&2; exit 1; }
    "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
        { echo "test-bindings: Python's venv module is missing (apt-get install python3-venv)" >&2; exit 1; }
fi
if [ "$node" = 1 ]; then
    need node "install Node.js 20.17 or later"
    need npm "install npm (it ships with Node.js)"
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 17) ? 0 : 1)' ||
        { echo "test-bindings: Node.js 20.17 or later is required" >&2; exit 1; }
fi

if [ "${#features[@]}" -gt 0 ]; then
    # shellcheck source=scripts/services.sh
    source scripts/services.sh
    ensure_mariadb
fi

python_bindings() {
    echo "== Python: virtualenv bindings/python/.venv with maturin, pytest and mypy"
    cd "$ROOT/bindings/python"
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "maturin>=1.9,<2" "pytest>=8" "mypy>=1.10"
    echo "== Python: maturin build --release (abi3 wheel)"
    rm -rf dist
    .venv/bin/maturin build --release --out dist "${features[@]}"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps dist/orderly-*.whl
    echo "== Python: pytest (against the installed wheel)"
    .venv/bin/python -c 'import orderly; print("   orderly from", orderly.__file__)'
    .venv/bin/python -m pytest -q -p no:cacheprovider tests
    echo "== Python: mypy.stubtest (stubs match the module) and mypy --strict"
    (cd tests && ../.venv/bin/python -m mypy.stubtest orderly._orderly orderly.errors)
    .venv/bin/python -m mypy --strict --no-incremental tests examples bench
    cd "$ROOT"
}

node_bindings() {
    echo "== Node: npm ci in bindings/node"
    cd "$ROOT/bindings/node"
    npm ci --no-audit --no-fund
    echo "== Node: napi build --platform --release"
    committed="$(mktemp -d)"
    cp index.d.ts index.js "$committed/"
    npx --no-install napi build --platform --release --strip --no-const-enum "${features[@]}"
    for generated in index.d.ts index.js; do
        if ! cmp -s "$committed/$generated" "$generated"; then
            diff -u "$committed/$generated" "$generated" | head -40 || true
            rm -rf "$committed"
            echo "test-bindings: $generated changed when regenerated; commit the new one" >&2
            exit 1
        fi
    done
    rm -rf "$committed"
    echo "== Node: node --test"
    node --test test/*.test.mjs
    echo "== Node: tsc --strict --noEmit"
    npx --no-install tsc --strict --noEmit -p tsconfig.json
    cd "$ROOT"
}

bench_bindings() {
    local orders="${ORDERLY_BENCH_ORDERS:-2000}" rounds="${ORDERLY_BENCH_ROUNDS:-5}" store="${ORDERLY_BENCH_STORE:-file}"
    echo "== Benchmark: place_order, $rounds rounds of $orders orders each, SQLite $store"
    cargo build --release --quiet -p orderly-node --example bench_native
    local results
    results="$(mktemp)"
    for round in $(seq 1 "$rounds"); do
        "$CARGO_TARGET_DIR/release/examples/bench_native" "$orders" 200 "$store" | tee -a "$results"
        if [ "$python" = 1 ]; then
            bindings/python/.venv/bin/python bindings/python/bench/place_order.py "$orders" 200 "$store" | tee -a "$results"
        fi
        if [ "$node" = 1 ]; then
            node bindings/node/bench/place-order.mjs "$orders" 200 "$store" | tee -a "$results"
        fi
        echo "   (round $round of $rounds)"
    done
    node -e '
        const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
        const by = {};
        for (const r of lines) (by[r.lang] ??= []).push(r.perSecond);
        const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
        const best = (xs) => Math.max(...xs);
        const native = by.rust;
        console.log("lang     median/s      best/s   median vs native   best vs native");
        for (const lang of Object.keys(by)) {
            const xs = by[lang];
            console.log(`${lang.padEnd(6)} ${median(xs).toFixed(0).padStart(10)} ${best(xs).toFixed(0).padStart(11)} ${(median(xs) / median(native)).toFixed(2).padStart(17)}x ${(best(xs) / best(native)).toFixed(2).padStart(15)}x`);
        }' "$results"
    rm -f "$results"
}

# The sync tests of both bindings run a real orderly-server over HTTP.
echo "== orderly-server for the sync tests: cargo build -p orderly-server"
cargo build --locked --quiet -p orderly-server
export ORDERLY_SERVER_BIN="$CARGO_TARGET_DIR/debug/orderly-server"

if [ "$python" = 1 ]; then python_bindings; fi
if [ "$node" = 1 ]; then node_bindings; fi
if [ "$bench" = 1 ]; then bench_bindings; fi
echo "== bindings: all passed"
