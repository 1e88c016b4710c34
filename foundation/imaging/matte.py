"""Mattes: feathered polygon rasterization, sub-pixel erode/dilate and blur.

Conventions (see DESIGN.md, "Coordinate conventions"): mattes are ``(H, W)`` float32, images
``(H, W, C)`` float32 channels-last. Pixel ``[j, i]`` covers ``[i, i+1) x [j, j+1)`` and its centre is
``(i + 0.5, j + 0.5)``; vertices are ``(x, y)`` pixel coordinates in that frame, origin top-left.
Bad arguments raise :class:`faceplate.foundation.errors.NativeError` (a ``ValueError``) naming the argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from faceplate import _native
from faceplate.foundation.imaging._dispatch import _cuda_twin, _native_call, _new_like, _on_cuda

__all__ = ["polygon_matte", "erode_dilate", "blur"]


def _widths(widths) -> np.ndarray | None:
    return None if widths is None else np.ascontiguousarray(widths, dtype=np.float64)


def polygon_matte(
    vertices,
    size: tuple[int, int] | None = None,
    out: np.ndarray | None = None,
    *,
    inner: float = 0.0,
    outer: float = 0.0,
    inner_widths=None,
    outer_widths=None,
    roi: Sequence[int] | None = None,
    mode: str = "max",
) -> np.ndarray:
    """Rasterize a closed contour into a feathered, anti-aliased matte.

    A pixel whose centre lies at signed distance ``d`` from the contour (negative inside, nonzero
    winding rule) gets ``S((wo - d) / (wi + wo))`` averaged over the pixel's square, with
    ``S(x) = 3x^2 - 2x^3`` clamped to [0, 1]: 1 at ``d = -wi``, 0 at ``d = +wo``. With no feather the
    value is the pixel's area coverage (exact for straight edges, approximate within a pixel of a
    vertex). ``wi``/``wo`` are the inner/outer widths at the contour point nearest the pixel,
    interpolated linearly along each edge from the per-vertex widths, so each segment (jaw, cheeks,
    hairline) can be feathered differently. Only the contour's bounding box grown by its widest outer
    width (plus one pixel) is computed; the rest of the matte is 0 (``size``) or untouched (``out``).

    Args:
        vertices: ``(N, 2)`` contour points ``(x, y)`` in pixel coordinates, N >= 3; the contour is
            closed (the last point joins the first). Converted to float64.
        size: ``(W, H)`` of a new matte. Give exactly one of ``size`` and ``out``.
        out: an ``(H, W)`` float32 C-contiguous matte to draw into (several contours into one matte).
        inner: feather width inside the contour, pixels, for every vertex.
        outer: feather width outside the contour, pixels, for every vertex.
        inner_widths: ``(N,)`` per-vertex inner widths, in place of ``inner`` (not both).
        outer_widths: ``(N,)`` per-vertex outer widths, in place of ``outer`` (not both).
        roi: ``(x0, y0, x1, y1)`` half-open pixel rectangle outside which nothing is written.
            (``out`` may be a CUDA torch/cupy matte: the CUDA twin draws into it.)
        mode: ``"max"`` keeps the larger of the old and new value (union of contours),
            ``"replace"`` overwrites every pixel of the computed box.

    Returns:
        The ``(H, W)`` float32 matte (``out`` itself when given).

    Example:
        >>> import numpy as np
        >>> from faceplate.foundation.imaging.matte import polygon_matte
        >>> square = np.array([[8.0, 8.0], [24.0, 8.0], [24.0, 24.0], [8.0, 24.0]])
        >>> m = polygon_matte(square, size=(32, 32), outer=4.0)
        >>> m.shape, float(m[16, 16]), round(float(m[16, 26]), 2)
        ((32, 32), 1.0, 0.32)
    """
    vertices = np.ascontiguousarray(vertices, dtype=np.float64)
    options = dict(
        inner=float(inner),
        outer=float(outer),
        inner_widths=_widths(inner_widths),
        outer_widths=_widths(outer_widths),
        roi=None if roi is None else tuple(int(v) for v in roi),
        mode=mode,
    )
    if out is not None and _on_cuda(out):  # draw into a CUDA matte with the CUDA twin
        _native_call(_cuda_twin("polygon_matte"), vertices, out, **options)
        return out
    return _native_call(_native.polygon_matte, vertices, size, out, **options)


def erode_dilate(matte: np.ndarray, amount: float) -> np.ndarray:
    """Move a matte's edges outward (``amount > 0``) or inward (``amount < 0``) by sub-pixel amounts.

    The edge keeps its profile: an anti-aliased edge stays one pixel wide and lands at the new
    sub-pixel position (its coverage is inverted to a signed distance and re-evaluated), a feathered
    edge is shifted along its normal. Directions come from the matte's gradient at edge pixels and an
    exact Euclidean distance transform (Felzenszwalb) for the flat pixels near them. Fractional
    amounts move edges smoothly. Convex corners come out chamfered (hard edges) or rounded
    (feathered ones). Accuracy: feathered edges within ~0.01, anti-aliased edges within ~0.3 per
    pixel at a few pixels near 45 degrees (edge position within ~0.1 px).

    Args:
        matte: ``(H, W)`` float32 matte, finite values (typically in [0, 1]): numpy, or a CUDA
            torch/cupy array (run by the CUDA twin, result of the same kind; its values are not
            checked for finiteness).
        amount: pixels to move the edges, negative to erode.

    Returns:
        A new ``(H, W)`` float32 matte.

    Example:
        >>> import numpy as np
        >>> from faceplate.foundation.imaging.matte import erode_dilate
        >>> m = np.zeros((8, 16), np.float32); m[:, :8] = 1.0
        >>> [round(float(v), 2) for v in erode_dilate(m, 1.25)[4, 7:11]]
        [1.0, 1.0, 0.25, 0.0]
    """
    if _on_cuda(matte):
        out = _new_like(matte, tuple(matte.shape), zero=False)
        _native_call(_cuda_twin("erode_dilate"), matte, out, float(amount))
        return out
    return _native_call(_native.erode_dilate, np.ascontiguousarray(matte, dtype=np.float32), float(amount))


def blur(x: np.ndarray, radius: float, *, kind: str = "gaussian") -> np.ndarray:
    """Separable blur of a matte or image, edges clamped, multi-threaded.

    Both kinds reach ``ceil(radius)`` pixels: ``"box"`` averages the box ``[-radius - 0.5,
    radius + 0.5]`` (the two end taps weighted by the fractional part, so the blur grows smoothly with
    ``radius``; an integer radius r equals ``cv2.blur`` with ksize 2r + 1); ``"gaussian"`` uses
    ``sigma = radius / 3`` sampled at the taps and normalized (``cv2.GaussianBlur`` with ksize
    2 ceil(radius) + 1 and that sigma). Border pixels are replicated.

    Args:
        x: ``(H, W)`` matte or ``(H, W, C)`` image, float32, 1 to 64 channels: numpy, or a CUDA
            torch/cupy array (run by the CUDA twin, result of the same kind).
        radius: blur radius in pixels, >= 0 (0 copies).
        kind: ``"gaussian"`` or ``"box"``.

    Returns:
        A new float32 array of the same shape.

    Example:
        >>> import numpy as np
        >>> from faceplate.foundation.imaging.matte import blur
        >>> m = np.zeros((5, 5), np.float32); m[2, 2] = 9.0
        >>> float(blur(m, 1.0, kind="box")[2, 2])
        1.0
    """
    if _on_cuda(x):
        out = _new_like(x, tuple(x.shape), zero=False)
        _native_call(_cuda_twin("blur"), x, out, float(radius), kind)
        return out
    return _native_call(_native.blur, np.ascontiguousarray(x, dtype=np.float32), float(radius), kind)
