"""Training augmentation for aligned face crops (numpy + OpenCV, one sample at a time, seeded).

Geometric changes (affine jitter, flip) and photometric changes (exposure and colour, done in linear
light) are applied to the input and the target alike, so the network must reproduce them; the random
warp of a coarse grid, blur and noise are applied to the input only, so the network learns to redraw a
clean, undistorted face from a distorted one (the autoencoder's denoising task that makes swaps work).

Every function takes a ``numpy.random.Generator``; the trainer seeds one per sample from
(seed, step, identity, slot), so a sample is the same whatever the worker count, and a resumed
training sees exactly the samples an uninterrupted one would.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class AugmentOptions:
    """Strengths of each augmentation (0 disables one).

    Attributes:
        rotate: largest rotation, degrees.  scale: largest relative scale change.
        shift: largest translation, fraction of the crop.  flip: probability of a horizontal flip.
        warp: largest displacement of the coarse warp grid, fraction of the crop (input only).
        exposure: largest exposure change, stops (linear light).  colour: largest per-channel gain change.
        blur: largest Gaussian sigma in output pixels (input only, half the samples).
        noise: largest Gaussian noise sigma in display-referred units (input only, half the samples).
    """

    rotate: float = 8.0
    scale: float = 0.05
    shift: float = 0.03
    flip: float = 0.5
    warp: float = 0.04
    exposure: float = 0.5
    colour: float = 0.06
    blur: float = 1.0
    noise: float = 0.02


NONE = AugmentOptions(0, 0, 0, 0, 0, 0, 0, 0, 0)

# For the ``tiny`` preset's short CPU runs on small sets (tens of faces): half the geometric and exposure
# jitter and half the warp. With the full strengths a 24-face set trained for a few hundred steps spent
# its capacity undoing distortions (measured, 200 steps: 14.2 dB full vs 14.8 dB milder).
MILD = AugmentOptions(
    rotate=4.0, scale=0.05, shift=0.03, flip=0.5, warp=0.02, exposure=0.25, colour=0.06, blur=1.0, noise=0.02
)


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    """The sRGB EOTF (IEC 61966-2-1 piecewise curve), as OCIO's ``sRGB Encoded Rec.709 (sRGB)`` decodes."""
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.maximum(v, 0.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(v, 1.0 / 2.4) - 0.055)


def jitter_matrix(rng: np.random.Generator, size: int, out: int, o: AugmentOptions) -> tuple[np.ndarray, bool]:
    """``out_from_crop`` 2x3 similarity (pixel centres at +0.5) mapping a ``size`` crop to ``out`` pixels with
    random rotation, scale and shift, and whether to flip."""
    angle = math.radians(rng.uniform(-o.rotate, o.rotate))
    k = (out / size) * (1.0 + rng.uniform(-o.scale, o.scale))
    dx, dy = rng.uniform(-o.shift, o.shift, 2) * out
    flip = bool(rng.random() < o.flip)
    c, s = k * math.cos(angle), k * math.sin(angle)
    centre_in, centre_out = size / 2.0, out / 2.0
    m = np.array([[c, -s, 0.0], [s, c, 0.0]])
    m[:, 2] = [centre_out + dx, centre_out + dy] - m[:, :2] @ [centre_in, centre_in]
    if flip:
        m = np.array([[-1.0, 0.0, out], [0.0, 1.0, 0.0]]) @ np.vstack([m, [0, 0, 1]])
    return m, flip


def _cv_matrix(m: np.ndarray) -> np.ndarray:
    """OpenCV maps integer pixel indices; ours maps pixel centres (+0.5): shift both ends."""
    t = m.copy()
    t[:, 2] += m[:, :2] @ [0.5, 0.5] - 0.5
    return t


def warp(image: np.ndarray, m: np.ndarray, out: int, border: int = cv2.BORDER_REFLECT101) -> np.ndarray:
    return cv2.warpAffine(
        image,
        _cv_matrix(m),
        (out, out),
        flags=cv2.INTER_AREA if m[0, 0] ** 2 + m[0, 1] ** 2 < 0.5 else cv2.INTER_LINEAR,
        borderMode=border,
    )


def grid_warp(image: np.ndarray, rng: np.random.Generator, amount: float, cells: int = 5) -> np.ndarray:
    """Displaces a ``cells`` x ``cells`` grid randomly by up to ``amount`` of the side, smoothly interpolated."""
    if amount <= 0:
        return image
    side = image.shape[0]
    offsets = rng.uniform(-amount, amount, (2, cells, cells)).astype(np.float32) * side
    offsets[:, [0, -1], :] = 0.0  # borders stay put: no black edges
    offsets[:, :, [0, -1]] = 0.0
    dx = cv2.resize(offsets[0], (side, side), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(offsets[1], (side, side), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    return cv2.remap(image, xx + dx, yy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)


def photometric(rgb: np.ndarray, rng: np.random.Generator, o: AugmentOptions) -> np.ndarray:
    """Exposure (stops) and per-channel gain, applied in linear light to sRGB-encoded float [0, 1]."""
    if o.exposure <= 0 and o.colour <= 0:
        return rgb
    gain = 2.0 ** rng.uniform(-o.exposure, o.exposure) * (1.0 + rng.uniform(-o.colour, o.colour, 3))
    return np.clip(linear_to_srgb(srgb_to_linear(rgb) * gain.astype(np.float32)), 0.0, 1.0).astype(np.float32)


def degrade(rgb: np.ndarray, rng: np.random.Generator, o: AugmentOptions) -> np.ndarray:
    """Blur and sensor-like noise, each on half the samples."""
    if o.blur > 0 and rng.random() < 0.5:
        rgb = cv2.GaussianBlur(rgb, (0, 0), float(rng.uniform(0.3, o.blur)))
    if o.noise > 0 and rng.random() < 0.5:
        rgb = rgb + rng.normal(0.0, rng.uniform(0.0, o.noise), rgb.shape).astype(np.float32)
    return np.clip(rgb, 0.0, 1.0)


def feature_mask(landmarks: np.ndarray, out: int) -> np.ndarray:
    """``(out, out)`` float32: 1 over the eyes and the mouth (landmark hulls, grown a little), else 0."""
    mask = np.zeros((out, out), np.uint8)
    if not np.all(np.isfinite(landmarks)):
        return mask.astype(np.float32)
    for part in (slice(36, 42), slice(42, 48), slice(48, 60)):
        hull = cv2.convexHull(np.round(landmarks[part] * 16 - 8).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 1, cv2.LINE_AA, 4)
    grow = max(1, out // 32)
    return cv2.dilate(mask, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)).astype(np.float32)
