"""Train the smile scorer, a small CNN that scores smile / no smile on a face crop.

The model scores a facial expression (a visible smile). It has one output, the
probability that the crop shows a smile, and infers nothing else about the person.

Training images are the aligned 64x64 grayscale crops written by the product's
`smile-crops` tool, so the scorer is trained on the same alignment the product applies. The
label files come from `smile_split.py`: rows from `*_val.csv` files are never
trained on and are only scored at the end for the log. Of the `*_train.csv` rows,
a fixed share (`--selection-percent`, chosen by a hash of the path) is held back
as the selection split, which compares candidate settings; the rest is trained on.

Exported ONNX contract:
    input  "crop"        float32 [1, 1, 64, 64] (NCHW), grayscale in [0, 1]
    output "smile_score" float32 [1, 1], probability of a smile in [0, 1]

Usage (inside models/.venv, from the repository root):
    python models/scripts/train_smile_scorer.py --crops CROPS_DIR --output models/smile_scorer.onnx
    python models/scripts/train_smile_scorer.py --raw-data DATA_DIR --labels SPLIT_CSV [...] --output OUT.onnx
The second form trains on the raw dataset images resized to 64x64 grayscale; it
only exists to test this script before `smile-crops` output is available.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import hashlib

import numpy as np
from PIL import Image

import smile_split

CROP_SIZE = 64
SEED = 20261204
THRESHOLD = 0.5
ARCHITECTURES = ("separable", "compact", "wide", "plain")


@dataclass
class Sample:
    """One labelled crop: pixels in [0, 1], label 1 for smile, its source set and split side."""

    pixels: np.ndarray
    label: int
    source_set: str
    validation: bool
    path: str


def load_gray_crop(path: Path) -> np.ndarray:
    """Load an image as 64x64 grayscale float32 in [0, 1], resizing if it has another size."""
    image = Image.open(path).convert("L")
    if image.size != (CROP_SIZE, CROP_SIZE):
        image = image.resize((CROP_SIZE, CROP_SIZE), Image.BILINEAR)
    return np.asarray(image, dtype=np.float32) / 255.0


def source_set_name(relative_path: str) -> str:
    """Return the dataset name from a data-relative path, e.g. `smilesmiled`."""
    return relative_path.split("/", 1)[0]


def is_validation_file(labels_name: str) -> bool:
    """Return True for a `*_val.csv` label file and False for `*_train.csv`, as `smile_split` names them."""
    if labels_name.endswith("_val.csv"):
        return True
    if labels_name.endswith("_train.csv"):
        return False
    raise SystemExit(
        f"label file {labels_name!r} is neither *_train.csv nor *_val.csv; "
        "create the split with models/scripts/smile_split.py and use its files"
    )


def load_crops(crops_dir: Path) -> list[Sample]:
    """Load the crops listed in CROPS_DIR/crops.csv for which a face was found.

    `smile-crops` writes each crop at the source image's relative path with a
    `.png` extension and names the label file of each row in `source_labels`.
    """
    samples = []
    missing_faces = 0
    with (crops_dir / "crops.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["face_found"].strip() != "1":
                missing_faces += 1
                continue
            samples.append(
                Sample(
                    pixels=load_gray_crop(crops_dir / row["path"]),
                    label=int(row["label"] == "smile"),
                    source_set=source_set_name(row["path"]),
                    validation=is_validation_file(row["source_labels"]),
                    path=row["path"],
                )
            )
    print(f"loaded {len(samples)} crops from {crops_dir}; {missing_faces} images had no face and are left out")
    return samples


def load_raw(data_dir: Path, labels_paths: list[Path]) -> list[Sample]:
    """Load the raw dataset images named in the label files (stand-in for detector crops)."""
    samples = []
    for labels_path in labels_paths:
        validation = is_validation_file(labels_path.name)
        _, rows = smile_split.read_label_rows(labels_path)
        for row in rows:
            samples.append(
                Sample(
                    pixels=load_gray_crop(data_dir / row["path"]),
                    label=int(row["label"] == "smile"),
                    source_set=source_set_name(row["path"]),
                    validation=validation,
                    path=row["path"],
                )
            )
    print(f"loaded {len(samples)} raw images from {data_dir}")
    return samples


def is_selection_row(path: str, percent: int) -> bool:
    """Return True when a training row is held back for choosing between candidate settings.

    The hash is salted, so the rows are independent of `smile_split`'s validation rule.
    """
    digest = hashlib.sha256(f"selection:{path}".encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < percent


def build_model(architecture: str):
    """Build the scorer named by `architecture` (see ARCHITECTURES).

    `separable`: a stride-2 3x3 convolution to 32x32x16, then five depthwise-separable
    blocks of 32, 64, 64, 128 and 128 channels at 32, 16, 16, 8 and 8 pixels, with
    max pooling between resolutions: 4.3 million multiply-adds. A block is a 3x3
    depthwise convolution and a 1x1 pointwise convolution, each followed by batch
    normalisation and ReLU.
    `compact`: full 3x3 convolutions only, a stride-2 one to 32x32x16, then 32
    channels at 16 pixels and 64 and 96 channels at 8 pixels, with max pooling
    between resolutions: 6.0 million multiply-adds.
    `wide`: `compact` with 24, 48, 96 and 128 channels: 12.6 million multiply-adds.
    `plain`: five full 3x3 convolutions of 16, 32, 64, 64 and 128 channels at 64,
    32, 16, 16 and 8 pixels: 24 million multiply-adds.

    Every convolution is followed by batch normalisation and ReLU, and every network
    ends in global average pooling, dropout 0.2 and one sigmoid unit.

    The input is NCHW with one channel, so the Reshape to NHWC is a pure relabelling
    of the same memory and costs nothing at inference.
    """
    import tensorflow as tf
    from tensorflow.keras import layers

    def batch_norm_relu(features):
        features = layers.BatchNormalization()(features)
        return layers.ReLU()(features)

    crop = tf.keras.Input(shape=(1, CROP_SIZE, CROP_SIZE), batch_size=None, name="crop")
    features = layers.Reshape((CROP_SIZE, CROP_SIZE, 1))(crop)
    if architecture == "separable":
        features = batch_norm_relu(layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(features))
        stages = ((32,), (64, 64), (128, 128))
        for index, stage in enumerate(stages):
            for filters in stage:
                features = batch_norm_relu(layers.DepthwiseConv2D(3, padding="same", use_bias=False)(features))
                features = batch_norm_relu(layers.Conv2D(filters, 1, use_bias=False)(features))
            if index < len(stages) - 1:
                features = layers.MaxPooling2D(2)(features)
    elif architecture in ("compact", "wide"):
        first, stages = (16, ((32,), (64, 96))) if architecture == "compact" else (24, ((48,), (96, 128)))
        features = batch_norm_relu(layers.Conv2D(first, 3, strides=2, padding="same", use_bias=False)(features))
        for stage in stages:
            features = layers.MaxPooling2D(2)(features)
            for filters in stage:
                features = batch_norm_relu(layers.Conv2D(filters, 3, padding="same", use_bias=False)(features))
    elif architecture == "plain":
        stages = ((16,), (32,), (64, 64), (128,))
        for index, stage in enumerate(stages):
            for filters in stage:
                features = batch_norm_relu(layers.Conv2D(filters, 3, padding="same", use_bias=False)(features))
            if index < len(stages) - 1:
                features = layers.MaxPooling2D(2)(features)
    else:
        raise SystemExit(f"unknown architecture {architecture!r}; expected one of {', '.join(ARCHITECTURES)}")
    features = layers.GlobalAveragePooling2D()(features)
    features = layers.Dropout(0.2)(features)
    score = layers.Dense(1, activation="sigmoid", name="smile_score")(features)
    return tf.keras.Model(crop, score, name="smile_scorer")


def count_multiply_adds(model) -> int:
    """Return the multiply-adds of one crop through the model's convolution and dense layers."""
    from tensorflow.keras import layers

    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.DepthwiseConv2D):
            _, height, width, channels = layer.output_shape
            kernel_height, kernel_width = layer.kernel_size
            total += height * width * channels * kernel_height * kernel_width
        elif isinstance(layer, layers.Conv2D):
            _, height, width, filters = layer.output_shape
            kernel_height, kernel_width = layer.kernel_size
            total += height * width * filters * kernel_height * kernel_width * layer.input_shape[-1]
        elif isinstance(layer, layers.Dense):
            total += layer.input_shape[-1] * layer.units
    return int(total)


def build_augmentation(strength: float):
    """Build the random shifts, rotation, zoom, flip, brightness and contrast applied to NHWC batches.

    `strength` scales every geometric and photometric range. A strength of 1.0 gives
    shifts up to 6%, rotation up to 0.03 turns, zoom up to 8%, brightness up to 15%
    and contrast up to 20%.
    """
    import tensorflow as tf
    from tensorflow.keras import layers

    return tf.keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=SEED),
            layers.RandomTranslation(0.06 * strength, 0.06 * strength, fill_mode="reflect", seed=SEED + 1),
            layers.RandomRotation(0.03 * strength, fill_mode="reflect", seed=SEED + 2),
            layers.RandomZoom((-0.08 * strength, 0.08 * strength), fill_mode="reflect", seed=SEED + 3),
            layers.RandomBrightness(0.15 * strength, value_range=(0.0, 1.0), seed=SEED + 4),
            layers.RandomContrast(0.2 * strength, seed=SEED + 5),
        ],
        name="augmentation",
    )


def sample_weights(samples: list[Sample], equal_sets: bool) -> np.ndarray:
    """Weight samples so that smile and neutral count equally within each source set.

    By default each set keeps its total weight (its number of samples), so the larger
    set is not diluted. With `equal_sets`, every set gets the mean set size as its
    total, and the smaller set counts as much as the larger one. Balancing the classes
    inside each set makes 0.5 the natural threshold for balanced accuracy.
    """
    weights = np.ones(len(samples), dtype=np.float32)
    source_sets = sorted({sample.source_set for sample in samples})
    for source_set in source_sets:
        indices = [i for i, sample in enumerate(samples) if sample.source_set == source_set]
        set_total = len(samples) / len(source_sets) if equal_sets else len(indices)
        for label in (0, 1):
            members = [i for i in indices if samples[i].label == label]
            if members:
                weights[members] = set_total / (2.0 * len(members))
    return weights


def stack(samples: list[Sample]) -> tuple[np.ndarray, np.ndarray]:
    """Return NCHW pixels [n, 1, 64, 64] and labels [n] as float32."""
    pixels = np.stack([sample.pixels for sample in samples])[:, np.newaxis]
    labels = np.array([sample.label for sample in samples], dtype=np.float32)
    return pixels, labels


def balanced_accuracy(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Return the mean of the true positive and true negative rates at the threshold."""
    predicted = scores >= threshold
    positives = labels == 1
    true_positive_rate = float(np.mean(predicted[positives])) if positives.any() else float("nan")
    true_negative_rate = float(np.mean(~predicted[~positives])) if (~positives).any() else float("nan")
    return (true_positive_rate + true_negative_rate) / 2.0


def area_under_curve(labels: np.ndarray, scores: np.ndarray) -> float:
    """Return the ROC AUC: the probability a random smile outscores a random neutral crop (ties count half)."""
    positive_scores = scores[labels == 1]
    negative_scores = scores[labels == 0]
    if len(positive_scores) == 0 or len(negative_scores) == 0:
        return float("nan")
    greater = (positive_scores[:, None] > negative_scores[None, :]).sum()
    ties = (positive_scores[:, None] == negative_scores[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(positive_scores) * len(negative_scores)))


def report_metrics(name: str, samples: list[Sample], scores: np.ndarray) -> dict[str, dict[str, float]]:
    """Print and return balanced accuracy, accuracy and AUC per source set."""
    metrics = {}
    for source_set in sorted({sample.source_set for sample in samples}):
        mask = np.array([sample.source_set == source_set for sample in samples])
        labels = np.array([sample.label for sample, keep in zip(samples, mask) if keep], dtype=np.float32)
        set_scores = scores[mask]
        metrics[source_set] = {
            "n": int(mask.sum()),
            "accuracy": float(np.mean((set_scores >= THRESHOLD) == (labels == 1))),
            "balanced_accuracy": balanced_accuracy(labels, set_scores, THRESHOLD),
            "auc": area_under_curve(labels, set_scores),
        }
        values = metrics[source_set]
        print(
            f"{name} {source_set}: n={values['n']} balanced_accuracy={values['balanced_accuracy']:.4f} "
            f"accuracy={values['accuracy']:.4f} auc={values['auc']:.4f} (threshold {THRESHOLD})"
        )
    return metrics


def make_dataset(pixels: np.ndarray, labels: np.ndarray, weights: np.ndarray, batch_size: int, strength: float):
    """Build the shuffled, augmented training dataset of NCHW batches."""
    import tensorflow as tf

    augmentation = build_augmentation(strength)

    def augment(batch_pixels, batch_labels, batch_weights):
        nhwc = tf.transpose(batch_pixels, (0, 2, 3, 1))
        nhwc = tf.clip_by_value(augmentation(nhwc, training=True), 0.0, 1.0)
        return tf.transpose(nhwc, (0, 3, 1, 2)), batch_labels, batch_weights

    dataset = tf.data.Dataset.from_tensor_slices((pixels, labels, weights))
    dataset = dataset.shuffle(len(labels), seed=SEED, reshuffle_each_iteration=True).batch(batch_size)
    return dataset.map(augment, num_parallel_calls=1).prefetch(2)


def export_onnx(model, output_path: Path) -> None:
    """Export the Keras model to ONNX with a fixed [1, 1, 64, 64] input and [1, 1] output."""
    import tensorflow as tf
    import tf2onnx

    signature = (tf.TensorSpec((1, 1, CROP_SIZE, CROP_SIZE), tf.float32, name="crop"),)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    model_proto, _ = tf2onnx.convert.from_keras(model, input_signature=signature, opset=13)
    model_proto.producer_name = "smile-sensor models/scripts/train_smile_scorer.py (tf2onnx 1.17.0)"
    import onnx

    onnx.checker.check_model(model_proto)
    onnx.save(model_proto, str(output_path))


def check_onnx_matches_keras(model, output_path: Path, pixels: np.ndarray) -> float:
    """Return the maximum absolute difference between Keras and onnxruntime scores."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(output_path), providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    keras_scores = model.predict(pixels, batch_size=64, verbose=0).reshape(-1)
    onnx_scores = np.array([session.run(None, {input_name: crop[np.newaxis]})[0].reshape(-1)[0] for crop in pixels])
    return float(np.max(np.abs(keras_scores - onnx_scores)))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--crops", type=Path, help="smile-crops output folder containing crops.csv")
    source.add_argument("--raw-data", type=Path, help="data folder for training on raw images (script test only)")
    parser.add_argument("--labels", type=Path, nargs="*", default=[], help="*_train.csv and *_val.csv files for --raw-data")
    parser.add_argument("--output", type=Path, required=True, help="ONNX file to write")
    parser.add_argument("--metrics", type=Path, help="JSON file for the training log and metrics")
    parser.add_argument("--architecture", choices=ARCHITECTURES, default="compact", help="network to train")
    parser.add_argument("--epochs", type=int, default=40, help="training epochs")
    parser.add_argument("--batch-size", type=int, default=64, help="crops per training batch")
    parser.add_argument(
        "--label-smoothing", type=float, default=0.0, help="binary cross-entropy label smoothing, 0 to 1"
    )
    parser.add_argument(
        "--augmentation", type=float, default=1.0, help="scale of every augmentation range (1 is the shipped setting)"
    )
    parser.add_argument(
        "--equal-sets", action="store_true", help="give every source set the same total weight, not one per crop"
    )
    parser.add_argument(
        "--selection-percent",
        type=int,
        default=10,
        help="percent of the training rows held back to compare candidate settings (0 trains on all)",
    )
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
    import tensorflow as tf

    tf.keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()

    if arguments.crops is not None:
        samples = load_crops(arguments.crops)
    else:
        if not arguments.labels:
            raise SystemExit("--raw-data needs --labels with at least one label CSV")
        samples = load_raw(arguments.raw_data, arguments.labels)

    validation = [sample for sample in samples if sample.validation]
    development = [sample for sample in samples if not sample.validation]
    selection = [sample for sample in development if is_selection_row(sample.path, arguments.selection_percent)]
    training = [sample for sample in development if not is_selection_row(sample.path, arguments.selection_percent)]
    print(f"training crops: {len(training)}, selection crops: {len(selection)}, validation crops: {len(validation)}")

    train_pixels, train_labels = stack(training)
    weights = sample_weights(training, arguments.equal_sets)
    dataset = make_dataset(train_pixels, train_labels, weights, arguments.batch_size, arguments.augmentation)

    model = build_model(arguments.architecture)
    steps = arguments.epochs * int(np.ceil(len(training) / arguments.batch_size))
    schedule = tf.keras.optimizers.schedules.CosineDecay(3e-3, decay_steps=steps, alpha=0.02)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(schedule),
        loss=tf.keras.losses.BinaryCrossentropy(label_smoothing=arguments.label_smoothing),
        weighted_metrics=[tf.keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    multiply_adds = count_multiply_adds(model)
    print(f"architecture {arguments.architecture}: {model.count_params()} parameters, {multiply_adds} multiply-adds")

    started = time.monotonic()
    history = model.fit(dataset, epochs=arguments.epochs, verbose=2)
    training_seconds = time.monotonic() - started
    print(f"training took {training_seconds:.0f} s for {arguments.epochs} epochs")

    train_scores = model.predict(train_pixels, batch_size=256, verbose=0).reshape(-1)
    metrics = {"training": report_metrics("training", training, train_scores)}
    if selection:
        selection_pixels, _ = stack(selection)
        selection_scores = model.predict(selection_pixels, batch_size=256, verbose=0).reshape(-1)
        metrics["selection"] = report_metrics("selection", selection, selection_scores)
    if validation:
        validation_pixels, _ = stack(validation)
        validation_scores = model.predict(validation_pixels, batch_size=256, verbose=0).reshape(-1)
        metrics["validation"] = report_metrics("validation", validation, validation_scores)

    export_onnx(model, arguments.output)
    difference = check_onnx_matches_keras(model, arguments.output, train_pixels[:64])
    print(f"max |onnx - keras| on 64 training crops: {difference:.3g}")
    print(f"wrote {arguments.output} ({arguments.output.stat().st_size} bytes)")

    if arguments.metrics is not None:
        log = {
            "seed": SEED,
            "architecture": arguments.architecture,
            "epochs": arguments.epochs,
            "batch_size": arguments.batch_size,
            "label_smoothing": arguments.label_smoothing,
            "augmentation": arguments.augmentation,
            "equal_sets": arguments.equal_sets,
            "selection_percent": arguments.selection_percent,
            "parameters": int(model.count_params()),
            "multiply_adds": multiply_adds,
            "training_seconds": round(training_seconds, 1),
            "threshold": THRESHOLD,
            "max_onnx_keras_difference": difference,
            "loss": [round(float(value), 5) for value in history.history["loss"]],
            "metrics": metrics,
        }
        arguments.metrics.write_text(json.dumps(log, indent=2) + "\n")


if __name__ == "__main__":
    main()
