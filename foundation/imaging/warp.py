"""Affine and perspective warps, and paste-back of aligned face crops into plates.

Every function takes numpy arrays (run on the CPU, multi-threaded, GIL released) or CUDA arrays
that speak DLPack (``torch.Tensor`` or ``cupy.ndarray`` on a CUDA device; run by the CUDA twins on
the caller's current stream) and returns the same kind it was given.

Conventions:

- Images are channels-last ``(H, W, C)``, 1 to 64 channels, C-contiguous, float32 (warps also take
  and give float16; they compute in float32). Alpha is just a channel: premultiplied images
  interpolate correctly as they are.
- Pixel centres sit at +0.5 and the origin is the top-left corner: pixel ``(row i, column j)``
  covers ``[j, j+1) x [i, i+1)``.
- Matrices are ``dst_from_src``: 2x3 or 3x3, float64, mapping SOURCE pixel positions to
  DESTINATION pixel positions (e.g. ``aligned_from_plate`` maps plate positions into the crop).
- Filters: ``'nearest'``, ``'bilinear'``, ``'bicubic'`` (Catmull-Rom, Keys a = -0.5). Bicubic is
  not clamped: it rings (overshoots) at hard edges, alpha included, as scene-linear data must be
  allowed values outside [0, 1]; use bilinear where that matters.
- Borders: ``'constant'`` (taps outside the source read ``border_value``), ``'edge'`` (taps
  clamp to the nearest edge pixel), ``'transparent'`` (output pixels whose sample position lies
  outside the source are not written).

Errors (bad shapes, dtypes, NaN or singular matrices, empty regions, unknown names) raise
:class:`faceplate.foundation.errors.NativeError`, a ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from faceplate import _native
from faceplate.foundation.errors import NativeError
from faceplate.foundation.imaging._dispatch import (
    Box,
    _cuda_twin,
    _from_native_device,
    _native_call,
    _new_like,
    _on_cuda,
    _stream_of,
)

__all__ = ["paste_back", "warp_affine", "warp_perspective"]


def _warp(name: str, src, dst_from_src, size, out, roi, filter, border, border_value):
    options = dict(roi=roi, filter=filter, border=border, border_value=border_value)
    if isinstance(src, np.ndarray):
        return _native_call(getattr(_native, name), src, dst_from_src, size=size, out=out, **options)
    if not _on_cuda(src):
        raise NativeError(
            f"src: expected a numpy array or a CUDA tensor/array, got {type(src).__module__}.{type(src).__name__}"
        )
    twin = _cuda_twin(name)
    if out is None and size is not None and len(getattr(src, "shape", ())) == 3:
        try:
            width, height = (int(v) for v in size)
        except (TypeError, ValueError):
            raise NativeError(f"size: expected (width, height), got {size!r}") from None
        if width > 0 and height > 0:
            # Allocate with the caller's framework (its caching allocator), then fill in place.
            out = _new_like(src, (height, width, src.shape[2]), zero=roi is not None or border == "transparent")
            if out is not None:
                size = None
    result = _native_call(twin, src, dst_from_src, size=size, out=out, stream=_stream_of(src), **options)
    return result if out is not None else _from_native_device(src, result)


def warp_affine(
    src,
    dst_from_src,
    *,
    size: tuple[int, int] | None = None,
    out=None,
    roi: Box | None = None,
    filter: str = "bilinear",
    border: str = "constant",
    border_value: float = 0.0,
):
    """Resamples an image through an affine transform.

    Args:
        src: ``(H, W, C)`` float32 or float16 image, numpy or CUDA (torch / cupy).
        dst_from_src: ``(2, 3)`` or affine ``(3, 3)`` matrix mapping SOURCE pixel positions to
            DESTINATION pixel positions (pixel centres at +0.5, origin top-left). Each output
            pixel centre ``p`` is sampled at ``inverse(dst_from_src) @ p``.
        size: ``(width, height)`` of a new output of src's dtype and kind; pixels not computed
            (outside ``roi``, or transparent-border misses) are 0. Give this or ``out``.
        out: existing ``(h, w, C)`` float32/float16 output of src's kind, written in place and
            returned; pixels outside ``roi`` are left untouched.
        roi: ``(x0, y0, x1, y1)`` output region to compute (half-open, clipped to the output).
        filter: ``'nearest'``, ``'bilinear'`` or ``'bicubic'`` (Catmull-Rom; may overshoot).
        border: ``'constant'``, ``'edge'`` or ``'transparent'`` (see the module docstring).
        border_value: value read outside src with ``border='constant'``.

    Returns:
        The ``(height, width, C)`` output (``out`` itself when given).

    Raises:
        NativeError: bad shape or dtype, NaN/inf or singular matrix, empty roi, unknown
            filter or border name, read-only ``out``.

    Example:
        >>> import numpy as np
        >>> from faceplate.foundation.imaging import warp_affine
        >>> src = np.zeros((4, 4, 1), np.float32); src[1, 2] = 1.0
        >>> shifted = warp_affine(src, [[1, 0, 1], [0, 1, 0]], size=(4, 4), filter="nearest")
        >>> float(shifted[1, 3, 0])
        1.0
    """
    return _warp("warp_affine", src, dst_from_src, size, out, roi, filter, border, border_value)


def warp_perspective(
    src,
    dst_from_src,
    *,
    size: tuple[int, int] | None = None,
    out=None,
    roi: Box | None = None,
    filter: str = "bilinear",
    border: str = "constant",
    border_value: float = 0.0,
):
    """Resamples an image through a projective (homography) transform.

    Same arguments, returns and errors as :func:`warp_affine`, with ``dst_from_src`` a ``(3, 3)``
    matrix mapping SOURCE pixel positions to DESTINATION pixel positions. Output pixels whose
    sample lies behind the projection centre (w <= 0) read ``border_value`` (transparent: untouched).

    Example:
        >>> import numpy as np
        >>> from faceplate.foundation.imaging import warp_perspective
        >>> src = np.ones((8, 8, 3), np.float32)
        >>> warp_perspective(src, np.eye(3), size=(8, 8)).shape
        (8, 8, 3)
    """
    return _warp("warp_perspective", src, dst_from_src, size, out, roi, filter, border, border_value)


def paste_back(
    plate,
    face,
    matte,
    aligned_from_plate,
    *,
    filter: str = "bilinear",
    channels: Sequence[int] | None = None,
) -> Box:
    """Composites an aligned face crop back into its plate, in place, through its matte.

    For each plate pixel ``p`` in the crop's footprint, ``q = aligned_from_plate @ p`` and
    ``m = clamp(matte(q), 0, 1)`` (0 outside the crop), then
    ``plate[..., channels] = face(q) * m + plate[..., channels] * (1 - m)`` (a matte-weighted over;
    the face is not premultiplied by the matte). Only the footprint -- the bounding box of the crop
    mapped into the plate, grown by the filter's reach and clipped -- is read or written.

    Args:
        plate: ``(H, W, Cp)`` float32 plate, numpy or CUDA; modified in place.
        face: ``(h, w, C)`` float32 aligned crop, same kind as plate.
        matte: ``(h, w)`` or ``(h, w, 1)`` float32 matte of the crop, same kind as plate.
        aligned_from_plate: ``(2, 3)`` or ``(3, 3)`` matrix mapping PLATE pixel positions to
            ALIGNED (crop) pixel positions (pixel centres at +0.5).
        filter: ``'nearest'``, ``'bilinear'`` or ``'bicubic'`` for face and matte (the matte is
            clamped to [0, 1], so bicubic ringing cannot extrapolate the plate).
        channels: plate channel index for each face channel (default: the first C).

    Returns:
        The touched box ``(x0, y0, x1, y1)`` in plate pixels, ``(0, 0, 0, 0)`` when the crop misses
        the plate.

    Raises:
        NativeError: bad shapes or dtypes, NaN/inf or singular matrix, bad channel indices,
            read-only plate.

    Example:
        >>> import numpy as np
        >>> from faceplate.foundation.imaging import paste_back
        >>> plate = np.zeros((64, 64, 4), np.float32)
        >>> face = np.ones((16, 16, 3), np.float32); matte = np.ones((16, 16), np.float32)
        >>> paste_back(plate, face, matte, [[1, 0, -8], [0, 1, -8]])  # crop placed at (8, 8)
        (8, 8, 24, 24)
    """
    if isinstance(plate, np.ndarray):
        return tuple(
            _native_call(_native.paste_back, plate, face, matte, aligned_from_plate, filter=filter, channels=channels)
        )
    if not _on_cuda(plate):
        raise NativeError(
            f"plate: expected a numpy array or a CUDA tensor/array, got {type(plate).__module__}.{type(plate).__name__}"
        )
    twin = _cuda_twin("paste_back")
    return tuple(
        _native_call(
            twin, plate, face, matte, aligned_from_plate, filter=filter, channels=channels, stream=_stream_of(plate)
        )
    )
