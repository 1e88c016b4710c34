"""Contact sheets: one PNG per track, to check a shot's tracking at a glance.

During the track pass each detection's display-referred crop is kept as a small thumbnail (at most
:data:`KEEP` per track, thinned evenly as the track grows, so memory stays flat on long shots). At the
end, up to ``COLUMNS * ROWS`` thumbnails spread over the track are laid out with their frame number,
and the final (stabilised) landmarks and box are drawn on each. The header names the track, the
identity, the frame range and how many frames were detected, interpolated and flagged.
"""

from __future__ import annotations

import os

import cv2
import numpy as np
from faceplate.foundation import geometry
from faceplate.nodes.facedetect.detect import Detection
from faceplate.nodes.facedetect.overlay import draw_faces, put_text, track_colour
from faceplate.nodes.facedetect.tracker import Track
from faceplate.nodes.faces import Faces
from faceplate.nodes.io import write_preview
from faceplate.nodes.plate import Plate

THUMB = 128
COLUMNS, ROWS = 8, 4
KEEP = 2 * COLUMNS * ROWS
HEADER, FOOTER = 28, 16


class Thumbnails:
    """Per track, a thinned set of ``frame -> (thumbnail uint8 RGB, thumb_from_plate)``."""

    def __init__(self) -> None:
        self.by_track: dict[int, dict[int, tuple[np.ndarray, np.ndarray]]] = {}

    def __call__(self, track: Track, frame: int, detection: Detection) -> None:
        size = detection.crop.shape[0]
        thumb = cv2.resize(detection.crop, (THUMB, THUMB), interpolation=cv2.INTER_AREA)
        thumb_from_plate = geometry.compose(np.diag([THUMB / size, THUMB / size, 1.0])[:2], detection.crop_from_plate)
        kept = self.by_track.setdefault(id(track), {})
        kept[frame] = (thumb, thumb_from_plate)
        if len(kept) > KEEP:
            for f in sorted(kept)[1::2]:
                del kept[f]

    def of(self, track: Track) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        return self.by_track.get(id(track), {})


def render_sheet(track: Track, faces: dict, thumbnails: dict[int, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The contact sheet image, ``(H, W, 3)`` uint8 RGB. ``faces``: frame -> stabilised Face."""
    frames = sorted(thumbnails)
    cells = COLUMNS * ROWS
    if len(frames) > cells:
        frames = [frames[round(i * (len(frames) - 1) / (cells - 1))] for i in range(cells)]
    rows = max(1, -(-len(frames) // COLUMNS))
    sheet = np.full((HEADER + rows * (THUMB + FOOTER), COLUMNS * THUMB, 3), 24, np.uint8)
    interpolated = sum("interpolated" in tf.flags for tf in track.frames.values())
    profile = sum("profile" in tf.flags for tf in track.frames.values())
    header = (f"track {track.id}  {track.identity}  frames {track.first}-{track.last}  "
              f"{len(track.frames) - interpolated} detected, {interpolated} interpolated, {profile} profile")
    colour = tuple(int(255 * c) for c in track_colour(track.id))
    put_text(sheet, header, (6, 19), 0.5, colour, 1)
    for i, frame in enumerate(frames):
        thumb, thumb_from_plate = thumbnails[frame]
        cell = thumb.copy()
        if frame in faces:
            draw_faces(cell, Faces(frame, (faces[frame],)), thumb_from_plate, thickness=1, labels=False)
        y, x = HEADER + (i // COLUMNS) * (THUMB + FOOTER), (i % COLUMNS) * THUMB
        sheet[y:y + THUMB, x:x + THUMB] = cell
        put_text(sheet, str(frame), (x + 4, y + THUMB + 12), 0.4, (220, 220, 220), 1)
    return sheet


def sheet_path(sidecar_path: str, track: Track) -> str:
    """``tracks/FaceDetect1.json`` -> ``tracks/FaceDetect1.track01.person1.png``."""
    stem = os.path.splitext(sidecar_path)[0]
    return f"{stem}.track{track.id:02d}.{track.identity}.png"


def write_sheet(path: str, image: np.ndarray) -> None:
    """Writes an sRGB PNG atomically."""
    write_preview(Plate(image.astype(np.float32) / 255.0, ["R", "G", "B"]), path)
