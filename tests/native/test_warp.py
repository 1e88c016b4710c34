"""faceplate.foundation.imaging.warp_affine / warp_perspective (CPU) against the float64 reference and OpenCV."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import reference
from native_cases import AFFINE, OUT_SIZE, PERSPECTIVE, similarity, smooth_image
from tolerance import EXACT, FLOAT16, FLOAT16_NEAREST, NEAREST, OPENCV, OPENCV_NEAREST, assert_images_close, compare

from faceplate.foundation.errors import NativeError
from faceplate.foundation.imaging import warp_affine, warp_perspective

FILTERS = ["nearest", "bilinear", "bicubic"]
BORDERS = ["constant", "edge", "transparent"]
WARPS = [(warp_affine, AFFINE), (warp_perspective, PERSPECTIVE)]


def policy(filter: str, dtype) -> object:
    if dtype == np.float16:
        return FLOAT16_NEAREST if filter == "nearest" else FLOAT16
    return NEAREST if filter == "nearest" else EXACT


def cv2_matrix(dst_from_src) -> np.ndarray:
    """Our dst_from_src (centres at +0.5) as OpenCV's forward matrix (centres at integers)."""
    to_cv = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1.0]])
    return to_cv @ reference.as3x3(dst_from_src) @ np.linalg.inv(to_cv)


@pytest.mark.parametrize("warp_fn,matrix", WARPS, ids=["affine", "perspective"])
@pytest.mark.parametrize("filter", FILTERS)
@pytest.mark.parametrize("border", BORDERS)
@pytest.mark.parametrize(
    "src_dtype,out_dtype",
    [(np.float32, np.float32), (np.float16, np.float16), (np.float16, np.float32), (np.float32, np.float16)],
)
def test_matches_reference(warp_fn, matrix, filter, border, src_dtype, out_dtype, src4):
    src = src4.astype(src_dtype)
    initial = np.full((OUT_SIZE[1], OUT_SIZE[0], 4), 0.25, out_dtype)  # what transparent leaves
    out = initial.copy()
    result = warp_fn(src, matrix, out=out, filter=filter, border=border, border_value=0.5)
    assert result is out
    expected = reference.warp(src.astype(np.float32), matrix, OUT_SIZE, filter, border, 0.5, out=initial)
    assert_images_close(result, expected, policy(filter, src_dtype if src_dtype == np.float16 else out_dtype))
    if border == "transparent":
        # Some pixels sampled outside the source: those must be bit-identical to what out held.
        untouched = np.all(result == initial, axis=-1)
        assert 0.05 < untouched.mean() < 0.9


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5, 64])
@pytest.mark.parametrize("filter", FILTERS)
def test_every_channel_count(channels, filter):
    src = smooth_image(23, 31, channels, seed=channels)
    m = similarity(-9.0, 0.9, 2.0, -1.0, centre=(15, 11))
    result = warp_affine(src, m, size=(29, 25), filter=filter, border="edge")
    assert result.shape == (25, 29, channels) and result.dtype == np.float32
    assert_images_close(result, reference.warp(src, m, (29, 25), filter, "edge"), policy(filter, np.float32))


@pytest.mark.parametrize("filter", ["nearest", "bilinear"])
@pytest.mark.parametrize("border,cv_border", [("constant", cv2.BORDER_CONSTANT), ("edge", cv2.BORDER_REPLICATE)])
@pytest.mark.parametrize("warp_fn,matrix", WARPS, ids=["affine", "perspective"])
def test_matches_opencv(warp_fn, matrix, filter, border, cv_border, src4):
    """OpenCV (integer pixel centres, forward matrices) agrees once the half-pixel shift is applied."""
    flags = cv2.INTER_NEAREST if filter == "nearest" else cv2.INTER_LINEAR
    m = cv2_matrix(matrix)
    if warp_fn is warp_affine:
        expected = cv2.warpAffine(src4, m[:2], OUT_SIZE, flags=flags, borderMode=cv_border, borderValue=(0.5,) * 4)
    else:
        expected = cv2.warpPerspective(src4, m, OUT_SIZE, flags=flags, borderMode=cv_border, borderValue=(0.5,) * 4)
    result = warp_fn(src4, matrix, size=OUT_SIZE, filter=filter, border=border, border_value=0.5)
    assert_images_close(result, expected, OPENCV_NEAREST if filter == "nearest" else OPENCV)


def test_opencv_inverse_map_flag_is_the_same_warp(src4):
    """WARP_INVERSE_MAP takes src_from_dst: the converted inverse must give the same image."""
    m = cv2_matrix(AFFINE)
    forward = cv2.warpAffine(src4, m[:2], OUT_SIZE, flags=cv2.INTER_LINEAR)
    inverse = cv2.warpAffine(src4, np.linalg.inv(m)[:2], OUT_SIZE, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    assert_images_close(forward, inverse, OPENCV)
    assert_images_close(warp_affine(src4, AFFINE, size=OUT_SIZE), inverse, OPENCV)


def test_reference_matches_opencv(src4):
    """The float64 reference itself shares OpenCV's geometry (guards the reference, not the kernel)."""
    expected = cv2.warpAffine(
        src4, cv2_matrix(AFFINE)[:2], OUT_SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    assert_images_close(reference.warp(src4, AFFINE, OUT_SIZE, "bilinear", "edge"), expected, OPENCV)


def test_identity_and_integer_shift_are_exact(src4):
    for filter in FILTERS:
        same = warp_affine(src4, np.eye(3), size=(48, 40), filter=filter)
        np.testing.assert_array_equal(same, src4)
    shifted = warp_affine(src4, [[1, 0, 3], [0, 1, -2]], size=(48, 40), filter="bilinear")
    np.testing.assert_array_equal(shifted[:-2, 3:], src4[2:, :-3])


def test_large_warp_interior_and_border_paths_agree():
    """Sizes that take the vectorised span path; every pixel still matches the reference."""
    src = smooth_image(300, 420, 4, seed=7)
    m = similarity(3.0, 1.02, -4.0, 6.0, centre=(210, 150))
    for filter in FILTERS:
        result = warp_affine(src, m, size=(420, 300), filter=filter)
        assert_images_close(
            result, reference.warp(src, m, (420, 300), filter, "constant"), policy(filter, np.float32), filter
        )
    p = np.array([[1.0, 0.02, 1.5], [0.01, 1.0, -2.0], [2e-5, 1e-5, 1.0]])
    result = warp_perspective(src, p, size=(420, 300), filter="bilinear")
    assert_images_close(result, reference.warp(src, p, (420, 300), "bilinear", "constant"), EXACT, "perspective")


def test_roi_computes_only_that_region(src4):
    sentinel = np.full((OUT_SIZE[1], OUT_SIZE[0], 4), -7.0, np.float32)
    out = sentinel.copy()
    warp_affine(src4, AFFINE, out=out, roi=(5, 7, 30, 21))
    full = warp_affine(src4, AFFINE, size=OUT_SIZE)
    np.testing.assert_array_equal(out[7:21, 5:30], full[7:21, 5:30])
    outside = np.ones(out.shape[:2], bool)
    outside[7:21, 5:30] = False
    assert np.array_equal(out[outside].view(np.uint32), sentinel[outside].view(np.uint32))
    # With size=, the pixels outside the roi are 0; a roi reaching past the output is clipped.
    part = warp_affine(src4, AFFINE, size=OUT_SIZE, roi=(-10, 40, 100, 100))
    assert not part[:40].any() and np.array_equal(part[40:], full[40:])


def test_behind_the_camera_reads_border_value():
    src = smooth_image(16, 16, 3)
    m = np.array([[1, 0, 0], [0, 1, 0], [0.1, 0, 1.0]])  # src_from_dst has w = 1 - 0.1 X: <= 0 from x = 10
    result = warp_perspective(src, m, size=(20, 16), border="edge", border_value=0.75)
    assert_images_close(result, reference.warp(src, m, (20, 16), "bilinear", "edge", 0.75), EXACT)
    assert np.all(result[:, 10:] == 0.75) and not np.any(result[:, :9] == 0.75)


def test_bicubic_overshoot_is_not_clamped():
    """Documented behaviour: Catmull-Rom rings at a hard edge, alpha included."""
    src = np.zeros((8, 16, 4), np.float32)
    src[:, 8:] = 1.0
    result = warp_affine(src, [[1, 0, 0.5], [0, 1, 0]], size=(16, 8), filter="bicubic", border="edge")
    assert result.min() < 0.0 and result.max() > 1.0


# ---- bad input ----


def bad(fn, *args, match: str, **kwargs):
    with pytest.raises(NativeError, match=match):
        fn(*args, **kwargs)


def test_bad_src(src4):
    bad(
        warp_affine,
        src4.astype(np.uint8),
        AFFINE,
        size=(8, 8),
        match=r"src: expected \(H, W, C\) float32 or float16 C-contiguous, got \(40, 48, 4\) uint8",
    )
    bad(warp_affine, src4.astype(np.float64), AFFINE, size=(8, 8), match=r"got \(40, 48, 4\) float64")
    bad(warp_affine, src4[..., 0], AFFINE, size=(8, 8), match=r"got \(40, 48\) float32")
    bad(
        warp_affine,
        np.ascontiguousarray(src4.transpose(2, 0, 1)[None]),
        AFFINE,
        size=(8, 8),
        match=r"got \(1, 4, 40, 48\)",
    )
    bad(warp_affine, src4[:, ::2], AFFINE, size=(8, 8), match="C-contiguous")
    bad(warp_affine, np.zeros((4, 4, 65), np.float32), AFFINE, size=(8, 8), match="1 to 64 channels")
    bad(warp_affine, [[0.0]], AFFINE, size=(8, 8), match="src: expected a numpy array or a CUDA")


def test_bad_matrix(src4):
    bad(warp_affine, src4, np.full((2, 3), np.nan), size=(8, 8), match="dst_from_src: matrix has NaN")
    bad(warp_affine, src4, [[1, 0, np.inf], [0, 1, 0]], size=(8, 8), match="NaN or infinite")
    bad(warp_affine, src4, [[1, 2, 0], [2, 4, 0]], size=(8, 8), match="singular")
    bad(warp_perspective, src4, np.zeros((3, 3)), size=(8, 8), match="singular")
    bad(warp_affine, src4, np.eye(2), size=(8, 8), match=r"expected \(2, 3\) or \(3, 3\) float64, got \(2, 2\) float64")
    bad(warp_perspective, src4, np.eye(3)[:2], size=(8, 8), match=r"expected \(3, 3\) float64, got \(2, 3\)")
    bad(warp_affine, src4, PERSPECTIVE, size=(8, 8), match="use warp_perspective")
    bad(warp_affine, src4, np.array([["a", "b", "c"]] * 2), size=(8, 8), match="dst_from_src: expected")


def test_bad_options(src4):
    bad(
        warp_affine,
        src4,
        AFFINE,
        size=(8, 8),
        filter="lanczos9",
        match="filter: expected 'nearest', 'bilinear' or 'bicubic', got 'lanczos9'",
    )
    bad(warp_affine, src4, AFFINE, size=(8, 8), border="wrap", match="border: expected")
    bad(warp_affine, src4, AFFINE, size=(8, 8), border_value=float("nan"), match="border_value")
    bad(warp_affine, src4, AFFINE, match="exactly one of size")
    bad(warp_affine, src4, AFFINE, size=(8, 8), out=np.zeros((8, 8, 4), np.float32), match="exactly one of size")
    bad(warp_affine, src4, AFFINE, size=(0, 8), match="size: expected positive")
    bad(warp_affine, src4, AFFINE, size=(8, 8), roi=(4, 4, 4, 8), match=r"roi: \(4, 4, 4, 8\) is empty")
    bad(warp_affine, src4, AFFINE, size=(8, 8), roi=(10, 10, 20, 20), match="is empty within the 8x8 output")
    bad(warp_affine, src4, AFFINE, size=(8, 8), roi=(1, 2), match="roi: expected")


def test_bad_out(src4):
    read_only = np.zeros((8, 8, 4), np.float32)
    read_only.flags.writeable = False
    bad(warp_affine, src4, AFFINE, out=read_only, match="out: array is read-only")
    bad(warp_affine, src4, AFFINE, out=np.zeros((8, 8, 3), np.float32), match="out: expected 4 channels like src")
    bad(
        warp_affine,
        src4,
        AFFINE,
        out=np.zeros((8, 8, 4), np.float64),
        match=r"out: expected .* got \(8, 8, 4\) float64",
    )
    bad(warp_affine, src4, AFFINE, out=src4, match="must not share memory")


def test_native_errors_are_value_errors(src4):
    with pytest.raises(ValueError):
        warp_affine(src4, AFFINE, size=(8, 8), filter="bogus")


def test_compare_can_fail():
    """The tolerance helper is not vacuous."""
    a = np.zeros((10, 10, 1))
    b = a.copy()
    b[0, 0] = 1e-3
    assert not compare(a, b, EXACT)[0]
    assert compare(a, b, NEAREST)[0] is False
    assert compare(a, a, EXACT)[0]
