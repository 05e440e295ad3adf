#!/usr/bin/env bash
# Apache Kafka for the relay, email-worker and Kafka tests: the real broker (KRaft, one node
# that is both broker and controller), resolved from Maven Central with mvn and cached.
#
#   source scripts/kafka.sh && ensure_kafka   # installs once; exports ORDERLY_KAFKA_LIB
#   scripts/kafka.sh install                  # the same, then prints the jar folder
#   scripts/kafka.sh start DIR                # starts (or restarts) the broker whose state
#                                             # lives in DIR; prints its bootstrap address
#   scripts/kafka.sh stop DIR                 # SIGTERM, waits for a clean shutdown
#   scripts/kafka.sh kill DIR                 # SIGKILL, as a crash or power cut would
#   scripts/kafka.sh console-consumer ARGS    # the broker's own console consumer
#
# A broker started in DIR keeps its port (DIR/port), its log segments (DIR/data) and its
# log file (DIR/broker.log) across restarts, so a killed broker comes back with every record
# it acknowledged. The first start picks a free loopback port. The jars live under
# ${ORDERLY_TOOLS:-$HOME/.cache/orderly-tools}/kafka-VERSION/lib: a cold install takes well
# under a minute, a warm start a few seconds.

KAFKA_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka"

kafka_version() {
    sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_SCRIPTS_DIR/pom.xml"
}

ensure_kafka() {
    local root="${ORDERLY_TOOLS:-$HOME/.cache/orderly-tools}"
    local home
    home="$root/kafka-$(kafka_version)"
    if [ ! -f "$home/.complete" ]; then
        if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
                echo "kafka: installing a JDK and Maven from the distribution's packages" >&2
                apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
                    apt-get install -y -qq default-jdk-headless maven >/dev/null || return 1
            else
                echo "kafka: a JDK (17 or later) and Maven are needed to run the broker" >&2
                return 1
            fi
        fi
        echo "kafka: resolving Apache Kafka $(kafka_version) from Maven Central into $home" >&2
        rm -rf "$home" && mkdir -p "$home" || return 1
        mvn -q -B -Dstyle.color=never -f "$KAFKA_SCRIPTS_DIR/pom.xml" dependency:copy-dependencies \
            -DincludeScope=runtime -DoutputDirectory="$home/lib" >&2 || return 1
        touch "$home/.complete"
    fi
    export ORDERLY_KAFKA_LIB="$home/lib"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kafka_java ARGS: runs a Kafka class (KAFKA_EXEC=exec replaces the shell with the JVM).
kafka_java() {
    # shellcheck disable=SC2086 # KAFKA_JVM_OPTS is a list of options
    ${KAFKA_EXEC:-} java ${KAFKA_JVM_OPTS:--Xms64m -Xmx512m -XX:+UseSerialGC} \
        -Dlog4j2.configurationFile="$KAFKA_SCRIPTS_DIR/log4j2.properties" \
        -cp "$ORDERLY_KAFKA_LIB/*" "$@"
}

# Writes DIR/server.properties (ports kept in DIR/port and DIR/controller-port).
kafka_configure() {
    local dir="$1"
    [ -f "$dir/port" ] || free_port >"$dir/port"
    [ -f "$dir/controller-port" ] || free_port >"$dir/controller-port"
    local port controller
    port="$(cat "$dir/port")"
    controller="$(cat "$dir/controller-port")"
    cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
}

kafka_pid() {
    local dir="$1"
    [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && cat "$dir/pid"
}

kafka_start() {
    local dir="$1"
    ensure_kafka || return 1
    mkdir -p "$dir" && dir="$(cd "$dir" && pwd)"
    if kafka_pid "$dir" >/dev/null; then
        echo "127.0.0.1:$(cat "$dir/port")"
        return 0
    fi
    kafka_configure "$dir"
    if [ ! -f "$dir/data/meta.properties" ]; then
        local cluster
        cluster="$(python3 -c 'import base64, uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')"
        kafka_java kafka.tools.StorageTool format --cluster-id="$cluster" -c "$dir/server.properties" \
            >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; return 1; }
    fi
    local log="$dir/broker.log" before=0
    [ -f "$log" ] && before="$(wc -l <"$log")"
    # `exec` in a subshell, so that the pid recorded is the JVM's own (kill and stop reach it).
    (KAFKA_EXEC=exec kafka_java -Dkafka.logs.file="$log" kafka.Kafka "$dir/server.properties") \
        >>"$dir/stdout.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    local pid
    pid="$(cat "$dir/pid")"
    for _ in $(seq 1 600); do
        if tail -n "+$((before + 1))" "$log" 2>/dev/null | grep -q 'Kafka Server started'; then
            echo "127.0.0.1:$(cat "$dir/port")"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "kafka: the broker in $dir exited; its log:" >&2
            tail -n 30 "$log" "$dir/stdout.log" >&2 2>/dev/null
            return 1
        fi
        sleep 0.1
    done
    echo "kafka: the broker in $dir did not start within 60 s" >&2
    return 1
}

# kafka_signal DIR SIGNAL: sends SIGNAL to the broker and waits until it is gone.
kafka_signal() {
    local dir="$1" signal="$2" pid
    pid="$(kafka_pid "$dir")" || return 0
    kill "-$signal" "$pid" 2>/dev/null
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$dir/pid"; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    rm -f "$dir/pid"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-install}" in
        install) ensure_kafka && echo "$ORDERLY_KAFKA_LIB" ;;
        start) kafka_start "${2:?usage: kafka.sh start DIR}" ;;
        stop) kafka_signal "${2:?usage: kafka.sh stop DIR}" TERM ;;
        kill) kafka_signal "${2:?usage: kafka.sh kill DIR}" KILL ;;
        console-consumer)
            shift
            ensure_kafka && kafka_java org.apache.kafka.tools.consumer.ConsoleConsumer "$@"
            ;;
        *)
            echo "usage: kafka.sh install | start DIR | stop DIR | kill DIR | console-consumer ARGS" >&2
            exit 2
            ;;
    esac
fi
