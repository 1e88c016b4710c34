"""Temporal smoothing of a track's alignment parameters, with lock frames.

Each parameter series (see :mod:`.umeyama`) is smoothed by a Gaussian-weighted *local quadratic*
regression evaluated at the frame: symmetric in time, so it never lags, and exact for motion at
constant velocity or constant acceleration (a pan, a push-in, a camera easing in), so real motion
passes and only jitter goes. (A local linear fit rounds off accelerating motion: on the test shot it
moved the crop by more than the jitter it removed.)
Lock frames weigh :data:`LOCK_WEIGHT`: the result passes through them and eases into its
neighbours. Only frames within :data:`REACH` of a frame can change it, which keeps a frame's
hash independent of edits far away.
"""

from __future__ import annotations

import math

import numpy as np

MAX_SIGMA = 8.0  # frames, at smoothing 1
REACH = int(math.ceil(3 * MAX_SIGMA))
LOCK_WEIGHT = 1e6


def sigma_for(strength: float) -> float:
    """Gaussian sigma in frames for a smoothing strength in [0, 1]."""
    return float(np.clip(strength, 0.0, 1.0)) * MAX_SIGMA


def unwrap_angles(params: np.ndarray, reference: float) -> np.ndarray:
    """``params`` with column 3 (degrees) moved by whole turns to lie within 180 of ``reference``."""
    out = np.array(params, np.float64)
    out[:, 3] = reference + (out[:, 3] - reference + 180.0) % 360.0 - 180.0
    return out


def smooth_at(
    frames: np.ndarray, params: np.ndarray, frame: int, sigma: float, locked: np.ndarray | None = None
) -> np.ndarray:
    """The smoothed ``(K,)`` parameters at ``frame``.

    Args:
        frames: ``(N,)`` frame numbers of one run of consecutive frames containing ``frame``.
        params: ``(N, K)`` per-frame parameters (angles already unwrapped).
        frame: where to evaluate.
        sigma: Gaussian sigma in frames; 0 returns the frame's own parameters.
        locked: ``(N,)`` bool, frames kept exactly.
    """
    frames = np.asarray(frames, np.float64)
    params = np.asarray(params, np.float64)
    here = np.flatnonzero(frames == frame)
    locked = np.zeros(len(frames), bool) if locked is None else np.asarray(locked, bool)
    if len(here) and (sigma <= 0 or locked[here[0]] or len(frames) < 2):
        return params[here[0]].copy()
    t = frames - frame
    w = np.exp(-0.5 * (t / max(sigma, 1e-6)) ** 2) * (np.abs(t) <= REACH)
    w = np.where(locked, w * LOCK_WEIGHT, w)
    design = np.stack([np.ones_like(t), t, t * t / max(sigma, 1.0)], axis=1)
    a = design.T @ (design * w[:, None])
    b = design.T @ (params * w[:, None])
    if np.linalg.cond(a) > 1e12:  # too few usable frames for a parabola: a line, else hold
        a2 = a[:2, :2]
        if np.linalg.cond(a2) > 1e12:
            return params[int(np.argmax(w))].copy()
        return np.linalg.solve(a2, b[:2])[0]
    return np.linalg.solve(a, b)[0]
