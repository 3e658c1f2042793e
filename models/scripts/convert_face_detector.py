"""Convert MediaPipe BlazeFace short range from tflite to ONNX and verify it.

Steps:
1. tf2onnx converts the tflite graph to ONNX (opset 13).
2. Every float32 weight whose values are exactly representable in float16 is
   stored as float16 and followed by a Cast back to float32. The arithmetic stays
   float32, so outputs do not change. The tflite file stores its weights as
   float16, so all of them qualify.
3. TensorFlow's tflite interpreter (reference kernels) and onnxruntime run both
   models on real images, and the script fails if any output differs by more than
   the tolerance relative to that output's largest magnitude.

Usage (from the repository root, inside models/.venv):
    python models/scripts/convert_face_detector.py \
        --tflite models/work/face_detection_short_range.tflite \
        --output models/face_detection_short_range.onnx \
        --images IMAGE [IMAGE ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
from onnx import helper, numpy_helper
from PIL import Image

INPUT_SIZE = 128
OPSET = 13
# Maximum difference allowed between tflite and ONNX outputs, as a fraction of the
# largest magnitude in that output tensor (at least 1). Both run float32 arithmetic
# but sum in different orders, and the logits reach magnitudes of several hundred,
# where one float32 rounding step is already about 3e-5.
RELATIVE_TOLERANCE = 1e-5
# Weights with fewer elements stay float32, because a Cast node costs more bytes than it saves.
MIN_FLOAT16_ELEMENTS = 16


def convert_with_tf2onnx(tflite_path: Path, onnx_path: Path) -> None:
    """Run tf2onnx on the tflite file, writing a float32 ONNX model."""
    command = [
        sys.executable,
        "-m",
        "tf2onnx.convert",
        "--tflite",
        str(tflite_path),
        "--output",
        str(onnx_path),
        "--opset",
        str(OPSET),
    ]
    subprocess.run(command, check=True)


def store_weights_as_float16(model: onnx.ModelProto) -> tuple[int, int]:
    """Store exactly representable float32 initializers as float16 plus a Cast.

    Returns the number of initializers converted and the number kept as float32.
    """
    graph = model.graph
    converted = 0
    kept = 0
    new_initializers = []
    cast_nodes = []
    for initializer in graph.initializer:
        weights = numpy_helper.to_array(initializer)
        is_candidate = weights.dtype == np.float32 and weights.size >= MIN_FLOAT16_ELEMENTS
        if not is_candidate:
            new_initializers.append(initializer)
            continue

        halves = weights.astype(np.float16)
        if not np.array_equal(halves.astype(np.float32), weights):
            kept += 1
            new_initializers.append(initializer)
            continue

        half_name = f"{initializer.name}__float16"
        new_initializers.append(numpy_helper.from_array(halves, half_name))
        cast_nodes.append(
            helper.make_node(
                "Cast",
                [half_name],
                [initializer.name],
                name=f"{initializer.name}__to_float32",
                to=onnx.TensorProto.FLOAT,
            )
        )
        converted += 1

    del graph.initializer[:]
    graph.initializer.extend(new_initializers)
    nodes = cast_nodes + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return converted, kept


def letterbox_input(image_path: Path) -> np.ndarray:
    """Load an image as the detector input: square letterbox, 128x128 RGB, x / 127.5 - 1, NHWC."""
    image = Image.open(image_path).convert("RGB")
    side = max(image.size)
    canvas = Image.new("RGB", (side, side))
    canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    resized = canvas.resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR)
    pixels = np.asarray(resized, dtype=np.float32) / 127.5 - 1.0
    return pixels[np.newaxis]


def run_tflite(tflite_path: Path, batch: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
    """Run TensorFlow's tflite interpreter on each input; outputs keyed by tensor name."""
    import tensorflow as tf

    # The reference kernels, not the default XNNPACK delegate, define the tflite result.
    interpreter = tf.lite.Interpreter(
        model_path=str(tflite_path),
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
    )
    interpreter.allocate_tensors()
    input_index = interpreter.get_input_details()[0]["index"]
    results = []
    for pixels in batch:
        interpreter.set_tensor(input_index, pixels)
        interpreter.invoke()
        outputs = {}
        for detail in interpreter.get_output_details():
            outputs[detail["name"]] = interpreter.get_tensor(detail["index"]).copy()
        results.append(outputs)
    return results


def run_onnx(onnx_path: Path, batch: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
    """Run onnxruntime on each input; outputs keyed by output name."""
    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    output_names = [output.name for output in session.get_outputs()]
    results = []
    for pixels in batch:
        values = session.run(output_names, {input_name: pixels})
        results.append(dict(zip(output_names, values)))
    return results


def max_output_difference(
    reference: list[dict[str, np.ndarray]], candidate: list[dict[str, np.ndarray]]
) -> tuple[dict[str, float], dict[str, float]]:
    """Return the maximum absolute and scaled difference per output name over all inputs.

    The scaled difference divides by the largest magnitude of the reference tensor (at least 1).
    """
    differences = {}
    scaled_differences = {}
    for expected, actual in zip(reference, candidate):
        for name, expected_values in expected.items():
            if name not in actual:
                raise SystemExit(f"ONNX output {name!r} is missing; ONNX outputs: {sorted(actual)}")
            actual_values = actual[name]
            if actual_values.shape != expected_values.shape:
                raise SystemExit(
                    f"ONNX output {name!r} has shape {actual_values.shape}, tflite has {expected_values.shape}"
                )
            difference = float(np.max(np.abs(actual_values - expected_values)))
            scale = max(1.0, float(np.max(np.abs(expected_values))))
            differences[name] = max(differences.get(name, 0.0), difference)
            scaled_differences[name] = max(scaled_differences.get(name, 0.0), difference / scale)
    return differences, scaled_differences


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tflite", type=Path, required=True, help="BlazeFace short range tflite file")
    parser.add_argument("--output", type=Path, required=True, help="ONNX file to write")
    parser.add_argument("--images", type=Path, nargs="+", required=True, help="real photos used to compare outputs")
    return parser.parse_args()


def main() -> None:
    arguments = parse_arguments()
    with tempfile.TemporaryDirectory() as temporary:
        float32_path = Path(temporary) / "float32.onnx"
        convert_with_tf2onnx(arguments.tflite, float32_path)
        model = onnx.load(str(float32_path))

    converted, kept = store_weights_as_float16(model)
    model.producer_name = "smile-sensor models/scripts/convert_face_detector.py (tf2onnx 1.17.0)"
    onnx.checker.check_model(model)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(arguments.output))
    print(f"float16 weights: {converted} initializers, {kept} kept float32 (not exactly representable)")

    for graph_input in model.graph.input:
        print(f"input {graph_input.name}: {onnx.helper.printable_type(graph_input.type)}")
    for graph_output in model.graph.output:
        print(f"output {graph_output.name}: {onnx.helper.printable_type(graph_output.type)}")

    batch = [letterbox_input(path) for path in arguments.images]
    differences, scaled_differences = max_output_difference(
        run_tflite(arguments.tflite, batch), run_onnx(arguments.output, batch)
    )
    for name, difference in differences.items():
        print(
            f"{name}: max |onnx - tflite| over {len(batch)} images {difference:.3g}, "
            f"relative to the largest output magnitude {scaled_differences[name]:.3g}"
        )

    worst = max(scaled_differences.values())
    if worst > RELATIVE_TOLERANCE:
        raise SystemExit(
            f"ONNX outputs differ from tflite by {worst:.3g} of the output scale, "
            f"more than the tolerance {RELATIVE_TOLERANCE}"
        )
    size = arguments.output.stat().st_size
    print(f"wrote {arguments.output} ({size} bytes)")


if __name__ == "__main__":
    main()
