"""Drawing faces for artists: a viewer layer on the plate, and annotated thumbnails.

The layer ``overlay.R, overlay.G, overlay.B, overlay.A`` holds, per face, its box (dashed on
interpolated and predicted frames) in the track's colour, ``<track id> <identity>`` above it, and
the 68 landmarks as dots from green (confident) to red (doubtful). Colours are scene-linear values that read well
through a display transform; alpha is 1 where something is drawn.
"""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.drawing import put_text
from faceplate.nodes.faces import Faces
from faceplate.nodes.plate import Plate

OVERLAY_CHANNELS = ("overlay.R", "overlay.G", "overlay.B", "overlay.A")
PALETTE = ((1.0, 0.55, 0.0), (0.0, 0.7, 1.0), (1.0, 0.1, 0.8), (0.4, 1.0, 0.1), (1.0, 1.0, 0.1), (0.6, 0.3, 1.0))
SHIFT = 4  # OpenCV fixed-point bits: sub-pixel drawing
ONE = 1 << SHIFT


def track_colour(track_id: int) -> tuple[float, float, float]:
    return PALETTE[(track_id - 1) % len(PALETTE)]


def _fixed(points: np.ndarray, canvas_from_plate: np.ndarray) -> np.ndarray:
    """Plate pixel coordinates -> OpenCV fixed-point integer coordinates of the canvas."""
    canvas = geometry.apply(canvas_from_plate, np.reshape(points, (-1, 2)))
    return np.rint((canvas - 0.5) * ONE).astype(np.int32)


def draw_faces(
    canvas: np.ndarray,
    faces: Faces,
    canvas_from_plate: np.ndarray,
    *,
    thickness: int | None = None,
    labels: bool = True,
) -> np.ndarray:
    """Draws ``faces`` into ``canvas`` (``(H, W, 3 or 4)``, float or uint8) in place and returns it.

    ``canvas_from_plate`` (2x3) maps plate pixels to canvas pixels.
    """
    h, w = canvas.shape[:2]
    thickness = thickness or max(1, round(min(h, w) / 540))
    peak = 255.0 if canvas.dtype == np.uint8 else 1.0
    alpha = (peak,) if canvas.shape[2] == 4 else ()
    for face in faces:
        colour = tuple(c * peak for c in track_colour(face.track_id)) + alpha
        x0, y0, x1, y1 = face.box
        box = _fixed(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), canvas_from_plate)
        _outline(canvas, box, colour, thickness, dashed="interpolated" in face.flags)
        radius = max(1, thickness) * ONE
        for point, conf in zip(_fixed(face.landmarks, canvas_from_plate), face.confidence):
            dot = (peak * (1.0 - conf), peak * conf, 0.0) + alpha
            cv2.circle(canvas, (int(point[0]), int(point[1])), radius, dot, -1, cv2.LINE_AA, SHIFT)
        if labels:
            unseen = " predicted" if "predicted" in face.flags else " interp" if "interpolated" in face.flags else ""
            text = f"{face.track_id} {face.identity}{unseen}"
            x, y = box.min(axis=0) // ONE
            put_text(
                canvas, text, (int(x), int(max(y - 4 * thickness, 12 * thickness))), 0.5 * thickness, colour, thickness
            )
    return canvas


def _outline(canvas, corners, colour, thickness, *, dashed: bool) -> None:
    """A closed polygon, solid or dashed (interpolated frames)."""
    if not dashed:
        cv2.polylines(canvas, [corners], True, colour, thickness, cv2.LINE_AA, SHIFT)
        return
    for a, b in zip(corners, np.roll(corners, -1, axis=0)):
        n = max(2, int(np.hypot(*(b - a)) / (8 * ONE * thickness)))
        for i in range(0, n, 2):
            p, q = a + (b - a) * i / n, a + (b - a) * (i + 1) / n
            cv2.line(canvas, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), colour, thickness, cv2.LINE_AA, SHIFT)


def with_overlay(plate: Plate, faces: Faces) -> Plate:
    """The plate with an ``overlay`` RGBA layer showing ``faces`` (other channels unchanged)."""
    canvas = np.zeros((plate.height, plate.width, 4), np.float32)
    draw_faces(canvas, faces, geometry.translation(-plate.data_window.xmin, -plate.data_window.ymin))
    keep = [c for c in plate.channels if c not in OVERLAY_CHANNELS]
    base = (
        plate.pixels if len(keep) == len(plate.channels) else plate.pixels[:, :, [plate.channel_index(c) for c in keep]]
    )
    return plate.replace(pixels=np.concatenate([base, canvas], axis=2), channels=keep + list(OVERLAY_CHANNELS))
