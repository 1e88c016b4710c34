"""Multiband (Laplacian pyramid) blending of two images under a matte.

Images are ``(H, W, C)`` float32 channels-last (any channel count, any size), mattes ``(H, W)``
float32 (1 selects ``a``, 0 selects ``b``). Bad arguments raise
:class:`faceplate.foundation.errors.NativeError` naming the argument.
"""

from __future__ import annotations

import numpy as np
from faceplate import _native
from faceplate.foundation.imaging._dispatch import _cuda_twin, _native_call, _new_like, _on_cuda

__all__ = ["multiband_blend"]


def multiband_blend(
    a: np.ndarray,
    b: np.ndarray,
    matte: np.ndarray,
    levels: int = 5,
    *,
    keep_low_from: str | None = None,
) -> np.ndarray:
    """Blend ``a`` over ``b`` band by band: ``collapse(sum L_a * G_m + L_b * (1 - G_m))``.

    ``L_a``, ``L_b`` are the Laplacian pyramids of the images and ``G_m`` the Gaussian pyramid of the
    matte, built with OpenCV's ``pyrDown``/``pyrUp`` filters and borders (5-tap binomial, reflect-101,
    level sizes ``ceil(n / 2)``), in float32 throughout. Fine detail follows the matte's sharp
    edge, coarse tones follow its blurred versions, which hides seams in lighting and contrast.
    With ``keep_low_from="a"`` the coarsest level (the residual Gaussian) is ``a``'s alone, so the
    result keeps the plate's overall lighting while finer bands follow the matte.

    Args:
        a: ``(H, W, C)`` float32 image where the matte is 1 (e.g. the plate); numpy, or CUDA torch/cupy
            arrays for all three (run by the CUDA twin, result of the same kind).
        b: ``(H, W, C)`` float32 image where the matte is 0, same shape as ``a``.
        matte: ``(H, W)`` float32, finite.
        levels: pyramid levels, 1 to 32 (1 is a plain matte mix); fewer are used once a level is
            1 x 1.
        keep_low_from: ``None`` (blend every level), ``"a"`` or ``"b"``.

    Returns:
        A new ``(H, W, C)`` float32 image.

    Example:
        >>> import numpy as np
        >>> from faceplate.foundation.imaging.blend import multiband_blend
        >>> a = np.ones((48, 40, 3), np.float32); b = np.zeros_like(a)
        >>> m = np.zeros((48, 40), np.float32); m[:, :20] = 1.0
        >>> out = multiband_blend(a, b, m, levels=4)
        >>> out.shape, float(out[24, 0, 0]) > 0.95, float(out[24, 39, 0]) < 0.05
        ((48, 40, 3), True, True)
    """
    if _on_cuda(a):
        out = _new_like(a, tuple(a.shape), zero=False)
        _native_call(_cuda_twin("multiband_blend"), a, b, matte, out, int(levels), keep_low_from=keep_low_from)
        return out
    return _native_call(
        _native.multiband_blend,
        np.ascontiguousarray(a, dtype=np.float32),
        np.ascontiguousarray(b, dtype=np.float32),
        np.ascontiguousarray(matte, dtype=np.float32),
        int(levels),
        keep_low_from=keep_low_from,
    )
