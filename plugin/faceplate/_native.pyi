"""Type stub of faceplate._native, the private compiled module (C++17 kernels, CUDA twins).

Call it through faceplate.foundation.imaging, which dispatches numpy / CUDA and raises NativeError. Arrays are
channels-last (H, W, C), C-contiguous; matrices are dst_from_src, mapping SOURCE pixel positions to
DESTINATION pixel positions with pixel centres at +0.5 and the origin top-left.
"""

from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

__version__: str
built_with_cuda: bool

Filter = Literal["nearest", "bilinear", "bicubic"]
Border = Literal["constant", "edge", "transparent"]
Box = tuple[int, int, int, int]
FloatImage = npt.NDArray[np.float32] | npt.NDArray[np.float16]
Matrix = npt.ArrayLike

def cuda_available() -> bool: ...
def thread_count() -> int: ...
def set_thread_count(n: int) -> None: ...
def over_inplace(dst: npt.NDArray[np.float32], src: npt.NDArray[np.float32], alpha_channel: int = 3) -> None: ...

# ---- warp family (CPU, numpy) ----
class _Warp(Protocol):
    def __call__(
        self,
        src: FloatImage,
        dst_from_src: Matrix,
        *,
        size: tuple[int, int] | None = None,
        out: FloatImage | None = None,
        roi: Box | None = None,
        filter: Filter = "bilinear",
        border: Border = "constant",
        border_value: float = 0.0,
    ) -> FloatImage: ...

warp_affine: _Warp
warp_perspective: _Warp

def paste_back(
    plate: npt.NDArray[np.float32],
    face: npt.NDArray[np.float32],
    matte: npt.NDArray[np.float32],
    aligned_from_plate: Matrix,
    *,
    filter: Filter = "bilinear",
    channels: Sequence[int] | None = None,
) -> Box: ...

# ---- warp family, CUDA twins (objects with __dlpack__ on a CUDA device: torch, cupy) ----
class DeviceImage:
    """A device array allocated by the module (cudaMalloc), exported through DLPack."""

    shape: tuple[int, ...]
    def __dlpack__(
        self, *, stream: int | None = None, max_version: tuple[int, int] | None = None, **kwargs: Any
    ) -> Any: ...
    def __dlpack_device__(self) -> tuple[int, int]: ...

class _CudaWarp(Protocol):
    def __call__(
        self,
        src: Any,
        dst_from_src: Matrix,
        *,
        size: tuple[int, int] | None = None,
        out: Any | None = None,
        roi: Box | None = None,
        filter: Filter = "bilinear",
        border: Border = "constant",
        border_value: float = 0.0,
        stream: int = 0,
    ) -> Any: ...

cuda_warp_affine: _CudaWarp
cuda_warp_perspective: _CudaWarp

def cuda_paste_back(
    plate: Any,
    face: Any,
    matte: Any,
    aligned_from_plate: Matrix,
    *,
    filter: Filter = "bilinear",
    channels: Sequence[int] | None = None,
    stream: int = 0,
) -> Box: ...

# -- mattes and blends (bind_matte.cpp, bind_blend.cpp) ----------------------------------------

Matte = npt.NDArray[np.float32]

def polygon_matte(
    vertices: npt.NDArray[np.float64],
    size: tuple[int, int] | None = None,
    out: Matte | None = None,
    *,
    inner: float = 0.0,
    outer: float = 0.0,
    inner_widths: npt.NDArray[np.float64] | None = None,
    outer_widths: npt.NDArray[np.float64] | None = None,
    roi: Box | None = None,
    mode: Literal["max", "replace"] = "max",
) -> Matte: ...
def erode_dilate(matte: Matte, amount: float) -> Matte: ...
def blur(
    x: npt.NDArray[np.float32], radius: float, kind: Literal["gaussian", "box"] = "gaussian"
) -> npt.NDArray[np.float32]: ...
def multiband_blend(
    a: npt.NDArray[np.float32],
    b: npt.NDArray[np.float32],
    matte: Matte,
    levels: int = 5,
    *,
    keep_low_from: Literal["a", "b"] | None = None,
) -> npt.NDArray[np.float32]: ...

# CUDA twins (built with a CUDA toolkit): device arrays through __cuda_array_interface__, out given.
def cuda_polygon_matte(
    vertices: npt.NDArray[np.float64],
    out: Any,
    *,
    inner: float = 0.0,
    outer: float = 0.0,
    inner_widths: npt.NDArray[np.float64] | None = None,
    outer_widths: npt.NDArray[np.float64] | None = None,
    roi: Box | None = None,
    mode: Literal["max", "replace"] = "max",
) -> None: ...
def cuda_erode_dilate(matte: Any, out: Any, amount: float) -> None: ...
def cuda_blur(x: Any, out: Any, radius: float, kind: Literal["gaussian", "box"] = "gaussian") -> None: ...
def cuda_multiband_blend(
    a: Any, b: Any, matte: Any, out: Any, levels: int = 5, *, keep_low_from: Literal["a", "b"] | None = None
) -> None: ...

class ShapePredictor:
    """A landmark model in dlib's shape_predictor format, evaluated natively (points agree with dlib's)."""

    def __init__(self, path: str) -> None: ...
    @property
    def num_parts(self) -> int: ...
    def predict(self, image: npt.NDArray[np.uint8], boxes: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]: ...

def display_lookup(
    values: npt.NDArray[np.float32], table: npt.NDArray[np.uint32], shift: int, tiny: float, top: float, nan_code: int
) -> npt.NDArray[np.uint8]: ...
