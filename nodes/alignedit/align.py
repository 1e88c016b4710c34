"""Per-track alignment: landmarks -> Umeyama similarity -> smoothed parameters -> edits -> crop.

``aligned_from_plate = offset @ aligned_from_template @ template_from_plate`` where
``template_from_plate`` is the Umeyama fit of the (stabilised, possibly overridden) landmarks to the
template, its parameters smoothed along the track (:mod:`.smoothing`); ``aligned_from_template``
frames the face type (:mod:`.template`), and ``offset`` is the artist's keyed correction
(:mod:`.edits`). All matrices are ``dst_from_src`` 2x3 float64 in pixel coordinates with pixel
centres at +0.5.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping

import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.imaging import blur, warp_affine
from faceplate.nodes.alignedit import smoothing
from faceplate.nodes.alignedit.edits import TrackEdits
from faceplate.nodes.alignedit.template import FIT_WEIGHTS, MEAN_SHAPE, aligned_from_template
from faceplate.nodes.alignedit.umeyama import from_params, to_params, umeyama


@dataclasses.dataclass(frozen=True)
class AlignSettings:
    """The knobs that shape an alignment."""

    face_type: str = "whole_face"
    size: int = 256
    coverage: float = 1.0
    vertical_offset: float = 0.0
    smoothing: float = 0.5

    def aligned_from_template(self) -> np.ndarray:
        return aligned_from_template(self.face_type, self.size, self.coverage, self.vertical_offset)


def plate_from_template(landmarks: np.ndarray) -> np.ndarray:
    """The per-frame similarity fitting the template to ``(68, 2)`` plate landmarks."""
    return umeyama(MEAN_SHAPE, landmarks, FIT_WEIGHTS)


def offset_matrix(offset: Iterable[float], size: int) -> np.ndarray:
    """``aligned_from_aligned`` of an edit offset ``(tx, ty, rotate, scale)`` about the crop centre."""
    tx, ty, rotate, scale = (float(v) for v in offset)
    centre = (size / 2.0, size / 2.0)
    return geometry.similarity(centre, (centre[0] + tx * size, centre[1] + ty * size), scale, -rotate)


def _run_around(frames: list[int], frame: int) -> list[int]:
    """The consecutive frames of ``frames`` (sorted) within the smoothing reach that contain ``frame``."""
    present = set(frames)
    lo = hi = frame
    while lo - 1 in present and frame - (lo - 1) <= smoothing.REACH:
        lo -= 1
    while hi + 1 in present and (hi + 1) - frame <= smoothing.REACH:
        hi += 1
    return list(range(lo, hi + 1))


def smoothed_plate_from_template(
    landmarks: Mapping[int, np.ndarray], frame: int, strength: float, locked: Iterable[int] = ()
) -> np.ndarray:
    """``plate_from_template`` at ``frame``, its parameters smoothed over the track's neighbouring frames.

    Args:
        landmarks: frame -> ``(68, 2)`` plate landmarks of one track (overrides applied); must hold ``frame``.
        frame: the frame to align.
        strength: 0 (per-frame fit) to 1 (Gaussian sigma :data:`~.smoothing.MAX_SIGMA` frames).
        locked: frames whose per-frame fit is kept exactly.
    """
    run = _run_around(sorted(landmarks), frame)
    locked = set(locked)
    params = np.stack([to_params(plate_from_template(landmarks[f])) for f in run])
    params = smoothing.unwrap_angles(params, params[run.index(frame), 3])
    smoothed = smoothing.smooth_at(
        np.array(run), params, frame, smoothing.sigma_for(strength), np.array([f in locked for f in run])
    )
    return from_params(smoothed)


def aligned_from_plate(
    landmarks: Mapping[int, np.ndarray],
    frame: int,
    settings: AlignSettings,
    edits: TrackEdits | None = None,
    locked: Iterable[int] = (),
) -> np.ndarray:
    """The full ``aligned_from_plate`` of one track at ``frame`` (see the module docstring).

    ``landmarks`` are the tracked (stabilised) ones; ``edits``' landmark overrides replace them and,
    with its locks and ``locked``, pin the smoothing.
    """
    edits = edits or TrackEdits()
    merged = {**landmarks, **{f: p for f, p in edits.landmarks.items() if f in landmarks or f == frame}}
    base = smoothed_plate_from_template(merged, frame, settings.smoothing, set(locked) | edits.locked())
    m = geometry.compose(settings.aligned_from_template(), geometry.invert(base))
    return geometry.compose(offset_matrix(edits.offset_at(frame), settings.size), m)


def scale_of(dst_from_src: np.ndarray) -> float:
    """Isotropic scale of a similarity (destination pixels per source pixel)."""
    return math.sqrt(abs(np.linalg.det(np.asarray(dst_from_src)[:, :2])))


def warp_crop(pixels: np.ndarray, aligned_from_array: np.ndarray, size: int, filter: str = "bicubic") -> np.ndarray:
    """The ``(size, size, C)`` float32 aligned crop of ``pixels`` (array coordinates, centres at +0.5).

    When the crop shrinks the face (scale < 1) the footprint is first blurred by a Gaussian of
    ``sigma = 0.5 * sqrt(1/scale^2 - 1)`` source pixels, so fine detail (hair, noise, grain) does not
    alias into the network's input. Only the crop's footprint is read. Outside the plate is 0.
    """
    scale = scale_of(aligned_from_array)
    radius = 3.0 * 0.5 * math.sqrt(max(1.0 / scale**2 - 1.0, 0.0)) if scale < 0.999 else 0.0
    h, w = pixels.shape[:2]
    corners = geometry.apply(
        geometry.invert(aligned_from_array), np.array([[0, 0], [size, 0], [size, size], [0, size]])
    )
    pad = math.ceil(radius) + 3
    x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(corners.max(0)).astype(int) + pad, (w, h))
    if x1 <= x0 or y1 <= y0:
        return np.zeros((size, size, pixels.shape[2]), np.float32)
    region = np.ascontiguousarray(pixels[y0:y1, x0:x1], dtype=np.float32)
    if radius > 0:
        region = blur(region, radius)
    matrix = geometry.compose(aligned_from_array, geometry.translation(x0, y0))
    return warp_affine(region, matrix, size=(size, size), filter=filter, border="constant")
