#!/usr/bin/env bash
# Fetches MediaPipe BlazeFace short range from its npm package and extracts the
# tflite file into models/work/. The checksum pins the exact weights we convert.
#
# Usage: models/scripts/fetch_face_detector.sh
# Output: models/work/face_detection_short_range.tflite
set -euo pipefail

PACKAGE="@mediapipe/face_detection@0.4.1657300184"
TARBALL="mediapipe-face_detection-0.4.1657300184.tgz"
MEMBER="package/face_detection_short_range.tflite"
SHA256="3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"

models_dir="$(cd "$(dirname "$0")/.." && pwd)"
work_dir="$models_dir/work"
mkdir -p "$work_dir"
cd "$work_dir"

if [[ ! -f "$TARBALL" ]]; then
    npm pack --silent "$PACKAGE" >/dev/null
fi
tar -xzf "$TARBALL" "$MEMBER"
cp "$MEMBER" face_detection_short_range.tflite

actual="$(sha256sum face_detection_short_range.tflite | cut -d' ' -f1)"
if [[ "$actual" != "$SHA256" ]]; then
    echo "fetch_face_detector: checksum mismatch for $MEMBER in $PACKAGE: expected $SHA256, got $actual" >&2
    exit 1
fi
echo "fetch_face_detector: $work_dir/face_detection_short_range.tflite (sha256 $actual)"
