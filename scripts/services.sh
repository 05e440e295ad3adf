#!/usr/bin/env bash
# Makes sure the build tools and the database servers the test suite talks to are installed and
# running, and exports their URLs. Sourced by scripts/test; safe to run again.
#
#   ORDERLY_TEST_MYSQL_URL   a MariaDB/MySQL server for the MySQL backend and server tests
#                            (default: the database orderly_test on 127.0.0.1:3306, as the
#                            account orderly, which this script creates)
#   ORDERLY_TEST_REDIS_URL   a Redis server for the order cache tests (default 127.0.0.1:6379)

# install_packages NAME VARIABLE PACKAGE...: installs from the distribution's packages when
# this is a root shell with apt-get, else says what to install or which variable to set.
install_packages() {
    local name="$1" variable="$2"
    shift 2
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "services: installing $name from the distribution's packages"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "services: $name is not installed; install $* or set $variable" >&2
        return 1
    fi
}

# ensure_build_tools: what building and testing the workspace needs beyond Rust and a C
# compiler: OpenSSL's headers and pkg-config (librdkafka's TLS), and strace (the durability test
# watches the server's syncs and answers with it).
ensure_build_tools() {
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists openssl; then
        install_packages "OpenSSL headers" PKG_CONFIG_PATH libssl-dev pkg-config || return 1
    fi
    if ! command -v strace >/dev/null 2>&1; then
        install_packages strace PATH strace || return 1
    fi
}

# wait_until NAME TRIES PAUSE COMMAND...: runs COMMAND until it succeeds, at most TRIES times.
wait_until() {
    local name="$1" tries="$2" pause="$3"
    shift 3
    for _ in $(seq 1 "$tries"); do
        "$@" && return 0
        sleep "$pause"
    done
    echo "services: $name does not answer" >&2
    return 1
}

# The test account: a fresh MariaDB lets root in only through its Unix socket, so the tests
# log in over TCP with an account of their own, created through that socket.
MYSQL_TEST_USER=orderly
MYSQL_TEST_PASSWORD=orderly

mysql_ping() {
    mariadb --protocol=tcp -h127.0.0.1 -P3306 -u"$MYSQL_TEST_USER" -p"$MYSQL_TEST_PASSWORD" \
        -e 'SELECT 1' >/dev/null 2>&1
}

# mysql_admin SQL: runs SQL as the server's administrator (root over the Unix socket).
mysql_admin() {
    mariadb -uroot -e "$1" 2>/dev/null || mariadb --protocol=tcp -h127.0.0.1 -P3306 -uroot -e "$1"
}

mysql_server_up() {
    mariadb-admin -uroot ping >/dev/null 2>&1 || mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping 2>&1 | grep -q 'is alive'
}

ensure_mariadb() {
    if [ -n "${ORDERLY_TEST_MYSQL_URL:-}" ]; then
        echo "services: using ORDERLY_TEST_MYSQL_URL from the environment"
        return 0
    fi
    if ! command -v mariadbd >/dev/null 2>&1 && ! command -v mysqld >/dev/null 2>&1; then
        install_packages MariaDB ORDERLY_TEST_MYSQL_URL mariadb-server mariadb-client || return 1
    fi
    if ! mysql_ping; then
        if ! mysql_server_up; then
            echo "services: starting MariaDB"
            mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
            if [ ! -d /var/lib/mysql/mysql ] && command -v mariadb-install-db >/dev/null 2>&1; then
                mariadb-install-db --user=mysql >/dev/null 2>&1 || true
            fi
            start-stop-daemon --start --oknodo --background \
                --exec "$(command -v mariadbd || command -v mysqld)" -- --user=mysql >/dev/null 2>&1 || true
            wait_until "MariaDB" 120 0.5 mysql_server_up || return 1
        fi
        mysql_admin "CREATE USER IF NOT EXISTS '$MYSQL_TEST_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_TEST_PASSWORD';
            CREATE USER IF NOT EXISTS '$MYSQL_TEST_USER'@'localhost' IDENTIFIED BY '$MYSQL_TEST_PASSWORD';
            GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_TEST_USER'@'127.0.0.1';
            GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_TEST_USER'@'localhost';" || return 1
    fi
    wait_until "MariaDB on 127.0.0.1:3306" 60 0.5 mysql_ping || return 1
    mariadb --protocol=tcp -h127.0.0.1 -P3306 -u"$MYSQL_TEST_USER" -p"$MYSQL_TEST_PASSWORD" \
        -e 'CREATE DATABASE IF NOT EXISTS orderly_test CHARACTER SET utf8mb4' || return 1
    export ORDERLY_TEST_MYSQL_URL="mysql://$MYSQL_TEST_USER:$MYSQL_TEST_PASSWORD@127.0.0.1:3306/orderly_test"
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
        install_packages Redis ORDERLY_TEST_REDIS_URL redis-server || return 1
    fi
    if ! redis_ping; then
        echo "services: starting Redis"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    fi
    wait_until "Redis on 127.0.0.1:6379" 40 0.25 redis_ping || return 1
    export ORDERLY_TEST_REDIS_URL="redis://127.0.0.1:6379"
    echo "services: Redis ready ($ORDERLY_TEST_REDIS_URL)"
}

# ensure_chromium: the distribution's Chromium, which the dashboard's browser test
# (scripts/test-dashboard.sh) drives through playwright-core; exports ORDERLY_CHROMIUM.
ensure_chromium() {
    local browser
    browser="${ORDERLY_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
    if [ -z "$browser" ]; then
        install_packages Chromium ORDERLY_CHROMIUM chromium || return 1
        browser="$(command -v chromium)"
    fi
    export ORDERLY_CHROMIUM="$browser"
    echo "services: Chromium ready ($("$browser" --version 2>/dev/null || echo "$browser"))"
}
