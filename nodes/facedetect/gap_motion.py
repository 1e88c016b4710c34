"""The head's pose through a gap in its track: the line between its ends, and each end's velocity for a few frames.

A face unseen between its measured frames ``a`` and ``b`` is placed by its head pose (log scale,
roll, position; :mod:`.head_motion`). Over a long gap the straight line from ``a``'s pose to ``b``'s
is the safe guess (a nodding head turns many times), but beside each end the head is still moving
as it was when last seen: a line that ignores its velocity there lands a face nodding at 1.2 Hz a
fifth of its inter-ocular distance (IOD) off over the first 3 frames of an 8-frame gap. So :func:`path` follows the
line plus, near each end, that end's velocity in excess of the line's, fading with a time constant
``tau``::

    x(f) = line(f) + e_a tau (1 - exp(-(f - a) / tau)) (1 - w) - e_b tau (1 - exp(-(b - f) / tau)) w

with ``w`` the smoothstep of ``(f - a) / (b - a)``: it leaves ``a`` at ``a``'s velocity, meets ``b``
at ``b``'s, and runs beside the line between (at most ``tau`` frames of the ends' excess velocity
off it). Head motion at 1-3 Hz (speech, nods, walking) turns within a quarter of its period, 2-6
frames at 24 fps, so a velocity is trusted for :data:`TAU` frames; ends at most :data:`SHORT_GAP`
frames apart are joined by the cubic that keeps both ends' velocities.

The bridge this replaced was a cubic (Hermite) whose end tangents were cut to 4 frames of velocity
over any gap longer than that: with such tangents it is a smoothstep, not a line, standing almost
still beside each end and rushing through the middle (a face gliding at 16 px/frame across a 1 s
gap lagged its path by up to 0.75 of its IOD). On the hard set's gaps (72
frames, both backends, served after stabilisation), within 3 frames of a measured frame: 7-16 % of
the IOD where the cubic was 10-17 % on the tuning shots; over whole gaps 22-54 % where it was
23-60 % (a head nodding through a 1.5 s gap is not predictable in its middle; these frames are
flagged ``predicted``). On the held-out ``combo`` the near face's gap went from 41 to 35 % and the far
face's from 34 to 37 % with the mesh (its ends are fits drifting onto the nearer face, and their
velocity is the drift's).
"""

from __future__ import annotations

import numpy as np

VELOCITY_FRAMES = 4  # an end's velocity: a line through this many measured frames
TAU = 2.0  # frames: an end's velocity beyond the line's fades with this time constant
SHORT_GAP = 4  # frames between the ends (3 unseen) up to which the gap is crossed at their velocities


def pose(motion: np.ndarray) -> np.ndarray:
    """``(log scale, roll radians, tx, ty)`` of head motions ``(T, 4)``, roll unwrapped along T."""
    a, b = motion[:, 0], motion[:, 1]
    return np.stack(
        [0.5 * np.log(np.maximum(a * a + b * b, 1e-12)), np.unwrap(np.arctan2(b, a)), motion[:, 2], motion[:, 3]],
        axis=1,
    )


def motion(poses: np.ndarray) -> np.ndarray:
    """The head motions ``(T, 4)`` of poses ``(T, 4)`` (the inverse of :func:`pose`)."""
    scale = np.exp(poses[:, 0])
    return np.stack([scale * np.cos(poses[:, 1]), scale * np.sin(poses[:, 1]), poses[:, 2], poses[:, 3]], axis=1)


def velocity(offsets: np.ndarray, poses: np.ndarray) -> np.ndarray:
    """The pose's velocity per frame at offset 0, a line through ``poses`` at frame ``offsets`` (zero with one)."""
    if len(offsets) < 2:
        return np.zeros(poses.shape[1])
    return np.polyfit(np.asarray(offsets, np.float64), poses, 1)[0]


def path(
    pose_a: np.ndarray, velocity_a: np.ndarray, pose_b: np.ndarray, velocity_b: np.ndarray, gap: int, tau: float = TAU
) -> np.ndarray:
    """The poses ``(gap - 1, 4)`` on the frames strictly between two ends ``gap`` frames apart (above); for
    ends at most :data:`SHORT_GAP` frames apart, the cubic that leaves and meets each end at its velocity."""
    k = np.arange(1, gap, dtype=np.float64)[:, None]
    s = k / gap
    if gap <= SHORT_GAP:
        h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2
        return h00 * pose_a + h10 * gap * velocity_a + h01 * pose_b + h11 * gap * velocity_b
    slope = (pose_b - pose_a) / gap
    w = 3 * s**2 - 2 * s**3
    rise_a = tau * (1 - np.exp(-k / tau))
    rise_b = tau * (1 - np.exp(-(gap - k) / tau))
    return pose_a + slope * k + (velocity_a - slope) * rise_a * (1 - w) - (velocity_b - slope) * rise_b * w
