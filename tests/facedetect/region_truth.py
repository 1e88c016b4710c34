"""Region mattes against truth, face mesh outline vs 68 landmarks (tests/facedetect/test_mesh_regions.py,
tests/benchmarks/bench_mesh_regions.py, docs/images/mesh_regions_*.png).

Both sources use the ``mesh`` backend's detections: the 68 points it maps from the mesh, and the mesh
itself (:mod:`faceplate.nodes.facedetect.mesh_regions`). Two measures, each a soft IoU (sum of the
minimum over sum of the maximum of two mattes):

- ``moved``: the photo moved by a known similarity (roll, scale, shift: known_motion's moves); the matte
  found on the moved photo against the upright photo's matte moved by the same transform (is the region
  carried with the face?), for the extended face, eyes and mouth;
- ``turned``: the photo's face turned in 3D by a known yaw (known_motion.turned_head); the face matte
  found on the turned image against the true silhouette of the turned face (the pixels its turned mesh
  triangles cover), below the brows (the forehead's top is an estimate in both sources, and the mesh
  truth stops short of the hairline).
"""

from __future__ import annotations

import functools

import cv2
import feature_contours
import numpy as np
from known_motion import ROLLS, VARIANTS, _head, turned_head
from shots import photo_plate, warp_plate

from faceplate.foundation import geometry
from faceplate.foundation.imaging import polygon_matte
from faceplate.nodes.face_regions import REGION_SOURCES, RegionSettings, face_regions
from faceplate.nodes.facedetect.backends import get_backend
from faceplate.nodes.facedetect.detect import Detector
from faceplate.nodes.facedetect.mesh_regions import face_outline
from faceplate.nodes.faces import Face

PHOTOS = ("astronaut", "hopper")  # hopper was kept aside while the outline was built (see the report)
YAWS = (0.0, 15.0, 30.0, 45.0, 60.0)
IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@functools.cache
def detector() -> Detector:
    return Detector(get_backend("mesh"), proxy_size=640)


def as_face(found) -> Face:
    """A detection as the Face that FaceDetect would attach (68 landmarks and the mesh)."""
    return Face(1, "p", found.box, found.landmarks, np.ones(68), mesh=found.mesh)


def mattes(face: Face, shape: tuple[int, int], source: str, **knobs) -> dict[str, np.ndarray]:
    """The ``face``, ``eyes`` and ``mouth`` mattes of one face over a ``shape`` frame (plate = array pixels)."""
    settings = RegionSettings(regions_from=source, **knobs)
    contours = face_regions(face.landmarks, settings, face_outline(face, IDENTITY, settings))
    out = {}
    for region in ("face", "eyes", "mouth"):
        m = np.zeros(shape, np.float32)
        for c in contours[region]:
            polygon_matte(c.vertices, out=m, inner_widths=c.inner, outer_widths=c.outer)
        out[region] = np.clip(m, 0.0, 1.0)
    return out


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.minimum(a, b).sum() / max(np.maximum(a, b).sum(), 1e-9))


def nearest(found: list, centre: np.ndarray):
    return min(found, key=lambda d: np.linalg.norm(d.landmarks.mean(0) - centre)) if found else None


@functools.cache
def upright(name: str):
    (found,) = detector().find(photo_plate(name))
    return found


@functools.cache
def moved_detection(name: str, roll: float, variant: int):
    """``(moved_from_plate, detection or None)`` of photo ``name`` moved by ``roll`` and ``VARIANTS[variant]``."""
    plate = photo_plate(name)
    w, h = plate.width, plate.height
    scale, shift = VARIANTS[variant]
    moved_from_plate = geometry.similarity((w / 2, h / 2), (w / 2 + shift[0], h / 2 + shift[1]), scale, roll)
    moved = warp_plate(plate, moved_from_plate, (w, h))
    found = nearest(detector().find(moved), geometry.apply(moved_from_plate, upright(name).landmarks).mean(0))
    return moved_from_plate, found


def moved_ious(name: str, source: str) -> dict[str, list[float]]:
    """IoU per region at every roll of ROLLS and move of VARIANTS (one list per region)."""
    plate = photo_plate(name)
    w, h = plate.width, plate.height
    base = mattes(as_face(upright(name)), (h, w), source)
    out: dict[str, list[float]] = {r: [] for r in base}
    for roll in ROLLS:
        for variant in range(len(VARIANTS)):
            moved_from_plate, found = moved_detection(name, roll, variant)
            got = mattes(as_face(found), (h, w), source) if found is not None else None
            for region, matte in base.items():
                truth = cv2.warpAffine(matte, geometry.opencv_matrix(moved_from_plate), (w, h), flags=cv2.INTER_LINEAR)
                out[region].append(0.0 if got is None else iou(got[region], truth))
    return out


def turned_truth(name: str, yaw: float, shape: tuple[int, int]) -> tuple[np.ndarray, float]:
    """The turned face's true silhouette (a 0/1 matte of the pixels its turned mesh triangles cover, drawn
    as known_motion.turned_head draws them) and the row of its highest brow point."""
    mesh, tri = _head(name)
    a = np.radians(yaw)
    centre = mesh.mean(axis=0)
    d = mesh - centre
    turned = np.c_[centre[0] + d[:, 0] * np.cos(a) + d[:, 2] * np.sin(a), mesh[:, 1]]
    matte = np.zeros(shape, np.uint8)
    for t in tri.simplices:
        cv2.fillConvexPoly(matte, np.round((turned[t] - 0.5) * 16).astype(np.int32), 1, cv2.LINE_8, 4)
    _, move = turned_head(name, yaw)
    brows, _ = move(upright(name).landmarks[17:27])
    return matte.astype(np.float32), float(brows[:, 1].min())


@functools.cache
def turned_detection(name: str, yaw: float):
    """``(turned plate, the detection there or None)``."""
    plate, move = turned_head(name, yaw)
    return plate, nearest(detector().find(plate), move(upright(name).landmarks)[0].mean(0))


def turned_iou(name: str, yaw: float, source: str, face_region: str = "extended") -> float:
    """IoU of the face matte found on the turned face against its true silhouette, below the brows."""
    plate, found = turned_detection(name, yaw)
    shape = (plate.height, plate.width)
    truth, brow_row = turned_truth(name, yaw, shape)
    if found is None:
        return 0.0
    got = mattes(as_face(found), shape, source, face_region=face_region)["face"]
    below = slice(int(np.ceil(brow_row)), None)
    return iou(got[below], truth[below])


def sources() -> tuple[str, ...]:
    return REGION_SOURCES


FEATURE_YAWS = (0.0, 30.0, 60.0)
FEATURE_KNOBS = {"eyes_offset": 0.0, "eyes_feather": 0.0, "mouth_offset": 0.0, "mouth_feather": 0.0}


def feature_truth(name: str, yaw: float, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """The true ``eyes`` and ``mouth`` mattes of the face turned by ``yaw``: the photo's lids and lips drawn by
    hand (feature_contours), as splines, carried into the turned image by known_motion.turned_head's own warp."""
    from faceplate.nodes.face_regions import catmull_rom

    _, move = turned_head(name, yaw)
    out = {}
    for region in feature_contours.REGIONS:
        m = np.zeros(shape, np.float32)
        for contour in feature_contours.contours(name, region):
            ring, _ = move(catmull_rom(contour, 8, closed=True)[0])
            polygon_matte(ring, out=m, inner_widths=np.zeros(len(ring)), outer_widths=np.zeros(len(ring)))
        out[region] = np.clip(m, 0.0, 1.0)
    return out


def feature_ious(name: str, yaw: float, source: str) -> dict[str, float]:
    """IoU of the eye and mouth mattes (no offset, no feather) found from ``source`` on the face turned by
    ``yaw`` against :func:`feature_truth`."""
    plate, found = turned_detection(name, yaw)
    shape = (plate.height, plate.width)
    truth = feature_truth(name, yaw, shape)
    if found is None:
        return {region: 0.0 for region in truth}
    got = mattes(as_face(found), shape, source, **FEATURE_KNOBS)
    return {region: iou(got[region], truth[region]) for region in truth}
