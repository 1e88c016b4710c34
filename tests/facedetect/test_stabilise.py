"""Landmark stabilisation: jitter removed, no lag on real motion, outliers rejected, lock frames exact."""

import numpy as np
import pytest
from shots import Actor, shot_graph

from faceplate.foundation import geometry
from faceplate.nodes.facedetect.stabilise import smooth_series, stabilise


def jitter(points):
    """Mean frame-to-frame landmark movement, ``points`` (T, 68, 2)."""
    return float(np.linalg.norm(np.diff(points, axis=0), axis=2).mean())


def lag_frames(estimate, truth):
    """How many frames ``estimate`` trails ``truth`` (least squares along the motion)."""
    velocity = np.gradient(truth, axis=0)
    error = estimate - truth
    return float(-(error * velocity).sum() / (velocity * velocity).sum())


def one_pass_filter(points, alpha=0.3):
    """The lagging filter stabilisation must not be: an exponential moving average."""
    out = points.copy()
    for t in range(1, len(points)):
        out[t] = alpha * points[t] + (1 - alpha) * out[t - 1]
    return out


def test_strength_zero_changes_nothing_and_lines_survive_smoothing(rng):
    z = rng.normal(size=(40, 68, 2))
    same, outliers = stabilise(z, np.ones((40, 68)), strength=0.0)
    np.testing.assert_array_equal(same, z) and not outliers.any()
    line = np.linspace(0, 100, 40)[:, None] * np.array([1.0, -0.5])
    np.testing.assert_allclose(smooth_series(line, np.ones(40), 1e4), line, atol=1e-6)


def test_synthetic_noise_outliers_and_locks(rng):
    t = np.arange(60)
    truth = np.zeros((60, 68, 2))
    truth[..., 0] = 3.0 * t[:, None] + 20 * np.sin(t / 9.0)[:, None]
    truth[..., 1] = 50 + 0.1 * np.arange(68)
    raw = truth + rng.normal(0, 0.5, truth.shape)
    raw[30] += 25.0  # a bad frame
    locked = np.zeros(60, bool)
    locked[45] = True
    out, outliers = stabilise(raw, np.ones((60, 68)), strength=0.5, locked=locked)
    assert outliers[30] and outliers.sum() == 1
    np.testing.assert_array_equal(out[45], raw[45])
    good = np.ones(60, bool)
    good[[30, 45]] = False
    assert np.abs(out - truth)[good].mean() < 0.5 * np.abs(raw - truth)[good].mean()
    assert abs(lag_frames(out, truth)) < 0.05 < 1.0 < lag_frames(one_pass_filter(raw), truth)


@pytest.fixture(scope="module")
def moving_face_track(tmp_path_factory, dlib_backend):
    """48 frames of a face drifting, turning and scaling (a head in a 2-second move) with film-grain-like
    noise: raw tracked landmarks and the known motion."""
    from faceplate.actions.shot_tracking import track

    def motion(f):
        return (
            320 + 100 * np.sin(f / 16.0),
            180 + 20 * np.sin(f / 12.0),
            1.3 + 0.1 * np.sin(f / 20.0),
            6.0 * np.sin(f / 14.0),
        )

    actor = Actor("astronaut", motion)
    frames = list(range(1, 49))
    # The stabiliser's figures were measured on the dlib backend's raw landmarks; kept on it.
    graph = shot_graph(tmp_path_factory.mktemp("stab"), [actor], frames, noise=0.03, backend="dlib")
    result = track(graph, contact_sheets=False)
    assert len(result.tracks) == 1 and len(result.tracks[0].frames) == 48
    return actor, frames, result.tracks[0], graph


def back_to_sprite(actor, frames, points):
    """Landmarks mapped back through the known motion: constant when they follow the face exactly."""
    return np.stack([geometry.apply(geometry.invert(actor.frame_from_sprite(f)), p) for f, p in zip(frames, points)])


def test_stabilised_landmarks_have_3x_less_jitter_and_no_lag(moving_face_track):
    actor, frames, tr, graph = moving_face_track
    raw = np.stack([tr.frames[f].landmarks for f in frames])
    conf = np.stack([tr.frames[f].confidence for f in frames])
    stable, _ = stabilise(raw, conf, strength=graph["FaceDetect1"]["strength"])
    raw_jitter = jitter(back_to_sprite(actor, frames, raw))
    stable_jitter = jitter(back_to_sprite(actor, frames, stable))
    assert raw_jitter / stable_jitter >= 3.0, (raw_jitter, stable_jitter)
    # Truth: the face's mean shape (in sprite pixels) carried by the known motion.
    shape = back_to_sprite(actor, frames, raw).mean(axis=0)
    truth = np.stack([geometry.apply(actor.frame_from_sprite(f), shape) for f in frames])
    assert abs(lag_frames(stable, truth)) < 0.1
    assert lag_frames(one_pass_filter(raw), truth) > 1.0  # the measure does catch a lagging filter


def test_the_node_serves_stabilised_landmarks_and_exact_lock_frames(moving_face_track):
    actor, frames, tr, graph = moving_face_track
    node = graph["FaceDetect1"]
    node["lock_frames"] = "20"
    locked = graph.render(node, 20).metadata["faceplate/faces"].faces[0]
    np.testing.assert_allclose(locked.landmarks, tr.frames[20].landmarks, atol=1e-3)  # sidecar keeps 3 decimals
    assert "locked" in locked.flags
    node["lock_frames"] = ""
    free = graph.render(node, 20).metadata["faceplate/faces"].faces[0]
    assert "locked" not in free.flags and np.abs(free.landmarks - tr.frames[20].landmarks).max() > 1e-3
