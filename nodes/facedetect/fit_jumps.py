"""Stretches where a landmark model's fits jump away from the face's own pixels and back.

When a hand or a bar slides over part of a face, a landmark model keeps fitting the face but its
guess for the covered part shifts: the whole fit jumps by several percent of the inter-ocular
distance (IOD) in one or two frames, stays off while the occluder stays, and jumps back when it
leaves (4-6 % IOD on the hard shot set's eye bars and hands, against 0.2-0.6 % of frame-to-frame
noise). The head did not move: the flow of the face's visible pixels (:mod:`.visible_flow`) goes
on smoothly through both jumps. A smoother cannot tell such a bias from motion; it spreads each
jump over the frames around it, and serves the biased stretch as it was measured.

:func:`excursions` finds them in ``placed``, the track's mean shape posed by what the chained flows
leave of each frame's fit (:func:`.stabilise._follow_flow`'s ``C^-1 P``): constant while fit and
flow agree, whatever the head does. A jump is a frame where the per-point medians of the
:data:`WINDOW` measured frames before and after it differ by more than :data:`JUMP_IOD` and by more
than :data:`JUMP_NOISE` times that difference's median over the track (medians, so one wild frame
is no jump; that is the outlier test's job). A jump followed within :data:`MAX_FRAMES` by one that
takes the fit back to where it was (to within :data:`RETURN` of their size)
brackets an excursion (a run of jumps counts when the last takes the fit back to where it was
before the first): the frames between are biased fits of a head the flow followed. A single
jump with no return (an occluder already there when the track starts, or still there at its end)
is left alone: nothing says which side is right.
"""

from __future__ import annotations

import numpy as np

WINDOW = 5  # measured frames either side whose medians are compared
JUMP_IOD = 0.02  # a jump moves the fit at least this far (mean point distance / IOD) ...
JUMP_NOISE = 4.0  # ... and this many times the track's median window difference
RETURN = 0.5  # the return jump cancels the first to within this fraction of its size
MAX_FRAMES = 96  # an excursion is at most this long (4 s at 24 fps)


def _levels(placed: np.ndarray, measured: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame, the median points ``(T, N, 2)`` of the measured frames just before and from it (NaN
    where either side has fewer than half a window)."""
    t = len(placed)
    index = np.flatnonzero(measured)
    before = np.full(placed.shape, np.nan)
    after = np.full(placed.shape, np.nan)
    for i in range(1, t):
        k = int(np.searchsorted(index, i))
        left, right = index[max(0, k - WINDOW) : k], index[k : k + WINDOW]
        if len(left) > WINDOW // 2 and len(right) > WINDOW // 2:
            before[i] = np.median(placed[left], axis=0)
            after[i] = np.median(placed[right], axis=0)
    return before, after


def excursions(placed: np.ndarray, measured: np.ndarray, iod: float) -> list[tuple[int, int]]:
    """``[(start, end), ...]``: frames ``start .. end - 1`` of ``placed`` ``(T, N, 2)`` lie between a
    jump of the fits and their return (``measured`` ``(T,)``: frames with a fit; ``iod`` in pixels)."""
    before, after = _levels(placed, measured)
    shift = after - before  # (T, N, 2)
    size = np.linalg.norm(shift, axis=2).mean(axis=1) / max(iod, 1e-9)  # NaN where undefined
    live = np.isfinite(size)
    if live.sum() < WINDOW:
        return []
    floor = max(JUMP_IOD, JUMP_NOISE * float(np.median(size[live])))
    jumps = []
    for i in np.argsort(-np.nan_to_num(size, nan=-1.0)):
        if not size[i] > floor:
            break
        if all(abs(i - j) > WINDOW for j in jumps):
            jumps.append(int(i))
    out: list[tuple[int, int]] = []
    for start in sorted(jumps):
        if out and start < out[-1][1]:
            continue
        # the first later jump that brings the fit back where it was before this one (a window before
        # it at most: a landmark model that places its crop from the frame before may take a few
        # frames to settle onto the occluder, the window medians then see the jump late)
        origins = [before[k] for k in range(max(start - WINDOW, 0), start + 1) if np.isfinite(before[k]).all()]
        for end in sorted(j for j in jumps if start < j <= start + MAX_FRAMES):
            back = min(np.linalg.norm(after[end] - o, axis=1).mean() for o in origins) / iod
            if back < RETURN * min(size[start], size[end]):
                out.append((_step(placed, measured, start, shift[start]), _step(placed, measured, end, shift[end])))
                break
    return out


def _step(placed: np.ndarray, measured: np.ndarray, near: int, shift: np.ndarray) -> int:
    """The frame within half a window of ``near`` whose step from the frame before moves the fit the most
    along ``shift`` (window medians only say that a jump lies near; this says where)."""
    best, frame = -np.inf, near
    for k in range(max(1, near - WINDOW // 2 - 1), min(len(placed), near + WINDOW // 2 + 2)):
        if measured[k] and measured[k - 1]:
            along = float(np.sum((placed[k] - placed[k - 1]) * shift))
            if along > best:
                best, frame = along, k
    return frame
