"""Defocus and motion blur of the generated face, so it matches the plate's optics and shutter.

Both work on a face's box (float32 ``(h, w, C)`` arrays, OpenCV's filters, replicated borders):

- defocus: a disc (a lens's circle of confusion) of ``radius`` pixels, anti-aliased at its rim;
- motion blur: a line of ``velocity * shutter`` pixels centred on each pixel (a box over the shutter
  interval), where the velocity is the track's mean landmark motion per frame (plate pixels). Only the
  translation of the face is blurred, not its rotation or scaling within the frame.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

MAX_LENGTH = 151  # pixels: a longer smear is clamped (a face moving that fast is a blur anyway)


def disc_kernel(radius: float) -> np.ndarray:
    """A normalised anti-aliased disc of ``radius`` pixels (float32, odd size)."""
    r = int(math.ceil(radius))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
    kernel = np.clip(radius + 0.5 - np.sqrt(xx * xx + yy * yy), 0.0, 1.0)
    return kernel / kernel.sum()


def line_kernel(dx: float, dy: float) -> np.ndarray:
    """A normalised line from ``-(dx, dy)/2`` to ``+(dx, dy)/2`` pixels (float32, odd size)."""
    length = min(math.hypot(dx, dy), MAX_LENGTH)
    if length < 0.5:
        return np.ones((1, 1), np.float32)
    scale = length / math.hypot(dx, dy)
    dx, dy = dx * scale, dy * scale
    r = int(math.ceil(length / 2)) + 1
    kernel = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    steps = max(int(math.ceil(length * 4)), 2)
    for t in np.linspace(-0.5, 0.5, steps):
        x, y = r + t * dx, r + t * dy  # bilinear splat of each sample of the line
        x0, y0 = int(math.floor(x)), int(math.floor(y))
        fx, fy = x - x0, y - y0
        kernel[y0, x0] += (1 - fx) * (1 - fy)
        kernel[y0, x0 + 1] += fx * (1 - fy)
        kernel[y0 + 1, x0] += (1 - fx) * fy
        kernel[y0 + 1, x0 + 1] += fx * fy
    return kernel / kernel.sum()


def convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``image`` ``(h, w)`` or ``(h, w, C)`` float32 filtered by ``kernel`` (replicated borders)."""
    if kernel.shape == (1, 1):
        return image
    return cv2.filter2D(np.ascontiguousarray(image, np.float32), -1, kernel, borderType=cv2.BORDER_REPLICATE)


def reach(defocus: float, velocity: tuple[float, float], shutter: float) -> float:
    """How far (pixels) the blurs can spread a matte."""
    return math.ceil(defocus) + min(math.hypot(*velocity) * shutter, MAX_LENGTH) / 2 + 1
