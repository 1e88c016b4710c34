"""Gross misfits: measured frames of a track whose landmarks break away from the track's own motion.

A landmark model measures whatever its crop holds. When a face slides behind another face, the
crop that follows it fills with the nearer face and the fit lands on that one, or on a blend of the
two; when a face comes back into view as a sliver at a frame's edge or from behind an occluder, the
first fits are guesses. Such a frame is far from where the frames around it put the face, by a
margin no real head motion makes at 24 fps: a 3 Hz shake or a 16 px/frame pan moves the landmarks
smoothly, and a short polynomial through the neighbouring frames follows them to within a few
percent of the inter-ocular distance (IOD), while a misfit lands tens of percent away.

:func:`misfit_frames` finds them, worst first: each measured frame is compared with the landmarks
its measured neighbours (up to :data:`NEIGHBOURS` each side, within :data:`REACH` frames) predict:
a quadratic through both sides, or a line from either side alone (given twice the room), whichever
fits best. The frame farthest beyond :data:`MISFIT_IOD` is dropped and its neighbours judged again
without it, until none is. The
tracker removes them from the track, so they are bridged by the head's motion like any unseen
frame (flagged ``predicted``) instead of being served as measurements.
"""

from __future__ import annotations

import numpy as np

from faceplate.nodes.faces import inter_ocular

MISFIT_IOD = 0.2  # a measured frame this far (mean landmark distance / IOD) from its neighbours' prediction
NEIGHBOURS = 2  # measured frames used on each side
REACH = 4  # ... at most this many frames away
MIN_FRAMES = 4  # a track shorter than this has no motion to judge by


def _expected(frame: int, used: list[int], degree: int, points: dict[int, np.ndarray]) -> np.ndarray:
    """The landmarks at ``frame`` by a least-squares polynomial of ``degree`` in time through ``used``'s."""
    t = np.asarray(used, np.float64) - frame
    vander = np.vander(t, degree + 1, increasing=True)  # (k, d+1); the value at t=0 is the first coefficient
    weights = np.linalg.pinv(vander)[0]  # (k,): the fit's value at the frame, as a blend of the neighbours
    return np.tensordot(weights, np.stack([points[f] for f in used]), axes=1)


def _deviation(frame: int, before: list[int], after: list[int], points: dict[int, np.ndarray], iod: float) -> float:
    """How far ``frame``'s landmarks lie from the best of its neighbours' predictions (IOD), each measured
    against its allowance: a quadratic through both sides (1), or a line from one side (2: an
    extrapolation drifts with the head's acceleration, up to a fifth of the IOD per frame on a 2.5 Hz
    nod). Taking the best means a misfit beside the frame, spoiling one side, does not make it one."""
    options = []
    if before and after:
        options.append((before + after, min(2, len(before + after) - 1), 1.0))
    for side in (before, after):
        if len(side) >= 2:
            options.append((side, 1, 2.0))
    if not options:
        return 0.0
    return min(
        float(np.linalg.norm(points[frame] - _expected(frame, used, degree, points), axis=1).mean()) / (iod * allow)
        for used, degree, allow in options
    )


def misfit_frames(points: dict[int, np.ndarray], threshold: float = MISFIT_IOD) -> list[int]:
    """Frames of ``points`` (``{frame: (68, 2) landmarks}``, one track's measured frames) that are gross
    misfits, in the order found (worst first)."""
    if len(points) < MIN_FRAMES:
        return []
    iod = float(np.median([inter_ocular(p) for p in points.values()]))
    if iod <= 0:
        return []
    kept = sorted(points)
    found: list[int] = []

    def deviation(i: int) -> float:
        f = kept[i]
        before = [g for g in kept[max(0, i - NEIGHBOURS) : i] if f - g <= REACH]
        after = [g for g in kept[i + 1 : i + 1 + NEIGHBOURS] if g - f <= REACH]
        return _deviation(f, before, after, points, iod)

    deviations = [deviation(i) for i in range(len(kept))]
    while len(kept) > MIN_FRAMES:
        worst = int(np.argmax(deviations))
        if deviations[worst] <= threshold:
            break
        found.append(kept.pop(worst))
        deviations.pop(worst)
        for i in range(max(0, worst - NEIGHBOURS), min(len(kept), worst + NEIGHBOURS)):
            deviations[i] = deviation(i)
    return found
