"""Contact sheets: one PNG per track, to check a shot's tracking at a glance.

During the track pass each detection's display-referred crop is kept as a small thumbnail (at most
:data:`KEEP` per track, thinned evenly as the track grows, so memory stays flat on long shots). At the
end, up to ``COLUMNS * ROWS`` thumbnails spread over the track are laid out with their frame number,
and the final (stabilised) landmarks and box are drawn on each. The header names the track, the
identity, the frame range and how many frames were detected, predicted and flagged, with the track's
QC figures (:mod:`.track_qc`: jitter, predicted and outlier frames), and a strip under it shows every
frame of the track: grey measured, blue carried (behind another face or under an occluder, moved on
by the flow of its visible pixels), orange predicted (the face was not seen), red outlier.
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
HEADER, FOOTER = 50, 16
STRIP = (38, 46)  # rows of the header holding the frame strip
STRIP_COLOURS = {
    "measured": (110, 110, 110),
    "carried": (70, 150, 230),
    "predicted": (255, 150, 0),
    "outlier": (230, 40, 40),
}


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

    def join(self, kept: Track, absorbed: Track) -> None:
        """``absorbed``'s thumbnails now belong to ``kept`` (the tracker joined the two tracks)."""
        kept_thumbs = self.by_track.setdefault(id(kept), {})
        kept_thumbs.update(self.by_track.pop(id(absorbed), {}))
        while len(kept_thumbs) > KEEP:
            for f in sorted(kept_thumbs)[1::2]:
                del kept_thumbs[f]

    def of(self, track: Track) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        return self.by_track.get(id(track), {})


def render_sheet(
    track: Track, faces: dict, thumbnails: dict[int, tuple[np.ndarray, np.ndarray]], qc: dict | None = None
) -> np.ndarray:
    """The contact sheet image, ``(H, W, 3)`` uint8 RGB. ``faces``: frame -> stabilised Face; ``qc``: the
    track's figures (:func:`~faceplate.nodes.facedetect.track_qc.track_qc`), or None."""
    frames = sorted(thumbnails)
    cells = COLUMNS * ROWS
    if len(frames) > cells:
        frames = [frames[round(i * (len(frames) - 1) / (cells - 1))] for i in range(cells)]
    rows = max(1, -(-len(frames) // COLUMNS))
    sheet = np.full((HEADER + rows * (THUMB + FOOTER), COLUMNS * THUMB, 3), 24, np.uint8)
    interpolated = sum("interpolated" in tf.flags for tf in track.frames.values())
    profile = sum("profile" in tf.flags for tf in track.frames.values())
    carried = sum(_carried(f, tf, faces) for f, tf in track.frames.items())
    header = (
        f"track {track.id}  {track.identity}  frames {track.first}-{track.last}  "
        f"{len(track.frames) - interpolated - carried} detected, {carried} carried, {interpolated} predicted, "
        f"{profile} profile"
    )
    colour = tuple(int(255 * c) for c in track_colour(track.id))
    put_text(sheet, header, (6, 16), 0.5, colour, 1)
    if qc is not None:
        jitter = "-" if qc.get("jitter") is None else f"{qc['jitter']:.2f}% IOD"
        line = (
            f"QC  jitter {jitter}   predicted {qc['predicted_frames']}   outliers {len(qc['outlier_frames'])}"
            f"   (strength {qc['strength']:g})"
        )
        put_text(sheet, line, (6, 32), 0.4, (220, 220, 220), 1)
    _strip(sheet, track, faces)
    for i, frame in enumerate(frames):
        thumb, thumb_from_plate = thumbnails[frame]
        cell = thumb.copy()
        if frame in faces:
            draw_faces(cell, Faces(frame, (faces[frame],)), thumb_from_plate, thickness=1, labels=False)
        y, x = HEADER + (i // COLUMNS) * (THUMB + FOOTER), (i % COLUMNS) * THUMB
        sheet[y : y + THUMB, x : x + THUMB] = cell
        put_text(sheet, str(frame), (x + 4, y + THUMB + 12), 0.4, (220, 220, 220), 1)
    return sheet


def _carried(frame: int, tf, faces: dict) -> bool:
    """Carried by the flow of the face's pixels: by the tracker (behind another face) or by the stabiliser
    (its fits jumped away under an occluder and back)."""
    return "carried" in tf.flags or (frame in faces and "carried" in faces[frame].flags)


def _strip(sheet: np.ndarray, track: Track, faces: dict) -> None:
    """One column band per frame of the track across the sheet: measured, carried (moved on by the flow
    of its visible pixels while behind another face or under an occluder), predicted or outlier."""
    width = sheet.shape[1] - 12
    first, span = track.first, max(1, track.last - track.first + 1)
    for frame, tf in track.frames.items():
        kind = (
            "outlier"
            if frame in faces and "outlier" in faces[frame].flags
            else "predicted"
            if "interpolated" in tf.flags
            else "carried"
            if _carried(frame, tf, faces)
            else "measured"
        )
        x0 = 6 + int((frame - first) * width / span)
        x1 = max(x0 + 1, 6 + int((frame - first + 1) * width / span))
        sheet[STRIP[0] : STRIP[1], x0:x1] = STRIP_COLOURS[kind]


def sheet_path(sidecar_path: str, track: Track) -> str:
    """``tracks/FaceDetect1.json`` -> ``tracks/FaceDetect1.track01.person1.png``."""
    stem = os.path.splitext(sidecar_path)[0]
    return f"{stem}.track{track.id:02d}.{track.identity}.png"


def write_sheet(path: str, image: np.ndarray) -> None:
    """Writes an sRGB PNG atomically."""
    write_preview(Plate(image.astype(np.float32) / 255.0, ["R", "G", "B"]), path)
