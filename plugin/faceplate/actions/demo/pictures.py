"""The demo's pictures: a contact sheet of the render and a before/after of one frame, as sRGB PNGs."""

from __future__ import annotations

import os

import cv2
import numpy as np

from faceplate.actions.demo.photos import SRGB
from faceplate.foundation.drawing import put_text, write_png
from faceplate.nodes.core import Graph
from faceplate.nodes.facedetect import sidecar as sidecar_io
from faceplate.nodes.io import colour
from faceplate.nodes.io.image_read import read_image
from faceplate.nodes.io.sequence import SequencePattern

SHEET_FRAMES = 6
LABEL_SCALE = 0.6


def _display(plate) -> np.ndarray:
    """``(H, W, 3)`` sRGB-encoded [0, 1] pixels of a scene-linear plate's RGB."""
    rgb = plate.pixels[:, :, [plate.channel_index(c) for c in ("R", "G", "B")]]
    return np.clip(colour.convert(np.ascontiguousarray(rgb), colour.WORKING_SPACE, SRGB), 0.0, 1.0)


def _label(image: np.ndarray, text: str) -> np.ndarray:
    image = np.ascontiguousarray(image)
    put_text(image, text, (8, 22), LABEL_SCALE, (1.0, 0.9, 0.4), 1)
    return image


def _fit(image: np.ndarray, width: int) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.resize(
        image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA if width < w else cv2.INTER_CUBIC
    )


def _face_box(landmarks: np.ndarray, shape: tuple[int, int], margin: float = 0.9) -> tuple[int, int, int, int]:
    """A square around the landmarks grown by ``margin`` of their size each side, inside the frame."""
    lo, hi = landmarks.min(axis=0), landmarks.max(axis=0)
    centre, side = (lo + hi) / 2, float((hi - lo).max()) * (1 + 2 * margin) / 2
    h, w = shape
    side = min(side, w, h)
    x0 = int(np.clip(centre[0] - side / 2, 0, w - side))
    y0 = int(np.clip(centre[1] - side / 2, 0, h - side))
    return x0, y0, x0 + int(side), y0 + int(side)


def write_pictures(script: str, folder: str) -> tuple[str, str, str]:
    """Writes ``contact_sheet.png`` and ``before_after.png`` for the rendered script into ``folder``.

    Returns:
        (the Write node's resolved output pattern, the contact sheet path, the before/after path).
    """
    graph = Graph.load(script)
    plates = SequencePattern(graph.resolve_path(graph.find("Read")["file"]))
    pattern = graph.resolve_path(graph.find("Write")["file"])
    renders = SequencePattern(pattern)
    first, last = graph.frame_range
    picks = sorted(set(np.linspace(first, last, SHEET_FRAMES).round().astype(int).tolist()))
    os.makedirs(folder, exist_ok=True)

    rows = []
    for frame in picks:
        before = _label(_fit(_display(read_image(plates.path(frame))), 480), f"plate {frame}")
        after = _label(_fit(_display(read_image(renders.path(frame))), 480), f"faceplate {frame}")
        rows.append(np.concatenate([before, after], axis=1))
    sheet = write_png(os.path.join(folder, "contact_sheet.png"), np.concatenate(rows, axis=0))

    detect = graph.find("FaceDetect")
    tracks = sidecar_io.load(detect.sidecar_path()).tracks
    track = max(tracks, key=lambda t: len(t.frames))
    # Two frames: a quarter and half-way into the shot (the demo's microphone crosses the face mid-shot).
    frames = [min(track.frames, key=lambda f: abs(f - (first + (last - first) * t))) for t in (0.25, 0.5)]
    rows = []
    for frame in frames:
        before = _display(read_image(plates.path(frame)))
        after = _display(read_image(renders.path(frame)))
        x0, y0, x1, y1 = _face_box(np.asarray(track.frames[frame].landmarks), before.shape[:2])
        rows.append(
            np.concatenate(
                [_label(_fit(before, 480), f"plate {frame}"), _label(_fit(after, 480), f"faceplate {frame}")], axis=1
            )
        )
        rows.append(
            np.concatenate(
                [
                    _label(_fit(before[y0:y1, x0:x1], 480), "face, before"),
                    _label(_fit(after[y0:y1, x0:x1], 480), "face, after"),
                ],
                axis=1,
            )
        )
    before_after = write_png(os.path.join(folder, "before_after.png"), np.concatenate(rows, axis=0))
    return pattern, sheet, before_after
