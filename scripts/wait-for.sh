# shellcheck shell=bash
# Sourced by the scripts that start the project's processes and read their address from a log.

# wait_for FILE PATTERN [TRIES]: waits (TRIES x 0.1 s, 200 by default) until FILE matches the
# bash regex PATTERN, then prints its first captured group; on time-out prints FILE and fails.
wait_for() {
    local file="$1" pattern="$2" tries="${3:-200}"
    for _ in $(seq 1 "$tries"); do
        if [[ -f "$file" && "$(cat "$file")" =~ $pattern ]]; then
            echo "${BASH_REMATCH[1]}"
            return 0
        fi
        sleep 0.1
    done
    echo "timed out waiting for $file to match $pattern" >&2
    cat "$file" >&2 || true
    return 1
}
