"""The native evaluation of dlib's 68-point landmark model gives dlib's own points, box for box."""

import dlib
import matplotlib.cbook
import numpy as np
import pytest
from PIL import Image
from skimage import data

from faceplate import _native
from faceplate.models import registry
from faceplate.models.cards import DLIB_LANDMARKS_68


@pytest.fixture(scope="module")
def model_path():
    return registry.locate(DLIB_LANDMARKS_68)


@pytest.fixture(scope="module")
def predictors(model_path):
    return _native.ShapePredictor(model_path), dlib.shape_predictor(model_path)


def photos():
    hopper = np.asarray(Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")).convert("RGB"))
    return {"astronaut": np.ascontiguousarray(data.astronaut()), "hopper": np.ascontiguousarray(hopper)}


@pytest.mark.parametrize("name", ["astronaut", "hopper"])
def test_points_are_dlibs_for_boxes_around_and_off_the_face(predictors, name):
    ours, theirs = predictors
    image = photos()[name]
    face = dlib.get_frontal_face_detector()(image)[0]
    rng = np.random.default_rng(1)
    boxes = []
    for _ in range(60):  # shifted, scaled, and some hanging off the image
        side = face.width() * rng.uniform(0.6, 1.5)
        left, top = (np.array([face.left(), face.top()]) + rng.uniform(-0.5, 0.5, 2) * face.width()).astype(int)
        boxes.append((left, top, int(left + side), int(top + side)))
    boxes.append((-80, -60, 90, 110))
    got = ours.predict(image, np.array(boxes, np.int64))
    assert got.shape == (len(boxes), 68, 2) and ours.num_parts == 68
    for i, box in enumerate(boxes):
        expected = np.array([(p.x, p.y) for p in theirs(image, dlib.rectangle(*map(int, box))).parts()])
        np.testing.assert_array_equal(got[i], expected, err_msg=f"box {box}")


def test_a_grey_image_reads_as_rgb_intensity(predictors):
    ours, _ = predictors
    image = photos()["astronaut"]
    grey = np.ascontiguousarray((image.astype(np.uint16).sum(axis=2) // 3).astype(np.uint8))
    boxes = np.array([[180, 60, 300, 180], [170, 50, 310, 190]], np.int64)
    np.testing.assert_array_equal(ours.predict(grey, boxes), ours.predict(image, boxes))


def test_bad_files_and_arguments_are_clear_errors(tmp_path, predictors, model_path):
    ours, _ = predictors
    with pytest.raises(ValueError, match="cannot be opened"):
        _native.ShapePredictor(str(tmp_path / "missing.dat"))
    truncated = tmp_path / "truncated.dat"
    truncated.write_bytes(open(model_path, "rb").read(100_000))
    with pytest.raises(
        ValueError, match=r"truncated\.dat: not a dlib shape predictor, or damaged: the file ends early"
    ):
        _native.ShapePredictor(str(truncated))
    image = photos()["astronaut"]
    with pytest.raises(ValueError, match=r"image: expected \(H, W\) or \(H, W, 3\) uint8"):
        ours.predict(image.astype(np.float32), np.zeros((1, 4), np.int64))
    with pytest.raises(ValueError, match=r"boxes: expected \(N, 4\) int64"):
        ours.predict(image, np.zeros((1, 3), np.int64))
    with pytest.raises(ValueError, match="row 0 is empty"):
        ours.predict(image, np.array([[10, 10, 10, 40]], np.int64))
