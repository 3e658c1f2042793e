# Shared environment for the project's scripts; source it, do not run it.
#
# The cargo target directory lives outside the checkout, so a fresh clone (as CI
# makes for every run) reuses what earlier runs compiled. A cold build of tract for
# native and wasm32 takes most of an hour on two cores.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/smile-sensor/target}"
export SMILE_DATA_DIR="${SMILE_DATA_DIR:-$repo_root/../shared/data}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
export PATH="$HOME/.cargo/bin:$PATH"

# Builds the wasm package the pages load into www/pkg and copies the models the page
# fetches into www/models. cargo builds the `wasm-release` profile (tuned for size,
# see Cargo.toml) and the wasm-bindgen CLI, whose version setup.sh matches to
# Cargo.lock, writes the JavaScript glue. The name and producers sections are
# dropped because browsers need neither, and the name section alone is 3.1 MB.
build_wasm_package() {
    local wasm_file="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/smile_sensor.wasm"
    (cd "$repo_root" && cargo build --quiet --locked --profile wasm-release \
        --target wasm32-unknown-unknown -p smile-sensor --lib) || return
    wasm-bindgen --target web --out-dir "$repo_root/www/pkg" --out-name smile_sensor \
        --remove-name-section --remove-producers-section "$wasm_file" || return
    mkdir -p "$repo_root/www/models"
    cp "$repo_root"/models/face_detection_short_range.onnx "$repo_root"/models/smile_scorer.onnx \
        "$repo_root/www/models/"
    # The collector sends FILE.gz to browsers that accept gzip.
    gzip -9 --keep --force --no-name "$repo_root"/www/pkg/smile_sensor_bg.wasm \
        "$repo_root"/www/pkg/smile_sensor.js "$repo_root"/www/models/*.onnx
}

# Prints the path of the collector binary: $SMILE_COLLECTOR_BIN when set, else the
# debug build in $CARGO_TARGET_DIR, which it builds first when missing.
collector_binary() {
    local collector="${SMILE_COLLECTOR_BIN:-$CARGO_TARGET_DIR/debug/smile-collector}"
    if [[ ! -x "$collector" ]]; then
        printf 'building the collector\n' >&2
        (cd "$repo_root" && cargo build --quiet --locked -p smile-collector >&2) || return
        collector="$CARGO_TARGET_DIR/debug/smile-collector"
    fi
    printf '%s\n' "$collector"
}
