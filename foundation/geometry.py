"""2x3 affine transforms between plate, array, proxy and crop pixels.

Convention (faceplate's): pixel centres at +0.5, origin top-left, y down; a matrix named
``dst_from_src`` maps source pixel coordinates to destination ones. *Array* coordinates are plate
coordinates minus the data window's origin. OpenCV puts pixel centres at integers, so matrices are
shifted by :func:`opencv_matrix` before they reach ``cv2.warpAffine``.
"""

from __future__ import annotations

import math

import numpy as np


def similarity(src_centre, dst_centre, scale: float, angle_deg: float) -> np.ndarray:
    """``dst_from_src``: turn by ``-angle_deg`` about ``src_centre``, scale, move it to ``dst_centre``.

    A face whose "up" is turned by ``angle_deg`` (clockwise on screen, y down) comes out upright.
    """
    a = math.radians(angle_deg)
    c, s = math.cos(a) * scale, math.sin(a) * scale
    linear = np.array([[c, s], [-s, c]])  # scale * rotation by -angle
    offset = np.asarray(dst_centre, np.float64) - linear @ np.asarray(src_centre, np.float64)
    return np.hstack([linear, offset[:, None]])


def translation(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])


def compose(a_from_b: np.ndarray, b_from_c: np.ndarray) -> np.ndarray:
    """``a_from_c``."""
    return np.hstack([a_from_b[:, :2] @ b_from_c[:, :2], (a_from_b[:, :2] @ b_from_c[:, 2] + a_from_b[:, 2])[:, None]])


def invert(dst_from_src: np.ndarray) -> np.ndarray:
    """``src_from_dst``."""
    linear = np.linalg.inv(dst_from_src[:, :2])
    return np.hstack([linear, (-linear @ dst_from_src[:, 2])[:, None]])


def apply(dst_from_src: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``(N, 2)`` points mapped through a 2x3 transform."""
    points = np.asarray(points, np.float64)
    return points @ dst_from_src[:, :2].T + dst_from_src[:, 2]


def opencv_matrix(dst_from_src: np.ndarray) -> np.ndarray:
    """The same transform for OpenCV, whose pixel centres sit at integer coordinates."""
    return compose(translation(-0.5, -0.5), compose(dst_from_src, translation(0.5, 0.5)))


def angle_of(vector) -> float:
    """Angle in degrees of a 2-vector, from +x toward +y (clockwise on screen)."""
    return math.degrees(math.atan2(vector[1], vector[0]))


def wrap_degrees(angle: float) -> float:
    """``angle`` in [-180, 180)."""
    return (angle + 180.0) % 360.0 - 180.0
