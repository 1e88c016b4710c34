"""Landmark error against known motion, for comparing backends (tests and tests/benchmarks/bench_mesh.py).

Truth is each backend's own landmarks on the upright photo, moved by the known transform: a
similarity (roll, scale, shift), a homography (the flat photo turned about a vertical axis), or a
turned head (:func:`turned_head`: the photo's face, cut into the triangles of its face mesh, turned
in 3D about a vertical axis and drawn again triangle by triangle, far ones first). Each move is
piecewise exact, so the moved landmarks are where the same features lie in the moved image; the
error measures how much the move degrades the backend, in its own convention (the mesh's 68 points
and dlib's differ by the mapping's offset, reported apart).
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from scipy.spatial import Delaunay
from shots import photo_plate, warp_plate

from faceplate.foundation import geometry
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.plate import Plate

ROLLS = (0.0, 30.0, 60.0, 90.0)
# (scale, shift) variants at each roll: a quarter-pixel shift catches half-pixel slips.
VARIANTS = ((1.0, (0.25, 0.0)), (0.85, (-20.0, 10.0)), (1.15, (15.0, -10.0)))


def inter_ocular(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[36:42].mean(0) - points[42:48].mean(0)))


def error(found: list, expected: np.ndarray) -> float:
    """Mean landmark error over the inter-ocular distance of the face nearest ``expected`` (inf: none)."""
    if not found:
        return float("inf")
    best = min(found, key=lambda d: np.linalg.norm(d.landmarks.mean(0) - expected.mean(0)))
    return float(np.linalg.norm(best.landmarks - expected, axis=1).mean() / inter_ocular(expected))


def roll_errors(detector: Detector, name: str, roll: float) -> list[float]:
    """Errors of ``detector`` on photo ``name`` rolled by ``roll`` degrees, one per :data:`VARIANTS`."""
    plate = photo_plate(name)
    (upright,) = detector.find(plate)
    w, h = plate.width, plate.height
    out = []
    for scale, shift in VARIANTS:
        moved_from_plate = geometry.similarity((w / 2, h / 2), (w / 2 + shift[0], h / 2 + shift[1]), scale, roll)
        found = detector.find(warp_plate(plate, moved_from_plate, (w, h)))
        out.append(error(found, geometry.apply(moved_from_plate, upright.landmarks)))
    return out


def yawed(name: str, yaw: float) -> tuple[Plate, np.ndarray]:
    """Photo ``name`` turned by ``yaw`` degrees about a vertical axis through its centre (a flat card
    seen by a camera whose focal length is the photo's long side), and the homography applied."""
    plate = photo_plate(name)
    w, h = plate.width, plate.height
    f = float(max(w, h))
    k = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1.0]])
    a = np.radians(yaw)
    r = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    # The card lies at depth f; points (x, y, f) turn about (0, 0, f).
    t = np.array([0.0, 0.0, f]) - r @ np.array([0.0, 0.0, f])
    n = np.array([0.0, 0.0, 1.0])
    homography = k @ (r + np.outer(t, n) / f) @ np.linalg.inv(k)
    index_from_plate = np.array([[1.0, 0, -0.5], [0, 1.0, -0.5], [0, 0, 1.0]])  # OpenCV: pixel centres at 0
    on_indices = index_from_plate @ homography @ np.linalg.inv(index_from_plate)
    pixels = cv2.warpPerspective(
        np.ascontiguousarray(plate.pixels), on_indices, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return Plate(pixels, plate.channels), homography


def yaw_error(detector: Detector, name: str, yaw: float) -> float:
    """Error of ``detector`` on photo ``name`` turned by ``yaw`` (inf: no face found)."""
    (upright,) = detector.find(photo_plate(name))
    plate, homography = yawed(name, yaw)
    p = np.c_[upright.landmarks, np.ones(68)] @ homography.T
    return error(detector.find(plate), p[:, :2] / p[:, 2:])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z of the cross product of 2D vectors (twice the signed triangle area)."""
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


@functools.lru_cache(maxsize=2)
def _head(name: str):
    """The photo's face mesh (plate pixels, z nearer > 0) and its triangles (Delaunay on x, y)."""
    from faceplate.nodes.facedetect.backends import get_backend

    (found,) = Detector(get_backend("mesh"), proxy_size=640).find(photo_plate(name))
    return found.mesh, Delaunay(found.mesh[:, :2])


def turned_head(name: str, yaw: float) -> tuple[Plate, callable]:
    """Photo ``name`` with its face turned by ``yaw`` degrees (> 0: towards the image's right) about a
    vertical axis through the mesh's centre, and ``move(points) -> (moved points, visible)``, which
    carries upright plate points (inside or near the face) to the turned image."""
    mesh, tri = _head(name)
    plate = photo_plate(name)
    a = np.radians(yaw)
    centre = mesh.mean(axis=0)
    d = mesh - centre
    turned = np.c_[
        centre[0] + d[:, 0] * np.cos(a) + d[:, 2] * np.sin(a),
        mesh[:, 1],
        centre[2] - d[:, 0] * np.sin(a) + d[:, 2] * np.cos(a),
    ]
    src = np.ascontiguousarray(plate.pixels)
    # Where the face was: a blurred, skin-coloured fill, so no second face shows through.
    hull = cv2.convexHull((mesh[:, :2] - 0.5).astype(np.float32)).astype(np.int32)
    mask = np.zeros(src.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, hull, 1)
    out = np.where(mask[:, :, None] > 0, cv2.GaussianBlur(src, (0, 0), 12.0), src)
    simplices = tri.simplices
    order = np.argsort(turned[simplices, 2].mean(axis=1))  # far first
    for t in simplices[order]:
        s2, d2 = mesh[t, :2] - 0.5, turned[t, :2] - 0.5  # OpenCV: pixel centres at 0
        x0, y0 = np.floor(d2.min(0)).astype(int)
        x1, y1 = np.ceil(d2.max(0)).astype(int) + 1
        if x1 - x0 < 1 or y1 - y0 < 1 or _cross(d2[1] - d2[0], d2[2] - d2[0]) == 0:
            continue
        m = cv2.getAffineTransform(s2.astype(np.float32), (d2 - [x0, y0]).astype(np.float32))
        patch = cv2.warpAffine(src, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        tmask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(tmask, np.round((d2 - [x0, y0]) * 16).astype(np.int32), 1, cv2.LINE_AA, 4)
        ys, xs = slice(max(y0, 0), min(y1, out.shape[0])), slice(max(x0, 0), min(x1, out.shape[1]))
        region = out[ys, xs]
        sub = (slice(ys.start - y0, ys.stop - y0), slice(xs.start - x0, xs.stop - x0))
        region[tmask[sub] > 0] = patch[sub][tmask[sub] > 0]
    facing = _cross(
        turned[simplices[:, 1], :2] - turned[simplices[:, 0], :2],
        turned[simplices[:, 2], :2] - turned[simplices[:, 0], :2],
    )
    upright_facing = _cross(
        mesh[simplices[:, 1], :2] - mesh[simplices[:, 0], :2], mesh[simplices[:, 2], :2] - mesh[simplices[:, 0], :2]
    )
    front = np.sign(facing) == np.sign(upright_facing)

    def move(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        index = tri.find_simplex(points)
        centroids = mesh[simplices, :2].mean(axis=1)
        for i in np.flatnonzero(index < 0):  # outside the mesh: the nearest triangle, extrapolated
            index[i] = int(np.argmin(np.linalg.norm(centroids - points[i], axis=1)))
        transform = tri.transform[index]
        b = np.einsum("nij,nj->ni", transform[:, :2], points - transform[:, 2])
        weights = np.c_[b, 1.0 - b.sum(axis=1)]
        moved = np.einsum("ni,nij->nj", weights, turned[simplices[index], :2])
        return moved, front[index]

    return Plate(out, plate.channels), move


def head_yaw_error(detector: Detector, name: str, yaw: float) -> float:
    """Error of ``detector`` on photo ``name``'s face turned by ``yaw`` (inf: no face found), over the
    points whose surface still faces the camera."""
    (upright,) = detector.find(photo_plate(name))
    plate, move = turned_head(name, yaw)
    expected, visible = move(upright.landmarks)
    found = detector.find(plate)
    if not found:
        return float("inf")
    best = min(found, key=lambda d: np.linalg.norm(d.landmarks.mean(0) - expected.mean(0)))
    return float(np.linalg.norm(best.landmarks - expected, axis=1)[visible].mean() / inter_ocular(expected))
