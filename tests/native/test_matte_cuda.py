"""CUDA twins of polygon_matte, erode_dilate, blur and multiband_blend against the CPU kernels (skipped without a
GPU)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from faceplate import _native

sys.path.insert(0, str(Path(__file__).parent))
from matte_reference import assert_close, face_contour

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not _native.cuda_available(), reason="needs a CUDA device and a CUDA build"),
]
torch = pytest.importorskip("torch") if _native.cuda_available() else None

FACE = face_contour(150.0, 160.0, 90.0)


def dev(x):
    return torch.from_numpy(np.ascontiguousarray(x)).cuda()


@pytest.mark.parametrize("mode", ["max", "replace"])
def test_polygon_matte_parity(mode):
    n = len(FACE)
    rng = np.random.default_rng(0)
    iw, ow = rng.uniform(0, 8, n), rng.uniform(0, 30, n)
    start = rng.random((330, 300), dtype=np.float32) * 0.5
    cpu = _native.polygon_matte(
        FACE, out=start.copy(), inner_widths=iw, outer_widths=ow, mode=mode, roi=(10, 0, 290, 320)
    )
    out = dev(start)
    _native.cuda_polygon_matte(FACE, out, inner_widths=iw, outer_widths=ow, mode=mode, roi=(10, 0, 290, 320))
    # Same arithmetic (matte_math.h); FMA contraction on the device may move a value by a few ulps.
    assert_close(out.cpu().numpy(), cpu, threshold=1e-5, fraction=0.0, ceiling=1e-5, what="polygon_matte")


def erode_cases() -> dict[str, np.ndarray]:
    """Hard (anti-aliased) and feathered face mattes, a matte touching the frame's edges, and noise."""
    rng = np.random.default_rng(5)
    noise = rng.random((90, 70), dtype=np.float32)
    noise[noise < 0.4], noise[noise > 0.8] = 0.0, 1.0
    edge = np.zeros((64, 96), np.float32)
    edge[:, :40], edge[20:, 60:] = 1.0, 0.3
    return {
        "hard": _native.polygon_matte(FACE, (300, 330)),
        "feathered": _native.polygon_matte(FACE, (300, 330), inner=6.0, outer=10.0),
        "frame-edges": edge,
        "noise": noise,
    }


@pytest.mark.parametrize("case", ["hard", "feathered", "frame-edges", "noise"])
def test_erode_dilate_parity(case):
    matte = erode_cases()[case]
    for amount in (0.0, 0.4, -1.25, 3.5, -7.0):
        out = torch.full(matte.shape, -1.0, device="cuda")
        _native.cuda_erode_dilate(dev(matte), out, amount)
        # Same per-pixel arithmetic (erode_math.h) and the same nearest edge pixel; FMA contraction on the
        # device moves values by a few ulps (a hard/soft decision at its threshold could flip: none seen).
        assert_close(
            out.cpu().numpy(),
            _native.erode_dilate(matte, amount),
            threshold=1e-5,
            fraction=0.0,
            ceiling=1e-5,
            what=f"erode_dilate {case} {amount}",
        )


def test_erode_dilate_bad_device_arguments():
    m = torch.zeros((10, 12), device="cuda")
    with pytest.raises(ValueError, match="out: expected the shape of matte"):
        _native.cuda_erode_dilate(m, torch.zeros((10, 10), device="cuda"), 1.0)
    with pytest.raises(ValueError, match="must not be matte itself"):
        _native.cuda_erode_dilate(m, m, 1.0)
    with pytest.raises(ValueError, match="matte: expected a C-contiguous float32 device array with 2 dimensions"):
        _native.cuda_erode_dilate(torch.zeros((10, 12, 1), device="cuda"), m, 1.0)
    with pytest.raises(ValueError, match="amount"):
        _native.cuda_erode_dilate(m, torch.empty_like(m), float("nan"))


@pytest.mark.parametrize("shape", [(97, 131), (64, 80, 3), (33, 47, 6)])
@pytest.mark.parametrize("kind", ["box", "gaussian"])
def test_blur_parity(shape, kind):
    x = np.random.default_rng(1).random(shape, dtype=np.float32)
    for radius in (0.0, 1.5, 7.0):
        out = torch.empty(shape, dtype=torch.float32, device="cuda")
        _native.cuda_blur(dev(x), out, radius, kind)
        np.testing.assert_allclose(out.cpu().numpy(), _native.blur(x, radius, kind), atol=2e-6)


@pytest.mark.parametrize("keep", [None, "a", "b"])
def test_multiband_blend_parity(keep):
    rng = np.random.default_rng(2)
    a = rng.random((101, 77, 4), dtype=np.float32) * 3
    b = rng.random((101, 77, 4), dtype=np.float32)
    m = rng.random((101, 77), dtype=np.float32)
    out = torch.empty(a.shape, dtype=torch.float32, device="cuda")
    _native.cuda_multiband_blend(dev(a), dev(b), dev(m), out, 5, keep_low_from=keep)
    np.testing.assert_allclose(out.cpu().numpy(), _native.multiband_blend(a, b, m, 5, keep_low_from=keep), atol=1e-5)


def test_bad_device_arguments():
    with pytest.raises(ValueError, match="out: expected a CUDA device array"):
        _native.cuda_polygon_matte(FACE, np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError, match="typestr '<f8'"):
        _native.cuda_polygon_matte(FACE, torch.zeros((10, 10), dtype=torch.float64, device="cuda"))
    with pytest.raises(ValueError, match="strided"):
        _native.cuda_blur(torch.zeros((10, 20), device="cuda")[:, ::2], torch.zeros((10, 10), device="cuda"), 1.0)


def test_python_layer_runs_torch_cuda_arrays_on_the_twins():
    from faceplate.foundation.imaging import blur, erode_dilate, multiband_blend, polygon_matte

    rng = np.random.default_rng(3)
    x = rng.random((64, 80, 3), dtype=np.float32)
    y = rng.random((64, 80, 3), dtype=np.float32)
    m = rng.random((64, 80), dtype=np.float32)
    got = blur(dev(x), 4.0)
    assert isinstance(got, torch.Tensor) and got.is_cuda
    assert_close(got.cpu().numpy(), blur(x, 4.0), threshold=1e-4, fraction=0.0, ceiling=1e-4)
    got = multiband_blend(dev(x), dev(y), dev(m), 3, keep_low_from="a")
    assert isinstance(got, torch.Tensor) and got.is_cuda
    assert_close(
        got.cpu().numpy(), multiband_blend(x, y, m, 3, keep_low_from="a"), threshold=1e-4, fraction=0.0, ceiling=1e-4
    )
    hard = polygon_matte(FACE, size=(300, 330))
    got = erode_dilate(dev(hard), -2.5)
    assert isinstance(got, torch.Tensor) and got.is_cuda
    assert_close(got.cpu().numpy(), erode_dilate(hard, -2.5), threshold=1e-5, fraction=0.0, ceiling=1e-5)
    out = torch.zeros((330, 300), device="cuda")
    assert polygon_matte(FACE, out=out, outer=12.0) is out
    assert_close(
        out.cpu().numpy(), polygon_matte(FACE, size=(300, 330), outer=12.0), threshold=1e-4, fraction=0.0, ceiling=1e-4
    )
