"""Landmark stabilisation: jitter removed, no lag on real motion, outliers rejected, lock frames exact."""

import numpy as np
import pytest
from shots import Actor, shot_graph

from faceplate.foundation import geometry
from faceplate.nodes.facedetect import head_motion
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
    same, outliers, _ = stabilise(z, np.ones((40, 68)), strength=0.0)
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
    out, outliers, _ = stabilise(raw, np.ones((60, 68)), strength=0.5, locked=locked)
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
    stable, _, _ = stabilise(raw, conf, strength=graph["FaceDetect1"]["strength"])
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


def _nodding_face(rng, frames=72):
    """A 68-point face nodding at 2.5 Hz (+-15 deg roll, +-20 % scale, 30 px bob at 24 fps), its fits
    off as a landmark model's are: the whole fit shifted, turned and scaled a little each frame (1.5 %
    of its inter-ocular distance (IOD), 1 deg, 1 %) and each point on its own (1 %):
    ``(truth, raw, exact flows, iod)``."""
    shape = rng.normal(0.0, 40.0, (68, 2))
    shape[36:42], shape[42:48] = shape[36:42] * 0.1 + [-30.0, -20.0], shape[42:48] * 0.1 + [30.0, -20.0]
    t = np.arange(frames) / 24.0
    scale = 1.0 + 0.2 * np.sin(2 * np.pi * 0.6 * t)
    roll = np.radians(15.0) * np.sin(2 * np.pi * 1.1 * t)
    motion = np.stack(
        [scale * np.cos(roll), scale * np.sin(roll), 320 + 40 * t, 180 + 30 * np.sin(2 * np.pi * 2.5 * t)], axis=1
    )

    def place(m, points):
        a, b, x, y = m
        return points @ np.array([[a, b], [-b, a]]) + [x, y]

    truth = np.stack([place(m, shape) for m in motion])
    iod = float(np.linalg.norm(truth[0, 36:42].mean(0) - truth[0, 42:48].mean(0)))
    shake = np.stack(
        [
            1.0 + rng.normal(0.0, 0.01, frames),
            rng.normal(0.0, np.radians(1.0), frames),
            rng.normal(0.0, 0.015 * iod, frames),
            rng.normal(0.0, 0.015 * iod, frames),
        ],
        axis=1,
    )
    raw = np.stack([place(m, place(j, shape)) for m, j in zip(motion, shake)])
    raw += rng.normal(0.0, 0.01 * iod, truth.shape)
    flows = np.full((frames, 4), np.nan)
    for i in range(1, frames):  # the similarity taking frame i-1's face to frame i's
        step = geometry.compose(head_motion.matrix(motion[i]), geometry.invert(head_motion.matrix(motion[i - 1])))
        flows[i] = head_motion.from_matrix(step)
    return truth, raw, flows, iod


def _error(points, truth, iod):
    return 100.0 * float(np.linalg.norm(points - truth, axis=2).mean()) / iod


def _jitter(points, truth, iod):
    return 100.0 * float(np.linalg.norm(np.diff(points - truth, axis=0), axis=2).mean()) / iod


def test_the_head_follows_the_flow_of_its_pixels_and_a_wrong_flow_costs_nothing(rng):
    """Exact flows (a little noise on them) take most of the jitter a 2.5 Hz nod leaves (measured: 1.11 ->
    0.34 % of the IOD, error 1.58 -> 0.85; raw 4.08 and 2.74); flows that say the head stood still (as
    from a textureless face) are not followed."""
    truth, raw, flows, iod = _nodding_face(rng)
    confidence = np.ones(raw.shape[:2])
    plain, _, _ = stabilise(raw, confidence, strength=0.5)
    noisy = flows + rng.normal(0.0, [2e-4, 2e-4, 0.05, 0.05], flows.shape)
    fused, _, _ = stabilise(raw, confidence, strength=0.5, flow=noisy)
    still = np.where(np.isfinite(flows), [1.0, 0.0, 0.0, 0.0], np.nan)
    misled, _, _ = stabilise(raw, confidence, strength=0.5, flow=still)
    figures = {
        name: (_error(p, truth, iod), _jitter(p, truth, iod))
        for name, p in (("raw", raw), ("plain", plain), ("fused", fused), ("misled", misled))
    }
    assert figures["fused"][1] < 0.7 * figures["plain"][1] < 0.7 * figures["raw"][1], figures
    assert figures["fused"][0] < figures["plain"][0] < figures["raw"][0], figures
    np.testing.assert_allclose(misled, plain)  # GCV prefers the motion alone: the flow is not followed
    same, _, _ = stabilise(raw, confidence, strength=0.0, flow=noisy)
    np.testing.assert_array_equal(same, raw)


def test_fits_that_jump_away_under_an_occluder_and_back_follow_the_flow_instead(rng):
    """A hand over the face for 30 frames pulls every fit off by 12 % of the IOD (more round the eyes)
    and lets go: against this face's fit noise (four times the mesh backend's on the hard set) as
    clear a jump as the mesh fits' 4-6 % under the hard set's eye bars and hands. The flow of the
    face's pixels goes on smoothly. Those frames are flagged and placed by the flow and the fits
    either side: their error falls from the biased fits' (measured: 12.3 % IOD raw, 12.1 stabilised
    without the flow) to 0.9, the rest of the track's level. A bias that never returns (the hand
    still there at the end) is left alone: nothing says which side is right."""
    truth, raw, flows, iod = _nodding_face(rng)
    pull = np.tile([0.1 * iod, -0.06 * iod], (68, 1))
    pull[36:48] += rng.normal(0.0, 0.05 * iod, (12, 2))
    # the occluder sits on the face: its pull turns and scales with the head (first frame's pull given)
    pose = head_motion.fit(truth[0] - truth[0].mean(0), truth, np.ones(truth.shape[:2]))
    pulls = np.stack([pull @ np.array([[a, b], [-b, a]]) for a, b in pose[:, :2]])
    biased = raw.copy()
    biased[30:60] += pulls[30:60]
    confidence = np.ones(raw.shape[:2])
    noisy = flows + rng.normal(0.0, [2e-4, 2e-4, 0.05, 0.05], flows.shape)
    out, outliers, carried = stabilise(biased, confidence, strength=0.5, flow=noisy)
    plain, _, none = stabilise(biased, confidence, strength=0.5)
    assert not none.any() and not outliers[30:60].any()
    assert carried[30:60].all() and carried.sum() <= 32, np.flatnonzero(carried)
    hidden = slice(30, 60)
    figures = {
        name: _error(p[hidden], truth[hidden], iod) for name, p in (("raw", biased), ("plain", plain), ("flow", out))
    }
    assert figures["flow"] < 0.3 * figures["raw"] and figures["flow"] < 0.3 * figures["plain"], figures
    assert _error(out, truth, iod) < _error(biased, truth, iod)
    stays = raw.copy()
    stays[45:] += pulls[45:]
    _, _, carried = stabilise(stays, confidence, strength=0.5, flow=noisy)
    assert not carried.any()
