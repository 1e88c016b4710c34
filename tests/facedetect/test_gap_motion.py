"""A hidden face is bridged along its own path: the line between its ends, at each end's velocity.

The face is the astronaut's own 68 landmarks moved by known motion with 1 % IOD of landmark noise,
unseen for a stretch, and linked by the tracker, which bridges the gap (:mod:`.gap_motion`). The
bridged landmarks are scored against the noise-free truth. The motions: a glide at 16 px/frame (a
face crossing the frame), the same with a 1 Hz bob, and a 1.2 Hz nod with roll. A bridge that stood
still beside each end and rushed through the middle (the cubic this replaced) lags a gliding face by
up to three quarters of its inter-ocular distance (IOD); a straight line that ignored the ends'
velocities lands the nodding face a fifth of its IOD off over the first 3 frames of an 8-frame gap.
"""

import numpy as np
import pytest
from test_misfits import detection, no_identity

from faceplate.foundation import geometry
from faceplate.nodes.facedetect.gap_motion import TAU, path
from faceplate.nodes.facedetect.tracker import Tracker
from faceplate.nodes.faces import inter_ocular

FRAMES = range(1001, 1073)


def motion(kind, unit):
    """``frame -> (centre, scale, roll degrees)``."""

    def at(f):
        t = (f - FRAMES[0]) / 24.0
        if kind == "glide":
            return (300.0 + 16.0 * (f - FRAMES[0]), 400.0), 1.0, 0.0
        if kind == "glide_bob":
            return (
                (300.0 + 16.0 * (f - FRAMES[0]), 400.0 + unit / 3 * np.sin(2 * np.pi * t)),
                1.0,
                5 * np.sin(np.pi * t),
            )
        return (600.0, 400.0 + 0.8 * unit * np.sin(2 * np.pi * 1.2 * t)), 1.0, 12 * np.sin(2 * np.pi * 0.8 * t)

    return at


def bridged_errors(still, kind, first, last):
    """Per frame of the gap ``first..last``, the bridged landmarks' mean distance from the truth (IOD)."""
    unit = inter_ocular(still)
    at = motion(kind, unit)
    rng = np.random.default_rng(0)
    truth = {f: geometry.apply(geometry.similarity((0.0, 0.0), *at(f)), still) for f in FRAMES}
    tracker = Tracker(no_identity, max_gap=72)
    for f in FRAMES:
        noisy = truth[f] + rng.normal(0.0, 0.01 * unit / np.sqrt(2), still.shape)
        tracker.update(f, [] if first <= f <= last else [detection(noisy)])
    (track,) = tracker.finish()
    assert all("predicted" in track.frames[f].flags for f in range(first, last + 1))
    return np.array(
        [np.linalg.norm(track.frames[f].landmarks - truth[f], axis=1).mean() / unit for f in range(first, last + 1)]
    )


def test_a_gliding_face_is_bridged_along_its_path(still):
    errors = bridged_errors(still, "glide", 1030, 1053)  # 1 s unseen
    assert errors.max() < 0.03


@pytest.mark.parametrize("kind", ["glide_bob", "nod"])
def test_beside_each_end_the_bridge_keeps_the_heads_velocity(still, kind):
    errors = bridged_errors(still, kind, 1030, 1037)
    assert errors[:3].mean() < 0.18 and errors[-3:].mean() < 0.18, errors


@pytest.mark.parametrize("kind", ["glide_bob", "nod"])
def test_a_missed_frame_or_two_is_bridged_within_the_noise(still, kind):
    assert bridged_errors(still, kind, 1030, 1031).max() < 0.03


def test_a_head_at_constant_velocity_is_bridged_exactly_and_a_long_gap_keeps_to_the_line():
    pose_a, pose_b = np.array([0.0, 0.1, 10.0, 20.0]), np.array([0.2, -0.1, 200.0, 40.0])
    for gap in (3, 30):
        steady = (pose_b - pose_a) / gap
        line = pose_a + steady * np.arange(1, gap)[:, None]
        assert np.allclose(path(pose_a, steady, pose_b, steady, gap), line)
    turning_a, turning_b = np.array([0.01, 0.0, 12.0, -5.0]), np.array([0.0, 0.02, 8.0, 3.0])
    steady = (pose_b - pose_a) / 30
    excess = np.maximum(np.abs(turning_a - steady), np.abs(turning_b - steady))
    middle = path(pose_a, turning_a, pose_b, turning_b, 30)[10:19] - (pose_a + steady * np.arange(11, 20)[:, None])
    assert np.all(np.abs(middle) <= TAU * excess)  # the ends' own velocities carry it at most TAU frames off the line
