"""faceplate.foundation.imaging.matte against numpy / OpenCV references (tolerances: matte_reference.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from matte_reference import (
    assert_close,
    circle,
    coverage,
    face_contour,
    feather_at_centres,
    nearest_on_contour,
)

from faceplate import _native
from faceplate.foundation.errors import NativeError
from faceplate.foundation.imaging.matte import blur, erode_dilate, polygon_matte

STAR = np.array(
    [
        [
            32 + (24 if k % 2 == 0 else 11) * np.cos(k * np.pi / 7 + 0.1),
            31.3 + (24 if k % 2 == 0 else 11) * np.sin(k * np.pi / 7 + 0.1),
        ]
        for k in range(14)
    ]
)
FACE = face_contour(40.0, 42.0, 22.0)


def shoelace(poly):
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


# --- polygon_matte: coverage -------------------------------------------------------------------


@pytest.mark.parametrize(
    "poly, size, ceiling",
    [
        # Star tips are ~25 degree spikes: the straight-edge coverage model is off by up to ~0.4 there.
        (STAR, (64, 64), 0.45),
        (FACE, (80, 90), 0.1),
    ],
    ids=["star", "face"],
)
def test_coverage_matches_supersampled_reference(poly, size, ceiling):
    m = polygon_matte(poly, size)
    ref = coverage(poly, *size, samples=16)
    edge = ((ref > 0) & (ref < 1)) | ((m > 0) & (m < 1))
    # 16x16 samples resolve coverage to 1/256 on straight edges; 0.03 leaves room for the
    # straight-edge model near vertices, which may miss on up to 6% of edge pixels.
    assert_close(m, ref, threshold=0.03, fraction=0.06, ceiling=ceiling, where=edge, what="edge pixels")
    assert_close(m, ref, threshold=1e-6, fraction=0.0, ceiling=1e-6, where=~edge, what="interior/exterior")


def test_coverage_sums_to_polygon_area():
    for poly in (STAR, FACE, circle(20.3, 32.1, 30.7, 7)):
        assert abs(polygon_matte(poly, (80, 90)).sum() - shoelace(poly)) < 0.002 * shoelace(poly) + 1.0


def test_axis_aligned_square_is_exact():
    sq = np.array([[10.25, 5.5], [30.75, 5.5], [30.75, 20.0], [10.25, 20.0]])
    m = polygon_matte(sq, (40, 30))
    assert m[10, 10] == pytest.approx(0.75)
    assert m[10, 30] == pytest.approx(0.75)
    assert m[5, 20] == pytest.approx(0.5)
    assert m[20, 20] == 0.0 and m[19, 20] == 1.0
    assert abs(m[5, 10] - 0.375) < 0.15  # a vertex pixel: the straight-edge model is approximate there


def test_winding_direction_does_not_matter():
    np.testing.assert_array_equal(polygon_matte(FACE, (80, 90)), polygon_matte(FACE[::-1].copy(), (80, 90)))


# --- polygon_matte: feather --------------------------------------------------------------------


@pytest.mark.parametrize("inner, outer", [(3.0, 5.0), (8.0, 2.0), (0.0, 6.0)])
def test_feather_matches_brute_force_profile(inner, outer):
    n = len(FACE)
    m = polygon_matte(FACE, (80, 90), inner=inner, outer=outer)
    ref = feather_at_centres(FACE, 80, 90, np.full(n, inner), np.full(n, outer))
    # The reference samples the profile at pixel centres, the matte averages it over the pixel:
    # they differ by ~S''/24 <= 0.004 for widths >= 3 px; more next to a hard side (width 0).
    tol = 0.006 if inner > 0 else 0.2
    assert_close(m, ref, threshold=0.006, fraction=0.0 if inner > 0 else 0.03, ceiling=tol, what="feather")


def test_per_vertex_widths_match_brute_force():
    rng = np.random.default_rng(7)
    n = len(FACE)
    iw, ow = rng.uniform(1, 6, n), rng.uniform(2, 10, n)
    m = polygon_matte(FACE, (80, 90), inner_widths=iw, outer_widths=ow)
    ref = feather_at_centres(FACE, 80, 90, iw, ow)
    # Where two edges are nearly equidistant the interpolated width may switch between them.
    assert_close(m, ref, threshold=0.01, fraction=0.005, ceiling=0.05, what="per-vertex feather")


def test_per_vertex_width_changes_only_its_segments():
    n = len(FACE)
    outer = np.full(n, 4.0)
    base = polygon_matte(FACE, (80, 90), outer_widths=outer)
    k = 8  # the chin
    outer2 = outer.copy()
    outer2[k] = 12.0
    changed = polygon_matte(FACE, (80, 90), outer_widths=outer2) != base
    assert changed.sum() > 20
    _, edge, _ = nearest_on_contour(FACE, 80, 90)
    assert set(np.unique(edge[changed])) <= {k - 1, k}


def test_feather_is_monotone_along_rays():
    m = polygon_matte(FACE, (80, 90), inner=5.0, outer=9.0)
    cx, cy = 40.0, 42.0
    for angle in np.linspace(0, 2 * np.pi, 24, endpoint=False):
        r = np.arange(0, 45, 0.25)
        x, y = cx + r * np.cos(angle), cy + r * np.sin(angle)
        ok = (x >= 0) & (x < 80) & (y >= 0) & (y < 90)
        v = cv2.remap(
            m, (x[ok] - 0.5).astype(np.float32)[None], (y[ok] - 0.5).astype(np.float32)[None], cv2.INTER_LINEAR
        )[0]
        assert np.all(np.diff(v) <= 1e-6), f"not monotone along angle {angle:.2f}"
        assert v[0] == 1.0 and v[-1] == 0.0


def test_out_modes_and_roi():
    out = np.full((90, 80), 0.25, np.float32)
    polygon_matte(FACE, out=out, outer=3.0)
    ref = polygon_matte(FACE, (80, 90), outer=3.0)
    np.testing.assert_array_equal(out, np.maximum(ref, 0.25))
    out = np.full((90, 80), 0.25, np.float32)
    res = polygon_matte(FACE, out=out, outer=3.0, mode="replace")
    assert res is out
    ys, xs = np.nonzero(ref)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    np.testing.assert_array_equal(out[box], ref[box])
    assert out[0, 0] == 0.25 and out[-1, -1] == 0.25  # outside the grown bbox: untouched
    roi = (30, 40, 50, 60)
    part = polygon_matte(FACE, (80, 90), outer=3.0, roi=roi)
    np.testing.assert_array_equal(part[40:60, 30:50], ref[40:60, 30:50])
    part[40:60, 30:50] = 0
    assert not part.any()


def test_contour_partly_outside_the_frame():
    poly = circle(30, 5.0, 5.0, 64)
    m = polygon_matte(poly, (40, 40), outer=4.0)
    ref = polygon_matte(poly + 20, (80, 80), outer=4.0)[20:60, 20:60]
    np.testing.assert_allclose(m, ref, atol=1e-6)


def test_thread_count_does_not_change_results():
    before = _native.thread_count()
    try:
        _native.set_thread_count(1)
        one = [polygon_matte(FACE, (80, 90), inner=2.0, outer=5.0), erode_dilate(polygon_matte(FACE, (80, 90)), 1.5)]
        _native.set_thread_count(3)
        three = [polygon_matte(FACE, (80, 90), inner=2.0, outer=5.0), erode_dilate(polygon_matte(FACE, (80, 90)), 1.5)]
    finally:
        _native.set_thread_count(before)
    for a, b in zip(one, three):
        np.testing.assert_array_equal(a, b)


# --- erode_dilate ------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [2.5, -3.25, 0.4, 7.0])
def test_feathered_circle_moves_by_amount(amount):
    m = polygon_matte(circle(30, 64.3, 63.8), (128, 128), inner=6.0, outer=6.0)
    ref = polygon_matte(circle(30 + amount, 64.3, 63.8), (128, 128), inner=6.0, outer=6.0)
    # A shifted smoothstep resampled bilinearly: within 0.01 everywhere.
    assert_close(erode_dilate(m, amount), ref, threshold=0.01, fraction=0.0, ceiling=0.01, what="feathered")


@pytest.mark.parametrize("amount", [2.5, -3.25, 0.4, 7.0])
def test_antialiased_circle_moves_by_amount(amount):
    m = polygon_matte(circle(30, 64.3, 63.8), (128, 128))
    ref = polygon_matte(circle(30 + amount, 64.3, 63.8), (128, 128))
    edge = (ref > 0) & (ref < 1)
    # Edge normals come from a 3x3 gradient of coverage values: a few degrees off near 45 degrees,
    # which moves the re-rendered edge by ~0.1 px there.
    out = erode_dilate(m, amount)
    assert_close(out, ref, threshold=0.1, fraction=0.08, ceiling=0.35, where=edge, what="edge pixels")
    assert_close(out, ref, threshold=0.02, fraction=0.001, ceiling=0.35, where=~edge, what="other pixels")


def test_dilation_matches_distance_transform_threshold():
    m = polygon_matte(FACE, (80, 90))
    inside = (m >= 0.5).astype(np.uint8)
    dist_out = cv2.distanceTransform(1 - inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    for r in (1.5, 4.0):
        grown = erode_dilate(m, r) >= 0.5
        expected = dist_out <= r
        # Away from the new boundary (a pixel's worth of sub-pixel slack) they must agree.
        settled = np.abs(dist_out - r) > 1.0
        assert np.array_equal(grown[settled], expected[settled])


def test_dilate_then_erode_is_identity_away_from_corners():
    sq = np.array([[20.0, 20.0], [100.0, 20.0], [100.0, 100.0], [20.0, 100.0]])
    # Hard edges are re-rendered exactly; a 5 px smoothstep resampled bilinearly twice loses up to
    # ~2 x (1/8) x max|S''| = 0.03 at the ends of its ramp.
    hard = polygon_matte(sq + [0.37, 0.61], (128, 128))
    soft = polygon_matte(sq + [0.37, 0.61], (128, 128), inner=2.0, outer=3.0)
    for m, atol in ((hard, 1e-4), (soft, 0.04)):
        for amount in (2.7, 0.35):
            rt = erode_dilate(erode_dilate(m, amount), -amount)
            np.testing.assert_allclose(rt[30:90], m[30:90], atol=atol)
            np.testing.assert_allclose(rt[:, 30:90], m[:, 30:90], atol=atol)


def test_fractional_amounts_grow_area_smoothly():
    m = polygon_matte(circle(20, 40.2, 40.7), (80, 80))
    amounts = np.arange(0.0, 2.01, 0.1)
    areas = np.array([erode_dilate(m, a).sum() for a in amounts])
    expected = np.pi * (20 + amounts) ** 2
    np.testing.assert_allclose(areas, expected, rtol=0.01)
    assert np.all(np.diff(areas) > 0)


def test_erode_dilate_zero_is_a_copy_and_flat_mattes_stay():
    m = polygon_matte(FACE, (80, 90), outer=2.0)
    np.testing.assert_array_equal(erode_dilate(m, 0.0), m)
    np.testing.assert_array_equal(erode_dilate(np.ones((9, 7), np.float32), 3.0), np.ones((9, 7), np.float32))
    np.testing.assert_array_equal(erode_dilate(np.zeros((9, 7), np.float32), -3.0), np.zeros((9, 7), np.float32))


# --- blur --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(37, 53), (37, 53, 1), (20, 31, 3), (16, 17, 6)])
@pytest.mark.parametrize("radius", [1.0, 4.0, 9.0])
def test_blur_matches_opencv(shape, radius):
    x = np.random.default_rng(1).random(shape, dtype=np.float32)
    k = 2 * int(np.ceil(radius)) + 1
    ref_box = cv2.blur(x, (k, k), borderType=cv2.BORDER_REPLICATE).reshape(shape)
    ref_gauss = cv2.GaussianBlur(x, (k, k), radius / 3.0, borderType=cv2.BORDER_REPLICATE).reshape(shape)
    np.testing.assert_allclose(blur(x, radius, kind="box"), ref_box, atol=2e-6)
    np.testing.assert_allclose(blur(x, radius, kind="gaussian"), ref_gauss, atol=2e-6)


def test_fractional_box_radius_is_continuous():
    x = np.random.default_rng(2).random((30, 40), dtype=np.float32)
    np.testing.assert_allclose(blur(x, 2.0001, kind="box"), blur(x, 2.0, kind="box"), atol=1e-3)
    np.testing.assert_allclose(blur(x, 2.9999, kind="box"), blur(x, 3.0, kind="box"), atol=1e-3)
    np.testing.assert_array_equal(blur(x, 0.0), x)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: _native.polygon_matte(np.zeros(68, np.float32), (10, 10)),
            ["vertices", "(N, 2) float64", "got (68,) float32"],
        ),
        (lambda: polygon_matte([[0, 0], [1, 1]], (10, 10)), ["vertices", "N >= 3"]),
        (lambda: polygon_matte([[0, 0], [np.nan, 1], [2, 0]], (10, 10)), ["vertices", "finite"]),
        (lambda: polygon_matte(FACE, (10, 10), outer=-1.0), ["outer"]),
        (lambda: polygon_matte(FACE, (10, 10), inner=float("nan")), ["inner"]),
        (lambda: polygon_matte(FACE, (10, 10), outer_widths=np.ones(3)), ["outer_widths", f"({len(FACE)},)"]),
        (lambda: polygon_matte(FACE, (10, 10), inner_widths=-np.ones(len(FACE))), ["inner_widths", ">= 0"]),
        (lambda: polygon_matte(FACE, (10, 10), outer=2.0, outer_widths=np.ones(len(FACE))), ["outer", "not both"]),
        (lambda: polygon_matte(FACE), ["exactly one of size"]),
        (lambda: polygon_matte(FACE, (10, 10), out=np.zeros((10, 10), np.float32)), ["exactly one of size"]),
        (lambda: polygon_matte(FACE, (0, 10)), ["size"]),
        (lambda: polygon_matte(FACE, out=np.zeros((10, 10))), ["out", "float32", "float64"]),
        (lambda: polygon_matte(FACE, out=np.zeros((10, 10, 3), np.float32)), ["out", "(H, W)"]),
        (lambda: polygon_matte(FACE, out=np.zeros((10, 20), np.float32)[:, ::2]), ["out", "contiguous"]),
        (lambda: polygon_matte(FACE, (10, 10), mode="min"), ["mode", "'min'"]),
        (lambda: polygon_matte(FACE, (10, 10), roi=(5, 5, 2, 2)), ["roi"]),
        (lambda: erode_dilate(np.zeros((4, 4, 1), np.float32), 1.0), ["matte", "(H, W)"]),
        (lambda: erode_dilate(np.zeros((4, 4), np.float32), float("nan")), ["amount"]),
        (lambda: erode_dilate(np.full((4, 4), np.nan, np.float32), 1.0), ["matte", "finite"]),
        (lambda: blur(np.zeros((4, 4), np.float32), -1.0), ["radius"]),
        (lambda: blur(np.zeros((4, 4), np.float32), 1.0, kind="median"), ["kind", "'median'"]),
        (lambda: blur(np.zeros((4, 4, 65), np.float32), 1.0), ["x", "1 to 64 channels"]),
        (lambda: blur(np.zeros(4, np.float32), 1.0), ["x", "(H, W)"]),
    ],
)
def test_bad_input_raises_native_error_naming_the_argument(call, words):
    with pytest.raises((NativeError, ValueError)) as info:
        call()
    for w in words:
        assert w in str(info.value)


def test_python_layer_raises_native_error():
    with pytest.raises(NativeError, match="polygon_matte: mode"):
        polygon_matte(FACE, (10, 10), mode="bad")


def test_read_only_out_is_refused():
    out = np.zeros((10, 10), np.float32)
    out.flags.writeable = False
    with pytest.raises(NativeError, match="read-only"):
        polygon_matte(FACE, out=out)
