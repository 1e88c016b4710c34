"""A face's head motion carried a few frames past its last good measurement, where it is safe to.

When a face slides behind another face, the landmark model's fits on the last frames before it is
hidden (and the first after it returns) drift onto the nearer face: the stabiliser flags them
outliers, but with no good frame on their far side it cannot bridge them, and a smoother left to
extrapolate over them and the gap beyond was measured to land farther off than the poor fits. A
short extrapolation of the head's own motion from the good side is often far better (a few % of the
inter-ocular distance, IOD, where the fits are 5-15 % off), and sometimes worse (a head nodding at
2 Hz turns within three frames). Which it is, the track itself says:

- :func:`backtest` extrapolates every good frame from the good frames ``d`` frames before it (and
  after it), with each of :data:`MODELS` (a polynomial in time through the nearest good frames), and
  keeps per distance ``d`` the model with the smallest :data:`PERCENTILE` th percentile error (IOD):
  a bound on how far that extrapolation strays on this head's motion;
- :func:`extrapolate` takes the extrapolated face on an outlier frame only where the measurement
  lies at least :data:`MARGIN` times that bound from it. If the truth lies within the bound of the
  extrapolation, the measurement is then at least as far from the truth as the extrapolation
  (triangle inequality): the measurement is replaced only where it is the worse of the two.
"""

from __future__ import annotations

import numpy as np

from faceplate.nodes.facedetect import head_motion
from faceplate.nodes.faces import inter_ocular

REACH = 3  # frames beyond the last good frame an extrapolation may reach
MODELS = ((1, 4), (2, 6), (3, 8))  # (polynomial degree, good frames it is fitted through)
PERCENTILE = 90.0  # of the backtest errors: the bound an extrapolation is trusted to
MARGIN = 2.0  # a measurement is replaced when it lies this many bounds from the extrapolation


def _side(good: np.ndarray, frame: int, direction: int, count: int) -> np.ndarray | None:
    """The ``count`` good frame indices nearest ``frame`` strictly before it (``direction`` -1) or after it
    (+1), nearest last; None unless they are ``count`` consecutive frames (a good frame between outliers
    may be poor itself, and a backtest on the track's runs says nothing about a window over outliers)."""
    if direction < 0:
        chosen = good[good < frame][-count:]
    else:
        chosen = good[good > frame][:count][::-1]
    if chosen.size < count or np.ptp(chosen) != count - 1:
        return None
    return chosen


def _predict(motion: np.ndarray, frames: np.ndarray, frame: int, degree: int) -> np.ndarray:
    """The ``(4,)`` motion at ``frame`` by a least-squares polynomial of ``degree`` through ``frames``'."""
    return _weights(frames - frame, degree) @ motion[frames]


def _weights(offsets: np.ndarray, degree: int) -> np.ndarray:
    """The blend of the samples at ``offsets`` (frames from the target) that a least-squares polynomial of
    ``degree`` through them gives at the target."""
    return np.linalg.pinv(np.vander(offsets.astype(np.float64), degree + 1, increasing=True))[0]


def backtest(good: np.ndarray, motion: np.ndarray, shape: np.ndarray) -> dict[int, tuple[float, int, int]]:
    """Per distance ``d`` in 1..:data:`REACH`, ``(bound, degree, count)``: the :data:`MODELS` entry that
    extrapolates ``motion`` ``(T, 4)`` (the smoothed head motion) ``d`` frames past ``count`` consecutive
    ``good`` frames (``(T,)`` bool) best, and its :data:`PERCENTILE` th percentile error (IOD; inf when
    untested), over every good frame that has such a run before or after it."""
    t = len(good)
    out: dict[int, tuple[float, int, int]] = {}
    for d in range(1, REACH + 1):
        out[d] = (np.inf, 1, 1)
        for degree, count in MODELS:
            span = d + count - 1  # the window runs from span to d frames before the target
            if t <= span:
                continue
            w = _weights(-np.arange(span, d - 1, -1), degree)
            errors = []
            for series, mask in ((motion, good), (motion[::-1], good[::-1])):
                cum = np.concatenate([[0], np.cumsum(mask)])  # cum[b] - cum[a]: good frames in [a, b)
                target = np.arange(span, t)
                full = (cum[target - d + 1] - cum[target - span]) == count
                valid = mask[target] & full
                if not valid.any():
                    continue
                windows = np.stack([series[target - span + i] for i in range(count)], axis=1)  # (n, count, 4)
                predicted = np.einsum("c,nck->nk", w, windows)
                a = head_motion.place(predicted[valid], shape)
                b = head_motion.place(series[target[valid]], shape)
                iod = np.linalg.norm(
                    b[:, 36:42].mean(axis=1) - b[:, 42:48].mean(axis=1), axis=1
                )  # inter_ocular per row
                errors.append(np.linalg.norm(a - b, axis=2).mean(axis=1) / np.maximum(iod, 1e-9))
            if errors and (bound := float(np.percentile(np.concatenate(errors), PERCENTILE))) < out[d][0]:
                out[d] = (bound, degree, count)
    return out


def extrapolate(
    points: np.ndarray, frames: np.ndarray, good: np.ndarray, motion: np.ndarray, shapes: np.ndarray
) -> dict[int, np.ndarray]:
    """Extrapolated landmarks for those of ``frames`` (indices of outlier frames) where they are safe.

    Args:
        points: ``(T, N, 2)`` the measured landmarks.
        frames: indices of the frames to consider.
        good: ``(T,)`` bool, the frames whose smoothed result is trusted.
        motion: ``(T, 4)`` the smoothed head motion (:mod:`.head_motion`).
        shapes: ``(T, N, 2)`` the smoothed head-frame shapes; the nearest good frame's is carried.

    Returns:
        ``{frame: (N, 2)}`` for the frames whose measurement lies :data:`MARGIN` bounds or more from the
        extrapolation from the nearest good side within :data:`REACH`.
    """
    index = np.flatnonzero(good)
    if index.size < min(count for _, count in MODELS) or len(frames) == 0:
        return {}
    bounds = backtest(good, motion, shapes[index].mean(axis=0))
    out = {}
    for frame in frames:
        best = None
        for direction in (-1, 1):
            nearest = _side(index, frame, direction, 1)
            if nearest is None or abs(int(nearest[0]) - frame) > REACH:
                continue
            bound, degree, count = bounds[abs(int(nearest[0]) - frame)]
            side = _side(index, frame, direction, count)
            if side is None or (best is not None and bound >= best[0]):
                continue
            guess = head_motion.place(_predict(motion, side, frame, degree)[None], shapes[nearest[0]][None])[0]
            off = float(np.linalg.norm(guess - points[frame], axis=1).mean() / max(inter_ocular(guess), 1e-9))
            if off >= MARGIN * bound:
                best = (bound, guess)
        if best is not None:
            out[int(frame)] = best[1]
    return out
