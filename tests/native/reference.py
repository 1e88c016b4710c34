"""float64 numpy reference implementations of the native warps and paste_back.

They follow the documented conventions literally (pixel centres at +0.5, dst_from_src maps source
positions to destination positions, Catmull-Rom bicubic, the three border modes) and favour
clarity over speed. test_reference_matches_opencv checks them against OpenCV where OpenCV shares
the semantics.
"""

from __future__ import annotations

import numpy as np


def as3x3(m) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    return np.vstack([m, [0.0, 0.0, 1.0]]) if m.shape == (2, 3) else m


def _taps(s: np.ndarray, filter: str):
    """(index, weight) pairs of the filter footprint for continuous positions s."""
    if filter == "nearest":
        return [(np.floor(s).astype(np.int64), np.ones_like(s))]
    u = s - 0.5
    i = np.floor(u).astype(np.int64)
    t = u - i
    if filter == "bilinear":
        return [(i, 1 - t), (i + 1, t)]
    a = -0.5
    w = [
        a * (t**3 - 2 * t**2 + t),
        (a + 2) * t**3 - (a + 3) * t**2 + 1,
        -(a + 2) * t**3 + (2 * a + 3) * t**2 - a * t,
        a * (t**2 - t**3),
    ]
    return [(i - 1 + k, w[k]) for k in range(4)]


def sample(src: np.ndarray, sx: np.ndarray, sy: np.ndarray, filter: str, border: str, border_value: float = 0.0):
    """Samples src (h, w, C) at positions (sx, sy); returns (values, written mask)."""
    h, w = src.shape[:2]
    img = src.astype(np.float64)
    finite = np.isfinite(sx) & np.isfinite(sy)
    sx = np.where(finite, np.clip(sx, -8, w + 8), -8)
    sy = np.where(finite, np.clip(sy, -8, h + 8), -8)
    out = np.zeros(sx.shape + (src.shape[2],))
    for iy, wy in _taps(sy, filter):
        for ix, wx in _taps(sx, filter):
            inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
            val = img[np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
            if border == "constant":
                val = np.where(inside[..., None], val, border_value)
            out += (wx * wy)[..., None] * val
    written = finite.copy()
    if border == "transparent":
        written &= (sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)
    else:
        out[~finite] = border_value
        written[:] = True
    return out, written


def warp(src, dst_from_src, size, filter="bilinear", border="constant", border_value=0.0, out=None):
    """Reference warp: float64 result of shape (height, width, C); out gives untouched pixels."""
    width, height = size
    t = np.linalg.inv(as3x3(dst_from_src))
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    p = t @ np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5, np.ones(xs.size)])
    mapped = p[2] > 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        sx = np.where(mapped, p[0] / p[2], np.nan).reshape(height, width)
        sy = np.where(mapped, p[1] / p[2], np.nan).reshape(height, width)
    values, written = sample(src, sx, sy, filter, border, border_value)
    base = np.zeros_like(values) if out is None else np.asarray(out, dtype=np.float64)
    return np.where(written[..., None], values, base)


def paste_back(plate, face, matte, aligned_from_plate, filter="bilinear", channels=None):
    """Reference paste_back over the whole plate: returns the new plate (float64)."""
    h, w = plate.shape[:2]
    matte = matte.reshape(matte.shape[0], matte.shape[1], 1)
    plate_from_aligned = np.linalg.inv(as3x3(aligned_from_plate))
    f = warp(face, plate_from_aligned, (w, h), filter, "edge")
    m = np.clip(warp(matte, plate_from_aligned, (w, h), filter, "constant", 0.0), 0.0, 1.0)
    channels = list(range(face.shape[2])) if channels is None else list(channels)
    result = plate.astype(np.float64)
    region = result[..., channels]
    result[..., channels] = np.where(m > 0, region + m * (f - region), region)
    return result
