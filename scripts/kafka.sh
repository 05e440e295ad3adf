#!/usr/bin/env bash
# Kafka-API broker for the relay tests: tansu, installed from the Rust registry once and cached.
#
#   source scripts/kafka.sh && ensure_tansu   # exports ORDERLY_TANSU_BIN
#   scripts/kafka.sh                          # the same, then prints the binary's path
#
# The tests start and stop their own brokers on free loopback ports, e.g.
#   tansu broker --listener-url tcp://127.0.0.1:9092 \
#     --advertised-listener-url tcp://127.0.0.1:9092 --storage-engine memory://tansu/
# A cold install takes about 12 minutes on 2 cores; the binary is cached under
# ${ORDERLY_TOOLS:-$HOME/.cache/orderly-tools}/bin.

ensure_tansu() {
    local root="${ORDERLY_TOOLS:-$HOME/.cache/orderly-tools}"
    if [ -n "${ORDERLY_TANSU_BIN:-}" ] && [ -x "$ORDERLY_TANSU_BIN" ]; then
        export ORDERLY_TANSU_BIN
        return 0
    fi
    if [ ! -x "$root/bin/tansu" ]; then
        echo "installing tansu into $root (once; takes several minutes)" >&2
        cargo install tansu --locked --features dynostore --root "$root" >&2 || return 1
    fi
    export ORDERLY_TANSU_BIN="$root/bin/tansu"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    ensure_tansu
    echo "$ORDERLY_TANSU_BIN"
fi
