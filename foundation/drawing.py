"""Pictures for people to look at: labels drawn into images of any dtype, and 8-bit PNG files."""

from __future__ import annotations

import cv2
import numpy as np
import OpenImageIO as oiio

from faceplate.foundation.errors import SequenceIOError
from faceplate.foundation.files import atomic_path


def put_text(canvas: np.ndarray, text: str, origin: tuple[int, int], scale: float, colour, thickness: int) -> None:
    """``cv2.putText`` for any canvas dtype (OpenCV 5 draws text into 8-bit images only)."""
    if canvas.dtype == np.uint8:
        cv2.putText(canvas, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)
        return
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = thickness + 1
    x0, y0 = origin[0] - pad, origin[1] - h - pad
    mask = np.zeros((h + base + 2 * pad, w + 2 * pad), np.uint8)
    cv2.putText(mask, text, (pad, h + pad), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thickness, cv2.LINE_AA)
    ys = slice(max(y0, 0), min(y0 + mask.shape[0], canvas.shape[0]))
    xs = slice(max(x0, 0), min(x0 + mask.shape[1], canvas.shape[1]))
    if ys.start >= ys.stop or xs.start >= xs.stop:
        return
    m = mask[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0, None].astype(np.float32) / 255.0
    region = canvas[ys, xs]
    region[...] = region * (1.0 - m) + np.asarray(colour, np.float32)[: canvas.shape[2]] * m


def write_png(path: str, picture: np.ndarray) -> str:
    """Writes an ``(H, W, C)`` picture as an 8-bit PNG, atomically; returns ``path``.

    ``picture``: uint8, or float display-referred values in [0, 1] (clipped, rounded).
    """
    if picture.dtype != np.uint8:
        picture = np.clip(np.asarray(picture, np.float64) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    pixels = np.ascontiguousarray(picture)
    with atomic_path(path) as temp:
        out = oiio.ImageOutput.create("png")
        spec = oiio.ImageSpec(pixels.shape[1], pixels.shape[0], pixels.shape[2] if pixels.ndim == 3 else 1, "uint8")
        if out is None or not out.open(temp, spec):
            raise SequenceIOError(f"cannot write the picture: {oiio.geterror()}", path=path)
        out.write_image(pixels)
        out.close()
    return path
