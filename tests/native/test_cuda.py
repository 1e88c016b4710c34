"""CUDA twins against the CPU kernels (skipped without a CUDA device), and the dispatch rules."""

from __future__ import annotations

import numpy as np
import pytest
from native_cases import AFFINE, OUT_SIZE, PERSPECTIVE, smooth_image
from test_paste_back import AFFINE as PASTE_AFFINE
from test_paste_back import PERSPECTIVE as PASTE_PERSPECTIVE
from test_paste_back import face_and_matte
from tolerance import CUDA_PARITY, CUDA_PARITY_NEAREST, FLOAT16, FLOAT16_NEAREST, assert_images_close

from faceplate import _native
from faceplate.foundation.errors import NativeError
from faceplate.foundation.imaging import paste_back, warp_affine, warp_perspective

torch = pytest.importorskip("torch")
needs_cuda = pytest.mark.skipif(
    not (_native.cuda_available() and torch.cuda.is_available()),
    reason="needs a CUDA device and a CUDA build of faceplate",
)


def policy(filter, dtype):
    if dtype == np.float16:
        return FLOAT16_NEAREST if filter == "nearest" else FLOAT16
    return CUDA_PARITY_NEAREST if filter == "nearest" else CUDA_PARITY


@needs_cuda
@pytest.mark.parametrize(
    "warp_fn,matrix", [(warp_affine, AFFINE), (warp_perspective, PERSPECTIVE)], ids=["affine", "perspective"]
)
@pytest.mark.parametrize("filter", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("border", ["constant", "edge", "transparent"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("channels", [3, 4, 5])
def test_cuda_warp_matches_cpu(warp_fn, matrix, filter, border, dtype, channels):
    src = smooth_image(40, 48, channels, seed=channels).astype(dtype)
    initial = np.full((OUT_SIZE[1], OUT_SIZE[0], channels), 0.25, dtype)
    cpu = warp_fn(src, matrix, out=initial.copy(), filter=filter, border=border, border_value=0.5)
    out_d = torch.from_numpy(initial).cuda()
    result = warp_fn(torch.from_numpy(src).cuda(), matrix, out=out_d, filter=filter, border=border, border_value=0.5)
    assert result is out_d
    assert_images_close(result.cpu().numpy(), cpu, policy(filter, dtype))


@needs_cuda
def test_cuda_size_gives_a_tensor_and_roi_leaves_zeros():
    src = smooth_image(300, 420, 4, seed=2)
    cpu = warp_affine(src, AFFINE, size=(400, 280), roi=(10, 20, 390, 250))
    gpu = warp_affine(torch.from_numpy(src).cuda(), AFFINE, size=(400, 280), roi=(10, 20, 390, 250))
    assert isinstance(gpu, torch.Tensor) and gpu.is_cuda and gpu.shape == (280, 400, 4) and gpu.dtype == torch.float32
    assert_images_close(gpu.cpu().numpy(), cpu, CUDA_PARITY)


@needs_cuda
def test_cuda_native_size_path_exports_dlpack():
    """The native twin's own allocation (cudaMalloc) comes back as a DLPack object torch adopts."""
    src = smooth_image(32, 32, 3)
    image = _native.cuda_warp_affine(torch.from_numpy(src).cuda(), np.eye(3)[:2], size=(32, 32), filter="nearest")
    assert isinstance(image, _native.DeviceImage) and image.shape == (32, 32, 3)
    np.testing.assert_array_equal(torch.from_dlpack(image).cpu().numpy(), src)


@needs_cuda
def test_cuda_cupy_in_cupy_out():
    cupy = pytest.importorskip("cupy")
    src = smooth_image(40, 48, 4)
    result = warp_affine(cupy.asarray(src), AFFINE, size=OUT_SIZE)
    assert isinstance(result, cupy.ndarray)
    assert_images_close(cupy.asnumpy(result), warp_affine(src, AFFINE, size=OUT_SIZE), CUDA_PARITY)


@needs_cuda
@pytest.mark.parametrize("matrix", [PASTE_AFFINE, PASTE_PERSPECTIVE], ids=["affine", "perspective"])
@pytest.mark.parametrize("filter", ["nearest", "bilinear", "bicubic"])
def test_cuda_paste_back_matches_cpu(matrix, filter):
    face, matte = face_and_matte()
    plate = smooth_image(90, 140, 4, seed=9)
    plate[::7, ::5] = -3.25
    cpu = plate.copy()
    box = paste_back(cpu, face, matte, matrix, filter=filter)
    plate_d = torch.from_numpy(plate).cuda()
    assert (
        paste_back(plate_d, torch.from_numpy(face).cuda(), torch.from_numpy(matte).cuda(), matrix, filter=filter) == box
    )
    result = plate_d.cpu().numpy()
    assert_images_close(result, cpu, policy(filter, np.float32))
    x0, y0, x1, y1 = box
    outside = np.ones(plate.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(result[outside].view(np.uint32), plate[outside].view(np.uint32))


@needs_cuda
def test_cuda_bad_input():
    src = torch.zeros(8, 8, 3, device="cuda")
    with pytest.raises(
        NativeError, match=r"src: expected \(H, W, C\) float32 or float16 C-contiguous, got \(8, 8, 3\) uint8 on cuda:0"
    ):
        warp_affine(src.to(torch.uint8), AFFINE, size=(8, 8))
    with pytest.raises(NativeError, match="not C-contiguous"):
        warp_affine(src.permute(1, 0, 2), AFFINE, size=(8, 8))
    with pytest.raises(ValueError, match="out: expected a CUDA device array, got .* on cpu"):
        _native.cuda_warp_affine(src, AFFINE, out=torch.zeros(8, 8, 3))
    with pytest.raises(NativeError, match="singular"):
        warp_affine(src, np.zeros((2, 3)), size=(8, 8))
    with pytest.raises(NativeError, match="must not share memory"):
        warp_affine(src, AFFINE, out=src)


def test_cuda_dispatch_rejects_cpu_tensors():
    """A CPU torch tensor is neither numpy nor CUDA: a clear error, on any machine."""
    with pytest.raises(NativeError, match="src: expected a numpy array or a CUDA tensor/array, got torch.Tensor"):
        warp_affine(torch.zeros(4, 4, 3), AFFINE, size=(4, 4))
    with pytest.raises(NativeError, match="plate: expected a numpy array or a CUDA"):
        paste_back(torch.zeros(4, 4, 3), np.zeros((2, 2, 3), np.float32), np.zeros((2, 2), np.float32), PASTE_AFFINE)
