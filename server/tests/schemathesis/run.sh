#!/usr/bin/env bash
# Property-based run of the server's OpenAPI document against the live server.
#
# Builds the example Cart Service and orderly-server, starts both on free loopback ports with
# a throwaway SQLite database, mints tokens, and runs Schemathesis (installed into
# the repository's .venv/) against GET /openapi.json with every check, as two customers and an
# admin (object-level authorization included); schemathesis.toml holds the two adjustments
# the contract calls for, the seeded users and the identities. Exits non-zero on any failure
# or on any 500 in the server's log.
#
# Tunables: SCHEMATHESIS_MAX_EXAMPLES (default 40), SCHEMATHESIS_SEED (default random),
# SCHEMATHESIS_VERSION (default: the newest 4.x).
set -euo pipefail
cd "$(dirname "$0")/../../.."

max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-40}"

echo "== schemathesis: setting up .venv"
# shellcheck source=scripts/python-tools.sh
source scripts/python-tools.sh
ensure_python_tools

echo "== schemathesis: building the servers"
cargo build --quiet -p orderly-server -p orderly-example-cart-service
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
server_bin="$target_dir/debug/orderly-server"
cart_bin="$target_dir/debug/cart-service"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in ${pids[@]+"${pids[@]}"}; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in ${pids[@]+"${pids[@]}"}; do
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${SCHEMATHESIS_KEEP_LOGS:-}" ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# shellcheck source=scripts/wait-for.sh
source scripts/wait-for.sh

"$cart_bin" --listen 127.0.0.1:0 --seed examples/cart-service/carts.json \
    >"$work/cart.out" 2>"$work/cart.err" &
pids+=("$!")
cart_url="$(wait_for "$work/cart.out" 'listening on (http://[0-9.:]+)')"

# Webhook subscriptions the run creates name generated public hosts: the sender stays off, so
# that the run never posts to the internet (the API is exercised all the same).
export ORDERLY_JWT_SECRET="schemathesis-secret-$RANDOM-$RANDOM-$RANDOM-0123456789"
ORDERLY_LOG_FORMAT=json RUST_LOG="${RUST_LOG:-warn,orderly_server=info}" "$server_bin" \
    --listen 127.0.0.1:0 \
    --database "sqlite://$work/orders.db" \
    --cart-url "$cart_url" \
    --disable-webhooks \
    >"$work/server.out" 2>"$work/server.err" &
pids+=("$!")
address="$(wait_for "$work/server.err" '"message":"listening","address":"([0-9.:]+)"')"
token() {
    "$server_bin" token --sub "$1" --role "$2" --ttl 1h
}
export ORDERLY_WFC_AUTH="$work/auth.json"
cat >"$ORDERLY_WFC_AUTH" <<JSON
{
  "schemaVersion": "0.1.0",
  "auth": [
    {"name": "alice", "fixedHeaders": [{"name": "Authorization", "value": "Bearer $(token alice customer)"}]},
    {"name": "bob", "fixedHeaders": [{"name": "Authorization", "value": "Bearer $(token bob customer)"}]},
    {"name": "admin", "fixedHeaders": [{"name": "Authorization", "value": "Bearer $(token schemathesis admin)"}]}
  ]
}
JSON

seed_args=()
if [ -n "${SCHEMATHESIS_SEED:-}" ]; then
    seed_args=(--seed "$SCHEMATHESIS_SEED")
fi
schemathesis() {
    .venv/bin/schemathesis --config-file server/tests/schemathesis/schemathesis.toml \
        run "http://$address/openapi.json" \
        --generation-database none \
        --workers 2 \
        --no-color \
        ${seed_args[@]+"${seed_args[@]}"} \
        "$@"
}

status=0
echo "== schemathesis: every check as the admin ($max_examples examples per operation, http://$address)"
schemathesis --auth-wfc-user admin --max-examples "$max_examples" || status=$?

# As alice, then bob, then the admin when refused: whether a customer can read the other's
# objects. Checks that hold whoever calls run too; those that assume one caller throughout
# (a resource created by one identity must be readable by the next) do not.
echo "== schemathesis: object-level authorization between two customers"
schemathesis --max-examples "$(( (max_examples + 1) / 2 ))" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,object_level_authorization \
    || status=$?

if grep -q '"status":500' "$work/server.err"; then
    echo "the server answered 500 during the run:" >&2
    grep '"status":500' "$work/server.err" >&2 || true
    status=1
fi
exit "$status"
