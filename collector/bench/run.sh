#!/usr/bin/env bash
# Load benchmark of report ingest: a release build of smile-collector on a
# fresh SQLite file, driven by wrk on loopback with distinct valid reports.
#
# Usage: collector/bench/run.sh [DURATION] [CONNECTIONS]   (defaults: 30s 32)
# Prints wrk's summary with latency percentiles, the reports stored, and the
# machine load before and after.
set -euo pipefail

duration="${1:-30s}"
connections="${2:-32}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

cargo build --release -q -p smile-collector
binary="${CARGO_TARGET_DIR:-$root/target}/release/smile-collector"

workdir="$(mktemp -d /tmp/smile-bench.XXXXXX)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

database="sqlite://$workdir/bench.sqlite3"
export SMILE_COLLECTOR_LOG=warn
token="$("$binary" --database "$database" station create bench-desk --group bench | tail -n 1)"

"$binary" --database "$database" serve --listen 127.0.0.1:0 --www "$workdir" >"$workdir/stdout" &
server_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$workdir/stdout" 2>/dev/null && break
    sleep 0.1
done
url="$(sed -n 's/^listening on //p' "$workdir/stdout")"

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
SMILE_BENCH_TOKEN="$token" SMILE_BENCH_STATION=bench-desk \
    wrk --latency -t 2 -c "$connections" -d "$duration" \
    -s "$root/collector/bench/reports.lua" "$url/api/v1/reports"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

kill -TERM "$server_pid"
wait "$server_pid" || true
server_pid=""
echo "reports stored: $(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from reports").fetchone()[0])' "$workdir/bench.sqlite3")"
