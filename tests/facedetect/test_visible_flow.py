"""A face passing behind another, carried by the flow of its visible pixels (:mod:`visible_flow`).

The shots are the hard set's crossings (:mod:`hard_shots`), rendered directly: ``cross`` (the far face
glides behind at 16 px/frame; ``ANCHOR_CLEARANCE`` was set there), ``combo`` (motion blur, a 2 Hz bob,
roll +-15 deg; ``MIN_FEATURE_SHARE`` was set there) and ``tumble``, made here to break it and not
tuned on (the far face rolling +-25 deg at 1.5 Hz and scaling +-25 % while it passes behind). The
far face's track is built as the landmark model leaves it: measured on clear frames, fits drifting
onto the nearer face as it slides behind (a quarter of the inter-ocular distance (IOD) at half
hidden), lost below a fifth in sight and bridged. ``turning`` (the far face turning 40 deg in 3D
over the second it passes behind: not a similarity) is tracked for real, with and without the
carrying; so is ``yawing`` (a head turning +-30 deg at 1 Hz in clear view), whose flow the
stabiliser must not follow to its cost.
"""

import dataclasses
import functools
import math

import cv2
import numpy as np
import pytest
from hard_shots import CONTENT, SHOTS, TAU, HardActor, HardShot, reference_landmarks
from shots import background, sprite

from faceplate.foundation import geometry
from faceplate.nodes.facedetect import tracker, visible_flow
from faceplate.nodes.facedetect.tracker import Track, TrackFrame

SIZE = (640, 360)
FRAMES = 72


def _tumble(t):
    x = 0.89 + 0.66 - 0.355 * t
    return x, 0.5 + 0.04 * math.sin(TAU * 1.3 * t), 0.9 + 0.22 * math.sin(TAU * 0.9 * t), 25.0 * math.sin(TAU * 1.5 * t)


TUMBLE = HardShot("tumble", (HardActor("hopper", _tumble), dataclasses.replace(SHOTS["cross"].actors[1])), count=FRAMES)


def _shot(name):
    return TUMBLE if name == "tumble" else dataclasses.replace(SHOTS[name], count=FRAMES)


def _iod(points):
    return float(np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0)))


def _error(points, truth):
    return 100.0 * float(np.linalg.norm(points - truth, axis=1).mean()) / _iod(truth)


class _Pictures:
    def __init__(self, shot):
        self.shot, self.read = shot, []

    def __call__(self, frame):
        self.read.append(frame)
        rgb = self.shot.render(frame, SIZE).pixels[:, :, :3]
        grey = (255.0 * np.clip(rgb, 0.0, 1.0) ** (1 / 2.2)).mean(axis=2).astype(np.uint8)
        return visible_flow.Picture.scaled(grey, (1.0, 1.0), (0.0, 0.0))


def _frame(points, flags=frozenset()):
    box = np.concatenate([points.min(axis=0), points.max(axis=0)])
    return TrackFrame(box=box, score=0.9, landmarks=points, confidence=np.full(68, 0.9), flags=flags)


def _tracks(shot):
    """(far track, near track, truth per frame, visible share per frame): the far face as a landmark model leaves it."""
    rng = np.random.default_rng(7)
    far, near = Track(1), Track(2)
    truth, visible = {}, {}
    for f in shot.frames:
        truth[f] = shot.truth(f, SIZE, "dlib")
        visible[f] = shot.visible_fraction(f, SIZE)[0]
        near.frames[f] = _frame(truth[f][1] + rng.normal(0, 0.4, (68, 2)))
        if visible[f] < 0.2:
            continue
        toward = truth[f][1].mean(0) - truth[f][0].mean(0)
        drift = 0.5 * (1.0 - visible[f]) * _iod(truth[f][0]) * toward / np.linalg.norm(toward)
        far.frames[f] = _frame(truth[f][0] + drift + rng.normal(0, 0.4, (68, 2)))
    tracker.fill_gaps(far)
    return far, near, truth, visible


@pytest.mark.parametrize("name", ["cross", "combo", "tumble"])
def test_a_face_behind_another_is_carried_by_its_visible_pixels(name):
    shot = _shot(name)
    far, near, truth, visible = _tracks(shot)
    before = {f: tf.landmarks.copy() for f, tf in far.frames.items()}
    gap = [f for f, tf in far.frames.items() if "predicted" in tf.flags]
    assert len(gap) >= 8, "the far face must be lost behind the near one"
    done = visible_flow.carry([far, near], _Pictures(shot))
    carried = done.get(far.id, [])
    assert 2 not in done, "the near face is in front: nothing to carry"
    assert any(f < min(gap) for f in carried) and any(f > max(gap) for f in carried), carried
    assert all(far.frames[f].flags == {"carried"} for f in carried)
    errors = {f: _error(far.frames[f].landmarks, truth[f][0]) for f in carried}
    drifted = {f: _error(before[f], truth[f][0]) for f in carried if f not in gap}
    assert max(errors.values()) < 3.0, errors  # the drifting fits were up to 25 % off
    assert np.mean([errors[f] for f in drifted]) < 0.25 * np.mean(list(drifted.values()))
    assert min(visible[f] for f in carried) >= 0.08, "a face all but gone is predicted, not carried"
    # The rest of the gap is bridged again from the carried ends, and lands nearer the truth than before.
    still = [f for f in gap if f not in carried]
    assert all({"predicted", "interpolated"} <= far.frames[f].flags for f in still)
    assert np.mean([_error(far.frames[f].landmarks, truth[f][0]) for f in gap]) < np.mean(
        [_error(before[f], truth[f][0]) for f in gap]
    )
    assert sorted(far.frames) == list(range(shot.frames[0], shot.frames[-1] + 1))


def test_a_face_under_something_that_moves_on_its_own_is_left_to_the_prediction():
    """The far face of ``cross`` with the near face untracked: nothing holds the near face out, the
    flow from each side is dragged along by it, the two carries part and the gap keeps its prediction."""
    shot = _shot("cross")
    far, _, _, _ = _tracks(shot)
    before = {f: (tf.landmarks.copy(), tf.flags) for f, tf in far.frames.items()}
    gap = [f for f, tf in far.frames.items() if "predicted" in tf.flags]
    a, b = gap[0] - 1, gap[-1] + 1
    pictures = _Pictures(shot)
    ahead = visible_flow.follow(pictures, far.frames[a].landmarks, list(range(a, b)), lambda f: [])
    back = visible_flow.follow(pictures, far.frames[b].landmarks, list(range(b, a, -1)), lambda f: [])
    met = sorted(set(ahead) & set(back))
    assert met, "both sides are followed into the gap"
    parted = np.median(
        [
            _error(
                geometry.apply(ahead[f].plate_from_anchor, far.frames[a].landmarks),
                geometry.apply(back[f].plate_from_anchor, far.frames[b].landmarks),
            )
            for f in met
        ]
    )
    assert parted > 100 * 2 * visible_flow.UNDER_AGREEMENT, parted
    assert visible_flow.carry([far], pictures) == {}
    assert all(
        np.array_equal(far.frames[f].landmarks, p) and far.frames[f].flags == fl for f, (p, fl) in before.items()
    )


@pytest.mark.parametrize("name", ["eyes", "mouth"])
def test_a_face_lost_under_an_object_is_carried_from_both_sides(name):
    """A landmark model that loses the face under the eye bar or the hand (as dlib does on the hard set,
    its gaps predicted 35-55 % of the IOD off mid-gap) gets the gap carried from both sides by the
    face's pixels, the bar's or the hand's own with them (they move with the face)."""
    shot = _shot(name)
    rng = np.random.default_rng(3)
    track = Track(1)
    truth = {f: shot.truth(f, SIZE, "dlib")[0] for f in shot.frames}
    hidden = [f for f in shot.frames if shot.actors[0].occluded(f)]
    for f in shot.frames:
        if f not in hidden:
            track.frames[f] = _frame(truth[f] + rng.normal(0, 0.4, (68, 2)))
    tracker.fill_gaps(track)
    predicted = {f: _error(track.frames[f].landmarks, truth[f]) for f in hidden}
    done = visible_flow.carry([track], _Pictures(shot))
    assert done == {1: hidden}
    assert all(track.frames[f].flags == {"carried"} for f in hidden)
    errors = {f: _error(track.frames[f].landmarks, truth[f]) for f in hidden}
    assert max(errors.values()) < 4.0 and np.mean(list(errors.values())) < 0.1 * np.mean(list(predicted.values())), (
        errors,
        predicted,
    )


def test_overlap_grows_the_others_outline():
    square = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]] * 17)
    assert not visible_flow.overlaps(square, [square + [40.0, 0.0]])
    assert visible_flow.overlaps(square, [square + [11.0, 0.0]])  # grown by COVER_GROWTH it reaches x = 9.5
    near = square + [13.5, 0.0]  # grown, x from 12
    assert not visible_flow.overlaps(square, [near])
    assert visible_flow.overlaps(square, [near], growth=visible_flow.ANCHOR_CLEARANCE)  # to x = 13


@functools.lru_cache(maxsize=128)
def _turned_sprite(yaw, backend):
    """Hopper's sprite with the face turned by ``yaw`` degrees in 3D, and its landmarks there (sprite pixels)."""
    from known_motion import turned_head
    from shots import SPRITES

    plate, move = turned_head("hopper", yaw)
    x0, y0, side = SPRITES["hopper"]
    rgb = np.ascontiguousarray(plate.pixels[y0 : y0 + side, x0 : x0 + side]).astype(np.float32)
    moved, _ = move(reference_landmarks("hopper", backend) + [x0, y0])
    return rgb, moved - [x0, y0]


@dataclasses.dataclass(frozen=True)
class _Turning(HardShot):
    """``cross`` with the far face turning 40 deg (yaw, in 3D) over the second it passes behind: not rigid."""

    def yaw(self, frame):
        return round(80.0 * min(1.0, max(0.0, (frame - 1026) / 24.0))) / 2

    def _composite(self, frame, when, size):
        rgb = background(*size)
        for i, actor in enumerate(self.actors):
            pixels, matte = sprite(actor.photo)
            if i == 0:
                pixels = _turned_sprite(self.yaw(frame), CONTENT)[0]
            m = geometry.opencv_matrix(actor.frame_from_sprite(self.time(when), size[1]))
            alpha = cv2.warpAffine(matte, m, size, flags=cv2.INTER_LINEAR)[:, :, None]
            rgb = rgb * (1 - alpha) + cv2.warpAffine(pixels, m, size, flags=cv2.INTER_LINEAR) * alpha
        return rgb.astype(np.float32)

    def truth(self, frame, size, backend):
        out = super().truth(frame, size, backend)
        moved = _turned_sprite(self.yaw(frame), backend or "mesh")[1]
        out[0] = geometry.apply(self.actors[0].frame_from_sprite(self.time(frame), size[1]), moved)
        return out


@pytest.mark.slow
def test_a_face_turning_behind_another_is_nearer_the_truth_carried_than_fitted(tmp_path, monkeypatch):
    """Tracked for real (mesh), with and without the carrying: a similarity cannot follow a turning head,
    so the carried frames drift as it turns, but less than the fits do. Measured: on the half-hidden frames
    before the gap 1.8-7.8 % of the IOD carried against 2.1-16 % fitted; the predicted frames 8-21 %
    against 18-148 % (the bridge started from drifting fits)."""
    from hard_figures import figures, track_shot

    shot = _Turning("turning", SHOTS["cross"].actors, count=FRAMES)
    served = {}
    for label in ("carried", "fitted"):
        if label == "fitted":
            monkeypatch.setattr(visible_flow, "carry", lambda tracks, pictures: {})
        result, _ = track_shot(shot, str(tmp_path / label), SIZE, backend="mesh")
        (far, near) = figures(shot, result.tracks, SIZE, (0.5,), backend="mesh")
        assert far.coverage >= 97.0 and far.tracks == 1 and far.id_switches == 0
        half_hidden = [e for f, e in zip(far.frames, far.stable[0.5]) if 1030 <= f <= 1038]
        served[label] = np.mean(half_hidden), far.predicted_error, far.stable_jitter[0.5]
    assert served["carried"][0] < 0.7 * served["fitted"][0], served
    assert served["carried"][1] < 0.5 * served["fitted"][1], served
    assert served["carried"][2] < served["fitted"][2], served


@dataclasses.dataclass(frozen=True)
class _Yawing(HardShot):
    """Hopper's face turning +-30 deg (yaw, in 3D) at 1 Hz while it nods: its pixels' flow is no similarity."""

    def yaw(self, frame):
        return round(60.0 * math.sin(TAU * self.time(frame))) / 2

    def _composite(self, frame, when, size):
        actor = self.actors[0]
        m = geometry.opencv_matrix(actor.frame_from_sprite(self.time(when), size[1]))
        alpha = cv2.warpAffine(sprite(actor.photo)[1], m, size, flags=cv2.INTER_LINEAR)[:, :, None]
        face = cv2.warpAffine(_turned_sprite(self.yaw(frame), CONTENT)[0], m, size, flags=cv2.INTER_LINEAR)
        return (background(*size) * (1 - alpha) + face * alpha).astype(np.float32)

    def truth(self, frame, size, backend):
        moved = _turned_sprite(self.yaw(frame), backend or "mesh")[1]
        return [geometry.apply(self.actors[0].frame_from_sprite(self.time(frame), size[1]), moved)]


def _nodding(t):
    return (
        0.89,
        0.5 + 0.05 * math.sin(TAU * 1.2 * t),
        1.0 + 0.1 * math.sin(TAU * 0.5 * t),
        8.0 * math.sin(TAU * 0.7 * t),
    )


@pytest.mark.slow
def test_a_head_turning_in_3d_is_served_no_worse_for_its_flow(tmp_path):
    """The stabiliser follows a face's flow only where that predicts its fits better than its motion
    alone (GCV): on a head turning +-30 deg at 1 Hz, where the flow is no similarity, the served
    landmarks are the same as without the flow (measured: 6.49 % of the IOD against raw 6.48 — the
    truth's jaw line under a turn is not the landmark model's — and jitter 1.71 against raw 2.07)."""
    from hard_figures import figures, track_shot

    from faceplate.nodes.facedetect.tracker import Track

    shot = _Yawing("yawing", (HardActor("hopper", _nodding),), count=FRAMES)
    result, _ = track_shot(shot, str(tmp_path), SIZE, backend="mesh")
    assert sum(tf.flow is not None for t in result.tracks for tf in t.frames.values()) > FRAMES // 2
    blind = [
        Track(t.id, {f: dataclasses.replace(tf, flow=None) for f, tf in t.frames.items()}, identity=t.identity)
        for t in result.tracks
    ]
    (seen,) = figures(shot, result.tracks, SIZE, (0.25, 0.5), backend="mesh")
    (unseen,) = figures(shot, blind, SIZE, (0.25, 0.5), backend="mesh")
    for s in (0.25, 0.5):
        assert seen.stable_error(s) <= unseen.stable_error(s) + 0.02, (s, seen.stable_error(s), unseen.stable_error(s))
        assert seen.stable_jitter[s] <= 1.05 * unseen.stable_jitter[s], (s, seen.stable_jitter, unseen.stable_jitter)
