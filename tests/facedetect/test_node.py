"""The FaceDetect node: hash contract, sidecar handling and validation, overlay layer."""

import json

import numpy as np
import pytest
from shots import shot_graph

from faceplate.foundation.errors import RenderError, SequenceIOError
from faceplate.nodes.facedetect import sidecar
from faceplate.nodes.facedetect.overlay import OVERLAY_CHANNELS
from faceplate.nodes.facedetect.tracker import Track, TrackFrame
from faceplate.nodes.faces import Faces


def fake_track(track_id=1, frames=range(1, 6), x=200.0):
    track = Track(id=track_id, identity=f"person{track_id}")
    for f in frames:
        points = np.stack([np.linspace(x, x + 100, 68), np.linspace(150, 250, 68)], axis=1) + f
        track.frames[f] = TrackFrame(
            np.array([x, 140, x + 110, 260.0]) + f,
            1.5,
            points,
            np.full(68, 0.9),
            frozenset({"interpolated"} if f == 3 else ()),
        )
    return track


def write_sidecar(graph, tracks):
    path = graph["FaceDetect1"].sidecar_path()
    sidecar.save(path, sidecar.to_json(tracks, header={"node": "FaceDetect1"}, identities={}))
    return path


@pytest.fixture
def graph(tmp_path):
    return shot_graph(tmp_path, [], [1, 5])


def test_without_a_sidecar_the_plate_passes_through(graph):
    node = graph["FaceDetect1"]
    assert node.hash(1) == graph["Plate"].hash(1)
    plate = graph.render(node, 1)
    assert "faceplate/faces" not in plate.metadata
    node["missing_tracks"] = "error"
    with pytest.raises(SequenceIOError, match=r"FaceDetect1\.json \(frame 1\).*faceplate track"):
        graph.render(node, 1)


def test_faces_come_from_the_sidecar_and_pixels_pass_through(graph):
    write_sidecar(graph, [fake_track(1), fake_track(2, x=400.0)])
    plate = graph.render("FaceDetect1", 4)
    faces = plate.metadata["faceplate/faces"]
    assert isinstance(faces, Faces) and [f.track_id for f in faces] == [1, 2]
    assert [f.identity for f in faces] == ["person1", "person2"]
    np.testing.assert_array_equal(plate.pixels, graph.render("Plate", 4).pixels)
    assert "interpolated" in graph.render("FaceDetect1", 3).metadata["faceplate/faces"].faces[0].flags
    assert len(graph.render("FaceDetect1", 9).metadata["faceplate/faces"]) == 0  # no track there


def test_hash_covers_the_sidecar_and_output_knobs_only(graph):
    node = graph["FaceDetect1"]
    write_sidecar(graph, [fake_track(1)])
    before = node.hash(2)
    assert node.hash(2) == before
    node["score_threshold"] = 0.9  # track only: does not change a render
    node["proxy_size"] = 480
    assert node.hash(2) == before
    node["strength"] = 0.2
    assert node.hash(2) != before
    node["strength"] = 0.5
    assert node.hash(2) == before
    write_sidecar(graph, [fake_track(1, x=210.0)])
    assert node.hash(2) != before
    node["lock_frames"] = "2"
    node["overlay"] = True
    graph.render(node, 2)  # the graph checks that compute read nothing its hash misses


def test_lock_frames_must_be_frames(graph):
    write_sidecar(graph, [fake_track(1)])
    graph["FaceDetect1"]["lock_frames"] = "10-oops"
    with pytest.raises(Exception, match="lock_frames"):
        graph.render("FaceDetect1", 1)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d.update(version=7), "version 7 is not supported"),
        (lambda d: d.update(format="other"), "faceplate-tracks"),
        (lambda d: d["tracks"][0]["frames"]["2"].update(landmarks=[[0, 0]] * 5), r"track 1, frame 2: 'landmarks'"),
        (lambda d: d["tracks"][0]["frames"]["4"].update(flags=["shiny"]), r"track 1, frame 4: 'flags'"),
        (lambda d: d["tracks"].append(dict(d["tracks"][0])), "track 1 appears twice"),
    ],
)
def test_a_bad_sidecar_is_an_error_naming_the_file_track_and_frame(graph, edit, message):
    path = write_sidecar(graph, [fake_track(1)])
    data = json.load(open(path))
    edit(data)
    json.dump(data, open(path, "w"))
    with pytest.raises((SequenceIOError, RenderError), match=message) as error:
        graph.render("FaceDetect1", 1)
    assert path in str(error.value)


def test_a_sidecar_that_is_not_json_names_the_file(graph):
    path = write_sidecar(graph, [fake_track(1)])
    open(path, "w").write("{ nope")
    with pytest.raises(SequenceIOError, match="cannot read the tracks sidecar") as error:
        graph.render("FaceDetect1", 1)
    assert path in str(error.value)


def test_overlay_draws_boxes_and_landmarks_into_a_viewer_layer(graph):
    write_sidecar(graph, [fake_track(1)])
    node = graph["FaceDetect1"]
    node["overlay"] = True
    plate = graph.render(node, 2)
    assert plate.channels[-4:] == OVERLAY_CHANNELS and plate.channels[:4] == ("R", "G", "B", "A")
    alpha = plate.channel("overlay.A")
    face = plate.metadata["faceplate/faces"].faces[0]
    x, y = np.rint(face.landmarks[30] - 0.5).astype(int)
    assert alpha[y, x] > 0.5  # a landmark dot
    x0, y0 = np.rint(np.array(face.box[:2]) - 0.5).astype(int)
    assert alpha[y0, x0 + 20] > 0.5  # the box's top edge
    assert alpha.mean() < 0.05
    np.testing.assert_array_equal(plate.pixels[:, :, :4], graph.render("Plate", 2).pixels)
