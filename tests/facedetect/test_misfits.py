"""Gross misfits dropped from tracks, and tracks without identity joined by motion alone.

The face is the astronaut's own 68 landmarks (dlib on the still, tests/facedetect/shots.py), moved by
hard real motion -- a 3 Hz nod of a third of the inter-ocular distance (IOD), 16 px/frame travel,
+-15 degrees of roll and +-20 % scale at 1 Hz -- with 1 % IOD of landmark noise. Nothing on that
motion may be called a misfit; fits planted on the other side of the frame, or half way onto a
neighbouring face, must be, wherever they sit in the track (alone, two in a row, on the last frame).
"""

import numpy as np

from faceplate.foundation import geometry
from faceplate.nodes.facedetect.detect import Detection
from faceplate.nodes.facedetect.misfits import MISFIT_IOD, misfit_frames
from faceplate.nodes.facedetect.tracker import Tracker
from faceplate.nodes.faces import inter_ocular

FRAMES = range(1001, 1073)


def moving(still, seed=0):
    """``{frame: landmarks}`` of the still on hard motion, 1 % IOD noise."""
    rng = np.random.default_rng(seed)
    unit = inter_ocular(still)
    out = {}
    for f in FRAMES:
        t = (f - FRAMES[0]) / 24.0
        centre = (300.0 + 16.0 * (f - FRAMES[0]), 400.0 + unit / 3 * np.sin(2 * np.pi * 3.0 * t))
        m = geometry.similarity((0.0, 0.0), centre, 1.0 + 0.2 * np.sin(2 * np.pi * t), 15.0 * np.sin(2 * np.pi * t))
        out[f] = geometry.apply(m, still) + rng.normal(0.0, 0.01 * unit / np.sqrt(2), still.shape)
    return out


def test_real_motion_has_no_misfits(still):
    for seed in range(3):
        assert misfit_frames(moving(still, seed)) == []


def test_planted_misfits_are_found_alone_in_pairs_and_at_the_end(still):
    points = moving(still)
    unit = inter_ocular(still)
    planted = {1010: (0.0, 0.6), 1030: (0.8, 0.1), 1031: (0.8, 0.1), 1072: (-0.4, 0.3)}
    for f, (dx, dy) in planted.items():
        points[f] = points[f] + np.array([dx, dy]) * unit
    assert sorted(misfit_frames(points)) == sorted(planted)


def test_a_shift_under_the_threshold_is_kept(still):
    points = moving(still)
    points[1020] = points[1020] + np.array([0.5 * MISFIT_IOD, 0.0]) * inter_ocular(still)
    assert misfit_frames(points) == []


def detection(points):
    (x0, y0), (x1, y1) = points.min(0), points.max(0)
    return Detection(
        box=(x0, y0, x1, y1),
        score=1.0,
        landmarks=points,
        confidence=np.ones(len(points)),
        flags=frozenset(),
        roll=0.0,
        crop=np.zeros((1, 1, 3), np.uint8),
        crop_points=points,
        crop_from_plate=np.eye(3)[:2],
    )


def no_identity(det):
    return None


def test_without_identity_a_face_hidden_for_a_second_is_one_track_again(still):
    """A face unseen for 24 frames comes back where its motion leads: one track, the gap predicted; while a
    second face is also coming back within reach, motion alone cannot tell them apart and both stay apart."""
    points = moving(still)
    tracker = Tracker(no_identity, max_gap=72)
    for f in FRAMES:
        tracker.update(f, [] if 1030 <= f < 1054 else [detection(points[f])])
    (track,) = tracker.finish()
    assert sorted(track.frames) == list(FRAMES)
    assert all("predicted" in track.frames[f].flags for f in range(1030, 1054))

    other = {f: p + np.array([0.0, 3.0 * inter_ocular(still)]) for f, p in points.items()}
    tracker = Tracker(no_identity, max_gap=72)
    for f in FRAMES:
        found = [] if 1030 <= f < 1054 else [detection(points[f]), detection(other[f])]
        tracker.update(f, found)
    assert len(tracker.finish()) == 4


def test_a_misfit_mid_track_is_bridged_not_served(still):
    points = moving(still)
    points[1040] = points[1040] + np.array([0.8, 0.0]) * inter_ocular(still)
    tracker = Tracker(no_identity, max_gap=72)
    for f in FRAMES:
        tracker.update(f, [detection(points[f])])
    (track,) = tracker.finish()
    assert "predicted" in track.frames[1040].flags
    assert np.linalg.norm(track.frames[1040].landmarks - points[1039], axis=1).mean() < 0.5 * inter_ocular(still)
