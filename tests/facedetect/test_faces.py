"""Faces: the per-frame face data attached to plates (immutability, JSON round trip, validation)."""

import dataclasses

import numpy as np
import pytest

from faceplate.foundation.errors import FaceplateError
from faceplate.nodes.faces import METADATA_KEY, Face, Faces


def make_face(track_id=1, **changes):
    fields = dict(
        track_id=track_id,
        identity="person1",
        box=(10.0, 20.0, 110.0, 140.0),
        landmarks=np.arange(136, dtype=float).reshape(68, 2),
        confidence=np.linspace(0, 1, 68),
        score=1.25,
        flags={"profile"},
        pose=(10.0, -5.0, 2.0),
    )
    fields.update(changes)
    return Face(**fields)


def test_json_round_trip_is_exact():
    faces = Faces(1001, (make_face(2), make_face(1, aligned_from_plate=np.eye(2, 3))))
    again = Faces.from_json(faces.to_json())
    assert again == faces
    assert [f.track_id for f in again] == [1, 2]  # ordered by track id
    np.testing.assert_array_equal(again.track(1).aligned_from_plate, np.eye(2, 3))
    assert again.track(3) is None and METADATA_KEY == "faceplate/faces"


def test_faces_are_immutable():
    face = make_face()
    with pytest.raises(dataclasses.FrozenInstanceError):
        face.identity = "someone else"
    points = face.landmarks
    assert not points.flags.writeable
    with pytest.raises(ValueError):
        points[0, 0] = 5.0
    assert face.replace(identity="anna").identity == "anna" and face.identity == "person1"


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(landmarks=np.zeros((5, 2))), r"landmarks: expected shape \(68, 2\), got \(5, 2\)"),
        (dict(confidence=np.full(68, 2.0)), r"confidence: values must lie in \[0, 1\]"),
        (dict(box=(10, 10, 0, 0)), "min <= max"),
        (dict(flags={"sparkly"}), "sparkly"),
        (dict(landmarks=np.full((68, 2), np.nan)), "finite"),
    ],
)
def test_bad_fields_name_what_is_wrong(changes, message):
    with pytest.raises(FaceplateError, match=message):
        make_face(**changes)


def test_from_json_refuses_other_documents():
    with pytest.raises(FaceplateError, match="not JSON"):
        Faces.from_json("{")
    with pytest.raises(FaceplateError, match="version 9 is not supported"):
        Faces.from_json('{"format": "faceplate-faces", "version": 9, "frame": 1}')


def test_inter_ocular_distance():
    points = np.zeros((68, 2))
    points[36:42] = (10, 50)
    points[42:48] = (70, 50)
    assert make_face(landmarks=points).inter_ocular == pytest.approx(60.0)
