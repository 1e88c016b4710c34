"""faceplate.foundation.imaging.paste_back (CPU): reference agreement, footprint-only writes, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import reference
from native_cases import similarity, smooth_image
from tolerance import EXACT, NEAREST, assert_images_close

from faceplate.foundation.errors import NativeError
from faceplate.foundation.imaging import paste_back

SENTINEL = np.float32(-3.25)  # out of the images' [0, 1] range, exactly representable


def face_and_matte(h=32, w=28, channels=3, seed=3):
    face = smooth_image(h, w, channels, seed=seed)
    yy, xx = np.mgrid[0:h, 0:w]
    # A soft elliptical matte: 0 at the crop's corners, 1 in the middle, a ramp between.
    r = np.hypot((xx + 0.5 - w / 2) / (w / 2), (yy + 0.5 - h / 2) / (h / 2))
    matte = np.clip((1.0 - r) * 3.0, 0.0, 1.0).astype(np.float32)
    return face, matte


def aligned_from_plate_affine():
    # The crop sits rotated and scaled around plate position (70, 45).
    plate_from_aligned = similarity(21.0, 1.6, 70.0 - 14.0, 45.0 - 16.0, centre=(14.0, 16.0))
    return np.linalg.inv(reference.as3x3(plate_from_aligned))


AFFINE = aligned_from_plate_affine()
PERSPECTIVE = AFFINE @ np.array([[1.0, 0.05, 0.0], [0.02, 1.0, 0.0], [4e-4, -3e-4, 1.0]])


def expected_box(aligned_from_plate, face_shape, plate_shape, reach):
    """Plate pixels whose centre maps within reach of the crop, as a box."""
    h, w = plate_shape[:2]
    ys, xs = np.mgrid[0:h, 0:w] + 0.5
    q = aligned_from_plate @ np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    qx, qy = q[0] / q[2], q[1] / q[2]
    inside = ((qx > -reach) & (qx < face_shape[1] + reach) & (qy > -reach) & (qy < face_shape[0] + reach)).reshape(h, w)
    rows, cols = np.nonzero(inside)
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1


@pytest.mark.parametrize("matrix", [AFFINE, PERSPECTIVE], ids=["affine", "perspective"])
@pytest.mark.parametrize("filter", ["nearest", "bilinear", "bicubic"])
def test_matches_reference_and_touches_only_the_footprint(matrix, filter):
    face, matte = face_and_matte()
    plate = smooth_image(90, 140, 4, seed=9)
    plate[::7, ::5] = SENTINEL  # sentinels inside and outside the footprint
    before = plate.copy()
    box = paste_back(plate, face, matte, matrix, filter=filter)
    x0, y0, x1, y1 = box
    assert 0 <= x0 < x1 <= 140 and 0 <= y0 < y1 <= 90
    # The box is the footprint, not the frame, and it contains every pixel the crop can reach.
    ex0, ey0, ex1, ey1 = expected_box(
        matrix, face.shape, plate.shape, {"nearest": 0.0, "bilinear": 0.5, "bicubic": 1.5}[filter]
    )
    assert x0 <= ex0 and y0 <= ey0 and x1 >= ex1 and y1 >= ey1
    assert (x1 - x0) * (y1 - y0) < 0.5 * 140 * 90
    outside = np.ones(plate.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(plate[outside].view(np.uint32), before[outside].view(np.uint32))
    # Inside: the matte-weighted over of the reference; the alpha channel (3) is not a face channel.
    expected = reference.paste_back(before, face, matte, matrix, filter)
    assert_images_close(plate, expected, NEAREST if filter == "nearest" else EXACT)
    assert np.array_equal(plate[..., 3].view(np.uint32), before[..., 3].view(np.uint32))
    assert not np.array_equal(plate, before)


def test_channels_map_face_channels_into_chosen_plate_channels():
    face, matte = face_and_matte(channels=2)
    plate = np.full((60, 100, 7), SENTINEL, np.float32)
    before = plate.copy()
    paste_back(plate, face, matte, AFFINE, channels=[5, 2])
    expected = reference.paste_back(before, face, matte, AFFINE, "bilinear", channels=[5, 2])
    assert_images_close(plate, expected, EXACT)
    untouched = [0, 1, 3, 4, 6]
    assert np.array_equal(plate[..., untouched].view(np.uint32), before[..., untouched].view(np.uint32))


def test_matte_2d_and_3d_give_the_same_plate():
    face, matte = face_and_matte()
    a = smooth_image(90, 140, 3)
    b = a.copy()
    assert paste_back(a, face, matte, AFFINE) == paste_back(b, face, matte[..., None], AFFINE)
    np.testing.assert_array_equal(a, b)


def test_crop_off_the_plate_touches_nothing():
    face, matte = face_and_matte()
    plate = smooth_image(40, 40, 3)
    before = plate.copy()
    off = np.array([[1.0, 0, 500.0], [0, 1.0, 0]])  # the crop lies 500 px left of the plate
    assert paste_back(plate, face, matte, off) == (0, 0, 0, 0)
    np.testing.assert_array_equal(plate, before)


def test_opaque_matte_replaces_and_clear_matte_keeps():
    face = np.full((8, 8, 3), 2.0, np.float32)
    plate = np.zeros((16, 16, 3), np.float32)
    shift = [[1, 0, -4], [0, 1, -4]]  # crop at plate (4, 4)
    assert paste_back(plate, face, np.ones((8, 8), np.float32), shift, filter="nearest") == (4, 4, 12, 12)
    assert np.all(plate[4:12, 4:12] == 2.0) and plate.sum() == 2.0 * 64 * 3
    plate[:] = 0.5
    paste_back(plate, face, np.zeros((8, 8), np.float32), shift)
    assert np.all(plate == 0.5)


def test_matte_over_one_is_clamped():
    face = np.full((8, 8, 1), 2.0, np.float32)
    plate = np.zeros((16, 16, 1), np.float32)
    paste_back(plate, face, np.full((8, 8), 3.0, np.float32), [[1, 0, -4], [0, 1, -4]], filter="nearest")
    assert plate.max() == 2.0


# ---- bad input ----


def test_bad_arguments():
    face, matte = face_and_matte()
    plate = np.zeros((60, 100, 4), np.float32)

    def bad(match, *args, **kwargs):
        with pytest.raises(NativeError, match=match):
            paste_back(*args, **kwargs)

    bad(
        r"plate: expected \(H, W, C\) float32 C-contiguous, got \(60, 100, 4\) float64",
        plate.astype(np.float64),
        face,
        matte,
        AFFINE,
    )
    bad(r"face: expected .* got \(32, 28\) float32", plate, face[..., 0], matte, AFFINE)
    bad(
        r"matte: expected \(32, 28\) or \(32, 28, 1\) like face, got \(32, 27\)",
        plate,
        face,
        matte[:, :27].copy(),
        AFFINE,
    )
    bad(
        r"matte: expected \(32, 28\) or \(32, 28, 1\) like face, got \(32, 28, 3\)",
        plate,
        face,
        np.repeat(matte[..., None], 3, 2),
        AFFINE,
    )
    bad("aligned_from_plate: matrix has NaN", plate, face, matte, np.full((2, 3), np.nan))
    bad("aligned_from_plate: matrix is singular", plate, face, matte, np.zeros((3, 3)))
    bad("channels: expected 3 indices", plate, face, matte, AFFINE, channels=[0, 1])
    bad("channels: index 4 is outside", plate, face, matte, AFFINE, channels=[0, 1, 4])
    bad("channels: index 1 appears twice", plate, face, matte, AFFINE, channels=[1, 0, 1])
    bad("face: has 3 channels but plate only 2", plate[..., :2].copy(), face, matte, AFFINE)
    bad("filter: expected", plate, face, matte, AFFINE, filter="box")
    read_only = plate.copy()
    read_only.flags.writeable = False
    bad("plate: array is read-only", read_only, face, matte, AFFINE)
    bad("plate: expected a numpy array or a CUDA", plate.tolist(), face, matte, AFFINE)
