"""Temporal landmark stabilisation of one track: forward-backward smoothing with outlier rejection.

Each landmark coordinate is smoothed over the whole track at once by the penalised least-squares
(Whittaker-Henderson) smoother

    minimise  sum_t w_t (x_t - z_t)^2  +  lam * sum_t (x_{t-1} - 2 x_t + x_{t+1})^2

which is the fixed-interval (Rauch-Tung-Striebel, forward-backward) smoother of a constant-velocity
motion model. It uses past and future frames alike, so it has no lag, and it reproduces constant
velocity motion exactly: only the frame-to-frame jitter goes. ``w_t`` is the point's confidence;
interpolated frames weigh nothing (the smoother bridges them); lock frames weigh so much that the
result passes through them exactly. Outliers are rejected by re-solving with zero weight on points
whose residual exceeds :data:`OUTLIER_SIGMAS` robust standard deviations (median absolute
deviation), twice; a frame where most points are rejected is flagged ``outlier``.

``strength`` in [0, 1] sets ``lam = 1000 ** strength - 1``: 0 leaves the landmarks as detected,
0.5 (``lam`` about 31) removes jitter faster than about 4 frames, 1 (``lam`` 999) smooths over about
a second at 24 fps.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from faceplate.nodes.facedetect.tracker import Track
from faceplate.nodes.faces import Face
from scipy.linalg import solveh_banded

OUTLIER_SIGMAS = 4.0
LOCK_WEIGHT = 1e9
MIN_WEIGHT = 1e-3


def smoothing_lambda(strength: float) -> float:
    return float(1000.0 ** float(np.clip(strength, 0.0, 1.0)) - 1.0)


def _second_difference_bands(n: int, lam: float) -> np.ndarray:
    """Upper banded form (3, n) of ``lam * D'D`` for the second-difference operator D."""
    d = np.zeros((3, n))
    if n >= 3:
        main = np.full(n, 6.0)
        main[[0, -1]] = 1.0
        main[[1, -2]] = 5.0
        off1 = np.full(n - 1, -4.0)
        off1[[0, -1]] = -2.0
        off2 = np.ones(n - 2)
        if n == 3:
            main[:] = [1.0, 4.0, 1.0]
            off1[:] = [-2.0, -2.0]
        d[2] = main
        d[1, 1:] = off1
        d[0, 2:] = off2
    return d * lam


def smooth_series(z: np.ndarray, w: np.ndarray, lam: float) -> np.ndarray:
    """Whittaker smoothing of ``z`` ``(T, K)`` with per-sample weights ``w`` ``(T,)``."""
    n = len(z)
    if n < 3 or lam <= 0:
        return z.copy()
    bands = _second_difference_bands(n, lam)
    bands[2] += np.maximum(w, MIN_WEIGHT)
    return solveh_banded(bands, w[:, None] * z, check_finite=False)


def stabilise(points: np.ndarray, confidence: np.ndarray, *, strength: float,
              locked: np.ndarray | None = None, measured: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Stabilised landmarks of one track over consecutive frames.

    Args:
        points: ``(T, 68, 2)`` raw landmarks, one row per consecutive frame.
        confidence: ``(T, 68)`` per-point confidence in [0, 1].
        strength: 0 (off) to 1 (strong).
        locked: ``(T,)`` bool, frames whose raw landmarks are exact and kept as they are.
        measured: ``(T,)`` bool, False on interpolated frames (no measurement there).

    Returns:
        ``(T, 68, 2)`` stabilised landmarks and ``(T,)`` bool, the frames rejected as outliers.
    """
    t, n = points.shape[:2]
    locked = np.zeros(t, bool) if locked is None else np.asarray(locked, bool)
    measured = np.ones(t, bool) if measured is None else np.asarray(measured, bool)
    lam = smoothing_lambda(strength)
    weights = np.clip(confidence, MIN_WEIGHT, 1.0) * measured[:, None]
    if lam <= 0 or t < 3:
        return points.copy(), np.zeros(t, bool)
    keep = np.ones((t, n), bool)
    out = np.empty_like(points)
    for _ in range(3):  # solve, reject, solve again, reject, solve
        w = np.where(keep, weights, 0.0)
        w[locked] = LOCK_WEIGHT
        for k in range(n):
            out[:, k] = smooth_series(points[:, k], w[:, k], lam)
        residual = np.linalg.norm(points - out, axis=2)  # (T, 68)
        live = residual[measured & ~locked]
        if live.size == 0:
            break
        sigma = 1.4826 * np.median(np.abs(live - np.median(live, axis=0)), axis=0) + 1e-6
        keep = residual <= np.median(live, axis=0) + OUTLIER_SIGMAS * sigma
    out[locked] = points[locked]
    outliers = (~keep).mean(axis=1) > 0.5
    return out, outliers & measured & ~locked


def stabilise_track(track: Track, *, strength: float, lock_frames: Iterable[int] = ()) -> dict[int, Face]:
    """The track's faces per frame, landmarks stabilised, flags ``locked``/``outlier`` added.

    Each run of consecutive frames is smoothed on its own.
    """
    frames = sorted(track.frames)
    locks = set(lock_frames)
    out: dict[int, Face] = {}
    runs = np.split(np.array(frames), np.flatnonzero(np.diff(frames) > 1) + 1)
    for run in runs:
        tfs = [track.frames[f] for f in run]
        points, outliers = stabilise(
            np.stack([tf.landmarks for tf in tfs]), np.stack([tf.confidence for tf in tfs]), strength=strength,
            locked=np.array([f in locks for f in run]),
            measured=np.array(["interpolated" not in tf.flags for tf in tfs]))
        for i, (f, tf) in enumerate(zip(run, tfs)):
            flags = set(tf.flags) | ({"locked"} if f in locks else set()) | ({"outlier"} if outliers[i] else set())
            out[int(f)] = Face(track_id=track.id, identity=track.identity, box=tf.box, landmarks=points[i],
                               confidence=tf.confidence, score=tf.score, flags=flags)
    return out
