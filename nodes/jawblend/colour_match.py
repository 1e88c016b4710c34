"""Colour matching of the swapped face to the plate, in linear light, inside the face matte.

Three transfers (the ``colour_match`` knob), each measured with per-pixel weights (the core of the
face matte) and applied to every pixel of the face:

- ``mean-std``: per channel of scene-linear RGB (the working space), ``(x - mu_s) * sd_t / sd_s + mu_t``.
- ``reinhard``: the same in Oklab (Ottosson 2020), a perceptual space whose axes are nearly
  decorrelated for natural images -- Reinhard et al.'s transfer (2001) with Oklab in place of l-alpha-beta.
  Oklab's cube root is taken sign-preserving, so scene-linear values above 1 and small negatives
  (ACEScg can hold them) survive the round trip.
- ``histogram``: each Oklab channel's quantiles (:data:`QUANTILES`) mapped onto the plate's, piecewise
  linear, extended with slope 1 beyond the face's extreme quantiles (no clipping of highlights).

Temporal smoothing: the plate's statistics are averaged over neighbouring frames of the track (a tent
of weights, :func:`smooth`), the face's are the current frame's. The comp's face then follows the
plate's lighting as the track sees it over several frames, while the matte's frame-to-frame jitter
(landmark noise, blinks, a hand passing) and the model's own flicker do not pass into it.

``strength`` mixes between the face as the model drew it (0) and the full transfer (1).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

MODES = ("none", "mean-std", "reinhard", "histogram")
QUANTILES = np.linspace(0.005, 0.995, 41)
MIN_WEIGHT = 16.0  # pixels' worth of weight below which a face has no usable statistics
MAX_SAMPLES = 20000  # pixels measured per face (strided); statistics need no more
STD_RATIO = (0.25, 4.0)  # the transfer's contrast change is kept within this

# ACEScg (AP1, D60) -> linear Rec.709 (D65, Bradford), from OCIO's studio config.
_LIN709_FROM_ACESCG = np.array(
    [[1.705051, -0.62179214, -0.08325887], [-0.13025641, 1.1408048, -0.01054832], [-0.02400336, -0.12896897, 1.1529723]]
)
_LMS_FROM_LIN709 = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_OKLAB_FROM_LMS = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)
_LMS_FROM_WORKING = _LMS_FROM_LIN709 @ _LIN709_FROM_ACESCG
_WORKING_FROM_LMS = np.linalg.inv(_LMS_FROM_WORKING)
_LMS_FROM_OKLAB = np.linalg.inv(_OKLAB_FROM_LMS)


def oklab(rgb: np.ndarray) -> np.ndarray:
    """Scene-linear ACEScg ``(..., 3)`` -> Oklab ``(..., 3)`` (float32)."""
    lms = np.cbrt(rgb.astype(np.float32) @ _LMS_FROM_WORKING.T.astype(np.float32))
    return lms @ _OKLAB_FROM_LMS.T.astype(np.float32)


def linear_from_oklab(lab: np.ndarray) -> np.ndarray:
    """Oklab ``(..., 3)`` -> scene-linear ACEScg ``(..., 3)`` (float32)."""
    lms = lab.astype(np.float32) @ _LMS_FROM_OKLAB.T.astype(np.float32)
    return (lms * lms * lms) @ _WORKING_FROM_LMS.T.astype(np.float32)


def _space(rgb: np.ndarray, mode: str) -> np.ndarray:
    return rgb if mode == "mean-std" else oklab(rgb)


def _unspace(values: np.ndarray, mode: str) -> np.ndarray:
    return values if mode == "mean-std" else linear_from_oklab(values)


@dataclasses.dataclass(frozen=True)
class ColourStats:
    """A face's colour statistics in one mode's space: per channel mean, std and quantiles ``(Q, 3)``
    (``histogram`` mode only, the one transfer that reads them; None otherwise)."""

    mean: np.ndarray
    std: np.ndarray
    quantiles: np.ndarray | None


def measure(rgb: np.ndarray, weights: np.ndarray, mode: str) -> ColourStats | None:
    """Weighted statistics of ``rgb`` ``(h, w, 3)`` under ``weights`` ``(h, w)``, in ``mode``'s space.

    Returns None when the weights hold fewer than :data:`MIN_WEIGHT` pixels (a face almost entirely
    occluded or off the plate): such a frame neither gets nor gives a colour match.
    """
    mask = weights > 0
    count = int(mask.sum())
    inside = weights[mask]
    if count == 0 or float(inside.sum()) < MIN_WEIGHT:
        return None
    stride = max(1, count // MAX_SAMPLES)
    w = inside[::stride].astype(np.float64)
    picked = np.flatnonzero(mask)[::stride]  # the strided samples only, not every masked pixel
    values = _space(rgb.reshape(-1, 3)[picked], mode).astype(np.float64)
    total = w.sum()
    mean = (values * w[:, None]).sum(axis=0) / total
    std = np.sqrt(np.maximum(((values - mean) ** 2 * w[:, None]).sum(axis=0) / total, 1e-12))
    if mode != "histogram":
        return ColourStats(mean, std, None)
    quantiles = np.empty((len(QUANTILES), 3))
    for c in range(3):
        order = np.argsort(values[:, c], kind="stable")
        cdf = (np.cumsum(w[order]) - 0.5 * w[order]) / total
        quantiles[:, c] = np.interp(QUANTILES, cdf, values[order, c])
    return ColourStats(mean, std, quantiles)


def _affine(rgb: np.ndarray, gain: np.ndarray, offset: np.ndarray, mode: str) -> np.ndarray:
    """``_unspace(_space(rgb) * gain + offset, mode)`` for ``rgb`` ``(h, w, 3)``, float32.

    In Oklab the per-channel affine sits between two matrices, which fold into one: ``lab = O cbrt(L x)``,
    so ``O^-1 (g lab + o) = (O^-1 diag(g) O) cbrt(L x) + O^-1 o``. Three 3x3 passes (OpenCV's) and a cube
    root over the face instead of five passes and a promotion to float64: the transfer is redone on
    every edit that moves the matte.
    """
    rgb = np.ascontiguousarray(rgb, np.float32)
    if mode == "mean-std":
        return cv2.transform(rgb, np.hstack([np.diag(gain), offset[:, None]]).astype(np.float32))
    lms = np.cbrt(cv2.transform(rgb, _LMS_FROM_WORKING.astype(np.float32)))
    folded = _LMS_FROM_OKLAB @ np.diag(gain) @ _OKLAB_FROM_LMS
    lms = cv2.transform(lms, np.hstack([folded, (_LMS_FROM_OKLAB @ offset)[:, None]]).astype(np.float32))
    return cv2.transform(lms * lms * lms, _WORKING_FROM_LMS.astype(np.float32))


def smooth(stats: list[ColourStats], weights: list[float]) -> ColourStats:
    """The weighted average of several frames' statistics (means, stds and quantiles averaged; the
    average of quantile functions is the 1-D Wasserstein barycentre of the distributions)."""
    w = np.asarray(weights, np.float64)
    w = w / w.sum()
    return ColourStats(
        sum(wi * s.mean for wi, s in zip(w, stats)),
        sum(wi * s.std for wi, s in zip(w, stats)),
        None if stats[0].quantiles is None else sum(wi * s.quantiles for wi, s in zip(w, stats)),
    )


def tent_weights(offsets, radius: int) -> list[float]:
    """Temporal weights of frames ``offsets`` away from the current one: ``radius + 1 - |offset|``."""
    return [float(radius + 1 - abs(o)) for o in offsets]


def transfer(rgb: np.ndarray, source: ColourStats, target: ColourStats, mode: str, strength: float = 1.0) -> np.ndarray:
    """``rgb`` ``(h, w, 3)`` with ``source``'s statistics moved onto ``target``'s (float32).

    Args:
        rgb: the face, scene-linear.
        source: its statistics (:func:`measure` with the same ``mode``).
        target: the plate's (smoothed) statistics.
        mode: one of :data:`MODES` other than ``none``.
        strength: 0 leaves ``rgb`` as it is, 1 applies the full transfer.
    """
    if mode == "none" or strength <= 0.0:
        return rgb
    if mode == "histogram":
        values = _space(rgb, mode).astype(np.float32)
        out = np.empty_like(values)
        ramp = np.arange(len(QUANTILES)) * 1e-7  # strictly increasing for interpolation
        for c in range(3):
            qs, qt = source.quantiles[:, c] + ramp, target.quantiles[:, c]
            x = values[..., c]
            y = np.interp(x, qs, qt)
            y = np.where(x < qs[0], qt[0] + (x - qs[0]), y)
            out[..., c] = np.where(x > qs[-1], qt[-1] + (x - qs[-1]), y)
        matched = _unspace(out.astype(np.float32), mode)
    else:
        gain = np.clip(target.std / np.maximum(source.std, 1e-9), *STD_RATIO)
        matched = _affine(rgb, gain, target.mean - gain * source.mean, mode)
    if strength >= 1.0:
        return matched.astype(np.float32)
    return (rgb + strength * (matched - rgb)).astype(np.float32)
