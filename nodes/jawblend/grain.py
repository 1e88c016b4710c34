"""Grain: the plate's noise measured in its flat regions, and matching noise added to generated pixels.

Measurement (per channel, over a face's box of the plate): Immerkaer's noise operator (the 3x3 kernel
``[[1,-2,1],[-2,4,-2],[1,-2,1]]``, which cancels constant and linear image structure; its response to
white noise of variance v has variance ``36 v``) is taken where the image is flat -- the pixels whose
smoothed gradient is in the lowest :data:`FLAT_FRACTION` of the box -- and its robust variance (median
of squares over the chi-square(1) median) is measured in :data:`BINS` bins of local level. A line
``variance = a + b * level`` (read noise plus shot noise, the usual sensor model; film grain fits it
about as well) is fitted through the bins, with ``a, b >= 0``.

Adding: the face (a network's output is smoother than the plate) is measured the same way; the noise
added at each pixel has the variance the plate would have at the face's level there, less what the face
already has, times ``amount ** 2``. The noise is white and Gaussian, seeded by frame and track, so a
frame renders the same grain every time and on every machine.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from faceplate.foundation.imaging import blur

KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
KERNEL_ENERGY = 36.0  # sum of the kernel's squares
CHI2_MEDIAN = 0.4549364  # median of chi-square with 1 degree of freedom
FLAT_FRACTION = 0.4
BINS = 6
MIN_PIXELS = 64
MAX_SAMPLES = 20000  # flat pixels binned per channel (strided); the medians need no more


@dataclasses.dataclass(frozen=True)
class NoiseModel:
    """Per channel ``variance = offset + slope * level`` (``(3,)`` each)."""

    offset: np.ndarray
    slope: np.ndarray

    def sigma_at(self, level: float) -> np.ndarray:
        return np.sqrt(self.offset + self.slope * max(level, 0.0))

    def to_json(self) -> dict:
        return {"offset": np.round(self.offset, 12).tolist(), "slope": np.round(self.slope, 12).tolist()}


ZERO = NoiseModel(np.zeros(3), np.zeros(3))


def local_level(rgb: np.ndarray) -> np.ndarray:
    """The local signal level the noise is modelled against: ``rgb`` blurred (Gaussian, radius 2)."""
    return blur(np.ascontiguousarray(rgb, np.float32), 2.0)


def measure(rgb: np.ndarray, where: np.ndarray | None = None, level: np.ndarray | None = None) -> NoiseModel:
    """The noise model of ``rgb`` ``(h, w, 3)`` float32, from its flat pixels (within ``where`` when given).

    ``level``: :func:`local_level` of ``rgb`` when the caller has it. Returns :data:`ZERO` when too few
    pixels qualify.
    """
    rgb = np.ascontiguousarray(rgb, np.float32)
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        return ZERO
    response = cv2.filter2D(rgb, -1, KERNEL, borderType=cv2.BORDER_REFLECT)
    level = local_level(rgb) if level is None else level
    # The channels' mean, summed in the order numpy's mean over the last axis sums them (the same bits),
    # without its slow reduction over an axis of 3.
    smooth = blur((rgb[..., 0] + rgb[..., 1] + rgb[..., 2]) / 3, 3.0)
    gy, gx = np.gradient(smooth)
    structure = gx * gx + gy * gy
    inner = np.zeros(structure.shape, bool)
    inner[2:-2, 2:-2] = True  # the kernel's border taps are reflections
    if where is not None:
        inner &= where
    if inner.sum() < MIN_PIXELS:
        return ZERO
    stride = max(1, int(inner.sum()) // (4 * MAX_SAMPLES))
    flat = inner & (structure <= np.quantile(structure[inner][::stride], FLAT_FRACTION))
    stride = max(1, int(flat.sum()) // MAX_SAMPLES)
    picked = np.flatnonzero(flat)[::stride]  # the strided flat pixels, indexed once for all channels
    levels = level.reshape(-1, 3)[picked].astype(np.float64)
    responses = response.reshape(-1, 3)[picked].astype(np.float64) ** 2
    offsets, slopes = np.zeros(3), np.zeros(3)
    for c in range(3):
        lv, r2 = levels[:, c], responses[:, c]
        edges = np.quantile(lv, np.linspace(0, 1, BINS + 1))
        xs, ys = [], []
        for lo, hi in zip(edges[:-1], edges[1:]):
            pick = (lv >= lo) & (lv <= hi)
            if pick.sum() >= MIN_PIXELS // 4:
                xs.append(np.median(lv[pick]))
                ys.append(np.median(r2[pick]) / CHI2_MEDIAN / KERNEL_ENERGY)
        if not xs:
            continue
        offsets[c], slopes[c] = _fit_line(np.array(xs), np.array(ys))
    return NoiseModel(offsets, slopes)


def _fit_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares ``y = a + b x`` with ``a, b >= 0``."""
    if len(x) >= 2 and np.ptp(x) > 1e-9:
        b, a = np.polyfit(x, y, 1)
        if a >= 0 and b >= 0:
            return float(a), float(b)
        if b < 0:
            return float(max(np.mean(y), 0.0)), 0.0
        b = float(max(np.sum(x * y) / max(np.sum(x * x), 1e-30), 0.0))
        return 0.0, b
    return float(max(np.mean(y), 0.0)), 0.0


def white_noise(shape: tuple[int, ...], seed) -> np.ndarray:
    """Unit Gaussian white noise of ``shape`` (float32), the same for the same ``seed`` everywhere."""
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def add_grain(
    face: np.ndarray,
    plate_noise: NoiseModel,
    face_noise: NoiseModel,
    amount: float,
    seed=None,
    noise: np.ndarray | None = None,
    level: np.ndarray | None = None,
) -> np.ndarray:
    """``face`` ``(h, w, 3)`` with noise that brings its grain up to the plate's (float32, new array).

    The noise is ``noise`` when given (:func:`white_noise` of the face's shape), else drawn from ``seed``;
    ``level``: :func:`local_level` of ``face`` when the caller has it.
    """
    if amount <= 0.0:
        return face
    level = local_level(face) if level is None else level
    if noise is None:
        noise = white_noise(face.shape, seed)
    # The missing variance, plate's minus face's, as one line in float32, built in place: the face's
    # box is a few hundred thousand pixels, and an edit waits for every pass over them.
    sigma = np.maximum(level, 0.0, dtype=np.float32)
    sigma *= (plate_noise.slope - face_noise.slope).astype(np.float32)
    sigma += (plate_noise.offset - face_noise.offset).astype(np.float32)
    np.maximum(sigma, 0.0, out=sigma)
    np.sqrt(sigma, out=sigma)
    sigma *= np.float32(amount)
    sigma *= noise
    sigma += face
    return sigma
