"""A face's rigid head motion: one similarity per frame, fitted to all its landmarks at once.

The motion of frame ``t`` is four numbers ``(a, b, tx, ty)``: a head-frame point ``s`` lies at
``[[a, -b], [b, a]] @ s + (tx, ty)`` in plate pixels (scale ``hypot(a, b)``, roll ``atan2(b, a)``).
Fitted to 68 points, it averages the landmark model's per-point noise down about eightfold; the
stabiliser (:mod:`.stabilise`) smooths it apart from the non-rigid rest, and the tracker
(:mod:`.tracker`) carries it through frames where the face is hidden.
"""

from __future__ import annotations

import numpy as np

FIT_ITERATIONS = 3  # reweighted passes of the robust fit
HUBER = 2.5  # points farther than this many robust sigmas from the fit count less


def fit(shape: np.ndarray, points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(T, 4)`` motion of ``points`` ``(T, N, 2)`` relative to ``shape`` ``(N, 2)``, weighted least squares
    (``weights`` ``(T, N)``)."""
    w = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    s_mean = w @ shape  # (T, 2)
    p_mean = np.einsum("tk,tkd->td", w, points)
    s = shape[None] - s_mean[:, None]
    p = points - p_mean[:, None]
    norm = np.maximum(np.einsum("tk,tkd->t", w, s * s), 1e-12)
    a = np.einsum("tk,tk->t", w, s[..., 0] * p[..., 0] + s[..., 1] * p[..., 1]) / norm
    b = np.einsum("tk,tk->t", w, s[..., 0] * p[..., 1] - s[..., 1] * p[..., 0]) / norm
    tx = p_mean[:, 0] - (a * s_mean[:, 0] - b * s_mean[:, 1])
    ty = p_mean[:, 1] - (b * s_mean[:, 0] + a * s_mean[:, 1])
    return np.stack([a, b, tx, ty], axis=1)


def robust_fit(shape: np.ndarray, points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:func:`fit`, reweighted (Huber) so that points far off the fit (under a hand, a poor fit) count less."""
    w = weights
    for _ in range(FIT_ITERATIONS):
        motion = fit(shape, points, w)
        r = np.linalg.norm(place(motion, shape) - points, axis=2)
        sigma = 1.4826 * np.median(r, axis=1, keepdims=True) + 1e-6
        w = weights * np.minimum(1.0, HUBER * sigma / np.maximum(r, 1e-12))
    return fit(shape, points, w)


def place(motion: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """Head-frame shapes ``(T, N, 2)`` (or one ``(N, 2)`` for every frame) in plate pixels."""
    a, b, tx, ty = (motion[:, i, None] for i in range(4))
    x, y = shapes[..., 0], shapes[..., 1]
    return np.stack([a * x - b * y + tx, b * x + a * y + ty], axis=-1)


def to_head(motion: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Plate points ``(T, N, 2)`` in each frame's head frame (the inverse of :func:`place`)."""
    a, b, tx, ty = (motion[:, i, None] for i in range(4))
    x, y = points[..., 0] - tx, points[..., 1] - ty
    det = np.maximum(a * a + b * b, 1e-12)
    return np.stack([(a * x + b * y) / det, (-b * x + a * y) / det], axis=-1)


def matrix(motion: np.ndarray) -> np.ndarray:
    """The 2x3 ``plate_from_head`` of one motion ``(a, b, tx, ty)`` (compose and invert it with
    :mod:`faceplate.foundation.geometry`)."""
    a, b, tx, ty = motion
    return np.array([[a, -b, tx], [b, a, ty]])


def from_matrix(similarity: np.ndarray) -> np.ndarray:
    """``(a, b, tx, ty)`` of a 2x3 similarity (the inverse of :func:`matrix`)."""
    return np.array([similarity[0, 0], similarity[1, 0], similarity[0, 2], similarity[1, 2]])


def mean_shape(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The face's shape in its head frame, centred: the per-point median of the frames aligned together."""
    live = weights.sum(axis=1) > 0
    best = int(np.argmax(weights.sum(axis=1)))
    shape = points[best] - points[best].mean(axis=0)
    for _ in range(2):
        motion = robust_fit(shape, points[live], weights[live])
        shape = np.median(to_head(motion, points[live]), axis=0)
        shape = shape - shape.mean(axis=0)
    return shape
