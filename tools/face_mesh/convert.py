"""Developer tool: converts MediaPipe's face models (Apache-2.0) from the mediapipe wheel to ONNX.

Run by a developer, never at install or run time, in a throw-away environment outside the repository
(mediapipe 0.10.21 pins numpy < 2 and protobuf < 5, so neither it nor TensorFlow can be a faceplate
dependency; only the wheel file is read, mediapipe is never installed)::

    python3 -m venv /tmp/tfconv && . /tmp/tfconv/bin/activate
    pip install tensorflow-cpu tf2onnx onnxruntime
    pip download --no-deps mediapipe==0.10.21 -d /tmp/tfconv
    python tools/face_mesh/convert.py --wheel /tmp/tfconv/mediapipe-0.10.21-*.whl \
        --photo astronaut.png:140,40,170 --photo grace_hopper.jpg:120,90,290

For each model it extracts the ``.tflite`` from the wheel, converts it with ``tf2onnx`` (opset 17),
runs the TFLite original and the ONNX copy on the same inputs made from real photos (the whole photo
letterboxed for the detector; the face square given after the colon, at several turns, for the
mesh; the ONNX copy runs them as one batch, its batch dimension freed by :func:`dynamic_batch`) and
writes the ONNX file and its card ``<name>.card.json`` (what goes in and out, the licence, sha256
of the wheel, of the source and of the ONNX file, and the largest absolute difference of every
output between TFLite and ONNX), which the registry reads (:mod:`faceplate.models.cards`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

MODELS = {
    "face_detection_short_range": "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    "face_landmark": "mediapipe/modules/face_landmark/face_landmark.tflite",
}
OPSET = 17
LICENCE = (
    "Apache License 2.0 (the mediapipe wheel's LICENSE, copied here as LICENSE; NOTICE states the origin "
    "and the changes made). Google publishes these weights inside mediapipe under Apache-2.0, which permits "
    "commercial use; the training data is Google's own and not redistributed."
)
LOCATED_BY = "faceplate/models/face_mesh (installed with faceplate), or $FACEPLATE_FACE_MESH_MODELS (a folder)"
CARDS = {
    "face_detection_short_range": {
        "id": "mediapipe-blazeface-short-range",
        "title": "BlazeFace short-range face detector (MediaPipe), converted to ONNX",
        "located_by": LOCATED_BY,
        "inputs": (
            "input: (N, 128, 128, 3) float32 RGB, channels last, display-referred sRGB scaled to [-1, 1] "
            "(uint8 / 127.5 - 1); faces of about 15-80 % of the image"
        ),
        "outputs": (
            "regressors: (N, 896, 16) float32, per anchor: box centre offset and size, then 6 keypoints "
            "(subject's right eye, left eye, nose tip, mouth, right ear, left ear), in input pixels "
            "relative to the anchor; classificators: (N, 896, 1) float32 score logits (sigmoid: "
            "probability of a face)"
        ),
        "colour_space": "sRGB Encoded Rec.709 (sRGB)",
    },
    "face_landmark": {
        "id": "mediapipe-face-mesh-468",
        "title": "MediaPipe face mesh (468 3D points), converted to ONNX",
        "located_by": LOCATED_BY,
        "inputs": (
            "input_1: (N, 192, 192, 3) float32 RGB, channels last, display-referred sRGB scaled to [0, 1] "
            "(uint8 / 255); an upright face crop, the face about 1/1.5 of the crop"
        ),
        "outputs": (
            "conv2d_21: (N, 1, 1, 1404) float32: 468 points x (x, y, z) in input pixels (z: depth, same "
            "scale as x, smaller is nearer the camera); conv2d_31: (N, 1, 1, 1) float32 face-presence "
            "logit (sigmoid: probability that the crop holds a face)"
        ),
        "colour_space": "sRGB Encoded Rec.709 (sRGB)",
    },
}
TURNS = (0.0, 30.0, 60.0, 90.0)  # the mesh's parity inputs: the face square at these rolls


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_photo(path: str) -> np.ndarray:
    import tensorflow as tf

    return tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False).numpy()


def resize(image: np.ndarray, size: int) -> np.ndarray:
    import tensorflow as tf

    return tf.image.resize(image.astype(np.float32), (size, size), method="bilinear", antialias=True).numpy()


def detector_inputs(photos: list[tuple[np.ndarray, tuple[int, int, int]]]) -> list[np.ndarray]:
    """Each photo letterboxed into a square, resized to 128 x 128, scaled to [-1, 1] (BlazeFace's range)."""
    out = []
    for image, _ in photos:
        h, w = image.shape[:2]
        side = max(h, w)
        square = np.zeros((side, side, 3), np.float32)
        square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = image
        out.append((resize(square, 128) / 127.5 - 1.0)[None].astype(np.float32))
    return out


def mesh_inputs(photos: list[tuple[np.ndarray, tuple[int, int, int]]]) -> list[np.ndarray]:
    """The face square of each photo, 1.5 times enlarged and turned by each of :data:`TURNS`, resized
    to 192 x 192, scaled to [0, 1] (the mesh's range)."""
    import tensorflow as tf

    out = []
    for image, (x0, y0, side) in photos:
        cx, cy, half = x0 + side / 2, y0 + side / 2, 0.75 * side
        for turn in TURNS:
            a = np.radians(turn)
            # output pixel (u, v) in [0, 192) reads the photo at centre + R(turn) * (u - 96, v - 96) * 2 half / 192
            k = 2 * half / 192
            c, s = np.cos(a) * k, np.sin(a) * k
            tx = cx - c * 96 + s * 96
            ty = cy - s * 96 - c * 96
            transform = tf.constant([[c, -s, tx, s, c, ty, 0.0, 0.0]], tf.float32)
            crop = tf.raw_ops.ImageProjectiveTransformV3(
                images=image[None].astype(np.float32),
                transforms=transform,
                output_shape=[192, 192],
                fill_value=0.0,
                interpolation="BILINEAR",
                fill_mode="NEAREST",
            ).numpy()
            out.append((crop / 255.0).astype(np.float32))
    return out


def dynamic_batch(path: str, member: str) -> None:
    """Rewrites the ONNX file so its batch dimension is free (faces are measured together).

    tf2onnx keeps TFLite's fixed batch of 1: in the input and output shapes and in the Reshape shape
    constants. Those constants get 0 in place of the batch (ONNX Reshape: copy that input dimension),
    or -1 where the rest of the shape is fixed.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    graph = model.graph
    graph.doc_string = f"converted from {member} (mediapipe 0.10.21)"  # tf2onnx names a temporary path here
    for value in (*graph.input, *graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    constants = {init.name: init for init in graph.initializer}
    done = set()  # a shape constant may serve several Reshapes
    for node in graph.node:
        if node.op_type != "Reshape" or node.input[1] not in constants or node.input[1] in done:
            continue
        done.add(node.input[1])
        init = constants[node.input[1]]
        shape = numpy_helper.to_array(init).copy()
        if shape[0] != 1:
            raise RuntimeError(f"{path}: Reshape {node.name} has shape {shape.tolist()}, expected a batch of 1 first")
        shape[0] = -1 if -1 not in shape else 0
        init.CopyFrom(numpy_helper.from_array(shape.astype(np.int64), init.name))
    canonical_names(graph)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def canonical_names(graph) -> None:
    """Renames nodes and inner tensors by their order in the graph and sorts the initializers, so two
    conversions give the same bytes (tf2onnx numbers its constants in an order that varies per run)."""
    keep = {v.name for v in (*graph.input, *graph.output)}
    names: dict[str, str] = {}
    for i, node in enumerate(graph.node):
        node.name = f"{node.op_type}_{i}"
        for j, name in enumerate(node.input):
            if name and name not in keep:
                node.input[j] = names.setdefault(name, f"t{len(names)}")
        for j, name in enumerate(node.output):
            if name not in keep:
                node.output[j] = names.setdefault(name, f"t{len(names)}")
    initializers = sorted(graph.initializer, key=lambda init: int(names[init.name][1:]))
    for init in initializers:
        init.name = names[init.name]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    del graph.value_info[:]


def run_tflite(path: str, inputs: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_path=path)
    interpreter.allocate_tensors()
    (inp,) = interpreter.get_input_details()
    results = []
    for x in inputs:
        interpreter.set_tensor(inp["index"], x)
        interpreter.invoke()
        results.append({o["name"]: interpreter.get_tensor(o["index"]).copy() for o in interpreter.get_output_details()})
    return results


def run_onnx(path: str, inputs: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
    """The ONNX model on all inputs in one batch (as faceplate runs it), split back per input."""
    import onnxruntime as ort

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    outputs = [o.name for o in session.get_outputs()]
    batch = dict(zip(outputs, session.run(None, {name: np.concatenate(inputs)})))
    return [{k: v[i : i + 1] for k, v in batch.items()} for i in range(len(inputs))]


def describe(path: str) -> dict:
    import onnxruntime as ort

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return {
        "input_tensors": [{"name": i.name, "shape": i.shape, "dtype": i.type} for i in session.get_inputs()],
        "output_tensors": [{"name": o.name, "shape": o.shape, "dtype": o.type} for o in session.get_outputs()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", required=True, help="mediapipe-0.10.21-*.whl (pip download --no-deps)")
    parser.add_argument(
        "--photo",
        action="append",
        required=True,
        help="PATH:x0,y0,side: a photo and the face square in it (parity inputs)",
    )
    parser.add_argument(
        "--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "face_mesh")
    )
    args = parser.parse_args(argv)

    photos = []
    for spec in args.photo:
        path, square = spec.rsplit(":", 1)
        photos.append((read_photo(path), tuple(int(v) for v in square.split(","))))
    parity_inputs = {"face_detection_short_range": detector_inputs(photos), "face_landmark": mesh_inputs(photos)}

    import tf2onnx

    with tempfile.TemporaryDirectory() as temp, zipfile.ZipFile(args.wheel) as wheel:
        for name, member in MODELS.items():
            source = wheel.extract(member, temp)
            onnx_path = os.path.join(args.out, f"{name}.onnx")
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tf2onnx.convert",
                    "--tflite",
                    source,
                    "--output",
                    onnx_path,
                    "--opset",
                    str(OPSET),
                ],
                check=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )  # tf2onnx names constants in set order
            dynamic_batch(onnx_path, member)
            inputs = parity_inputs[name]
            reference, converted = run_tflite(source, inputs), run_onnx(onnx_path, inputs)
            parity = {}
            for out_name in reference[0]:
                # tf2onnx keeps TFLite's output names
                match = next(k for k in converted[0] if k == out_name or k.endswith(out_name))
                parity[out_name] = float(
                    max(np.abs(r[out_name] - c[match]).max() for r, c in zip(reference, converted))
                )
            record = {
                **CARDS[name],
                "file": os.path.basename(onnx_path),
                "sha256": sha256(onnx_path),
                "licence": LICENCE,
                "commercial": "cleared",
                "source": (
                    f"pip download --no-deps mediapipe==0.10.21: {member}, converted by tools/face_mesh/convert.py"
                ),
                "wheel": os.path.basename(args.wheel),
                "wheel_sha256": sha256(args.wheel),
                "source_file": member,
                "source_sha256": sha256(source),
                "onnx_file": os.path.basename(onnx_path),
                "onnx_sha256": sha256(onnx_path),
                "converter": f"tf2onnx {tf2onnx.__version__}, opset {OPSET}; batch dimension made free",
                "parity_inputs": (
                    f"{len(inputs)} inputs from {len(photos)} photos "
                    f"({', '.join(os.path.basename(p.rsplit(':', 1)[0]) for p in args.photo)})"
                    + (f" at rolls {', '.join(f'{t:g}' for t in TURNS)} degrees" if name == "face_landmark" else "")
                ),
                "parity_max_abs": parity,
                **describe(onnx_path),
            }
            with open(os.path.join(args.out, f"{name}.card.json"), "w") as f:
                json.dump(record, f, indent=1)
                f.write("\n")
            print(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
