#!/usr/bin/env bash
# Runs every check and test of smile-sensor, in order, and prints one summary line
# per stage. Exits non-zero if any stage failed. Installs what is missing first.
#
# Usage: scripts/test.sh
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"

passed=0
failed=0
summary=()

stage() {
    local name="$1"
    shift
    local started=$SECONDS
    echo
    echo "==> $name"
    if "$@"; then
        passed=$((passed + 1))
        summary+=("stage $name: ok ($((SECONDS - started)) s)")
    else
        failed=$((failed + 1))
        summary+=("stage $name: FAILED ($((SECONDS - started)) s)")
    fi
    echo "${summary[-1]}"
}

if ! scripts/setup.sh --with-postgres; then
    echo "setup failed: nothing was tested"
    exit 1
fi

if [[ ! -d "$SMILE_DATA_DIR" ]]; then
    echo "note: $SMILE_DATA_DIR not found; tests that need the shared data print a skipped line"
fi

stage fmt cargo fmt --all --check
stage clippy-native cargo clippy --workspace --all-targets --locked -- -D warnings
stage clippy-wasm32 cargo clippy -p smile-sensor --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
stage test-native cargo test --workspace --locked
stage test-postgres scripts/with-postgres.sh cargo test -p smile-collector --locked
stage check-wasm32 cargo check -p smile-sensor --target wasm32-unknown-unknown --all-targets --locked
stage test-browser wasm-pack --log-level warn test --headless --chrome --mode no-install
stage test-e2e scripts/e2e.sh

echo
printf '%s\n' "${summary[@]}"
echo "stages: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
