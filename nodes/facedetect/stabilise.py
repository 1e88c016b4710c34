"""Temporal landmark stabilisation of one track: head motion and landmark noise smoothed apart.

A face's 68 landmarks move mostly together (the head turns, nods, travels and scales) and only a
little on their own (expression, and the landmark model's jitter). The two are separated frame by
frame and smoothed differently:

1. **Head motion.** Each frame's rigid motion is a similarity (scale, roll, translation) fitted to
   all its points at once against the track's mean shape, robustly (points far off the fit, as
   under a hand, are down-weighted): 68 points average the landmark noise down about eightfold.
   Its four parameters are smoothed only lightly, by a penalised least-squares (Whittaker) smoother
   on the fourth difference, the fixed-interval smoother of a constant-jerk model: it follows a
   head that speeds up, brakes or nods at 3 Hz (acceleration and its changes) without flattening
   it, and its sharp frequency cut-off parts the head's band-limited motion from broadband noise
   better than a third difference (measured on the tuning shots: a quarter less jitter left, same
   error).
2. **The non-rigid residual**, each frame's points mapped into the head's own frame minus the mean
   shape, changes slowly there; it is smoothed by the same smoother on the second difference
   (constant velocity), as strongly as ``strength`` asks.
3. **The head's motion from its pixels**, where the track pass measured it (``flow``: the similarity
   moving the face's visible pixels from the frame before, :class:`.visible_flow.FrameFlow`). A landmark
   model's fit shakes as a whole from frame to frame (its crop moves), which 68 points do not average
   away; the pixels' flow does not shake. The flows are chained from the run's first frame (``C``),
   and what they leave of each frame's fitted motion, ``C^-1 P`` (constant where flow and fit agree,
   drifting only as the flow errs), is smoothed on the constant-velocity model as much as
   ``strength`` allows, and carried back by ``C``. (Not by GCV: the fits' noise is correlated and
   they drift where a face slides behind another, and GCV followed that; on the tuning shots it
   chose a fifth of the cap on ``combo``'s far face and the cap nearly everywhere else.) It replaces
   the smoothed motion of 1. only where GCV scores it the better predictor of the fits: a flow that
   is no similarity (a head turning in depth) or went astray is not followed.
4. **Fits that jump away from the flow and back.** A hand or a bar over part of a face pulls a
   landmark model's whole fit off by several percent of the IOD in a frame or two, and lets go when
   it leaves; the flow goes on smoothly. ``C^-1 P`` then steps away and back (:mod:`.fit_jumps`
   finds such excursions). Their frames weigh nothing in 3. and in the residual: over them the pose
   is the flow carried on from the fits either side and the shape is the line through theirs
   (:func:`_bridge`), and the frames are flagged ``carried``. A fit that never returns, or drifts
   rather than jumps, is not set aside.

Both smoothers use past and future frames, so nothing lags. How much each smooths is chosen from
the track itself by generalised cross-validation (GCV: the smoothing that best predicts each frame
from the others, an estimate of the error against the truth), never more than ``strength`` allows;
so fast real motion is kept where a fixed smoother would eat it, and ``strength`` 0 returns the raw
landmarks. Plain GCV assumes the noise of each frame is independent of the next; a landmark model
that places each frame's crop from the frame before (the mesh backend follows faces that way) makes
it correlated, and plain GCV then smooths too little (a third of the jitter left on the tuning
shots). Counting the smoother's degrees of freedom :data:`GCV_GAMMA` times over is the usual
correction (it weighs the same fit against a stiffer prior). Near a track's ends the penalty falls
off linearly (:data:`END_TAPER` frames): a smoother with no frames beyond the end extrapolates its
model there, and the first and last frames would pay for it; tapered, they stay close to their
measurements (never worse than raw on the hard shot set at strengths up to 0.5).

Weights are the per-point confidences; lock frames are kept exactly. Frames without a
measurement (interpolated, predicted) weigh nothing: they keep the tracker's prediction, moved by
the stabilisation's correction either side of the gap (a smoother left free over a long gap would
invent motion). Outliers are points whose distance from the smoothed result exceeds
:data:`OUTLIER_SIGMAS` robust standard deviations of that point over the track: they are given zero
weight and everything is solved again (twice); a frame where most points are rejected is flagged
``outlier``. An outlier frame takes the smoothed face only where good frames hold it on both sides
within :data:`OUTLIER_SUPPORT` frames; a run of them (a face sliding behind another, its fits
drifting onto the nearer face) or one at a gap's edge is not left to the smoother, which over such a
stretch extrapolates and was measured to land farther off than the poor fits it replaced: within a
few frames of a run of good frames it takes the head motion carried on from them where the track's
own motion shows that to be the nearer of the two (:mod:`.edge_extrapolation`), else it keeps its
measurement.

``strength`` in [0, 1] caps the smoothing weights at ``lam = 1000 ** strength - 1`` (0.5: about
31, which on the residual removes jitter faster than about 4 frames).
"""

from __future__ import annotations

from collections.abc import Iterable
from math import comb

import numpy as np
from scipy.linalg import solveh_banded

from faceplate.foundation import geometry
from faceplate.foundation.frames import frame_runs
from faceplate.nodes.facedetect import edge_extrapolation, fit_jumps, head_motion
from faceplate.nodes.facedetect.tracker import Track
from faceplate.nodes.faces import Face, inter_ocular

OUTLIER_SIGMAS = 4.0
OUTLIER_SUPPORT = 2  # an outlier frame is replaced by the smoothed face only between good frames this near
LOCK_WEIGHT = 1e9
MIN_WEIGHT = 1e-3
MOTION_ORDER = 4  # head motion: constant-jerk model (follows acceleration and its changes)
RESIDUAL_ORDER = 2  # residual: constant-velocity model
GCV_STEPS = 24  # smoothing weights tried between 1e-3 and the strength's cap (geometric)
GCV_GAMMA = 1.5  # GCV's degrees of freedom count this much more (landmark noise is correlated frame to frame)
BRIDGE_FLANK = 12  # frames either side of a fit excursion whose fits draw the line across it
EXCURSION_EDGE = 1  # frames either side of a fit excursion that are taken with it
END_TAPER = 8  # the smoothing penalty rises linearly over this many frames from each end of a track


def smoothing_lambda(strength: float) -> float:
    """The largest smoothing weight ``strength`` allows (0 at strength 0)."""
    return float(1000.0 ** float(np.clip(strength, 0.0, 1.0)) - 1.0)


def _difference_bands(n: int, order: int, lam: float, taper: int = END_TAPER) -> np.ndarray:
    """Upper banded form ``(order + 1, n)`` of ``lam * D'TD`` for the ``order``-th difference operator D,
    T the :data:`END_TAPER` (each difference's weight: 1 inside, falling linearly toward the ends)."""
    coeffs = np.array([(-1) ** (order - j) * comb(order, j) for j in range(order + 1)], np.float64)
    bands = np.zeros((order + 1, n))
    rows = n - order
    if rows > 0:
        i = np.arange(rows, dtype=np.float64)
        ramp = np.minimum(1.0, np.minimum(i + 1, rows - i) / taper) if taper > 0 else np.ones(rows)
        for a in range(order + 1):
            for b in range(a, order + 1):
                bands[order - (b - a), b : b + rows] += coeffs[a] * coeffs[b] * ramp
    return bands * lam


def smooth_series(
    z: np.ndarray, w: np.ndarray, lam: float, order: int = RESIDUAL_ORDER, taper: int = END_TAPER
) -> np.ndarray:
    """Whittaker smoothing of ``z`` ``(T, K)`` with per-sample weights ``w`` ``(T,)`` and penalty on the
    ``order``-th difference: polynomials of degree below ``order`` pass through unchanged."""
    n = len(z)
    if n <= order or lam <= 0:
        return np.array(z, np.float64, copy=True)
    bands = _difference_bands(n, order, lam, taper)
    bands[-1] += w + 1e-9  # zero-weight samples are bridged (the floor only keeps the system regular)
    return solveh_banded(bands, w[:, None] * z if z.ndim == 2 else w * z, check_finite=False)


def _effective_parameters(n: int, order: int, lam: float) -> float:
    """Trace of the smoother's hat matrix for ``n`` evenly weighted samples (its frequency response summed
    over the DFT frequencies; exact for a circulant penalty, close for the banded one)."""
    k = np.arange(n)
    return float(np.sum(1.0 / (1.0 + lam * (2.0 * np.sin(np.pi * k / n)) ** (2 * order))))


def gcv_smooth(
    z: np.ndarray, w: np.ndarray, cap: float, order: int, taper: int = END_TAPER
) -> tuple[np.ndarray, float]:
    """``z`` ``(T, K)`` smoothed with the weight (at most ``cap``) that minimises the generalised
    cross-validation score over all K series together; returns the result and the weight."""
    live = w > 0
    n = int(live.sum())
    if cap <= 0 or n <= order + 2:
        return smooth_series(z, w, cap, order, taper), cap
    total = float(w[live].sum())
    best = (np.inf, z, 0.0)
    for lam in np.geomspace(1e-3, cap, GCV_STEPS) if cap > 1e-3 else [cap]:
        fit = smooth_series(z, w, lam, order, taper)
        rss = float((w[:, None] * (z - fit) ** 2).sum()) / total
        dof = _effective_parameters(n, order, lam)
        score = rss / max(1.0 - GCV_GAMMA * dof / n, 1e-6) ** 2
        if score < best[0]:
            best = (score, fit, lam)
    return best[1], best[2]


def stabilise(
    points: np.ndarray,
    confidence: np.ndarray,
    *,
    strength: float,
    locked: np.ndarray | None = None,
    measured: np.ndarray | None = None,
    flow: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stabilised landmarks of one track over consecutive frames.

    Args:
        points: ``(T, 68, 2)`` raw landmarks, one row per consecutive frame.
        confidence: ``(T, 68)`` per-point confidence in [0, 1].
        strength: 0 (off) to 1 (strong).
        locked: ``(T,)`` bool, frames whose raw landmarks are exact and kept as they are.
        measured: ``(T,)`` bool, False on interpolated or predicted frames (no measurement there).
        flow: ``(T, 4)`` the similarity ``(a, b, tx, ty)`` moving the face's pixels from the frame
            before to each frame (:class:`.visible_flow.FrameFlow`), NaN where not measured.

    Returns:
        ``(T, 68, 2)`` stabilised landmarks; ``(T,)`` bool, the frames rejected as outliers; ``(T,)``
        bool, the frames whose fits jumped away from the flow and back (:mod:`.fit_jumps`), placed by
        the flow and the shape either side instead.
    """
    points = np.asarray(points, np.float64)
    t, n = points.shape[:2]
    locked = np.zeros(t, bool) if locked is None else np.asarray(locked, bool)
    measured = np.ones(t, bool) if measured is None else np.asarray(measured, bool)
    cap = smoothing_lambda(strength)
    weights = np.clip(confidence, MIN_WEIGHT, 1.0) * measured[:, None]
    if cap <= 0 or t < 3 or not measured.any():
        return points.copy(), np.zeros(t, bool), np.zeros(t, bool)
    shape = head_motion.mean_shape(points, weights)
    keep = np.ones((t, n), bool)
    judged = measured & ~locked
    has_flow = flow is not None and np.isfinite(flow[1:]).any()
    jumped = biased = np.zeros(t, bool)  # fits that jumped away from the flow and back (fit_jumps)
    for rounds in range(3):  # solve, reject, solve again, reject, solve
        w = np.where(keep, weights, 0.0)
        w[locked] = 1.0
        params = head_motion.robust_fit(shape, points, np.maximum(w, 1e-9))
        frame_w = w.mean(axis=1) * (keep.mean(axis=1) > 0.5)
        frame_w[locked] = LOCK_WEIGHT
        motion, motion_lam = gcv_smooth(params, frame_w, cap, MOTION_ORDER)
        if has_flow:
            chain = _chain(flow, motion)
            if rounds == 0:
                jumped = _biased(chain, params, shape, measured & ~locked) & ~locked
            motion, followed = _follow_flow(params, motion, motion_lam, chain, frame_w, cap, jumped)
            biased = jumped & followed
        residual = (head_motion.to_head(params, points) - shape).reshape(t, 2 * n)
        point_w = np.repeat(np.where(biased[:, None], 0.0, w), 2, axis=1)
        point_w[locked] = LOCK_WEIGHT
        smooth_residual = _smooth_residual(residual, point_w, cap)
        smooth_residual[biased] = _bridge(residual, frame_w, biased)[biased]
        out = head_motion.place(motion, shape + smooth_residual.reshape(t, n, 2))
        distance = np.linalg.norm(points - out, axis=2)  # (T, 68)
        live = distance[judged & ~biased]
        if live.size == 0:
            break
        centre = np.median(live, axis=0)
        sigma = 1.4826 * np.median(np.abs(live - centre), axis=0) + 1e-6
        keep = distance <= centre + OUTLIER_SIGMAS * sigma
        keep[biased] = True  # judged by the jumps, not by their distance
    outliers = ((~keep).mean(axis=1) > 0.5) & judged & ~biased
    good = (measured & ~outliers) | locked
    unsupported = outliers & ~_supported(good)
    out[unsupported] = points[unsupported]
    head_shapes = shape + smooth_residual.reshape(t, n, 2)
    for f, guess in edge_extrapolation.extrapolate(
        points, np.flatnonzero(unsupported), good, motion, head_shapes
    ).items():
        out[f] = guess
    out[locked] = points[locked]
    _carry_unmeasured(out, points, measured | locked)
    return out, outliers, biased


def _chain(flow: np.ndarray, motion: np.ndarray) -> list[np.ndarray]:
    """Per frame, ``plate_from_first`` by the measured ``flow`` chained from the first frame (a step
    without a flow takes the smoothed ``motion``'s)."""
    chain = [geometry.translation(0.0, 0.0)]
    for i in range(1, len(flow)):
        if np.all(np.isfinite(flow[i])):
            step = head_motion.matrix(flow[i])
        else:
            step = geometry.compose(head_motion.matrix(motion[i]), geometry.invert(head_motion.matrix(motion[i - 1])))
        chain.append(geometry.compose(step, chain[-1]))
    return chain


def _left(chain: list[np.ndarray], params: np.ndarray) -> np.ndarray:
    """``C^-1 P``: what the chained flows leave of each frame's fitted motion ``(T, 4)``."""
    return np.array(
        [
            head_motion.from_matrix(geometry.compose(geometry.invert(c), head_motion.matrix(p)))
            for c, p in zip(chain, params)
        ]
    )


def _biased(chain: list[np.ndarray], params: np.ndarray, shape: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """``(T,)`` bool: the frames of :func:`.fit_jumps.excursions` (and :data:`EXCURSION_EDGE` either side,
    where a jump spreads over two frames), found on the mean shape posed by :func:`_left`."""
    placed = head_motion.place(_left(chain, params), shape)
    biased = np.zeros(len(params), bool)
    for start, end in fit_jumps.excursions(placed, measured, inter_ocular(shape)):
        biased[max(start - EXCURSION_EDGE, 0) : end + EXCURSION_EDGE] = True
    return biased


def _follow_flow(
    params: np.ndarray,
    motion: np.ndarray,
    motion_lam: float,
    chain: list[np.ndarray],
    weights: np.ndarray,
    cap: float,
    jumped: np.ndarray,
) -> tuple[np.ndarray, bool]:
    """The head motion ``(T, 4)`` that follows the flows ``chain`` (:func:`_chain`) from frame to frame and
    the fitted ``params`` over time: what the chain leaves of each frame's fit, ``C^-1 params`` (a pose
    that changes only as fast as the flow errs), is smoothed as much as ``cap`` allows (constant
    velocity) and carried back by ``C``; and whether it was kept over the plain smoothed ``motion``.
    Over the ``jumped`` frames (biased fits) it is the straight line through the fits either side
    (:func:`_bridge`)."""
    weights = np.where(jumped, 0.0, weights)
    left = _left(chain, params)
    lam = cap
    smooth = smooth_series(left, weights, lam, RESIDUAL_ORDER)
    smooth[jumped] = _bridge(left, weights, jumped)[jumped]
    followed = np.array(
        [head_motion.from_matrix(geometry.compose(c, head_motion.matrix(m))) for c, m in zip(chain, smooth)]
    )
    # Keep it only where it predicts the fits better than the head's motion smoothed alone (GCV, both
    # scored on the fitted motion): a flow that went astray (a blurred or textureless face) is not followed.
    if _gcv_score(params, followed, weights, RESIDUAL_ORDER, lam) < _gcv_score(
        params, motion, weights, MOTION_ORDER, motion_lam
    ):
        return followed, True
    return motion, False


def _bridge(series: np.ndarray, weights: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """``series`` ``(T, K)`` over each run of ``gaps`` frames: the straight line (in time) through the
    :data:`BRIDGE_FLANK` frames either side, least squares with ``weights`` ``(T,)`` (the flank's mean
    where a run meets an end). A smoother left free over a long run bends there by whatever slope the
    noise gave it at the run's edges, and its level at an edge is a one-sided guess (measured: 2-6 %
    IOD off over a 30-frame run, against 1 % by the line)."""
    out = np.array(series, np.float64, copy=True)
    t = np.arange(len(gaps))
    for first, last in frame_runs(t[gaps].tolist()):
        flank = np.zeros(len(gaps), bool)
        flank[max(first - BRIDGE_FLANK, 0) : first] = True
        flank[last + 1 : last + 1 + BRIDGE_FLANK] = True
        flank &= (weights > 0) & ~gaps
        if not flank.any():
            continue
        w = weights[flank]
        both_sides = t[flank].min() < first and t[flank].max() > last
        basis = np.stack([np.ones(flank.sum()), t[flank] - first], axis=1) if both_sides else np.ones((flank.sum(), 1))
        coef, *_ = np.linalg.lstsq(basis * np.sqrt(w)[:, None], series[flank] * np.sqrt(w)[:, None], rcond=None)
        inside = np.arange(first, last + 1)
        fill = np.stack([np.ones(len(inside)), inside - first], axis=1)[:, : basis.shape[1]]
        out[inside] = fill @ coef
    return out


def _gcv_score(z: np.ndarray, fit: np.ndarray, w: np.ndarray, order: int, lam: float) -> float:
    live = w > 0
    n = int(live.sum())
    rss = float((w[:, None] * (z - fit) ** 2).sum()) / max(float(w[live].sum()), 1e-12)
    return rss / max(1.0 - GCV_GAMMA * _effective_parameters(n, order, lam) / n, 1e-6) ** 2


def _supported(good: np.ndarray) -> np.ndarray:
    """Frames with a ``good`` frame at most :data:`OUTLIER_SUPPORT` frames before and after them."""
    index = np.flatnonzero(good)
    t = np.arange(len(good))
    if index.size == 0:
        return np.zeros(len(good), bool)
    after = index[np.minimum(np.searchsorted(index, t), index.size - 1)]
    before = index[np.maximum(np.searchsorted(index, t, side="right") - 1, 0)]
    return (after >= t) & (after - t <= OUTLIER_SUPPORT) & (before <= t) & (t - before <= OUTLIER_SUPPORT)


def _carry_unmeasured(out: np.ndarray, points: np.ndarray, measured: np.ndarray) -> None:
    """On frames without a measurement, the given points (the tracker's prediction through the gap) plus
    the stabilisation's correction blended between the measured frames either side: the smoother alone,
    free over a long gap, would invent motion the tracker predicted better."""
    have = np.flatnonzero(measured)
    if have.size == 0:
        return
    correction = out[have] - points[have]
    for f in np.flatnonzero(~measured):
        after = int(np.searchsorted(have, f))
        if after == 0:
            out[f] = points[f] + correction[0]
        elif after == have.size:
            out[f] = points[f] + correction[-1]
        else:
            a, b = have[after - 1], have[after]
            s = (f - a) / (b - a)
            out[f] = points[f] + (1 - s) * correction[after - 1] + s * correction[after]


def _smooth_residual(residual: np.ndarray, weights: np.ndarray, cap: float) -> np.ndarray:
    """The head-frame residual ``(T, 136)`` smoothed per coordinate with its own weights, one weight chosen
    by GCV for all (the frames' mean weights choose it)."""
    _, lam = gcv_smooth(residual, weights.mean(axis=1), cap, RESIDUAL_ORDER)
    out = np.empty_like(residual)
    for k in range(residual.shape[1]):
        out[:, k] = smooth_series(residual[:, k], weights[:, k], lam, RESIDUAL_ORDER)
    return out


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
        points, outliers, carried = stabilise(
            np.stack([tf.landmarks for tf in tfs]),
            np.stack([tf.confidence for tf in tfs]),
            strength=strength,
            locked=np.array([f in locks for f in run]),
            measured=np.array([not ({"interpolated", "predicted"} & set(tf.flags)) for tf in tfs]),
            flow=np.array([np.full(4, np.nan) if tf.flow is None else tf.flow for tf in tfs]),
        )
        for i, (f, tf) in enumerate(zip(run, tfs)):
            flags = set(tf.flags) | ({"locked"} if f in locks else set()) | ({"outlier"} if outliers[i] else set())
            flags |= {"carried"} if carried[i] else set()
            out[int(f)] = Face(
                track_id=track.id,
                identity=track.identity,
                box=tf.box,
                landmarks=points[i],
                confidence=tf.confidence,
                score=tf.score,
                flags=flags,
            )
    return out
