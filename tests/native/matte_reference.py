"""Reference implementations and the tolerance check for the matte and blend tests.

Written independently of the native code: numpy brute force (winding numbers at supersampled
points, segment distances) and OpenCV (blur, distance transform, pyramids).

Comparisons follow the policy of TOLERANCE.md (tolerance.py); the matte and blend tests state
their three numbers (threshold, fraction, ceiling) next to the reason for them.
"""

from __future__ import annotations

import cv2
import numpy as np
from tolerance import Tolerance, assert_images_close


def assert_close(actual, expected, *, threshold: float, fraction: float, ceiling: float, where=None, what=""):
    """Asserts the tolerance policy (tolerance.py) with the test's own numbers; ``where`` (bool mask)
    restricts the pixels compared."""
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if where is not None:
        actual, expected = actual[where], expected[where]
    assert actual.size > 0, f"{what}: no pixels compared"
    assert_images_close(actual, expected, Tolerance(threshold, fraction, ceiling), what)


def winding(poly: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Nonzero-winding inside test of points (x, y) (any shape) against the closed polygon."""
    wind = np.zeros(np.broadcast(x, y).shape, np.int32)
    n = len(poly)
    for k in range(n):
        (ax, ay), (bx, by) = poly[k], poly[(k + 1) % n]
        crosses = (ay <= y) != (by <= y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = ax + (y - ay) * (bx - ax) / (by - ay)
        wind += np.where(crosses & (xc < x), 1 if by > ay else -1, 0)
    return wind != 0


def coverage(poly: np.ndarray, width: int, height: int, samples: int = 16) -> np.ndarray:
    """Area coverage of each pixel, estimated from samples x samples points per pixel."""
    xs = (np.arange(width * samples) + 0.5) / samples
    ys = (np.arange(height * samples) + 0.5) / samples
    inside = winding(poly, xs[None, :], ys[:, None])
    return inside.reshape(height, samples, width, samples).mean(axis=(1, 3))


def nearest_on_contour(poly: np.ndarray, width: int, height: int):
    """Distance from each pixel centre to the contour, with the nearest edge index and its parameter t."""
    px = (np.arange(width) + 0.5)[None, :]
    py = (np.arange(height) + 0.5)[:, None]
    best = np.full((height, width), np.inf)
    edge = np.zeros((height, width), np.int64)
    tpar = np.zeros((height, width))
    n = len(poly)
    for k in range(n):
        a, b = poly[k], poly[(k + 1) % n]
        e = b - a
        t = np.clip(((px - a[0]) * e[0] + (py - a[1]) * e[1]) / max(float(e @ e), 1e-300), 0, 1)
        d = np.hypot(a[0] + t * e[0] - px, a[1] + t * e[1] - py)
        closer = d < best
        best = np.where(closer, d, best)
        edge = np.where(closer, k, edge)
        tpar = np.where(closer, t, tpar)
    return best, edge, tpar


def smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def feather_at_centres(poly, width, height, inner, outer):
    """The feather profile evaluated at pixel centres (no pixel-area averaging).

    ``inner``/``outer`` are per-vertex arrays; widths are interpolated along the nearest edge.
    """
    dist, edge, t = nearest_on_contour(poly, width, height)
    inside = winding(poly, (np.arange(width) + 0.5)[None, :], (np.arange(height) + 0.5)[:, None])
    d = np.where(inside, -dist, dist)
    nxt = (edge + 1) % len(poly)
    wi = inner[edge] + t * (inner[nxt] - inner[edge])
    wo = outer[edge] + t * (outer[nxt] - outer[edge])
    return smoothstep((wo - d) / (wi + wo))


def pyramid_blend(a, b, m, levels, keep_low_from=None):
    """Laplacian-pyramid blend with cv2.pyrDown / cv2.pyrUp, in float32."""

    def as3(x, c):
        return x.reshape(x.shape[0], x.shape[1], c)

    c = a.shape[2]
    ga, gb, gm = [a], [b], [m]
    for _ in range(levels - 1):
        if min(ga[-1].shape[:2]) <= 1:
            break
        ga.append(as3(cv2.pyrDown(ga[-1]), c))
        gb.append(as3(cv2.pyrDown(gb[-1]), c))
        gm.append(cv2.pyrDown(gm[-1]))

    def up(x, like):
        return as3(cv2.pyrUp(x, dstsize=(like.shape[1], like.shape[0])), c)

    top = len(ga) - 1
    w = {None: gm[top][..., None], "a": 1.0, "b": 0.0}[keep_low_from]
    r = (w * ga[top] + (1 - w) * gb[top]).astype(np.float32)
    for lv in range(top - 1, -1, -1):
        w = gm[lv][..., None]
        r = up(r, ga[lv]) + w * (ga[lv] - up(ga[lv + 1], ga[lv])) + (1 - w) * (gb[lv] - up(gb[lv + 1], gb[lv]))
    return r


def circle(radius: float, cx: float, cy: float, n: int = 256) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + radius * np.cos(t), cy + radius * np.sin(t)], axis=1)


def face_contour(cx: float, cy: float, scale: float) -> np.ndarray:
    """A 27-point face outline: 17 jaw points (iBUG 0-16, ear to ear under the chin) then 10 brow
    points (iBUG 26 back to 17) lifted to a hairline; clockwise in image coordinates."""
    t = np.linspace(np.pi * 0.05, np.pi * 0.95, 17)[::-1]
    jaw = np.stack([cx - np.cos(t) * scale * 0.95, cy + np.sin(t) * scale * 1.15 - scale * 0.1], 1)
    s = np.linspace(0.0, np.pi, 10)
    brow = np.stack([cx + np.cos(s) * scale * 0.9, cy - scale * 0.35 - np.sin(s) * scale * 0.75], 1)
    return np.concatenate([jaw[::-1], brow])
