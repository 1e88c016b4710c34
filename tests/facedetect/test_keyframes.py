"""Keyframes: whole-frame searches on every Nth frame, faces followed in between, and nothing lost by it."""

import numpy as np
import pytest
from shots import Actor, linear_motion, render

from faceplate.foundation import geometry
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.facedetect.keyframes import KeyframeDetections, chunks
from faceplate.nodes.facedetect.tracker import Tracker


@pytest.fixture(scope="module")
def detector(dlib_backend):
    return Detector(dlib_backend, proxy_size=640)


def run(detector, actors, frames, every, first_index=0, fetched=None):
    """{frame: detections} of a run over ``frames``, and how many whole-frame searches it made."""
    keyframes = KeyframeDetections(
        detector,
        every,
        lambda f: (fetched.append(f) if fetched is not None else None, render(actors, f))[1],
        first_index,
    )
    out = {}
    for i, f in enumerate(frames):
        for frame, detections in keyframes.push(f, render(actors, f), last=i == len(frames) - 1):
            assert frame not in out
            out[frame] = detections
    assert sorted(out) == list(frames)
    return out, keyframes.searches


def landmark_error(actor, frame, detection, reference):
    """Mean distance of ``detection``'s landmarks from ``reference`` (sprite pixels) moved to ``frame``,
    over the inter-ocular distance."""
    expected = geometry.apply(actor.frame_from_sprite(frame), reference)
    iod = np.linalg.norm(expected[36:42].mean(0) - expected[42:48].mean(0))
    return np.linalg.norm(detection.landmarks - expected, axis=1).mean() / iod


def test_followed_faces_are_measured_as_well_as_searched_ones(detector):
    frames = list(range(1, 17))
    anna = Actor("astronaut", linear_motion(150, 170, 330, 190, frames, scale=1.2, angle=-8.0))
    searched, searches_1 = run(detector, [anna], frames, every=1)
    followed, searches_4 = run(detector, [anna], frames, every=4)
    assert (searches_1, searches_4) == (16, 5)  # frames 1, 5, 9, 13 and the last; the rest followed
    reference = np.mean(
        [geometry.apply(geometry.invert(anna.frame_from_sprite(f)), searched[f][0].landmarks) for f in frames], axis=0
    )
    errors = {
        name: [landmark_error(anna, f, dets[f][0], reference) for f in frames]
        for name, dets in (("searched", searched), ("followed", followed))
    }
    assert max(errors["followed"]) < 0.02, errors
    assert np.mean(errors["followed"]) < np.mean(errors["searched"]) + 0.003, errors
    for f in frames:  # a followed face's box is the detector's too: it agrees with a search's
        assert np.abs(np.subtract(followed[f][0].box, searched[f][0].box)).max() < 0.15 * (
            searched[f][0].box[2] - searched[f][0].box[0]
        )


def test_a_face_that_comes_into_view_between_keyframes_is_traced_back_to_its_first_frame(detector):
    frames = list(range(1, 17))
    anna = Actor("astronaut", lambda f: (200 + 3 * f, 180, 1.2, 0.0))
    bea = Actor("hopper", lambda f: (480, 180, 0.6, 0.0), visible=lambda f: f >= 7)
    fetched = []
    detections, searches = run(detector, [anna, bea], frames, every=4, fetched=fetched)
    assert searches == 5  # 7 is not a keyframe: the search on 9 finds the face, followed back to 7
    assert fetched == [8, 7, 6]  # plates fetched again to follow it back (6: where it is not yet)
    assert [len(detections[f]) for f in frames] == [1] * 6 + [2] * 10
    tracker = Tracker(detector.embed)
    for f in frames:
        tracker.update(f, detections[f])
    tracks = tracker.finish()
    assert sorted((t.first, t.last) for t in tracks) == [(1, 16), (7, 16)]
    assert all("interpolated" not in tf.flags for t in tracks for tf in t.frames.values())


def test_a_face_lost_between_keyframes_makes_that_frame_a_search(detector):
    frames = list(range(1, 13))
    anna = Actor("astronaut", lambda f: (200, 180, 1.2, 0.0), visible=lambda f: f < 7)
    bea = Actor("hopper", lambda f: (450, 180, 0.6, 0.0), visible=lambda f: f >= 7)  # a cut at 7
    detections, searches = run(detector, [anna, bea], frames, every=4)
    assert searches == 5  # 1, 5, 7 (anna lost: bea is found there at once), 9 and the last
    centres = {f: [(d.box[0] + d.box[2]) / 2 for d in detections[f]] for f in frames}
    assert all(len(c) == 1 and c[0] < 320 for f, c in centres.items() if f < 7)
    assert all(len(c) == 1 and c[0] > 320 for f, c in centres.items() if f >= 7)


def test_chunks_start_on_keyframes_and_cover_every_frame_once():
    for count in (1, 2, 7, 8, 9, 33, 100):
        for every in (1, 3, 4):
            parts = chunks(count, every, 2)
            assert parts[0][0] == 0 and parts[-1][1] == count - 1
            assert all(a % every == 0 for a, _ in parts)
            assert all(b == next_a for (_, b), (next_a, _) in zip(parts, parts[1:]))
            reported = [i for k, (a, b) in enumerate(parts) for i in range(a, b + (k == len(parts) - 1))]
            assert reported == list(range(count))


def test_a_chunk_gives_its_frames_the_detections_of_the_whole_run(detector):
    frames = list(range(1, 11))
    anna = Actor("astronaut", linear_motion(150, 170, 330, 190, frames, scale=1.2))
    bea = Actor("hopper", lambda f: (480, 180, 0.6, 0.0), visible=lambda f: f >= 6)
    whole, _ = run(detector, [anna, bea], frames, every=2)
    parts = chunks(len(frames), 2, 2)
    assert len(parts) == 3
    joined = {}
    for k, (a, b) in enumerate(parts):
        chunk, _ = run(detector, [anna, bea], frames[a : b + 1], every=2, first_index=a)
        if k < len(parts) - 1:
            del chunk[frames[b]]  # the next chunk's first frame: that chunk reports it
        joined.update(chunk)
    assert sorted(joined) == frames
    for f in frames:
        assert len(joined[f]) == len(whole[f])
        for a, b in zip(joined[f], whole[f]):
            np.testing.assert_array_equal(a.landmarks, b.landmarks)


def test_a_face_on_its_side_is_searched_and_followed_on_its_side(detector):
    # Before the rotation search also tried the next turn, the search found this face at 60 degrees on
    # frames 3, 7 and 8 and its landmarks settled 25-45 degrees off (28-51 % of the inter-ocular distance).
    frames = list(range(1, 11))
    anna = Actor("astronaut", linear_motion(250, 180, 380, 190, frames, scale=1.1, angle=90.0))
    upright = Actor("astronaut", lambda f: (320, 180, 1.1, 0.0))
    reference = geometry.apply(
        geometry.invert(upright.frame_from_sprite(1)), detector.find(render([upright], 1))[0].landmarks
    )
    for every, expected_searches in ((1, 10), (4, 4)):
        detections, searches = run(detector, [anna], frames, every=every)
        assert searches == expected_searches
        for f in frames:
            assert len(detections[f]) == 1 and "rotated" in detections[f][0].flags
            assert landmark_error(anna, f, detections[f][0], reference) < 0.02, (every, f)


def test_an_empty_plate_has_no_faces_and_no_picture_for_the_flow(detector):
    """The track pass's push makes each frame's picture for the flow from the detector's own proxy; a
    plate with an empty data window has neither faces nor a picture (and does not stop the pass)."""
    from faceplate.actions.parallel_detections import push
    from faceplate.nodes.plate import Plate

    keyframes = KeyframeDetections(detector, 8, lambda f: None)
    pictures = {}
    anna = Actor("astronaut", linear_motion(150, 170, 330, 190, [1, 2]))
    face = push(keyframes, 1, render([anna], 1), "FaceDetect1", False, pictures)
    empty = push(keyframes, 2, Plate(np.zeros((0, 0, 3), np.float32), ["R", "G", "B"]), "FaceDetect1", True, pictures)
    assert [f for f, _, _ in face + empty] == [1, 2] and pictures == {}
    (_, faces, picture), (_, none, nothing) = face + empty
    assert len(faces) == 1 and picture.image.ndim == 2 and none == [] and nothing is None
