#!/usr/bin/env bash
# Builds smile-sensor and starts the collector on 127.0.0.1, serving the kiosk page
# with an embedded SQLite database. Prints the kiosk URL; stop it with Ctrl-C.
#
# Usage: scripts/run.sh [collector serve options, e.g. --listen 127.0.0.1:9000]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"

scripts/setup.sh
echo "run: building the wasm sensor (profile wasm-release; the first build takes a long while)"
build_wasm_package
# The dev profile compiles every dependency at opt-level 3 and shares its build with
# the tests, so this starts in seconds after a test run. For a long-lived deployment,
# build with `cargo build --release -p smile-collector`.
echo "run: building the collector"
cargo build --quiet --locked -p smile-collector
exec "$CARGO_TARGET_DIR/debug/smile-collector" serve --demo-station demo-desk "$@"
