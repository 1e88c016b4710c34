"""A track's alignment as per-frame 2D keyframes: JSON for pipelines, a Nuke snippet for compositors.

JSON (``faceplate-alignment`` version 1): per frame ``aligned_from_plate`` and its inverse (2x3,
faceplate pixel coordinates: origin top-left, y down, pixel centres at +0.5) and the same transform
as Nuke Transform values.

The Nuke snippet (paste into the Node Graph) holds, for the plate's format (origin bottom-left,
y up, as Nuke has it):

- a ``Transform`` that moves the plate so the face lands in a ``size`` x ``size`` box at the format's
  bottom-left corner, with ``translate``/``rotate``/``scale``/``center`` keyed on every frame, and a
  ``Crop`` of that box (reformat on) -- the aligned crop, made in Nuke;
- a ``CornerPin2D`` that puts a ``size`` x ``size`` aligned image (a swap) back onto the plate: its
  ``from`` corners are the crop's, its ``to`` corners are keyed per frame.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import numpy as np

from faceplate.foundation import files, geometry

FORMAT, VERSION = "faceplate-alignment", 1


def _flip(height: float) -> np.ndarray:
    """Nuke coordinates from faceplate coordinates of an image ``height`` tall (and back)."""
    return np.array([[1.0, 0.0, 0.0], [0.0, -1.0, float(height)]])


def nuke_transform(aligned_from_plate: np.ndarray, plate_height: int, size: int) -> dict[str, float]:
    """Nuke ``Transform`` knob values doing ``aligned_from_plate`` in Nuke's coordinates.

    Nuke maps ``p -> center + translate + scale * R(rotate) (p - center)`` with rotate counter-clockwise
    (y up). ``center`` is the plate point that lands on the crop's centre, so ``translate`` reads as
    "move the face to the crop".
    """
    m = geometry.compose(_flip(size), geometry.compose(aligned_from_plate, _flip(plate_height)))
    centre = geometry.apply(geometry.invert(m), np.array([[size / 2.0, size / 2.0]]))[0]
    return {
        "translate_x": size / 2.0 - centre[0],
        "translate_y": size / 2.0 - centre[1],
        "rotate": math.degrees(math.atan2(m[1, 0], m[0, 0])),
        "scale": math.hypot(m[0, 0], m[1, 0]),
        "center_x": float(centre[0]),
        "center_y": float(centre[1]),
    }


def nuke_corners(aligned_from_plate: np.ndarray, plate_height: int, size: int) -> list[tuple[float, float]]:
    """Plate positions (Nuke coordinates) of the crop's corners in CornerPin2D order:
    bottom-left, bottom-right, top-right, top-left."""
    crop = np.array([[0.0, size], [size, size], [size, 0.0], [0.0, 0.0]])  # faceplate coords, y down
    plate = geometry.apply(geometry.invert(np.asarray(aligned_from_plate)), crop)
    return [(float(x), float(plate_height - y)) for x, y in plate]


def alignment_document(
    transforms: Mapping[int, np.ndarray],
    *,
    node: str,
    track: int,
    identity: str,
    size: int,
    face_type: str,
    plate_size: tuple[int, int],
) -> dict:
    """The JSON document of one track's per-frame transforms."""
    frames = {}
    for frame, m in sorted(transforms.items()):
        frames[str(frame)] = {
            "aligned_from_plate": np.round(m, 9).tolist(),
            "plate_from_aligned": np.round(geometry.invert(m), 9).tolist(),
            "nuke_transform": {k: round(v, 6) for k, v in nuke_transform(m, plate_size[1], size).items()},
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "node": node,
        "track": track,
        "identity": identity,
        "face_type": face_type,
        "size": size,
        "plate_size": list(plate_size),
        "coordinates": "pixels, origin top-left, y down, pixel centres at +0.5; nuke_transform: Nuke's "
        "bottom-left origin, y up",
        "frames": frames,
    }


def _curve(values: Mapping[int, float]) -> str:
    return "{curve " + " ".join(f"x{f} {v:.4f}" for f, v in sorted(values.items())) + "}"


def nuke_snippet(transforms: Mapping[int, np.ndarray], *, name: str, size: int, plate_size: tuple[int, int]) -> str:
    """Nuke script text (Transform + Crop, and CornerPin2D) for one track's transforms."""
    height = plate_size[1]
    values = {f: nuke_transform(m, height, size) for f, m in transforms.items()}
    corners = {f: nuke_corners(m, height, size) for f, m in transforms.items()}
    k = lambda key: _curve({f: v[key] for f, v in values.items()})  # noqa: E731
    to = lambda i, c: _curve({f: v[i][c] for f, v in corners.items()})  # noqa: E731
    first, last = min(transforms), max(transforms)
    pins = "\n".join(f" to{i + 1} {{{to(i, 0)} {to(i, 1)}}}" for i in range(4))
    froms = "\n".join(
        f" from{i + 1} {{{x} {y}}}" for i, (x, y) in enumerate(((0, 0), (size, 0), (size, size), (0, size)))
    )
    return f"""set cut_paste_input [stack 0]
push $cut_paste_input
Transform {{
 translate {{{k("translate_x")} {k("translate_y")}}}
 rotate {k("rotate")}
 scale {k("scale")}
 center {{{k("center_x")} {k("center_y")}}}
 filter Cubic
 name {name}_aligned
 label "faceplate AlignEdit: plate -> aligned crop\\nframes {first}-{last}"
}}
Crop {{
 box {{0 0 {size} {size}}}
 reformat true
 crop true
 name {name}_crop
}}
push 0
CornerPin2D {{
{pins}
{froms}
 name {name}_paste_back
 label "faceplate AlignEdit: {size}x{size} aligned image -> plate\\nframes {first}-{last}"
}}
"""


def write_text(path: str, text: str) -> None:
    """Writes a text file atomically (temporary file beside it, then rename)."""
    files.write_text(path, text)


def write_alignment(path_stem: str, transforms: Mapping[int, np.ndarray], **info) -> tuple[str, str]:
    """Writes ``<stem>.json`` and ``<stem>.nk``; ``info`` as :func:`alignment_document` takes it."""
    document = alignment_document(transforms, **info)
    write_text(path_stem + ".json", json.dumps(document, indent=1) + "\n")
    name = f"{info['node']}_track{info['track']}"
    write_text(path_stem + ".nk", nuke_snippet(transforms, name=name, size=info["size"], plate_size=info["plate_size"]))
    return path_stem + ".json", path_stem + ".nk"
