"""Where an imaging call runs: numpy arrays on the CPU kernels, CUDA arrays on their CUDA twins.

One place for the dispatch every imaging module shares: recognising CUDA arrays (DLPack device
type), the caller's stream, allocating outputs with the caller's framework, and turning the native
module's ValueErrors into :class:`faceplate.foundation.errors.NativeError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from faceplate import _native
from faceplate.foundation.errors import NativeError

_DL_CUDA = 2  # DLPack device type of CUDA device memory

Box = tuple[int, int, int, int]


def _on_cuda(obj: Any) -> bool:
    """True for a DLPack-capable array that lives in CUDA device memory."""
    device = getattr(obj, "__dlpack_device__", None)
    if device is None or isinstance(obj, np.ndarray):
        return False
    return int(device()[0]) == _DL_CUDA


def _stream_of(obj: Any) -> int:
    """The caller's current CUDA stream handle for obj's framework (0: the default stream)."""
    framework = type(obj).__module__.split(".")[0]
    if framework == "torch":
        import torch

        return int(torch.cuda.current_stream(obj.device).cuda_stream)
    if framework == "cupy":
        import cupy

        return int(cupy.cuda.get_current_stream().ptr)
    return 0


def _new_like(obj: Any, shape: tuple[int, ...], zero: bool) -> Any:
    """A new device array of obj's framework, dtype and device; None for other frameworks."""
    framework = type(obj).__module__.split(".")[0]
    if framework == "torch":
        return obj.new_zeros(shape) if zero else obj.new_empty(shape)
    if framework == "cupy":
        import cupy

        with obj.device:
            return (cupy.zeros if zero else cupy.empty)(shape, dtype=obj.dtype)
    return None


def _native_call(fn, *args, **kwargs):
    """Calls a native kernel; its ValueErrors become NativeError naming the kernel (one place, one root)."""
    try:
        return fn(*args, **kwargs)
    except NativeError:
        raise
    except ValueError as exc:
        raise NativeError(f"{getattr(fn, '__name__', 'native')}: {exc}") from exc


def _cuda_twin(name: str):
    if not _native.cuda_available():
        why = "faceplate was built without CUDA" if not _native.built_with_cuda else "no CUDA device is visible"
        raise NativeError(f"{name}: got a CUDA array but {why}; pass a numpy array or rebuild with a CUDA toolkit")
    return getattr(_native, "cuda_" + name)


def _from_native_device(like: Any, array: Any) -> Any:
    """Wraps a native-allocated device array as like's framework would (torch, cupy)."""
    framework = type(like).__module__.split(".")[0]
    if framework == "torch":
        import torch

        return torch.from_dlpack(array)
    if framework == "cupy":
        import cupy

        return cupy.from_dlpack(array)
    return array
