"""Per-frame 2D transforms (AlignEdit's alignment) as native Nuke ``Transform`` / ``CornerPin2D`` nodes.

Transforms come in faceplate's convention (``dst_from_src``, 3x3 or 2x3, pixel coordinates with the
origin top-left, y down) and are converted to Nuke's (origin bottom-left, y up) with the source and
destination spaces' heights (:class:`~faceplate.hosts.nuke.conventions.PlateSpace`):
``M_nuke = nuke_from_faceplate(dst) @ M @ faceplate_from_nuke(src)``.

- ``CornerPin2D`` is exact for any affine or projective transform: ``from1..4`` are the source format's
  corners (bottom-left, bottom-right, top-right, top-left), ``to1..4`` their images, keyed per frame.
- ``Transform`` takes rotation, scale and translation about ``center``; it is built on the assumption
  that Nuke's Transform maps ``p -> center + translate + R(rotate) @ diag(scale) @ (p - center)``
  (:func:`transform_matrix`), and a transform with skew is refused (use the corner pin).

Keys are linear, one per frame that has a transform; frames without one (the face is not tracked there)
get no key. Run ``python -m faceplate.hosts.nuke.align_export --help`` in faceplate's environment to
export from a script; the Nuke side pastes the text it writes.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping

import numpy as np

from faceplate.cli.render_command import frames_to_render
from faceplate.foundation.errors import FaceplateError, ScriptError
from faceplate.foundation.files import write_text
from faceplate.hosts.nuke.conventions import PlateSpace
from faceplate.hosts.nuke.knob_mapping import component_text
from faceplate.hosts.nuke.nk_parse import braced, number, quote
from faceplate.nodes.core import Graph
from faceplate.nodes.faces import METADATA_KEY

SKEW_TOLERANCE = 1e-6


def as_3x3(matrix) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape == (2, 3):
        m = np.vstack([m, [0.0, 0.0, 1.0]])
    if m.shape != (3, 3):
        raise ScriptError(f"expected a (2, 3) or (3, 3) transform, got shape {m.shape}")
    return m


def nuke_matrices(dst_from_src: Mapping[int, object], src: PlateSpace, dst: PlateSpace) -> dict[int, np.ndarray]:
    """faceplate ``dst_from_src`` transforms per frame -> the same transforms in Nuke coordinates."""
    to_nuke, from_nuke = np.array(dst.nuke_from_faceplate()), np.array(src.faceplate_from_nuke())
    return {frame: to_nuke @ as_3x3(m) @ from_nuke for frame, m in sorted(dst_from_src.items())}


def transform_matrix(translate, rotate: float, scale, center) -> np.ndarray:
    """The 3x3 matrix (Nuke coordinates) of a Transform's knobs, under the assumption in the module doc."""
    c, s = math.cos(math.radians(rotate)), math.sin(math.radians(rotate))
    a = np.array([[c, -s], [s, c]]) @ np.diag(scale)
    m = np.eye(3)
    m[:2, :2] = a
    m[:2, 2] = np.asarray(center) + np.asarray(translate) - a @ np.asarray(center)
    return m


def transform_knobs(m: np.ndarray, center) -> tuple[tuple[float, float], float, tuple[float, float]]:
    """``(translate, rotate in degrees, scale)`` of a Nuke-coordinate matrix about ``center``."""
    if not np.allclose(m[2], [0.0, 0.0, 1.0]):
        raise ScriptError("the transform is projective; export a CornerPin2D instead")
    a = m[:2, :2]
    rotate = math.degrees(math.atan2(a[1, 0], a[0, 0]))
    sx = math.hypot(a[0, 0], a[1, 0])
    c, s = math.cos(math.radians(rotate)), math.sin(math.radians(rotate))
    upper = np.array([[c, s], [-s, c]]) @ a  # R^-1 A = [[sx, skew], [0, sy]]
    if abs(upper[0, 1]) > SKEW_TOLERANCE * max(1.0, sx):
        raise ScriptError(
            "the transform has skew, which a Transform node here does not carry; export a CornerPin2D instead"
        )
    translate = m[:2, 2] + a @ np.asarray(center) - np.asarray(center)
    return (float(translate[0]), float(translate[1])), rotate, (sx, float(upper[1, 1]))


def _keys(frames: list[int], values: list[float]) -> dict:
    return {"curve": [[f, float(v), "linear"] for f, v in zip(frames, values)]}


def _vector(*components: dict) -> str:
    return braced([component_text(c) for c in components])


def transform_node(matrices: Mapping[int, np.ndarray], *, center, name: str = "Transform1", label: str = "") -> str:
    """A keyed ``Transform`` node (Nuke text) from Nuke-coordinate matrices per frame."""
    frames = sorted(matrices)
    if not frames:
        raise ScriptError("no frame has a transform to export")
    knobs = [transform_knobs(matrices[f], center) for f in frames]
    rotate = np.degrees(np.unwrap(np.radians([k[1] for k in knobs])))  # no 359 -> -1 flips between keys
    lines = [
        "Transform {",
        f" translate {_vector(_keys(frames, [k[0][0] for k in knobs]), _keys(frames, [k[0][1] for k in knobs]))}",
        f" rotate {_vector(_keys(frames, list(rotate)))}",
        f" scale {_vector(_keys(frames, [k[2][0] for k in knobs]), _keys(frames, [k[2][1] for k in knobs]))}",
        f" center {braced([number(center[0]), number(center[1])])}",
        f" name {quote(name)}",
    ]
    if label:
        lines.append(f" label {quote(label)}")
    return "\n".join([*lines, "}"]) + "\n"


def corner_pin_node(
    matrices: Mapping[int, np.ndarray], *, width: float, height: float, name: str = "CornerPin2D1", label: str = ""
) -> str:
    """A keyed ``CornerPin2D`` node (Nuke text): the source format's corners and their images per frame."""
    frames = sorted(matrices)
    if not frames:
        raise ScriptError("no frame has a transform to export")
    corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    lines = ["CornerPin2D {"]
    for i, (x, y) in enumerate(corners, 1):
        images = [matrices[f] @ np.array([x, y, 1.0]) for f in frames]
        xs = [p[0] / p[2] for p in images]
        ys = [p[1] / p[2] for p in images]
        lines.append(f" to{i} {_vector(_keys(frames, xs), _keys(frames, ys))}")
    for i, (x, y) in enumerate(corners, 1):
        lines.append(f" from{i} {braced([number(x), number(y)])}")
    lines.append(f" name {quote(name)}")
    if label:
        lines.append(f" label {quote(label)}")
    return "\n".join([*lines, "}"]) + "\n"


def alignments(graph, node: str, track_id: int, frames) -> dict[int, np.ndarray]:
    """``aligned_from_plate`` (3x3) of track ``track_id`` at each frame where ``node``'s faces carry one."""
    out = {}
    for frame in frames:
        faces = graph.render(node, frame).metadata.get(METADATA_KEY)
        for face in faces or ():
            if face.track_id == track_id and face.aligned_from_plate is not None:
                out[frame] = as_3x3(face.aligned_from_plate)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m faceplate.hosts.nuke.align_export",
        description="Export a track's alignment as a keyed Nuke node.",
    )
    parser.add_argument("script")
    parser.add_argument("--node", required=True, help="the node whose faces carry the alignment (AlignEdit)")
    parser.add_argument("--track", type=int, required=True, help="the face track id")
    parser.add_argument("--frames", help="frames (default: the script's range)")
    parser.add_argument(
        "--aligned-size", type=int, nargs=2, required=True, metavar=("W", "H"), help="size of the aligned face image"
    )
    parser.add_argument(
        "--direction",
        choices=("plate_from_aligned", "aligned_from_plate"),
        default="plate_from_aligned",
        help="what the node does to its input (default: puts an aligned-space image back on the plate)",
    )
    parser.add_argument("--kind", choices=("cornerpin", "transform"), default="cornerpin")
    parser.add_argument("-o", "--output", required=True, help="the .nk text to write")
    args = parser.parse_args(argv)
    try:
        graph = Graph.load(args.script)
        frames = frames_to_render(graph, args.frames, args.script)
        found = alignments(graph, args.node, args.track, frames)
        if not found:
            raise ScriptError(f"track {args.track} has no alignment on frames {frames[0]}-{frames[-1]}", node=args.node)
        reference = graph.render(args.node, min(found))
        plate = PlateSpace(
            reference.display_window.width,
            reference.display_window.height,
            reference.display_window.xmin,
            reference.display_window.ymin,
        )
        aligned = PlateSpace(*args.aligned_size)
        if args.direction == "plate_from_aligned":
            found = {f: np.linalg.inv(m) for f, m in found.items()}
            src, dst = aligned, plate
        else:
            src, dst = plate, aligned
        matrices = nuke_matrices(found, src, dst)
        label = f"faceplate {args.node} track {args.track} {args.direction}"
        if args.kind == "cornerpin":
            text = corner_pin_node(matrices, width=src.width, height=src.height, label=label)
        else:
            text = transform_node(matrices, center=(src.width / 2, src.height / 2), label=label)
    except FaceplateError as exc:
        print(f"faceplate: error: {exc}", file=sys.stderr)
        return 2
    write_text(args.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
