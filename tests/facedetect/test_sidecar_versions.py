"""Tracks sidecar version 2 (the face mesh's 468 points and pose per detected frame), and version 1 still read."""

import json

import numpy as np
import pytest
from shots import shot_graph

from faceplate.foundation.errors import SequenceIOError
from faceplate.nodes.facedetect import sidecar
from faceplate.nodes.facedetect.tracker import Track, TrackFrame


def mesh_track(rng):
    track = Track(id=1, identity="person1")
    for f in (1, 2, 3):
        points = np.stack([np.linspace(200, 300, 68), np.linspace(150, 250, 68)], axis=1) + f
        mesh = np.c_[rng.uniform(190, 310, (468, 2)), rng.uniform(-40, 40, 468)]
        track.frames[f] = TrackFrame(
            np.array([200, 140, 310, 260.0]),
            0.9,
            points,
            np.full(68, 0.8),
            frozenset(),
            mesh=mesh if f != 2 else None,
            pose=(10.0 + f, -2.0, 3.5) if f != 2 else None,
        )
    return track


def test_version_2_keeps_the_mesh_and_the_pose(tmp_path, rng):
    track = mesh_track(rng)
    path = str(tmp_path / "tracks.json")
    sidecar.save(path, sidecar.to_json([track], header={"node": "FaceDetect1"}, identities={}))
    document = json.load(open(path))
    assert document["version"] == 2
    loaded = sidecar.load(path).tracks[0]
    np.testing.assert_allclose(loaded.frames[1].mesh, track.frames[1].mesh, atol=0.005)
    assert loaded.frames[2].mesh is None and loaded.frames[2].pose is None
    assert loaded.frames[3].pose == pytest.approx((13.0, -2.0, 3.5))


def test_version_1_files_are_still_read(tmp_path, rng):
    track = mesh_track(rng)
    document = sidecar.to_json([track], header={"node": "FaceDetect1"}, identities={})
    document["version"] = 1
    for frame in document["tracks"][0]["frames"].values():
        del frame["mesh"], frame["pose"]
    loaded = sidecar.parse(document, "old.json").tracks[0]
    assert loaded.frames[1].mesh is None and loaded.frames[1].pose is None
    np.testing.assert_allclose(loaded.frames[1].landmarks, track.frames[1].landmarks, atol=0.001)


def test_a_malformed_mesh_names_the_track_and_frame(rng):
    document = sidecar.to_json([mesh_track(rng)], header={"node": "FaceDetect1"}, identities={})
    document["tracks"][0]["frames"]["3"]["mesh"] = [[0, 0, 0]] * 10
    with pytest.raises(SequenceIOError, match="track 1, frame 3: 'mesh'"):
        sidecar.parse(document, "bad.json")


def test_the_node_hands_the_mesh_pose_to_downstream_faces(tmp_path, rng):
    graph = shot_graph(tmp_path, [], [1, 3])
    node = graph["FaceDetect1"]
    path = node.sidecar_path()
    sidecar.save(path, sidecar.to_json([mesh_track(rng)], header={"node": "FaceDetect1"}, identities={}))
    faces = graph.render(node, 3).metadata["faceplate/faces"]
    assert faces.faces[0].pose == pytest.approx((13.0, -2.0, 3.5))
    assert graph.render(node, 2).metadata["faceplate/faces"].faces[0].pose is None
