#!/usr/bin/env bash
# The staff dashboard in a real browser: builds orderly-server (with the dashboard built in)
# and the example Cart Service, starts both on free loopback ports, places orders through the
# API (server/admin/tests/seed.mjs), and runs server/admin/tests/dashboard.test.mjs, which
# drives the distribution's Chromium with playwright-core. The server may deliver webhooks to
# the test's loopback receiver (--webhook-allow-private) and retries them within a fraction of
# a second, so the test sees a failed attempt and its retry. Screenshots are saved under the
# cargo target directory (the path is printed).
#
# Usage: scripts/test-dashboard.sh [--mysql]
#   --mysql  runs the test a second time against MariaDB/MySQL (ORDERLY_TEST_MYSQL_URL, made
#            ready by scripts/services.sh), in a fresh database of its own that is dropped after.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

with_mysql=""
for arg in "$@"; do
    case "$arg" in
        --mysql) with_mysql=1 ;;
        *) echo "usage: scripts/test-dashboard.sh [--mysql]" >&2; exit 2 ;;
    esac
done

# shellcheck source=scripts/services.sh
source scripts/services.sh
ensure_chromium
if [ -n "$with_mysql" ]; then
    ensure_mariadb
fi

echo "== dashboard: npm ci (esbuild, playwright-core) in server/admin"
if [ ! -d server/admin/node_modules/playwright-core ]; then
    (cd server/admin && npm ci --no-audit --no-fund)
fi

echo "== dashboard: cargo build (orderly-server, cart-service)"
cargo build --locked --quiet -p orderly-server -p orderly-example-cart-service
target_dir="$(cargo metadata --locked --format-version 1 --no-deps |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
server_bin="$target_dir/debug/orderly-server"
cart_bin="$target_dir/debug/cart-service"
shots="$target_dir/dashboard-screenshots"
rm -rf "$shots"

work="$(mktemp -d)"
pids=()
mysql_database=""
stop_servers() {
    for pid in ${pids[@]+"${pids[@]}"}; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in ${pids[@]+"${pids[@]}"}; do
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
cleanup() {
    stop_servers
    if [ -n "$mysql_database" ]; then
        mysql_sql "DROP DATABASE IF EXISTS \`$mysql_database\`" || true
    fi
    if [ -n "${DASHBOARD_KEEP_LOGS:-}" ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# mysql_sql SQL: runs SQL as the account of ORDERLY_TEST_MYSQL_URL.
mysql_sql() {
    node -e '
        const u = new URL(process.argv[1]);
        console.log([u.username, decodeURIComponent(u.password), u.hostname, u.port || "3306"].join("\n"));
    ' "$ORDERLY_TEST_MYSQL_URL" | {
        read -r user; read -r password; read -r host; read -r port
        mariadb --protocol=tcp -h"$host" -P"$port" -u"$user" -p"$password" -e "$1"
    }
}

# shellcheck source=scripts/wait-for.sh
source scripts/wait-for.sh

# run_against NAME DATABASE_URL: a fresh Cart Service and server on DATABASE_URL, seeded, and
# the browser test against them.
run_against() {
    local name="$1" database="$2"
    echo "== dashboard: the browser test on $name"
    "$cart_bin" --listen 127.0.0.1:0 --seed examples/cart-service/carts.json \
        >"$work/$name-cart.out" 2>"$work/$name-cart.err" &
    pids+=("$!")
    local cart_url
    cart_url="$(wait_for "$work/$name-cart.out" 'listening on (http://[0-9.:]+)' 300)"

    export ORDERLY_JWT_SECRET="dashboard-secret-$RANDOM-$RANDOM-$RANDOM-0123456789"
    export ORDERLY_ADMIN_SECRET="staff-secret-$RANDOM-$RANDOM-$RANDOM"
    ORDERLY_LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn,orderly_server=info}" "$server_bin" \
        --listen 127.0.0.1:0 --database "$database" --cart-url "$cart_url" \
        --webhook-allow-private --webhook-first-retry 200ms --webhook-timeout 5s \
        >"$work/$name-server.out" 2>"$work/$name-server.err" &
    pids+=("$!")
    local address
    address="$(wait_for "$work/$name-server.err" '"message":"listening","address":"([0-9.:]+)"' 300)"
    local tokens="{" user
    for user in alice bob carol erin; do
        tokens+="\"$user\": \"$("$server_bin" token --sub "$user" --role customer --ttl 1h)\","
    done
    tokens="${tokens%,}}"
    ORDERLY_ADMIN_TOKEN="$("$server_bin" token --sub ops --role admin --ttl 1h)"
    export ORDERLY_ADMIN_TOKEN

    local seed started
    seed="$(cd server/admin && ORDERLY_SEED_TOKENS="$tokens" node tests/seed.mjs "http://$address" "$cart_url")"
    echo "seeded: $seed"
    started=$(date +%s%N)
    (cd server/admin && ORDERLY_URL="http://$address" ORDERLY_SEED="$seed" ORDERLY_SCREENSHOTS="$shots/$name" \
        node --test --test-reporter=spec tests/dashboard.test.mjs)
    echo "dashboard: the browser test on $name passed in $((($(date +%s%N) - started) / 1000000)) ms;" \
        "screenshots in $shots/$name"
    if grep -q '"level":"ERROR"' "$work/$name-server.err"; then
        echo "dashboard: the server logged errors:" >&2
        grep '"level":"ERROR"' "$work/$name-server.err" >&2
        exit 1
    fi
    stop_servers
}

run_against sqlite "sqlite://$work/orders.db"

if [ -n "$with_mysql" ]; then
    mysql_database="orderly_dashboard_$$_$RANDOM"
    mysql_sql "CREATE DATABASE \`$mysql_database\` CHARACTER SET utf8mb4"
    run_against mysql "${ORDERLY_TEST_MYSQL_URL%/*}/$mysql_database"
fi
