"""The mesh backend (BlazeFace + the 468-point face mesh on ONNX Runtime): detection, the 68-point
mapping, pose, confidence, missing and corrupt model files."""

import numpy as np
import pytest
from known_motion import inter_ocular, turned_head
from shots import photo_plate, warp_plate

from faceplate.foundation import geometry
from faceplate.foundation.errors import ModelError
from faceplate.models import registry
from faceplate.models.cards import BLAZEFACE, FACE_MESH
from faceplate.nodes.facedetect import blazeface, detect, mesh_geometry
from faceplate.nodes.facedetect.detect import Detector, landmark_box
from faceplate.nodes.facedetect.keyframes import KeyframeDetections


@pytest.fixture(scope="module")
def mesh_detector(mesh_backend):
    return Detector(mesh_backend, proxy_size=640)


def test_anchors_follow_the_published_layout():
    a = blazeface.anchors()
    assert a.shape == (896, 2)
    np.testing.assert_allclose(a[0], [0.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(a[1], a[0])  # two anchors per cell on the 16 x 16 layer
    np.testing.assert_allclose(a[512], [0.5 / 8, 0.5 / 8])
    np.testing.assert_allclose(a[-1], [7.5 / 8, 7.5 / 8])


def test_windows_cover_the_image_at_the_scales_small_faces_need():
    squares = blazeface.windows(960, 540)
    assert squares[0] == (0.0, -210.0, 960.0)  # the whole image, letterboxed
    halves = [s for s in squares if s[2] == 480.0]
    assert halves and blazeface.FACE_FRACTION * 480.0 <= blazeface.MIN_FACE
    covered = np.zeros((540, 960), bool)
    for x0, y0, side in halves:
        covered[int(max(y0, 0)) : int(y0 + side), int(x0) : int(x0 + side)] = True
    assert covered.all()
    side = round(detect.CONFIRMED_SEARCH_SPAN * detect.SEARCH_SIDE)
    assert blazeface.windows(side, side) == [(0.0, 0.0, float(side))]  # a followed face's search crop: one window


def test_merge_keeps_one_face_per_cluster_weighted_by_score():
    kp = np.zeros((6, 2))
    faces = [
        blazeface.Face(np.array([0, 0, 10, 10.0]), 0.9, kp),
        blazeface.Face(np.array([1, 0, 11, 10.0]), 0.3, kp),
        blazeface.Face(np.array([50, 50, 60, 60.0]), 0.6, kp),
    ]
    merged = blazeface.merge(faces)
    assert len(merged) == 2 and merged[0].score == 0.9
    np.testing.assert_allclose(merged[0].box, [0.25, 0, 10.25, 10])


@pytest.mark.parametrize("name", ["astronaut", "hopper"])
@pytest.mark.parametrize("angle", [0.0, 30.0, 60.0, 90.0, 135.0, 180.0, -90.0])
def test_one_face_at_every_roll_with_the_pose_turning_alike(mesh_detector, name, angle):
    plate = photo_plate(name)
    (upright,) = mesh_detector.find(plate)
    w, h = plate.width, plate.height
    moved_from_plate = geometry.similarity((w / 2, h / 2), (w / 2, h / 2), 1.0, angle)
    (after,) = mesh_detector.find(warp_plate(plate, moved_from_plate, (w, h)))
    expected = geometry.apply(moved_from_plate, upright.landmarks)
    assert np.linalg.norm(after.landmarks - expected, axis=1).mean() / inter_ocular(expected) < 0.03
    # The mesh's own 3D pose turns with the face (geometry.similarity turns counter-clockwise on screen).
    assert abs(geometry.wrap_degrees(after.pose[2] - (upright.pose[2] - angle))) < 3.0
    assert after.mesh.shape == (468, 3) and 0.5 <= after.presence <= 1.0
    assert 0.0 <= after.confidence.min() and after.confidence.max() <= 1.0


@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_the_68_points_land_where_dlib_puts_them(mesh_detector, dlib_backend, name):
    """The mapping was fitted on the astronaut; hopper was kept aside (docs/facedetect.md)."""
    plate = photo_plate(name)
    (mesh,) = mesh_detector.find(plate)
    (dlib,) = Detector(dlib_backend, proxy_size=640).find(plate)
    error = np.linalg.norm(mesh.landmarks - dlib.landmarks, axis=1) / inter_ocular(dlib.landmarks)
    assert error.mean() < (0.02 if name == "astronaut" else 0.07)
    assert np.median(error) < 0.06


def test_confidence_falls_where_the_surface_turns_away(mesh_detector):
    (found,) = mesh_detector.find(photo_plate("hopper"))
    inner = found.confidence[np.r_[27:31, 36:48]]  # nose bridge and eyes face the camera
    outline = found.confidence[np.r_[0:3, 14:17]]  # the upper jaw line turns away from it
    assert inner.min() > 0.8 and outline.mean() < inner.mean() - 0.2
    plate, _ = turned_head("hopper", 45.0)  # the face turned towards the image's right
    (turned,) = mesh_detector.find(plate)
    assert turned.confidence[0:4].mean() > turned.confidence[13:17].mean() + 0.15  # the far jaw line is guessed


def test_topology_mirror_is_an_involution():
    topo = mesh_geometry.topology()
    mirror = topo["mirror"]
    assert (mirror[mirror] == np.arange(468)).mean() > 0.65  # measured: 0.71 (nearest-vertex pairs)
    assert 10 < (mirror == np.arange(468)).sum() < 40  # the midline's vertices (measured: 24)


def test_missing_models_name_the_path_and_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(registry.FACE_MESH_ENV_VAR, str(tmp_path))
    with pytest.raises(ModelError, match=registry.FACE_MESH_ENV_VAR) as info:
        registry.locate(FACE_MESH)
    assert str(tmp_path / FACE_MESH.file) in str(info.value)


def test_a_corrupt_model_is_refused(tmp_path, monkeypatch):
    (tmp_path / BLAZEFACE.file).write_bytes(b"not a model")
    monkeypatch.setenv(registry.FACE_MESH_ENV_VAR, str(tmp_path))
    with pytest.raises(ModelError, match="sha256"):
        registry.locate(BLAZEFACE)


def test_a_small_face_moving_fast_is_followed_on_every_frame(tmp_path, mesh_backend):
    # The viewer tests' shot: a 75-pixel face at 640x360 jumping up to half its size a frame. Moved on by
    # its motion, the crop once sat 0.45 of a side off the face, and the mesh fitted a face that was not
    # there (presence 1.0): the detector's search around it now places the crop.
    from faceplate.actions.demo.shot import ShotSpec, write_shot
    from faceplate.nodes.io import read_image

    frames = range(1001, 1007)
    write_shot(ShotSpec("astronaut", (640, 360), (1001, 1006), occluder=None), str(tmp_path / "shot.####.exr"))
    plates = {f: read_image(str(tmp_path / f"shot.{f:04d}.exr")) for f in frames}
    detector = Detector(mesh_backend, proxy_size=960)
    run = KeyframeDetections(detector, 8, plates.__getitem__)
    followed = {}
    for f in frames:
        followed.update(run.push(f, plates[f], last=f == 1006))
    assert run.searches == 2  # the first and last frames: every other frame followed
    for f in frames:
        (searched,) = detector.find(plates[f])
        assert len(followed[f]) == 1, f
        centre, side = landmark_box(searched.landmarks)
        assert np.linalg.norm(landmark_box(followed[f][0].landmarks)[0] - centre) < 0.1 * side, f


def test_a_steady_face_is_followed_by_the_mesh_alone(mesh_detector, monkeypatch):
    # A face moving 3 pixels a frame: once its motion is known (from the second followed frame on) BlazeFace
    # is not run around it, and the followed landmarks are where a whole-frame search puts them.
    from shots import Actor, render

    anna = Actor("astronaut", lambda f: (200 + 3 * f, 180, 1.2, 0.0))
    frames = range(1, 9)
    calls = []
    detect_faces = mesh_detector.backend.detect
    monkeypatch.setattr(mesh_detector.backend, "detect", lambda image: calls.append(1) or detect_faces(image))
    run = KeyframeDetections(mesh_detector, 8, lambda f: render([anna], f))
    followed, detector_runs = {}, {}
    for f in frames:
        before = len(calls)
        followed.update(run.push(f, render([anna], f), last=f == 8))
        detector_runs[f] = len(calls) - before
    assert run.searches == 2  # the first and last frames
    assert detector_runs[2] == 1  # the first followed frame: its motion not known yet, searched around it
    assert [detector_runs[f] for f in range(3, 8)] == [0] * 5
    monkeypatch.undo()
    for f in frames:
        (searched,) = mesh_detector.find(render([anna], f))
        (face,) = followed[f]
        error = np.linalg.norm(face.landmarks - searched.landmarks, axis=1).mean() / inter_ocular(searched.landmarks)
        assert error < 0.01, f  # measured: 0.002-0.008 of the inter-ocular distance


def test_a_face_coming_into_view_is_found_at_the_next_search_and_traced_back(mesh_detector):
    # With the mesh following steady faces on its own, a face that comes into view between searches is
    # found by the next whole-frame search (at most detect_every = 8 frames later) and followed back to
    # the frame where it appeared.
    from shots import Actor, render

    anna = Actor("astronaut", lambda f: (200 + 3 * f, 180, 1.2, 0.0))
    bea = Actor("hopper", lambda f: (480, 180, 0.6, 0.0), visible=lambda f: f >= 4)
    frames = range(1, 17)
    run = KeyframeDetections(mesh_detector, 8, lambda f: render([anna, bea], f))
    found = {}
    for f in frames:
        found.update(run.push(f, render([anna, bea], f), last=f == 16))
    assert run.searches == 3  # 1, 9 (finds her, 5 frames after she came into view) and 16
    assert [len(found[f]) for f in frames] == [1] * 3 + [2] * 13
