"""Detection on single linear plates: known affine motion, rotations, windows, several and small faces."""

import numpy as np
import pytest
from shots import Actor, photo_plate, render, warp_plate

from faceplate.foundation import geometry
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.plate import Box2i, Plate

TOLERANCE = 0.02  # of the inter-ocular distance


@pytest.fixture(scope="module")
def detector(dlib_backend):
    return Detector(dlib_backend, proxy_size=640)


def inter_ocular(points):
    return float(np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0)))


@pytest.mark.parametrize("name", ["astronaut", "hopper"])
@pytest.mark.parametrize(
    "scale, angle, shift",
    [
        (1.0, 0.0, (0.25, 0.0)),  # a quarter-pixel shift: catches half-pixel convention slips
        (1.2, 10.0, (-30.0, 15.0)),
        (0.8, -20.0, (25.0, 10.0)),
        (1.0, 90.0, (0.0, 0.0)),  # found only by the rotation search
        (0.9, 180.0, (0.0, 0.0)),  # upside down
    ],
)
def test_landmarks_follow_a_known_affine_transform(detector, name, scale, angle, shift):
    plate = photo_plate(name)
    before = detector.find(plate)
    assert len(before) == 1
    w, h = plate.width, plate.height
    moved_from_plate = geometry.similarity((w / 2, h / 2), (w / 2 + shift[0], h / 2 + shift[1]), scale, angle)
    after = detector.find(warp_plate(plate, moved_from_plate, (w, h)))
    assert len(after) == 1
    expected = geometry.apply(moved_from_plate, before[0].landmarks)
    error = np.linalg.norm(after[0].landmarks - expected, axis=1).mean() / inter_ocular(expected)
    assert error < TOLERANCE, f"mean landmark error {error:.2%} of the inter-ocular distance"
    assert ("rotated" in after[0].flags) == (abs(angle) >= 45)


def test_the_plate_is_not_changed(detector):
    plate = photo_plate("astronaut")
    before = plate.pixels.copy()
    detector.find(plate)
    np.testing.assert_array_equal(plate.pixels, before)


def test_landmarks_are_in_plate_pixels_of_the_data_window(detector):
    plate = photo_plate("astronaut")
    shifted = Plate(
        plate.pixels,
        plate.channels,
        data_window=Box2i.from_size(plate.width, plate.height, 100, -50),
        display_window=Box2i.from_size(800, 600),
    )
    a, b = detector.find(plate)[0], detector.find(shifted)[0]
    np.testing.assert_allclose(b.landmarks - a.landmarks, np.broadcast_to([100, -50], (68, 2)), atol=1e-6)
    np.testing.assert_allclose(np.subtract(b.box, a.box), [100, -50, 100, -50], atol=1e-6)


def test_landmarks_sit_on_full_resolution_pixels_whatever_the_proxy(dlib_backend):
    plate = photo_plate("hopper")  # 512x600, a face of about 215 pixels: still found at half size
    fine = Detector(dlib_backend, proxy_size=600).find(plate)[0]
    coarse = Detector(dlib_backend, proxy_size=300).find(plate)[0]
    error = np.linalg.norm(fine.landmarks - coarse.landmarks, axis=1).mean() / inter_ocular(fine.landmarks)
    assert error < TOLERANCE


def test_several_faces_per_frame_and_an_empty_frame(detector):
    actors = [Actor("astronaut", lambda f: (170, 180, 1.2, 0.0)), Actor("hopper", lambda f: (470, 180, 0.5, 0.0))]
    found = detector.find(render(actors, 1))
    assert len(found) == 2
    centres = sorted((d.box[0] + d.box[2]) / 2 for d in found)
    assert abs(centres[0] - 170) < 20 and abs(centres[1] - 470) < 20
    assert detector.find(render([], 1)) == []


def test_small_faces_need_a_larger_proxy(dlib_backend):
    plate = render([Actor("astronaut", lambda f: (320, 180, 0.6, 0.0))], 1)  # a face about 53 pixels tall
    assert Detector(dlib_backend, proxy_size=640).find(plate) == []
    found = Detector(dlib_backend, proxy_size=1280).find(plate)
    assert len(found) == 1 and 40 < found[0].box[2] - found[0].box[0] < 70


def test_score_threshold_and_per_point_confidence(dlib_backend):
    plate = photo_plate("astronaut")
    face = Detector(dlib_backend, threshold=0.5).find(plate)[0]
    assert face.score > 1.0 and face.confidence.shape == (68,)
    assert 0.0 <= face.confidence.min() and face.confidence.max() <= 1.0
    assert face.confidence[36:48].mean() > face.confidence[0:17].mean()  # eyes are surer than the jaw line
    assert Detector(dlib_backend, threshold=3.0).find(plate) == []


def test_rotation_search_can_be_turned_off(dlib_backend):
    plate = photo_plate("astronaut")
    upside_down = Plate(np.ascontiguousarray(plate.pixels[::-1, ::-1]), plate.channels)
    assert Detector(dlib_backend, rotation_search="off").find(upside_down) == []
    assert len(Detector(dlib_backend, rotation_search="quarter turns").find(upside_down)) == 1


def test_detection_sees_display_referred_pixels(dlib_backend):
    """A plate 8 stops under is found with the exposure knob (detection only: the plate is not changed)."""
    plate = photo_plate("astronaut")
    dark = Plate(plate.pixels * np.float32(2**-8), plate.channels)
    before = dark.pixels.copy()
    assert Detector(dlib_backend, rotation_search="off").find(dark) == []
    assert len(Detector(dlib_backend, exposure=8.0).find(dark)) == 1
    np.testing.assert_array_equal(dark.pixels, before)
