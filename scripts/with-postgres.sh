#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 cluster from Debian's
# `postgresql` package, listening only on 127.0.0.1 on a free port, and exports
# its URL as SMILE_TEST_POSTGRES_URL. The cluster and its files are removed when
# the command ends, whatever its outcome.
#
# Usage: scripts/with-postgres.sh CMD [ARG...]
# Example: scripts/with-postgres.sh cargo test -p smile-collector
#
# The cluster trusts local connections and runs with fsync off: it exists only
# for tests. Run as root, the server runs as the `postgres` user (PostgreSQL
# refuses to run as root).
set -euo pipefail

if (($# == 0)); then
    echo "usage: $0 CMD [ARG...]" >&2
    exit 2
fi

pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
if [[ ! -x "$pg_bin/initdb" ]]; then
    echo "with-postgres: $pg_bin/initdb not found; install Debian's postgresql package (scripts/setup.sh --with-postgres)" >&2
    exit 1
fi

as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

workdir="$(mktemp -d /tmp/smile-postgres.XXXXXX)"
if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$workdir"
fi

cleanup() {
    as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_postgres "$pg_bin/initdb" -D "$workdir/data" -U postgres -A trust --no-sync >"$workdir/initdb.log"
as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$workdir -c fsync=off" \
    start >/dev/null
as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres smile_test

export SMILE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/smile_test"
echo "with-postgres: PostgreSQL 15 on 127.0.0.1:$port" >&2
"$@"
