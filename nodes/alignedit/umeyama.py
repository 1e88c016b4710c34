"""Similarity transforms: the least-squares fit (Umeyama) and the smoothable parameters.

A similarity ``plate_from_template`` is described by four parameters that vary smoothly along a
track: the plate position ``(x, y)`` of the template's :data:`~.template.ANCHOR`, ``log`` of the
scale (plate pixels per template unit) and the angle in degrees (clockwise on screen, y down).
"""

from __future__ import annotations

import math

import numpy as np

from faceplate.foundation import geometry
from faceplate.foundation.errors import FaceplateError
from faceplate.nodes.alignedit.template import ANCHOR


def umeyama(src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``(2, 3)`` similarity ``dst_from_src`` minimising ``sum w_i |dst_i - T src_i|^2`` (no reflection).

    Umeyama (1991), "Least-squares estimation of transformation parameters between two point
    patterns", with per-point weights.

    Args:
        src, dst: ``(N, 2)`` corresponding points, N >= 2.
        weights: ``(N,)`` non-negative, not all zero (default: all 1).
    """
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    if src.ndim != 2 or src.shape[1] != 2 or src.shape != dst.shape or len(src) < 2:
        raise FaceplateError(
            f"umeyama: expected two (N, 2) arrays of equal shape, N >= 2; got {src.shape} and {dst.shape}"
        )
    w = np.ones(len(src)) if weights is None else np.asarray(weights, np.float64)
    if w.shape != (len(src),) or np.any(w < 0) or w.sum() <= 0:
        raise FaceplateError(f"umeyama: weights must be ({len(src)},) non-negative and not all zero")
    w = w / w.sum()
    mu_s, mu_d = w @ src, w @ dst
    s, d = src - mu_s, dst - mu_d
    cov = (d * w[:, None]).T @ s
    u, sv, vt = np.linalg.svd(cov)
    flip = np.diag([1.0, -1.0 if np.linalg.det(u) * np.linalg.det(vt) < 0 else 1.0])
    rotation = u @ flip @ vt
    var_s = float(w @ (s**2).sum(axis=1))
    if var_s <= 1e-12:
        raise FaceplateError("umeyama: the source points are all in one place")
    scale = float(np.trace(np.diag(sv) @ flip)) / var_s
    linear = scale * rotation
    return np.hstack([linear, (mu_d - linear @ mu_s)[:, None]])


def to_params(plate_from_template: np.ndarray) -> np.ndarray:
    """``(4,)`` ``[anchor x, anchor y, log scale, angle degrees]`` of a similarity."""
    m = np.asarray(plate_from_template, np.float64)
    x, y = geometry.apply(m, ANCHOR[None])[0]
    scale = math.hypot(m[0, 0], m[1, 0])
    return np.array([x, y, math.log(scale), geometry.angle_of(m[:, 0])])


def from_params(params: np.ndarray) -> np.ndarray:
    """The ``plate_from_template`` similarity of :func:`to_params` parameters."""
    x, y, log_scale, angle = (float(v) for v in params)
    # geometry.similarity turns by -angle; we want the template's x axis to point along +angle.
    return geometry.similarity(ANCHOR, (x, y), math.exp(log_scale), -angle)
