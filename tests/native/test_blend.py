"""faceplate.foundation.imaging.blend against an OpenCV pyrDown/pyrUp Laplacian blend (see matte_reference.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from matte_reference import assert_close, pyramid_blend

from faceplate.foundation.errors import NativeError
from faceplate.foundation.imaging.blend import multiband_blend


def images(h, w, c, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.random((h, w, c), dtype=np.float32) * 4.0  # scene-linear: values above 1
    b = rng.random((h, w, c), dtype=np.float32)
    m = np.zeros((h, w), np.float32)
    cv2.circle(m, (w // 2, h // 2), min(h, w) // 3, 1.0, -1)
    return a, b, cv2.GaussianBlur(m, (0, 0), 2.0)


@pytest.mark.parametrize("shape", [(37, 53, 3), (64, 64, 1), (101, 77, 4), (33, 40, 7)])
@pytest.mark.parametrize("keep", [None, "a", "b"])
def test_matches_opencv_pyramid_blend(shape, keep):
    a, b, m = images(*shape)
    out = multiband_blend(a, b, m, 4, keep_low_from=keep)
    ref = pyramid_blend(a, b, m, 4, keep)
    # Same filters and borders in float32; only the summation order differs.
    assert_close(out, ref, threshold=1e-5, fraction=0.0, ceiling=1e-5, what=f"{shape} keep={keep}")


def test_constant_mattes_give_one_image():
    a, b, _ = images(45, 61, 3)
    np.testing.assert_allclose(multiband_blend(a, b, np.ones((45, 61), np.float32), 5), a, atol=1e-5)
    np.testing.assert_allclose(multiband_blend(a, b, np.zeros((45, 61), np.float32), 5), b, atol=1e-5)


def test_one_level_is_a_plain_mix():
    a, b, m = images(20, 30, 2)
    np.testing.assert_allclose(multiband_blend(a, b, m, 1), m[..., None] * a + (1 - m[..., None]) * b, atol=1e-6)


def test_keep_low_from_a_keeps_the_plate_level():
    rng = np.random.default_rng(5)
    a = (2.0 + 0.1 * rng.standard_normal((64, 96, 3))).astype(np.float32)
    b = (0.5 + 0.1 * rng.standard_normal((64, 96, 3))).astype(np.float32)
    m = np.zeros((64, 96), np.float32)
    m[:, 48:] = 1.0
    mixed = multiband_blend(a, b, m, 4)
    kept = multiband_blend(a, b, m, 4, keep_low_from="a")
    assert abs(float(mixed[:, :40].mean()) - 0.5) < 0.15  # b side follows b
    assert abs(float(kept.mean()) - 2.0) < 0.05  # lowest band: a's level everywhere
    # ... while the fine detail still follows the matte: b's noise on the b side.
    hp = kept - cv2.GaussianBlur(kept, (0, 0), 1.0)
    hb = b - cv2.GaussianBlur(b, (0, 0), 1.0)
    assert np.corrcoef(hp[:, :32].ravel(), hb[:, :32].ravel())[0, 1] > 0.9


def test_levels_are_capped_for_tiny_images():
    a, b, m = images(3, 2, 1)
    out = multiband_blend(a, b, m, 20)
    assert out.shape == (3, 2, 1) and np.isfinite(out).all()


def test_seam_is_softer_than_a_hard_cut():
    a = np.ones((64, 64, 1), np.float32)
    b = np.zeros((64, 64, 1), np.float32)
    m = np.zeros((64, 64), np.float32)
    m[:, :32] = 1.0
    row = multiband_blend(a, b, m, 5)[32, :, 0]
    assert np.all(np.diff(row) <= 1e-6)  # monotone across the seam
    assert 0.1 < row[34] < 0.9 and 0.1 < row[29] < 0.9


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: multiband_blend(np.zeros((8, 8, 3)), np.zeros((8, 9, 3)), np.zeros((8, 8)), 3),
            ["same shape", "(8, 9, 3)"],
        ),
        (lambda: multiband_blend(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), np.zeros((8, 7)), 3), ["matte", "(8, 7)"]),
        (lambda: multiband_blend(np.zeros((8, 8)), np.zeros((8, 8)), np.zeros((8, 8)), 3), ["a", "(H, W, C)"]),
        (lambda: multiband_blend(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), np.zeros((8, 8)), 0), ["levels"]),
        (
            lambda: multiband_blend(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), np.zeros((8, 8)), 3, keep_low_from="c"),
            ["keep_low_from", "'c'"],
        ),
        (
            lambda: multiband_blend(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), np.full((8, 8), np.nan), 3),
            ["matte", "finite"],
        ),
    ],
)
def test_bad_input(call, words):
    with pytest.raises(NativeError) as info:
        call()
    for w in words:
        assert w in str(info.value)
