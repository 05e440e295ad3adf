#!/usr/bin/env bash
# Makes sure the database servers the test suite talks to are installed and running, and
# exports their URLs. Sourced by scripts/test; safe to run again.
#
#   ORDERLY_TEST_MYSQL_URL   a MariaDB/MySQL server for the MySQL backend and server tests
#                            (default: a scratch database on 127.0.0.1:3306 as root)
#   ORDERLY_TEST_REDIS_URL   a Redis server for the order cache tests (default 127.0.0.1:6379)

mysql_ping() {
    mariadb --protocol=tcp -h127.0.0.1 -P3306 -uroot -e 'SELECT 1' >/dev/null 2>&1
}

ensure_mariadb() {
    if [ -n "${ORDERLY_TEST_MYSQL_URL:-}" ]; then
        echo "services: using ORDERLY_TEST_MYSQL_URL from the environment"
        return 0
    fi
    if ! command -v mariadbd >/dev/null 2>&1 && ! command -v mysqld >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "services: installing MariaDB from the distribution's packages"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client >/dev/null
        else
            echo "services: MariaDB is not installed; install mariadb-server or set ORDERLY_TEST_MYSQL_URL" >&2
            return 1
        fi
    fi
    if ! mysql_ping; then
        echo "services: starting MariaDB"
        mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
        if [ ! -d /var/lib/mysql/mysql ] && command -v mariadb-install-db >/dev/null 2>&1; then
            mariadb-install-db --user=mysql >/dev/null 2>&1 || true
        fi
        start-stop-daemon --start --oknodo --background --exec "$(command -v mariadbd || command -v mysqld)" -- --user=mysql >/dev/null 2>&1 || true
        for _ in $(seq 1 60); do
            mysql_ping && break
            sleep 0.5
        done
    fi
    if ! mysql_ping; then
        echo "services: MariaDB on 127.0.0.1:3306 does not answer" >&2
        return 1
    fi
    mariadb --protocol=tcp -h127.0.0.1 -P3306 -uroot -e 'CREATE DATABASE IF NOT EXISTS orderly_test CHARACTER SET utf8mb4' || return 1
    export ORDERLY_TEST_MYSQL_URL="mysql://root@127.0.0.1:3306/orderly_test"
    echo "services: MariaDB ready ($ORDERLY_TEST_MYSQL_URL)"
}

redis_ping() {
    redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG
}

ensure_redis() {
    if [ -n "${ORDERLY_TEST_REDIS_URL:-}" ]; then
        echo "services: using ORDERLY_TEST_REDIS_URL from the environment"
        return 0
    fi
    if ! command -v redis-server >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "services: installing Redis from the distribution's packages"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
        else
            echo "services: Redis is not installed; install redis-server or set ORDERLY_TEST_REDIS_URL" >&2
            return 1
        fi
    fi
    if ! redis_ping; then
        echo "services: starting Redis"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
        for _ in $(seq 1 40); do
            redis_ping && break
            sleep 0.25
        done
    fi
    if ! redis_ping; then
        echo "services: Redis on 127.0.0.1:6379 does not answer" >&2
        return 1
    fi
    export ORDERLY_TEST_REDIS_URL="redis://127.0.0.1:6379"
    echo "services: Redis ready ($ORDERLY_TEST_REDIS_URL)"
}
