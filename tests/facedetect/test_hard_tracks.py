"""Tracks on the hard shot set (:mod:`hard_shots`), scored against the exact truth (:mod:`hard_figures`).

On every shot and at every strength up to the default, stabilisation must not move the landmarks
farther from the truth than the raw measurements are (nor on a track's first and last frames), and
at the default it must take out at least two thirds of the jitter; every face visible at the start
and the end of a shot must be one track covering at least 97 % of the frames, through occlusions
and crossings, with no id switch. The shots are tracked at 640x360 (the faces' inter-ocular
distance is then 55-65 px) and cut to 72 frames (3 s at 24 fps), which still holds each occlusion;
the full set at 1920x1080 is ``tests/benchmarks/bench_hard_tracks.py``. Every shot is tracked with
both backends, each scored against its own view of the stills: the default ``mesh`` (it measures
faces through occluders, where ``dlib`` loses them) and ``dlib``. ``cross`` (a face passing behind
another) and ``eyes`` (1.5 s of an eye bar on a nodding, rolling head) with the default backend run
in the quick suite, the rest are marked slow (``--runslow``).
"""

import dataclasses
import json

import numpy as np
import pytest
from hard_figures import figures, track_shot
from hard_shots import SHOTS

SIZE = (640, 360)
FRAMES = 72
STRENGTHS = (0.0, 0.25, 0.5)
QUICK = ("cross", "eyes")


# Shots where the stabiliser misses the goals (held-out ones found after the work was done, not
# tuned away), per backend. Strict: a fix shows up as a failure here.
KNOWN_MISSES = {
    ("mesh", "duet"): "held out: the near face's track ends 1.60 vs raw 1.31 % IOD; the hand over its mouth "
    "pulls its fits 2-4 % IOD off gradually, not in a jump and back, so the fits are not set aside",
    ("dlib", "combo"): "dlib loses the near face under the 2 s eye bar (48 frames, the longest gap the carrying "
    "tries), and the carries from both sides do not bridge it, so it is measured on 24 of 72 frames (the test "
    "asks for half); both faces' jitter meets the goal (4.8x, 5.5x)",
    ("dlib", "blur_nod"): "held out: track ends 2.39 vs raw 2.29 % IOD at strength 0.5",
}
BACKENDS = ("mesh", "dlib")  # the default first: its quick shots run in the quick suite, the rest are slow


def shot_params(misses=None):
    params = []
    for backend in BACKENDS:
        for name in SHOTS:
            marks = [] if name in QUICK and backend == BACKENDS[0] else [pytest.mark.slow]
            if misses and (backend, name) in misses:
                marks.append(pytest.mark.xfail(reason=misses[backend, name], strict=True))
            params.append(pytest.param(backend, name, marks=marks, id=f"{backend}-{name}"))
    return params


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    """Per backend and shot name, ``(figures, result, graph)``, tracked once for the module."""
    done = {}

    def get(backend, name):
        if (backend, name) not in done:
            shot = dataclasses.replace(SHOTS[name], count=FRAMES)
            result, graph = track_shot(shot, str(tmp_path_factory.mktemp(name)), SIZE, backend=backend)
            done[backend, name] = figures(shot, result.tracks, SIZE, STRENGTHS, backend=backend), result, graph
        return done[backend, name]

    return get


@pytest.mark.parametrize("backend,name", shot_params(KNOWN_MISSES))
def test_stabilisation_is_never_farther_from_the_truth_than_raw(tracked, backend, name):
    figs, _, _ = tracked(backend, name)
    for fig in figs:
        assert len(fig.frames) >= 0.5 * FRAMES, f"{name}/{fig.actor}: only {len(fig.frames)} measured frames"
        for s in STRENGTHS:
            assert fig.stable_error(s) <= fig.raw_error, (name, fig.actor, s, fig.stable_error(s), fig.raw_error)
            assert fig.ends_stable[s] <= fig.ends_raw, (name, fig.actor, s, fig.ends_stable[s], fig.ends_raw)
        assert fig.raw_jitter >= 3.0 * fig.stable_jitter[0.5], (name, fig.actor, fig.raw_jitter, fig.stable_jitter)


@pytest.mark.parametrize("backend,name", shot_params())
def test_every_face_is_one_track_through_occlusions_and_crossings(tracked, backend, name):
    figs, result, _ = tracked(backend, name)
    for fig in figs:
        assert fig.coverage >= 97.0, (name, fig.actor, fig.coverage)
        assert fig.tracks == 1 and fig.id_switches == 0, (name, fig.actor, fig.tracks, fig.id_switches)
    assert len(result.tracks) == len(SHOTS[name].actors)
    assert len({t.identity for t in result.tracks}) == len(result.tracks)


def test_hidden_frames_are_predicted_flagged_with_falling_confidence_and_served(tracked):
    _, result, graph = tracked(BACKENDS[0], "cross")
    data = json.load(open(result.sidecar))
    hidden = [t for t in data["tracks"] if t["qc"]["predicted_frames"]]
    assert hidden, "the far face is hidden behind the near one: its track must carry predicted frames"
    track = hidden[0]
    first, last = track["qc"]["predicted"][0]
    gap = [track["frames"][str(f)] for f in range(first, last + 1)]
    assert all({"predicted", "interpolated"} <= set(face["flags"]) for face in gap)
    confidence = [np.mean(face["confidence"]) for face in gap]
    middle = len(gap) // 2
    if len(gap) >= 3:
        assert confidence[middle] < confidence[0] and confidence[middle] < confidence[-1]
    measured = np.mean(track["frames"][str(first - 1)]["confidence"])
    assert max(confidence) < measured
    assert data["fps"] == 24.0 and data["settings"]["max_gap"] == 3.0
    for t in data["tracks"]:
        assert set(t["qc"]) == {
            "jitter",
            "measured_frames",
            "predicted_frames",
            "predicted",
            "outlier_frames",
            "carried",
            "strength",
        }
        assert t["qc"]["measured_frames"] + t["qc"]["predicted_frames"] == len(t["frames"])
    served = graph.render("FaceDetect1", first + middle).metadata["faceplate/faces"]
    face = served.track(track["id"])
    assert face is not None and "predicted" in face.flags


def test_frame_rate_comes_from_the_plate_or_defaults_to_24():
    from faceplate.actions.shot_tracking import DEFAULT_FPS, frame_rate
    from faceplate.nodes.plate import Plate

    plate = Plate(np.zeros((2, 2, 3), np.float32), ["R", "G", "B"])
    assert frame_rate(plate) == DEFAULT_FPS == 24.0
    assert frame_rate(plate.replace(metadata={"FramesPerSecond": (30000, 1001)})) == pytest.approx(29.97, abs=0.01)
    assert frame_rate(plate.replace(metadata={"FramesPerSecond": (25, 0)})) == DEFAULT_FPS


def test_the_contact_sheet_shows_the_qc_and_which_frames_were_predicted(tracked):
    from faceplate.nodes.facedetect import contact_sheet
    from faceplate.nodes.facedetect.stabilise import stabilise_track
    from faceplate.nodes.facedetect.track_qc import track_qc

    _, result, _ = tracked(BACKENDS[0], "cross")
    hidden = next(t for t in result.tracks if any("predicted" in tf.flags for tf in t.frames.values()))
    faces = stabilise_track(hidden, strength=0.5)
    qc = track_qc(hidden, faces, 0.5)
    sheet = contact_sheet.render_sheet(hidden, faces, {}, qc)
    strip = sheet[contact_sheet.STRIP[0] : contact_sheet.STRIP[1]]
    orange = np.all(strip == contact_sheet.STRIP_COLOURS["predicted"], axis=2).any(axis=0)
    grey = np.all(strip == contact_sheet.STRIP_COLOURS["measured"], axis=2).any(axis=0)
    blue = np.all(strip == contact_sheet.STRIP_COLOURS["carried"], axis=2).any(axis=0)
    predicted = sum("predicted" in tf.flags for tf in hidden.frames.values())
    carried = sum("carried" in tf.flags for tf in hidden.frames.values())
    span = hidden.last - hidden.first + 1
    every = orange.sum() + grey.sum() + blue.sum()
    assert abs(orange.sum() / every - predicted / span) < 0.05
    assert carried and abs(blue.sum() / every - carried / span) < 0.05
    assert qc["predicted_frames"] == predicted and qc["jitter"] > 0
