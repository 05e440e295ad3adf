#!/usr/bin/env bash
# Instructions the server executes per request, counted by callgrind: a figure that does not
# move with other load on the machine, for comparing two builds of orderly-server.
#
#   scripts/instructions-per-request.sh BINARY [PATH] [REQUESTS]
#
# Starts BINARY on a fresh SQLite file (durable default) with the example Cart Service, places
# one order as alice, warms up, then counts the instructions of REQUESTS (default 2000)
# keep-alive requests to PATH (default: the order just placed; e.g. /health) sent one at a
# time by `hey`, and prints instructions per request. Needs valgrind and Go (for `hey`).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:?usage: $0 BINARY [PATH] [REQUESTS]}
target_path=${2:-}
requests=${3:-2000}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

command -v valgrind >/dev/null || { echo "valgrind is required (apt-get install valgrind)" >&2; exit 1; }
hey="$(go env GOPATH)/bin/hey"
[ -x "$hey" ] || go install github.com/rakyll/hey@v0.1.5
cargo build --release --locked -q -p orderly-example-cart-service

work="$(mktemp -d)"
cleanup() {
    kill "${server:-}" "${carts:-}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cart_port=$(free_port)
port=$(free_port)
export ORDERLY_JWT_SECRET=instructions-per-request-secret-of-32-bytes-at-least
"$CARGO_TARGET_DIR/release/cart-service" --listen "127.0.0.1:$cart_port" \
    --seed examples/cart-service/carts.json >"$work/carts.log" 2>&1 &
carts=$!
RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" \
    "$binary" --listen "127.0.0.1:$port" --database "sqlite://$work/db.sqlite" \
    --cart-url "http://127.0.0.1:$cart_port" >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -sf "$base/health" >/dev/null && break; sleep 0.2; done
token=$("$binary" token --sub alice --role customer --ttl 1h)
body='{"userId":"alice","deliveryAddress":{"name":"A Tester","line1":"1 Main St","city":"New York","region":"NY","postalCode":"10001","country":"US"},"paymentMethod":{"type":"card","token":"tok_visa","brand":"visa","last4":"4242","expMonth":12,"expYear":2035}}'
location=$(curl -sf -D - -o /dev/null -X POST "$base/order" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H 'Idempotency-Key: instructions-1' -d "$body" |
    tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
path=${target_path:-$location}
"$hey" -n 200 -c 1 -H "Authorization: Bearer $token" "$base$path" >/dev/null
callgrind_control -i on "$server" >/dev/null 2>&1
"$hey" -n "$requests" -c 1 -H "Authorization: Bearer $token" "$base$path" >"$work/hey.txt"
callgrind_control -i off "$server" >/dev/null 2>&1
callgrind_control -d "$server" >/dev/null 2>&1
grep -q "\[200\].*$requests responses" "$work/hey.txt" || { cat "$work/hey.txt" >&2; exit 1; }
total=$(callgrind_annotate "$work"/cg.out.* 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "$path: $((total / requests)) instructions per request ($requests requests, $binary)"
