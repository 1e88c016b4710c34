"""BlazeFace (MediaPipe's short-range face detector) on any image: tiling, anchor decoding, merging.

The network sees 128 x 128 pixels and finds faces from about 15 % to 80 % of its input. A face of
80 proxy pixels (the smallest the dlib backend finds on the 960-pixel proxy) would be 11 input
pixels in the whole proxy, so the image is searched at several scales (:func:`windows`): the whole
image (letterboxed into a square), then squares half as large overlapping by half, and so on while
the previous scale would miss faces of :data:`MIN_FACE` pixels. All windows run as one batch.

Decoding follows the model's published SSD layout (4 layers, strides 8, 16, 16, 16, two anchors per
cell on the first, six on the merged others: 896 anchors of unit size at cell centres); regressors
are offsets in input pixels. Overlapping boxes of one face (from neighbouring anchors and from
several windows) are merged by score-weighted averaging (:func:`merge`), which steadies the box.
"""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np

from faceplate.foundation.geometry import box_iou

INPUT = 128
MIN_FACE = 80.0  # image pixels: smaller faces need a larger proxy (as with dlib's HOG)
FACE_FRACTION = 0.15  # the smallest face the network finds, as a fraction of its input
MERGE_IOU = 0.3
KEYPOINTS = ("right eye", "left eye", "nose", "mouth", "right ear", "left ear")  # the subject's right/left


@functools.cache
def anchors() -> np.ndarray:
    """``(896, 2)`` anchor centres in [0, 1] (x, y), in the network's output order."""
    out = []
    for grid, per_cell in ((16, 2), (8, 6)):
        y, x = np.mgrid[0:grid, 0:grid]
        centres = np.stack([(x + 0.5) / grid, (y + 0.5) / grid], axis=-1).reshape(-1, 1, 2)
        out.append(np.repeat(centres, per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(out)


@dataclasses.dataclass(frozen=True)
class Face:
    """A face in image pixels: box edges ``(xmin, ymin, xmax, ymax)``, score in [0, 1], ``(6, 2)``
    keypoints (:data:`KEYPOINTS`)."""

    box: np.ndarray
    score: float
    keypoints: np.ndarray


def windows(width: int, height: int) -> list[tuple[float, float, float]]:
    """``(x0, y0, side)`` squares covering the image: the whole (letterboxed), then halves overlapping by
    half, while faces of :data:`MIN_FACE` pixels would still be missed."""
    side = float(max(width, height))
    out = [((width - side) / 2, (height - side) / 2, side)]
    while FACE_FRACTION * side > MIN_FACE:
        side /= 2
        xs, ys = _starts(width, side), _starts(height, side)
        out += [(x, y, side) for y in ys for x in xs]
    return out


def _starts(length: float, side: float) -> np.ndarray:
    """Window starts along one axis: from 0 to ``length - side``, at most half a window apart."""
    if length <= side:
        return np.array([(length - side) / 2])
    count = int(np.ceil((length - side) / (side / 2))) + 1
    return np.linspace(0.0, length - side, count)


def inputs(image: np.ndarray, squares: list[tuple[float, float, float]]) -> np.ndarray:
    """``(N, 128, 128, 3)`` float32 in [-1, 1]: each square of ``image`` (uint8 RGB), outside filled black."""
    batch = np.empty((len(squares), INPUT, INPUT, 3), np.float32)
    for i, (x0, y0, side) in enumerate(squares):
        scale = INPUT / side
        m = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]])
        interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        if scale < 1.0:  # area-filter first, then place: warpAffine alone would alias
            small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=interpolation)
            m = np.array([[1.0, 0.0, -x0 * scale], [0.0, 1.0, -y0 * scale]])
            image_i = small
        else:
            image_i = image
        batch[i] = cv2.warpAffine(image_i, m, (INPUT, INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    batch *= 1.0 / 127.5
    batch -= 1.0
    return batch


def decode(
    regressors: np.ndarray, logits: np.ndarray, squares: list[tuple[float, float, float]], min_score: float
) -> list[Face]:
    """Faces scoring at least ``min_score`` in each window's outputs, in image pixels (not merged)."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits[..., 0].astype(np.float64), -100.0, 100.0)))
    a = anchors()
    out = []
    for i, (x0, y0, side) in enumerate(squares):
        for j in np.flatnonzero(scores[i] >= min_score):
            r = regressors[i, j] / INPUT
            cx, cy = a[j] + r[0:2]
            w, h = r[2], r[3]
            box = np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]) * side + [x0, y0, x0, y0]
            keypoints = (a[j] + r[4:16].reshape(6, 2)) * side + [x0, y0]
            out.append(Face(box, float(scores[i, j]), keypoints))
    return out


def merge(faces: list[Face], iou: float = MERGE_IOU) -> list[Face]:
    """One face per cluster of overlapping boxes: the best score, box and keypoints averaged by score."""
    rest = sorted(faces, key=lambda f: -f.score)
    out = []
    while rest:
        best = rest[0]
        group = [f for f in rest if box_iou(best.box, f.box) >= iou]
        rest = [f for f in rest if box_iou(best.box, f.box) < iou]
        weights = np.array([f.score for f in group])
        weights /= weights.sum()
        out.append(
            Face(
                sum(w * f.box for w, f in zip(weights, group)),
                best.score,
                sum(w * f.keypoints for w, f in zip(weights, group)),
            )
        )
    return out
